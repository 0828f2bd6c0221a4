"""Server-rendered pages: the upload form, the jobs list and a job's page. Every piece of text that
comes from a client or a transcript goes through ``html.escape``; the form's fields come from the
options' declaration (``options.py``: fields marked ``web``)."""

from __future__ import annotations

import html
import json
import time
from dataclasses import Field
from typing import Any

from ..events import ANALYTICS, ASR, DIARIZE, REPORT, SEGMENTATION
from ..options import PARSERS, OptionError, PipelineOptions, declared

NAMES_HELP = "speaker names, comma-separated, in the order they first speak (unnamed ones stay SPEAKER_xx)"
TRUE, FALSE = {"on", "true", "1", "yes"}, {"off", "false", "0", "no", ""}


def e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def web_fields(base: PipelineOptions) -> list[tuple[Field, Any]]:
    """(field, its value in ``base``) for each option the form offers."""
    return [(f, getattr(owner, f.name)) for owner, f in declared(base) if f.metadata.get("web")]


def server_defaults(base: PipelineOptions | None) -> PipelineOptions:
    return base or PipelineOptions.for_analysis()  # as for analyze and batch: keep the fillers this tool counts


def options_from_fields(form: dict[str, str], base: PipelineOptions | None = None) -> tuple[PipelineOptions, list[str]]:
    """The upload form's (or the API's) text fields over the server's options, and the speaker names;
    OptionError naming the field when one is bad."""
    base = server_defaults(base)
    known = {f.name: f for f, _ in web_fields(base)}
    unknown = sorted(set(form) - set(known) - {"names"})
    if unknown:
        raise OptionError(f"unknown field(s): {', '.join(unknown)}; known: {', '.join([*known, 'names'])}")
    values = {f.name: getattr(owner, f.name) for owner, f in declared(base) if f.metadata["cli"]}
    for name, f in known.items():
        if name not in form:
            continue
        text = form[name].strip()
        if isinstance(f.default, bool):
            if text.lower() not in TRUE | FALSE:
                raise OptionError(f"{name}: expected on or off, got {text!r}")
            values[name] = text.lower() in TRUE
        elif f.metadata["choices"] and text not in f.metadata["choices"]:
            raise OptionError(f"{name}: {text!r} is not one of {', '.join(f.metadata['choices'])}")
        else:
            try:
                values[name] = PARSERS[f.metadata["kind"]](text) if text else f.default
            except OptionError as exc:
                raise OptionError(f"{name}: {exc}") from None
    names = [n.strip() for n in form.get("names", "").split(",") if n.strip()]
    if len(set(names)) != len(names):
        raise OptionError("names: each speaker needs a different name")
    return PipelineOptions.from_kwargs(**values), names


def page(title: str, body: str, refresh: bool = False) -> str:
    meta = '<noscript><meta http-equiv="refresh" content="3"></noscript>' if refresh else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · meeting-analytics</title><link rel="stylesheet" href="/static/app.css">{meta}
<script src="/static/app.js" defer></script></head>
<body><header><a class="brand" href="/">meeting-analytics</a><nav aria-label="main"><a href="/">New upload</a>
<a href="/jobs">Jobs</a></nav></header><main id="main">{body}</main></body></html>"""


def _field(f, default) -> str:
    name, meta = f.name, f.metadata
    label = name.replace("_", " ").capitalize()
    help_id = f"help-{name}"
    shown = meta["shown"] if meta["shown"] and default == f.default else \
        ("on" if default is True else "off" if default is False else default)
    helptext = f'<small id="{help_id}">{e(meta["help"])} (default: {e(shown)})</small>'
    if isinstance(default, bool):
        checked = " checked" if default else ""
        return (f'<div class="field check"><input type="hidden" name="{name}" value="off">'
                f'<input type="checkbox" id="f-{name}" name="{name}" value="on"{checked} aria-describedby="{help_id}">'
                f'<label for="f-{name}">{e(label)}</label>{helptext}</div>')
    if meta["choices"]:
        options = "".join(f'<option{" selected" if c == default else ""}>{e(c)}</option>' for c in meta["choices"])
        return (f'<div class="field"><label for="f-{name}">{e(label)}</label><select id="f-{name}" name="{name}" '
                f'aria-describedby="{help_id}">{options}</select>{helptext}</div>')
    attrs = ' type="number" min="1" step="1"' if meta["kind"] in ("positive_int", "int") else ' type="text"'
    listing = ""
    if name == "model":
        from ..weights import OFFLINE_WHISPER

        attrs += ' list="models"'
        options = "".join(f'<option value="{e(m)}">' for m in OFFLINE_WHISPER)
        listing = f'<datalist id="models">{options}</datalist>'
    value = f' value="{e(default)}"' if default is not None else ""
    return (f'<div class="field"><label for="f-{name}">{e(label)}</label>'
            f'<input id="f-{name}" name="{name}"{attrs}{value} aria-describedby="{help_id}">{listing}{helptext}</div>')


def start_page(max_upload: int, recent: list[dict], base: PipelineOptions | None = None) -> str:
    fields_html = "".join(_field(f, value) for f, value in web_fields(server_defaults(base)))
    body = f"""<h1>Transcribe and analyse a recording</h1>
