"""One self-contained HTML page per meeting: charts inlined as PNG, no scripts, no network resources.

Every piece of text that comes from a transcript or a table goes through ``html.escape``.

What a reader needs is on the page, not in tooltips: a "how to read this" list under each table
defines its columns. Tables scroll inside a wrapper of their own (a shadow at its edge says more is
there), so at 700 px the page itself never scrolls sideways (the Speakers table ran 150 px past the
right edge, #25); a speaker's chip and name never wrap apart; a question nobody answered says
"no answer" instead of showing blank cells.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, Iterable

import pandas as pd

if TYPE_CHECKING:
    from ..analytics.corpus import CorpusReport
    from ..analytics.meeting import MeetingReport
    from ..transcript import Transcript

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d1d1f;
background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
header{background:#1f3a5f;color:#fff;padding:20px 24px}header h1{margin:0 0 4px;font-size:22px;overflow-wrap:anywhere}
header p{margin:0;opacity:.85}header p.warning{margin-top:6px;opacity:1;color:#ffe08a;font-weight:600}
nav{margin-top:8px}nav a{color:#cfe3ff;margin-right:14px;text-decoration:none}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:16px 20px;margin:18px 0}
h2{margin:0 0 10px;font-size:18px;color:#1f3a5f}h3{font-size:15px;margin:14px 0 6px}
.scroll{overflow-x:auto;max-width:100%;margin:6px 0;background:linear-gradient(90deg,#fff 30%,#fff0),
linear-gradient(270deg,#fff 30%,#fff0) 100% 0,radial-gradient(farthest-side at 0 50%,#0003,#0000),
radial-gradient(farthest-side at 100% 50%,#0003,#0000) 100% 0;background-repeat:no-repeat;
background-size:40px 100%,40px 100%,14px 100%,14px 100%;background-attachment:local,local,scroll,scroll}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
th{background:#f1f4f8;font-weight:600}th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto;display:block;margin:8px 0}
.chip{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}td.who{white-space:nowrap}
mark{background:#fde68a;color:inherit;padding:0 2px;border-radius:2px}
.howto{margin:8px 0 12px;padding:8px 12px;background:#f8fafc;border:1px solid #e5e7eb;border-radius:6px;font-size:13px}
.howto h3{margin:0 0 4px;font-size:13px}.howto dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;
margin:0}.howto dt{font-weight:600}.howto dd{margin:0}
.utt{display:grid;grid-template-columns:70px 180px 1fr;gap:8px;padding:3px 0;border-bottom:1px solid #f0f0f0}
.utt .t{color:#6b7280;font-variant-numeric:tabular-nums}.utt .s{font-weight:600;overflow-wrap:anywhere}
.muted{color:#6b7280}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}.grid2>div{min-width:0}
@media (max-width:760px){main{padding:10px}header{padding:14px}section{padding:12px}th,td{padding:4px 6px}
.grid2{grid-template-columns:1fr}.utt{grid-template-columns:48px 110px 1fr}.howto dl{grid-template-columns:1fr}
.howto dd{margin-bottom:4px}}
"""

SECTIONS = [("summary", "Speakers"), ("fillers", "Filler words"), ("questions", "Questions and answers"),
            ("topics", "Topics"), ("sentiment", "Sentiment"), ("transcript", "Transcript")]


def esc(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value))


def clock(seconds: float) -> str:
    seconds = max(float(seconds), 0.0)
    h, rem = divmod(int(seconds), 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60:02d}:{rem % 60:02d}"


