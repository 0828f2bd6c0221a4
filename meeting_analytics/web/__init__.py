"""``meeting-analytics serve``: a local web page and JSON API over the batch machinery.

Upload a recording, watch its stages, read the report, download the transcripts. Jobs are batch jobs
(content-hash keys, atomic result directories) run on worker processes that load the models once;
the web process only streams uploads to disk, answers pages and keeps the job table.

Layout of ``--data_dir``: ``uploads/<id>`` (the files, under generated names), ``results/<key>/``
(batch results, shared by identical uploads), ``jobs/<id>/`` (each job's downloads and report) and
``manifest.sqlite`` (the batch manifest plus a ``jobs`` table).
"""
