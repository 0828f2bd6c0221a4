"""Server-rendered pages: the upload form, the jobs list and a job's page. Every piece of text that
comes from a client or a transcript goes through ``html.escape``; the form's fields come from the
options' declaration (``options.py``: fields marked ``web``), named in plain words (``WORDS``): the
form is the file, the kind of recording, the names, and the rest under a collapsed "Advanced"."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import time
from dataclasses import Field, dataclass
from pathlib import Path
from typing import Any

from ..analytics.names import check_name_count, parse_names
from ..catalog import offline_models, offline_names
from ..events import ANALYTICS, ASR, DIARIZE, REPORT, SEGMENTATION
from ..options import PARSERS, RECORDING_KINDS, SPEAKER_COUNTS, OptionError, PipelineOptions, RecordingKind, declared

TRUE, FALSE = {"on", "true", "1", "yes"}, {"off", "false", "0", "no", ""}
FORM_ONLY = ("kind", "names")  # the form's fields that are not options


@dataclass(frozen=True)
class Words:
    """How the form names an option for a person (the API keeps the option's name)."""

    label: str
    help: str = ""
    choices: dict[str, str] = dataclasses.field(default_factory=dict)  # value -> what it does


# every option marked ``web`` in options.py, in plain words (the CLI's help speaks in flags)
WORDS = {
    "kind": Words("Kind of recording"),
    "names": Words("Speaker names", "comma-separated, in the order they first speak; people not named stay "
                                    "SPEAKER_00, SPEAKER_01, ..."),
    "num_speakers": Words("Number of speakers", "when you know it; empty: counted from the voices"),
    "min_speakers": Words("Fewest speakers", "empty: one"),
    "max_speakers": Words("Most speakers", "empty: no limit"),
    "roles": Words("Roles", "what the people are, comma-separated, the one who asks the first question first "
                            "(interviewer, candidate)"),
    "language": Words("Language", "a two-letter code such as en, de or fr; empty: English for an English-only "
                                  "model, otherwise recognised from the first 30 seconds"),
    "model": Words("Speech recognition model", "a bigger model is more accurate and slower"),
    "hotwords": Words("Words to listen for", "names and terms the speakers use: people, companies, products"),
    "verbatim": Words("Keep filler words (um, uh)", "ask speech recognition to write fillers down as spoken: "
                                                    "they are what the filler counts count"),
    "channels": Words("Stereo recordings", "what to do with a recording that has a left and a right channel",
                      {"auto": "one person per channel when the channels sound like different people",
                       "split": "always one person per channel", "mix": "mix the channels, then tell the voices "
                                                                        "apart"}),
    "channel_names": Words("Channel names", "with one person per channel: their names, left channel first, "
                                            "comma-separated (Agent, Customer)"),
    "redact": Words("Take out personal data", "default: names, phone, card, account and ID numbers, e-mail "
                                              "and street addresses, dates of birth, in every download; or "
                                              "entity names, comma-separated (PERSON, PHONE_NUMBER); empty: off"),
    "redact_policy": Words("What replaces personal data", "with personal data taken out",
                           {"tag": "its kind: [PHONE_NUMBER]", "mask": "####",
                            "hash": "a token, the same for the same value in every recording"}),
}


def e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def in_words(name: str) -> str:
    """A field as a message names it: its words and, for scripts, its API name."""
    return f"{WORDS[name].label} ({name})" if name in WORDS else name


def web_fields(base: PipelineOptions) -> list[tuple[Field, Any]]:
    """(field, its value in ``base``) for each option the form offers, in the order of ``WORDS``."""
    fields = [(f, getattr(owner, f.name)) for owner, f in declared(base) if f.metadata.get("web")]
    return sorted(fields, key=lambda pair: list(WORDS).index(pair[0].name))


def server_defaults(base: PipelineOptions | None) -> PipelineOptions:
    return base or PipelineOptions.for_analysis()  # as for analyze and batch: keep the fillers this tool counts


def model_choices(base: PipelineOptions) -> list[tuple[str, str]]:
    """(name, label) of each model a job may ask for: the offline ones, and the server's own."""
    choices = [(card.name, card.label) for card in offline_models()]
    if base.asr.model not in offline_names():
        choices.append((base.asr.model, f"{Path(base.asr.model).name}: the model this server was started with"))
    return choices


def recording_kind(name: str) -> RecordingKind:
    kinds = {k.name: k for k in RECORDING_KINDS}
    if name not in kinds:
        raise OptionError(f"{in_words('kind')}: {name!r} is not one of {', '.join(kinds)}")
    return kinds[name]


MAX_COUNT = 100  # a speaker count the form accepts: more is no meeting a job should queue


def options_from_fields(form: dict[str, str], base: PipelineOptions | None = None) -> tuple[PipelineOptions, list[str]]:
    """The upload form's (or the API's) text fields over the server's options, the recording kind's presets
    under what the user filled in, and the speaker names; OptionError naming the field when one is bad."""
    base = server_defaults(base)
    known = {f.name: f for f, _ in web_fields(base)}
    unknown = sorted(set(form) - set(known) - set(FORM_ONLY))
    if unknown:
        raise OptionError(f"unknown field(s): {', '.join(unknown)}; known: {', '.join([*known, *FORM_ONLY])}")
    values = {f.name: getattr(owner, f.name) for owner, f in declared(base) if f.metadata["cli"]}
    given = {name: _parsed(f, form[name].strip()) for name, f in known.items() if name in form}
    values.update(given)
    kind = recording_kind(form.get("kind", "other").strip() or "other")
    counts_given = any(given.get(name) is not None for name in SPEAKER_COUNTS)
    values.update({name: value for name, value in kind.presets.items()
                   if given.get(name) is None and not (name in SPEAKER_COUNTS and counts_given)})
    _check_model(values["model"], base)
    _check_counts(values)
    try:
        options = PipelineOptions.from_kwargs(**values)
    except OptionError as exc:  # the options' messages name CLI flags
        raise OptionError(re.sub(r"--(\w+)", lambda m: in_words(m[1]), str(exc))) from None
    names = speaker_names(form.get("names", ""), options)
    return options, names


def _parsed(f: Field, text: str) -> Any:
    """One field's text as its option's value (empty: the declared default); OptionError naming it."""
    name, meta = f.name, f.metadata
    if isinstance(f.default, bool):
        if text.lower() not in TRUE | FALSE:
            raise OptionError(f"{in_words(name)}: expected on or off, got {text!r}")
        return text.lower() in TRUE
    if meta["choices"] and text not in meta["choices"]:
        raise OptionError(f"{in_words(name)}: {text!r} is not one of {', '.join(meta['choices'])}")
    if meta["kind"] == "positive_int" and len(text) > 6:  # int() of 10^400 is a number no field can take
        raise OptionError(f"{in_words(name)}: must be at most {MAX_COUNT}, got {text[:12]}...")
    try:
        value: Any = PARSERS[meta["kind"]](text) if text else f.default
    except OptionError as exc:
        raise OptionError(f"{in_words(name)}: {exc}") from None
    if meta["kind"] == "positive_int" and value is not None and value > MAX_COUNT:
        raise OptionError(f"{in_words(name)}: must be at most {MAX_COUNT}, got {value}")
    return value


def _check_model(model: str, base: PipelineOptions) -> None:
    """Only the models listed (a hub name too when the server allows downloads): a job never names a
    directory of the server's."""
    choices = [name for name, _ in model_choices(base)]
    if model not in choices and not base.asr.allow_download:
        raise OptionError(f"{in_words('model')}: {model!r} is not available offline here; "
                          f"choose from {', '.join(choices)}")


def _check_counts(values: dict[str, Any]) -> None:
    """The speaker counts' conflicts in the form's words (the options' own message names CLI flags)."""
    n, lo, hi = (values.get(name) for name in SPEAKER_COUNTS)
    if lo and hi and lo > hi:
        raise OptionError(f"{in_words('min_speakers')} {lo} is more than {in_words('max_speakers')} {hi}")
    if n and ((lo and n < lo) or (hi and n > hi)):
        raise OptionError(f"{in_words('num_speakers')} {n} is outside {in_words('min_speakers')} {lo or 1} to "
                          f"{in_words('max_speakers')} {hi or 'no limit'}")


def speaker_names(text: str, options: PipelineOptions) -> list[str]:
    """The names, each once, and no more than a speaker count fixed in the form allows (more than the
    speakers found is the job's error, once they are counted)."""
    names = parse_names(text, in_words("names"))
    most = options.num_speakers or options.max_speakers
    if most:
        check_name_count(names, most, in_words("names"))
    return names


def page(title: str, body: str, refresh: bool = False) -> str:
    meta = '<noscript><meta http-equiv="refresh" content="3"></noscript>' if refresh else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · meeting-analytics</title><link rel="stylesheet" href="/static/app.css">{meta}
<script src="/static/app.js" defer></script></head>
<body><header><a class="brand" href="/">meeting-analytics</a><nav aria-label="main"><a href="/">New upload</a>
<a href="/jobs">Jobs</a></nav></header><main id="main">{body}</main></body></html>"""


def _field(name: str, control: str, check: bool = False) -> str:
    words = WORDS[name]
    label = f'<label for="f-{name}">{e(words.label)}</label>'
    helptext = f'<small id="help-{name}">{e(words.help)}</small>' if words.help else ""
    return f'<div class="field{" check" if check else ""}">' + \
        (f"{control}{label}{helptext}" if check else f"{label}{control}{helptext}") + "</div>"


def _control(f: Field, value: Any, base: PipelineOptions) -> str:
    """The input of one option, showing ``value`` (the server's)."""
    name, meta = f.name, f.metadata
    attrs = f'id="f-{name}" name="{name}" aria-describedby="help-{name}"'
    if isinstance(value, bool):
        return (f'<input type="hidden" name="{name}" value="off">'
                f'<input type="checkbox" {attrs} value="on"{" checked" if value else ""}>')
    choices = model_choices(base) if name == "model" else \
        [(c, f"{c}: {WORDS[name].choices.get(c, c)}") for c in meta["choices"] or ()]
    if choices:
        options = "".join(f'<option value="{e(c)}"{" selected" if c == value else ""}>{e(label)}</option>'
                          for c, label in choices)
        return f"<select {attrs}>{options}</select>"
    kind = ' type="number" min="1" step="1"' if meta["kind"] in ("positive_int", "int") else ' type="text"'
    shown = f' value="{e(value)}"' if value is not None else ""
    return f"<input {attrs}{kind}{shown}>"


def _kinds() -> str:
    """The recording kinds as radio buttons; each carries its presets for app.js to fill in."""
    radios = "".join(
        f'<label class="kind"><input type="radio" name="kind" value="{e(k.name)}"'
        f'{" checked" if k.name == "other" else ""} data-presets="{e(json.dumps(k.presets))}"> {e(k.label)}</label>'
        for k in RECORDING_KINDS)
    return f'<fieldset id="kinds"><legend>What kind of recording is it?</legend>{radios}</fieldset>'


def start_page(max_upload: int, recent: list[dict], base: PipelineOptions | None = None) -> str:
    base = server_defaults(base)
    advanced = "".join(_field(f.name, _control(f, value, base), isinstance(value, bool))
                       for f, value in web_fields(base))
    names = _field("names", '<input id="f-names" name="names" type="text" aria-describedby="help-names" '
                            'placeholder="Ann, Bob">')
    body = f"""<h1>Transcribe and analyse a recording</h1>
<p>Who spoke when, for how long and how fast, their filler words, questions and answers. Everything runs on
this machine. Up to {max_upload / 2**30:.3g} GiB; any audio or video file.</p>
<form id="upload" action="/jobs" method="post" enctype="multipart/form-data">
<div id="drop" class="drop"><label for="f-file">Recording</label>
<input id="f-file" name="file" type="file" accept="audio/*,video/*" required>
<p class="hint">or drop a file here</p></div>
{_kinds()}{names}
<details id="advanced"><summary>Advanced</summary>{advanced}</details>
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
        f'<td>{_when(j["started"])}</td>'  # a job that never started has no start time
        f'<td class="num">{"reused" if j["reused"] else _speed(j["speed"])}</td></tr>' for j in jobs)
    return ('<table class="jobs"><thead><tr><th scope="col">File</th><th scope="col" class="num">Duration</th>'
            '<th scope="col">Status</th><th scope="col">Started</th><th scope="col" class="num">Speed</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def jobs_page(jobs: list[dict]) -> str:
    return page("Jobs", f"<h1>Jobs</h1>{jobs_table(jobs)}",
                refresh=any(j["status"] in ("queued", "running") for j in jobs))


STAGE_LABELS = {SEGMENTATION: "Speech detection", ASR: "Transcription", DIARIZE: "Speakers", ANALYTICS: "Analytics",
                REPORT: "Report"}  # the job table's stages (web.jobs.STAGES), named for people


def _timing(job: dict) -> str:
    """Wall time and speed of the run; a reused result's are the run that computed it (or none)."""
    if job["reused"]:
        original = f", computed at {_speed(job['original_speed'])} real time" if job["original_speed"] else ""
        return (f'<dt>Result</dt><dd id="reused">reused from an identical earlier upload{original}; ready in '
                f'{job["wall_seconds"] or 0:.1f} s</dd>')
    return ((f'<dt>Wall time</dt><dd>{job["wall_seconds"]:.1f} s</dd>' if job["wall_seconds"] else "")
            + (f'<dt>Speed</dt><dd>{_speed(job["speed"])} real time</dd>' if job["speed"] else ""))


# what each download is, by the end of its name (the first that matches)
DOWNLOADS = (("report.html", "this report as one file, to keep or send; opens in any browser"),
             ("_speakers.csv", "one row per speaker: talk time, share, words per minute, fillers, questions"),
             ("_utterances.csv", "one row per utterance: speaker, start and end, text"),
             (".xlsx", "every table of the report as an Excel workbook, a sheet each"),
             (".txt", "the transcript as plain text, a line per utterance with its times and speaker"),
             (".srt", "subtitles for a video player"),
             (".vtt", "subtitles for a web page's video player (WebVTT)"),
             (".tsv", "the transcript as a table: start and end in milliseconds, speaker, text"),
             (".json", "the full transcript with every word's time and speaker (meeting-analytics reads it "
                       "back)"),
             (".rttm", "who spoke when, for speaker diarization scoring tools"))


def _download_kind(name: str) -> int:
    """The position in ``DOWNLOADS`` of what ``name`` is (past the end: none of them)."""
    return next((i for i, (end, _) in enumerate(DOWNLOADS) if name.endswith(end)), len(DOWNLOADS))


def download_note(name: str) -> str:
    kind = _download_kind(name)
    return DOWNLOADS[kind][1] if kind < len(DOWNLOADS) else ""


def _downloads(jid: str, files: list[str]) -> str:
    ranked = sorted(files, key=_download_kind)
    rows = "".join(f'<li><a href="/api/jobs/{jid}/files/{e(n)}" download>{e(n)}</a> '
                   f'<span class="note">{e(download_note(n))}</span></li>' for n in ranked)
    return f'<section aria-labelledby="dl-h"><h2 id="dl-h">Downloads</h2><ul class="downloads">{rows}</ul></section>'


def job_page(job: dict, files: list[str]) -> str:
    jid, status = e(job["id"]), job["status"]
    stages = "".join(
        f'<li><label for="stage-{s}">{e(label)}</label> <progress id="stage-{s}" max="1" '
        f'value="{job["stages"].get(s, 0.0)}">{int(100 * job["stages"].get(s, 0.0))}%</progress></li>'
        for s, label in STAGE_LABELS.items())
    facts = (f'<dl class="facts"><dt>Status</dt>'
             f'<dd><span id="status" class="status {e(status)}">{e(status)}</span></dd>'
             f'<dt>Duration</dt><dd>{_duration(job["duration"])}</dd><dt>Created</dt><dd>{_when(job["created"])}</dd>'
             + _timing(job) + "</dl>")
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
        # the report keeps its own styles in a frame; app.js makes the frame as tall as the report
        done = (f'{_downloads(jid, files)}<section aria-labelledby="rep-h"><h2 id="rep-h">Report</h2>'
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