def _cell(value: object, fmt: str | None, missing: str = "") -> str:
    absent = value is None or (isinstance(value, float) and math.isnan(value))
    if absent and missing:
        return f'<td class="muted{" num" if fmt else ""}">{esc(missing)}</td>'
    if fmt and isinstance(value, (int, float)) and not absent:
        return f'<td class="num">{esc(format(value, fmt))}</td>'
    return f"<td>{esc(value)}</td>"


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None]], limit: int | None = None,
          chips: dict[str, str] | None = None, missing: dict[str, str] | None = None,
          cells: dict[str, Callable[[dict], str]] | None = None) -> str:
    """An HTML table of ``frame`` in a sideways-scrolling wrapper: ``columns`` maps column -> (header,
    number format or None); ``missing`` the text of an empty cell per column; ``cells`` a column's cell
    HTML from its row (the function escapes what it shows)."""
    if frame.empty:
        return '<p class="muted">none</p>'
    cols = [c for c in columns if c in frame]
    head = "".join(f'<th class="num">{esc(columns[c][0])}</th>' if columns[c][1] else f"<th>{esc(columns[c][0])}</th>"
                   for c in cols)
    rows = []
    for rec in frame[cols].head(limit).to_dict("records"):
        row = []
        for c in cols:
            if cells and c in cells:
                row.append(f"<td>{cells[c](rec)}</td>")
            elif chips and c == "speaker" and rec[c] in chips:
                row.append(f'<td class="who"><span class="chip" style="background:{chips[rec[c]]}"></span>'
                           f"{esc(rec[c])}</td>")
            else:
                row.append(_cell(rec[c], columns[c][1], (missing or {}).get(c, "")))
        rows.append("<tr>" + "".join(row) + "</tr>")
    more = f'<p class="muted">first {limit} of {len(frame)} rows</p>' if limit and len(frame) > limit else ""
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            f"{more}")


@dataclass(frozen=True)
class Definition:
    """What a column shows, on the page next to its table."""

    header: str
    definition: str


def how_to_read(definitions: Iterable[Definition], title: str = "How to read this") -> str:
    items = "".join(f"<dt>{esc(d.header)}</dt><dd>{esc(d.definition)}</dd>" for d in definitions)
    return f'<div class="howto"><h3>{esc(title)}</h3><dl>{items}</dl></div>'


def file_name(source: object) -> str:
    """The file name of a path as typed ("data/call/sample.wav", "C:\\calls\\x.wav" -> "sample.wav", "x.wav")."""
    return re.split(r"[\\/]", str(source).rstrip("\\/"))[-1] or str(source)


def highlight(context: object, filler: object) -> str:
    """The context's HTML with the whole filler in ``<mark>``: the analytics bracket a phrase's first word
    only ("[you] know"), or the whole phrase ("[you know,]"); both show as one marked phrase."""
    text, said = str(context), str(filler)
    if f"[{said}]" in text:
        before, after = text.split(f"[{said}]", 1)
        return f"{esc(before)}<mark>{esc(said)}</mark>{esc(after)}"
    words, n = text.split(" "), max(len(said.split()), 1)
    first = f"[{said.split()[0]}]" if said.split() else None
    if first not in words:
        return esc(text)
    at = words.index(first)
    marked = [words[at][1:-1], *words[at + 1:at + n]]
    return " ".join(filter(None, [esc(" ".join(words[:at])), f"<mark>{esc(' '.join(marked))}</mark>",
                                  esc(" ".join(words[at + n:]))]))


