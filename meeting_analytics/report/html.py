"""One self-contained HTML page per meeting: charts inlined as PNG, no scripts, no network resources.

Every piece of text that comes from a transcript or a table goes through ``html.escape``.
"""

from __future__ import annotations

import base64
import html
import io
import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Iterable

import pandas as pd

if TYPE_CHECKING:
    from ..analytics.meeting import MeetingReport
    from ..transcript import Transcript

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d1d1f;
background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
header{background:#1f3a5f;color:#fff;padding:20px 24px}header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85}header p.warning{margin-top:6px;opacity:1;color:#ffe08a;font-weight:600}
nav{margin-top:8px}nav a{color:#cfe3ff;margin-right:14px;text-decoration:none}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);padding:16px 20px;margin:18px 0}
h2{margin:0 0 10px;font-size:18px;color:#1f3a5f}h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0}
th,td{padding:4px 8px;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:top}
th{background:#f1f4f8;font-weight:600}th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto;display:block;margin:8px 0}
.chip{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.utt{display:grid;grid-template-columns:70px 180px 1fr;gap:8px;padding:3px 0;border-bottom:1px solid #f0f0f0}
.utt .t{color:#6b7280;font-variant-numeric:tabular-nums}.utt .s{font-weight:600;overflow-wrap:anywhere}
.muted{color:#6b7280}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
"""

SECTIONS = [("summary", "Speakers"), ("fillers", "Filler words"), ("questions", "Questions and answers"),
            ("topics", "Topics"), ("sentiment", "Sentiment"), ("transcript", "Transcript")]


def esc(value: object) -> str:
    return html.escape("" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value))


def clock(seconds: float) -> str:
    seconds = max(float(seconds), 0.0)
    h, rem = divmod(int(seconds), 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60:02d}:{rem % 60:02d}"


def _cell(value: object, fmt: str | None) -> str:
    if fmt and isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        return f'<td class="num">{esc(format(value, fmt))}</td>'
    return f"<td>{esc(value)}</td>"


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None]], limit: int | None = None,
          chips: dict[str, str] | None = None) -> str:
    """An HTML table of ``frame``: ``columns`` maps column -> (header, number format or None)."""
    if frame.empty:
        return '<p class="muted">none</p>'
    cols = [c for c in columns if c in frame]
    head = "".join(f'<th class="num">{esc(columns[c][0])}</th>' if columns[c][1] else f"<th>{esc(columns[c][0])}</th>"
                   for c in cols)
    rows = []
    for rec in frame[cols].head(limit).to_dict("records"):
        cells = []
        for c in cols:
            if chips and c == "speaker" and rec[c] in chips:
                cells.append(f'<td><span class="chip" style="background:{chips[rec[c]]}"></span>{esc(rec[c])}</td>')
            else:
                cells.append(_cell(rec[c], columns[c][1]))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f'<p class="muted">first {limit} of {len(frame)} rows</p>' if limit and len(frame) > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


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


def summary_html(report: MeetingReport) -> str:
    """The speaker table and a one-line meeting summary (Jupyter's rich display of a report)."""
    m = report.meeting
    line = (f"{esc(m.source or 'meeting')} · {clock(m.duration or 0)} · "
            f"{len(report.speakers)} speakers · {m.words} words · {m.fillers} fillers · "
            f"language {esc(m.language)}")
    speakers = table(report.speakers, SPEAKER_TABLE, chips=_hex_palette(report))
    return f"<div><p><b>MeetingReport</b> {line}</p>{speakers}</div>"


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
    counts = report.filler_counts
    wide = counts.pivot_table(index="speaker", columns="category", values="count", aggfunc="sum", fill_value=0) \
        .reset_index() if len(counts) else pd.DataFrame()
    used = [c for c in wide.columns if c not in ("speaker", "all") and wide[c].sum() > 0]
    cols = {"speaker": ("speaker", None), **{c: (c.replace("_", " "), "d") for c in used}, "all": ("total", "d")}
    occ = {"speaker": ("speaker", None), "start": ("time (s)", ".1f"), "text": ("filler", None),
           "category": ("category", None), "context": ("context", None)}
    return [figure_img(report.plot.filler_rates(), "filler rate per speaker"),
            figure_img(report.plot.filler_timeline(), "fillers over time"),
            "<h3>Counts by category</h3>", table(wide, cols, chips=colors),
            "<h3>Occurrences</h3>", table(report.fillers, occ, limit=200, chips=colors)]


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
    from .charts import speakers_of

    colors = _hex_palette(report)
    m = report.meeting
    title = title or f"Meeting report: {m.source or 'meeting'}"
    meta = (f"{clock(m.duration or 0)} · {len(speakers_of(report))} speakers · {m.words} words · "
            f"language {esc(m.language)} · generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    nav = "".join(f'<a href="#{k}">{esc(t)}</a>' for k, t in SECTIONS)
    q = {"speaker": ("asked by", None), "start": ("time (s)", ".1f"), "question": ("question", None),
         "answered_by": ("answered by", None), "answer": ("answer", None), "latency": ("latency (s)", ".1f")}
    mood = {"speaker": ("speaker", None), "mean_sentiment": ("mean", "+.2f"), "positive_share": ("positive", ".0%"),
            "negative_share": ("negative", ".0%")}
    transcript = transcript_html(report.transcript, colors=colors) if report.transcript is not None else \
        table(report.utterances, {"start": ("time (s)", ".1f"), "speaker": ("speaker", None), "text": ("text", None)})
    body = [
        _section("summary", "Speakers", [table(report.speakers, SPEAKER_TABLE, chips=colors),
                                         figure_img(report.plot.timeline(), "speaker timeline"),
                                         figure_img(report.plot.talk_share(), "talk share"),
                                         figure_img(report.plot.pace(), "speaking rate and turn length")]),
        _section("fillers", "Filler words", _fillers(report, colors)),
        _section("questions", "Questions and answers", [table(report.questions, q, chips=colors)]),
        _section("topics", "Topics", _topics(report, colors)),
        _section("sentiment", "Sentiment", [table(report.speakers, mood, chips=colors),
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
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{esc(title)}</title><style>{CSS}</style>"
            f"</head><body><header><h1>{esc(title)}</h1>{header}</header><main>{main}</main></body></html>\n")
