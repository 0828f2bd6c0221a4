"""Many recordings: resumable runs keyed by content and options (``run``), the per-file work
(``worker``), where it runs (``executors``: local processes or Ray actors), the SQLite manifest
(``manifest``), and the corpus report read back from a results directory (``corpus``)."""