def figure_img(fig, alt: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def _hex_palette(report: MeetingReport) -> dict[str, str]:
    from matplotlib.colors import to_hex

    from .charts import palette, speakers_of

    return {s: to_hex(c) for s, c in palette(speakers_of(report)).items()}


SPEAKER_TABLE = {"speaker": ("speaker", None), "role": ("role", None), "talk_time": ("talk (s)", ".0f"),
                 "share": ("share", ".0%"), "words": ("words", "d"), "wpm": ("wpm", ".0f"), "turns": ("turns", "d"),
                 "longest_turn": ("longest turn (s)", ".1f"), "questions": ("questions", "d"),
                 "interruptions": ("interruptions", "d"), "fillers": ("fillers", ".0f"),
                 "fillers_per_minute": ("fillers/min", ".1f"), "mean_sentiment": ("sentiment", "+.2f")}


# the speakers' columns are defined once, in analytics.definitions.METRICS; these are the page's own
FILLER_DEFINITIONS = [
    Definition("hesitation", "um, uh, er, hmm"),
    Definition("discourse marker", "like, you know, I mean, so, well... where used as a filler (\"I like "
                                   "Python\" is not one)"),
    Definition("repetition", "a word said twice in a row, or a false start (\"the the\", \"we- we\")"),
    Definition("per minute", "fillers over the speaker's own talk time, so a quiet speaker is not flattered"),
    Definition("context", "the words around the filler, the filler marked"),
]


def _question_definitions() -> list[Definition]:
    from ..analytics.definitions import METRICS

    return [Definition("time (s)", METRICS["question_start"].definition),
            Definition("answered by / answer", "the next utterance by another speaker within 10 s of the "
                                               "question's end; \"no answer\" when nobody else spoke up in time"),
            Definition("latency (s)", METRICS["latency"].definition)]


def _speaker_definitions() -> dict[str, str]:
    from ..analytics.definitions import METRICS

    def text(metric) -> str:  # a scale ("-1..1") is not in the header; seconds, % and counts are
        return f"{metric.definition} ({metric.unit})" if ".." in metric.unit else metric.definition

    return {column: text(metric) for column, metric in METRICS.items()}


def _definitions(columns: dict[str, tuple[str, str | None]], frame: pd.DataFrame,
                 texts: dict[str, str]) -> list[Definition]:
    return [Definition(columns[c][0], texts[c]) for c in columns if c in texts and c in frame]


def summary_html(report: MeetingReport) -> str:
    """The speaker table and a one-line meeting summary (Jupyter's rich display of a report)."""
    from ..analytics.tokens import plural

    m = report.meeting
    line = (f"{esc(file_name(m.source) if m.source else 'meeting')} · {clock(m.duration or 0)} · "
            f"{plural(len(report.speakers), 'speaker')} · {plural(m.words, 'word')} · "
            f"{plural(m.fillers, 'filler')} · language {esc(m.language)}")
    speakers = table(report.speakers, SPEAKER_TABLE, chips=_hex_palette(report))
    return f"<div><p><b>MeetingReport</b> {line}</p>{speakers}</div>"


def corpus_summary_html(report: CorpusReport, limit: int = 20) -> str:
    """The totals and one row per meeting (Jupyter's rich display of a corpus)."""
    line, per = report.at_a_glance()
    columns = {"meeting": ("meeting", None), "duration": ("duration (s)", ".1f"), "speakers": ("speakers", "d"),
               "words": ("words", "d"), "fillers": ("fillers", "d"), "questions": ("questions", "d")}
    return f"<div><p><b>CorpusReport</b> {esc(line)}</p>{table(per, columns, limit=limit)}</div>"


def transcript_html(transcript: Transcript, limit: int | None = None, colors: dict[str, str] | None = None) -> str:
    rows = []
    for u in transcript.utterances[:limit]:
        color = "#1d1d1f" if u.speaker is None else (colors or {}).get(u.speaker, "#1d1d1f")
        rows.append(f'<div class="utt"><span class="t">{clock(u.start)}</span>'
                    f'<span class="s" style="color:{color}">{esc(u.speaker or "unknown")}</span>'
                    f"<span>{esc(u.text)}</span></div>")
    more = len(transcript.utterances) - len(rows)
    tail = f'<p class="muted">… {more} more utterances</p>' if more > 0 else ""
    return "".join(rows) + tail


def _section(key: str, title: str, body: Iterable[str]) -> str:
    return f'<section id="{key}"><h2>{esc(title)}</h2>{"".join(body)}</section>'


def _fillers(report: MeetingReport, colors: dict[str, str]) -> list[str]:
    from .charts import category_label

    counts = report.filler_counts
    wide = counts.pivot_table(index="speaker", columns="category", values="count", aggfunc="sum", fill_value=0) \
        .reset_index() if len(counts) else pd.DataFrame()
    used = [c for c in wide.columns if c not in ("speaker", "all") and wide[c].sum() > 0]
    cols = {"speaker": ("speaker", None), **{c: (category_label(c), "d") for c in used}, "all": ("total", "d")}
    occ = {"speaker": ("speaker", None), "start": ("time (s)", ".1f"), "text": ("filler", None),
           "category": ("category", None), "context": ("context", None)}
    shown = report.fillers.assign(category=report.fillers["category"].map(category_label)) \
        if len(report.fillers) else report.fillers
    marked = {"context": lambda rec: highlight(rec["context"], rec["text"])}
    return [figure_img(report.plot.filler_rates(), "filler rate per speaker"),
            figure_img(report.plot.filler_timeline(), "fillers over time"),
            "<h3>Counts by category</h3>", table(wide, cols, chips=colors),
            "<h3>Occurrences</h3>", table(shown, occ, limit=200, chips=colors, cells=marked),
            how_to_read(FILLER_DEFINITIONS)]


def _topics(report: MeetingReport, colors: dict[str, str]) -> list[str]:
    t = report.topics
    distinctive = t[t["z"] > 1.96].sort_values(["speaker", "z"], ascending=[True, False]) if len(t) else t
    cols = {"term": ("term", None), "kind": ("kind", None), "count": ("count", "d"), "speakers": ("speakers", "d")}
    dcols = {"speaker": ("speaker", None), "term": ("term", None), "count": ("count", "d"),
             "z": ("z (log-odds)", ".2f")}
    return [figure_img(report.plot.topics(), "top topics per speaker"),
            '<div class="grid2"><div><h3>Meeting topics</h3>', table(report.meeting_topics, cols, limit=25),
            "</div><div><h3>Distinctive terms per speaker</h3>", table(distinctive, dcols, limit=40, chips=colors),
            "</div></div>"]


def render(report: MeetingReport, title: str | None = None) -> str:
    """The whole page."""
    from ..analytics.tokens import plural
    from .charts import speakers_of

    colors = _hex_palette(report)
    m = report.meeting
    title = title or f"Meeting report: {file_name(m.source) if m.source else 'meeting'}"
    meta = (f"{clock(m.duration or 0)} · {plural(len(speakers_of(report)), 'speaker')} · "
            f"{plural(m.words, 'word')} · "
            f"language {esc(m.language)} · generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    nav = "".join(f'<a href="#{k}">{esc(t)}</a>' for k, t in SECTIONS)
    q = {"speaker": ("asked by", None), "start": ("time (s)", ".1f"), "question": ("question", None),
         "answered_by": ("answered by", None), "answer": ("answer", None), "latency": ("latency (s)", ".1f")}
    mood = {"speaker": ("speaker", None), "mean_sentiment": ("mean", "+.2f"), "positive_share": ("positive", ".0%"),
            "negative_share": ("negative", ".0%")}
    transcript = transcript_html(report.transcript, colors=colors) if report.transcript is not None else \
        table(report.utterances, {"start": ("time (s)", ".1f"), "speaker": ("speaker", None), "text": ("text", None)})
    unanswered = {"answered_by": "no answer", "answer": "—", "latency": "—"}
    body = [
        _section("summary", "Speakers", [table(report.speakers, SPEAKER_TABLE, chips=colors),
                                         how_to_read(_definitions(SPEAKER_TABLE, report.speakers,
                                                                  _speaker_definitions())),
                                         figure_img(report.plot.timeline(), "speaker timeline"),
                                         figure_img(report.plot.talk_share(), "talk share"),
                                         figure_img(report.plot.pace(), "speaking rate and turn length")]),
        _section("fillers", "Filler words", _fillers(report, colors)),
        _section("questions", "Questions and answers", [table(report.questions, q, chips=colors, missing=unanswered),
                                                        how_to_read(_question_definitions())
                                                        if len(report.questions) else ""]),
        _section("topics", "Topics", _topics(report, colors)),
        _section("sentiment", "Sentiment", [table(report.speakers, mood, chips=colors),
                                            how_to_read(_definitions(mood, report.speakers,
                                                                     _speaker_definitions())),
                                            figure_img(report.plot.sentiment(), "sentiment over time")]),
        _section("transcript", "Transcript", [transcript]),
    ]
    warnings = report.transcript.info.warnings if report.transcript is not None else []
    damaged = "".join(f'<p class="warning">Damaged recording: {esc(w)}</p>' for w in warnings)
    return page(title, f"<p>{esc(meta)}</p>{damaged}<nav>{nav}</nav>", "".join(body))


def page(title: str, header: str, main: str) -> str:
    """The document: no scripts, and a Content-Security-Policy that would block any (and any fetch)."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
            "style-src 'unsafe-inline'\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{CSS}</style>"
            f"</head><body><header><h1>{esc(title)}</h1>{header}</header><main>{main}</main></body></html>\n")