<p>Everything runs on this machine: speech recognition (WhisperX), speakers (pyannote.audio), fillers, talk time,
questions, sentiment and topics. Up to {max_upload / 2**30:.3g} GiB, any format ffmpeg reads.</p>
<form id="upload" action="/jobs" method="post" enctype="multipart/form-data">
<div id="drop" class="drop"><label for="f-file">Recording</label>
<input id="f-file" name="file" type="file" accept="audio/*,video/*" required>
<p class="hint">or drop a file here</p></div>
<fieldset><legend>Options</legend>{fields_html}
<div class="field"><label for="f-names">Names</label><input id="f-names" name="names" type="text"
 aria-describedby="help-names" placeholder="Interviewer, Candidate"><small id="help-names">{e(NAMES_HELP)}</small></div>
</fieldset>
<button type="submit">Transcribe</button> <span id="upload-status" role="status" aria-live="polite"></span>
</form>
<h2>Recent jobs</h2>{jobs_table(recent[:5])}"""
    return page("New upload", body)


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else ""


def _duration(seconds: float | None) -> str:
    if not seconds:
        return ""
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _speed(speed: float | None) -> str:
    return f"{speed:.1f}x" if speed else ""


def jobs_table(jobs: list[dict]) -> str:
    if not jobs:
        return "<p>No jobs yet.</p>"
    rows = "".join(
        f'<tr><td><a href="/jobs/{e(j["id"])}">{e(j["file"])}</a></td><td class="num">{_duration(j["duration"])}</td>'
        f'<td><span class="status {e(j["status"])}">{e(j["status"])}</span></td>'
        f'<td>{_when(j["started"] or j["created"])}</td>'
        f'<td class="num">{_speed(j["speed"])}</td></tr>' for j in jobs)
    return ('<table class="jobs"><thead><tr><th scope="col">File</th><th scope="col" class="num">Duration</th>'
            '<th scope="col">Status</th><th scope="col">Started</th><th scope="col" class="num">Speed</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def jobs_page(jobs: list[dict]) -> str:
    return page("Jobs", f"<h1>Jobs</h1>{jobs_table(jobs)}",
                refresh=any(j["status"] in ("queued", "running") for j in jobs))


STAGE_LABELS = {SEGMENTATION: "Speech detection", ASR: "Transcription", DIARIZE: "Speakers", ANALYTICS: "Analytics",
                REPORT: "Report"}  # the job table's stages (web.jobs.STAGES), named for people


def job_page(job: dict, files: list[str]) -> str:
    jid, status = e(job["id"]), job["status"]
    stages = "".join(
        f'<li><label for="stage-{s}">{e(label)}</label> <progress id="stage-{s}" max="1" '
        f'value="{job["stages"].get(s, 0.0)}">{int(100 * job["stages"].get(s, 0.0))}%</progress></li>'
        for s, label in STAGE_LABELS.items())
    facts = (f'<dl class="facts"><dt>Status</dt>'
             f'<dd><span id="status" class="status {e(status)}">{e(status)}</span></dd>'
             f'<dt>Duration</dt><dd>{_duration(job["duration"])}</dd><dt>Created</dt><dd>{_when(job["created"])}</dd>'
             + (f'<dt>Wall time</dt><dd>{job["wall_seconds"]:.1f} s</dd>' if job["wall_seconds"] else "")
             + (f'<dt>Speed</dt><dd>{_speed(job["speed"])} real time</dd>' if job["speed"] else "")
             + ("<dt>Result</dt><dd>reused from an identical earlier upload</dd>" if job["reused"] else "") + "</dl>")
    error = f'<p id="error" class="error" role="alert">{e(job["error"])}</p>' if job["error"] else \
        '<p id="error" class="error" role="alert" hidden></p>'
    if job.get("warnings"):  # done, from a damaged recording
        error += ('<ul id="warnings" class="warnings" aria-label="warnings">'
                  + "".join(f'<li class="warning">Damaged recording: {e(w)}</li>' for w in job["warnings"]) + "</ul>")
    progress = "" if status in ("done", "failed") else (
        f'<section aria-labelledby="progress-h"><h2 id="progress-h">Progress</h2>'
        f'<p><progress id="overall" max="1" value="{job["progress"]}" aria-label="overall progress"></progress> '
        f'<span id="percent">{int(100 * job["progress"])}%</span> '
        f'<span id="stage">{e(STAGE_LABELS.get(job["stage"] or "", ""))}</span></p>'
        f'<ul class="stages">{stages}</ul></section>')
    done = ""
    if status == "done":
        links = "".join(f'<li><a href="/api/jobs/{jid}/files/{e(n)}" download>{e(n)}</a></li>' for n in files)
        done = (f'<section aria-labelledby="dl-h"><h2 id="dl-h">Downloads</h2><ul class="downloads">{links}</ul>'
                f'</section><section aria-labelledby="rep-h"><h2 id="rep-h">Report</h2>'
                f'<p><a href="/api/jobs/{jid}/report">Open the report on its own page</a></p>'
                f'<iframe id="report" title="Report" sandbox="allow-same-origin" src="/api/jobs/{jid}/report">'
                '</iframe></section>')
    delete = (f'<form method="post" action="/jobs/{jid}/delete" class="delete"><button type="submit">Delete this job'
              "</button></form>")
    body = (f'<h1>{e(job["file"])}</h1><div id="job" data-id="{jid}" data-status="{e(status)}">{facts}{error}'
            f"{progress}</div>{done}{delete}")
    return page(job["file"], body, refresh=status in ("queued", "running"))


def message_page(title: str, text: str) -> str:
    return page(title, f'<h1>{e(title)}</h1><p class="error" role="alert">{e(text)}</p><p><a href="/">Back</a></p>')


def event(job: dict) -> str:
    """One server-sent event: the job's state as JSON."""
    return f"data: {json.dumps(job, default=str)}\n\n"
