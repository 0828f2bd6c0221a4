"""matplotlib charts of a MeetingReport. Each returns a ``Figure`` (pyplot is never used, so nothing
is shown or kept in global state); a speaker has the same colour in every chart.

Colour means speaker, nothing else: filler categories are told apart by hatching (bars) and marker
shape (timeline), their legends drawn in grey. Categories once had colours of their own, and
"discourse marker" was tab10's orange, SPEAKER_01's, so SPEAKER_00's bar read as SPEAKER_01's (#25).
Legends sit below the plot (a legend above the axes ended up over the title), and a legend names
only what the chart draws."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from ..analytics.meeting import MeetingReport

CATEGORIES = ("hesitation", "discourse_marker", "repetition", "custom")
CATEGORY_LABELS = {"hesitation": "hesitation", "discourse_marker": "discourse marker", "repetition": "repetition",
                   "custom": "custom"}
CATEGORY_HATCHES = {"hesitation": "", "discourse_marker": "////", "repetition": "....", "custom": "xxx"}
CATEGORY_MARKERS = {"hesitation": "o", "discourse_marker": "s", "repetition": "^", "custom": "D"}
LEGEND_GREY = "0.55"
HEADROOM = 1.15  # the longest bar ends short of the axis end, its label fits
MAX_LABEL = 22
STYLE: dict[RcKeyType, Any] = {"axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
                               "grid.alpha": 0.3, "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold"}


def label(name: object, width: int = MAX_LABEL) -> str:
    """A speaker name that fits an axis: long names cut with an ellipsis."""
    text = str(name)
    return text if len(text) <= width else text[: width - 1] + "…"


def category_label(category: object) -> str:
    """The one human name of a filler category ("discourse_marker" -> "discourse marker")."""
    return CATEGORY_LABELS.get(str(category), str(category).replace("_", " "))


def _legend_below(fig: Figure, handles: list, ncols: int) -> None:
    if handles:
        fig.legend(handles=handles, loc="outside lower center", fontsize=8, ncols=max(min(ncols, 4), 1),
                   frameon=False, handlelength=2.4, handleheight=1.2)


def _value_axis(ax, values, floor: float = 1.0) -> None:
    """0 to a little past the longest bar (never negative, never touching the axis end)."""
    top = float(np.nanmax(values)) if len(values) else 0.0
    ax.set_xlim(0, max(top * HEADROOM, floor))


def _empty_note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.35", fontsize=10)


def speakers_of(report: MeetingReport) -> list[str]:
    if report.transcript is not None and report.transcript.speakers:
        return list(report.transcript.speakers)
    return [str(s) for s in report.speakers["speaker"]]


def palette(speakers: list[str]) -> dict[str, tuple]:
    """One colour per speaker, stable for the meeting: tab10 up to 10 speakers, tab20 up to 20, then a hue wheel."""
    from matplotlib import colormaps

    n = len(speakers)
    cmap = colormaps["tab10" if n <= 10 else "tab20" if n <= 20 else "hsv"]
    colors = cmap.colors if hasattr(cmap, "colors") and n <= 20 else [cmap(i / max(n, 1)) for i in range(n)]
    return {s: colors[i % len(colors)] for i, s in enumerate(speakers)}


def chart(fn):
    """Draw under the shared style (rcParams are read while artists are created)."""
    import functools

    @functools.wraps(fn)
    def draw(*args, **kwargs) -> Figure:
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return draw


def _figure(report: MeetingReport, rows: int = 1, cols: int = 1, height_per_speaker: float = 0.0,
            base_height: float = 3.2, width: float = 9.0, **subplot_kw):
    n = max(len(speakers_of(report)), 1)
    fig = Figure(figsize=(width, base_height + height_per_speaker * n), layout="constrained")
    return fig, fig.subplots(rows, cols, squeeze=False, **subplot_kw)


def _time_axis(ax, duration: float) -> None:
    ax.set_xlim(0, max(duration, 1.0))
    ax.set_xlabel("time (s)" if duration < 600 else "time (min)")
    if duration >= 600:
        ax.xaxis.set_major_formatter(lambda x, _pos: f"{x / 60:.0f}")


def _speaker_rows(ax, speakers: list[str]) -> None:
    ax.set_yticks(range(len(speakers)), [label(s) for s in speakers])
    ax.set_ylim(max(len(speakers), 1) - 0.5, -0.5)


def _duration(report: MeetingReport) -> float:
    return float(report.meeting.duration or (report.utterances["end"].max() if len(report.utterances) else 1))


@chart
def timeline(report: MeetingReport) -> Figure:
    """Who spoke when: one row per speaker, a bar per turn (the speakers table's turns, ``talk.floor_turns``),
    and the overlapped speech the diarization heard in a row of its own."""
    from ..analytics.talk import activity, floor_turns, overlaps

    speakers = speakers_of(report)
    colors = palette(speakers)
    fig, axes = _figure(report, height_per_speaker=0.45, base_height=1.6)
    ax = axes[0, 0]
    act = activity(report.transcript.turns_frame() if report.transcript is not None else None, report.utterances)
    turns = floor_turns(report.utterances)
    for i, s in enumerate(speakers):
        spans = turns[turns["speaker"] == s]
        ax.broken_barh(list(zip(spans["start"], spans["end"] - spans["start"])), (i - 0.35, 0.7),
                       facecolors=colors[s], label=label(s))
    ov = overlaps(act) if len(act) else pd.DataFrame(columns=["start", "end"])
    if len(ov):
        ov = ov.drop_duplicates(["start", "end"])
        ax.broken_barh(list(zip(ov["start"], ov["end"] - ov["start"])), (len(speakers) - 0.35, 0.7),
                       facecolors="0.35", hatch="///", label="overlap")
    rows = speakers + (["overlap"] if len(ov) else [])
    _speaker_rows(ax, rows)
    _time_axis(ax, _duration(report))
    ax.set_title("Speaker timeline")
    ax.grid(axis="y", visible=False)
    return fig


@chart
def talk_share(report: MeetingReport) -> Figure:
    """Share of speaking time per speaker (bars sum to 100 %)."""
    s = report.speakers.set_index("speaker").reindex(speakers_of(report)).fillna(0)
    colors = palette(list(s.index))
    fig, axes = _figure(report, height_per_speaker=0.35, base_height=1.2, width=7)
    ax = axes[0, 0]
    values = s["share"].to_numpy() * 100
    ax.barh(range(len(s)), values, color=[colors[k] for k in s.index])
    for i, (v, t) in enumerate(zip(values, s["talk_time"])):
        inside = v > 70  # a long bar carries its label inside, so the axis can stop at 100 %
        ax.annotate(f"{v:.0f}% ({t:.0f} s)", (v, i), xytext=(-4 if inside else 3, 0), textcoords="offset points",
                    va="center", ha="right" if inside else "left", color="white" if inside else "black")
    _speaker_rows(ax, list(s.index))
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of speaking time (%)")
    ax.set_title("Talk share")
    return fig


@chart
def pace(report: MeetingReport) -> Figure:
    """Words per minute, and mean / longest turn, per speaker."""
    s = report.speakers.set_index("speaker").reindex(speakers_of(report)).fillna(0)
    colors = [palette(list(s.index))[k] for k in s.index]
    fig, axes = _figure(report, 1, 2, height_per_speaker=0.35, base_height=1.4, width=10, sharey=True)
    y = np.arange(len(s))
    axes[0, 0].barh(y, s["wpm"], color=colors)
    axes[0, 0].set_xlabel("words per minute")
    axes[0, 0].set_title("Speaking rate")
    _value_axis(axes[0, 0], s["wpm"].to_numpy(), floor=10)
    axes[0, 1].barh(y, s["longest_turn"], color=colors, alpha=0.35)
    axes[0, 1].barh(y, s["mean_turn"], color=colors, height=0.4)
    axes[0, 1].set_xlabel("turn length (s)")
    axes[0, 1].set_title("Turn length")
    _value_axis(axes[0, 1], s["longest_turn"].to_numpy())
    _legend_below(fig, [Patch(facecolor=LEGEND_GREY, alpha=0.35, label="longest turn (pale, full height)"),
                        Patch(facecolor=LEGEND_GREY, label="mean turn (dark, half height)")], 2)
    _speaker_rows(axes[0, 0], list(s.index))
    return fig


def _used_categories(counts: pd.DataFrame) -> list[str]:
    """The categories with at least one occurrence, in a fixed order (a category never used gets no legend)."""
    if counts.empty or "category" not in counts:
        return []
    total = counts.groupby("category")["count"].sum()
    known = [c for c in CATEGORIES if total.get(c, 0) > 0]
    return known + sorted(c for c in total.index if c not in known and c != "all" and total[c] > 0)


def _category_handles(cats: list[str], marker: bool = False) -> list:
    if marker:
        return [Line2D([], [], linestyle="none", marker=CATEGORY_MARKERS.get(c, "P"), color=LEGEND_GREY,
                       markeredgecolor="0.2", label=category_label(c)) for c in cats]
    return [Patch(facecolor=LEGEND_GREY, edgecolor="white", hatch=CATEGORY_HATCHES.get(c, "++"),
                  label=category_label(c)) for c in cats]


@chart
def filler_rates(report: MeetingReport, per: str = "per_minute") -> Figure:
    """Filler rate per speaker, stacked by category (``per``: per_minute or per_100_words): each bar in
    its speaker's colour, the categories hatched."""
    counts = report.filler_counts
    speakers = speakers_of(report)
    colors = palette(speakers)
    cats = _used_categories(counts)
    table = counts[counts["category"].isin(cats)].pivot_table(index="speaker", columns="category", values=per,
                                                              aggfunc="sum") if cats else pd.DataFrame()
    table = table.reindex(index=speakers, columns=cats).fillna(0)
    fig, axes = _figure(report, height_per_speaker=0.35, base_height=1.4, width=8)
    ax = axes[0, 0]
    left = np.zeros(len(speakers))
    for cat in cats:
        ax.barh(range(len(speakers)), table[cat], left=left, color=[colors[s] for s in speakers],
                hatch=CATEGORY_HATCHES.get(cat, "++"), edgecolor="white", linewidth=0.8, label=category_label(cat))
        left += table[cat].to_numpy()
    _speaker_rows(ax, speakers)
    _value_axis(ax, left)
    ax.set_xlabel("fillers per minute of own speech" if per == "per_minute" else "fillers per 100 words")
    ax.set_title("Filler words")
    if not cats:
        _empty_note(ax, "no fillers")
    _legend_below(fig, _category_handles(cats), len(cats))
    return fig


@chart
def filler_timeline(report: MeetingReport) -> Figure:
    """Every filler occurrence in time, one row per speaker in its colour, the category as marker shape."""
    speakers = speakers_of(report)
    colors = palette(speakers)
    occ = report.fillers
    fig, axes = _figure(report, height_per_speaker=0.4, base_height=1.6)
    ax = axes[0, 0]
    row = {s: i for i, s in enumerate(speakers)}
    occ = occ[occ["speaker"].isin(row)] if len(occ) else occ
    cats = [c for c in CATEGORIES if c in set(occ["category"])] + \
        sorted(set(occ["category"]) - set(CATEGORIES)) if len(occ) else []
    for cat in cats:
        o = occ[occ["category"] == cat]
        ax.scatter(o["start"], o["speaker"].map(row), marker=CATEGORY_MARKERS.get(cat, "P"), s=40,
                   color=[colors[s] for s in o["speaker"]], edgecolors="0.2", linewidths=0.5, zorder=3,
                   label=category_label(cat))
    _speaker_rows(ax, speakers)
    _time_axis(ax, _duration(report))
    ax.set_title("Fillers over time")
    if not cats:
        _empty_note(ax, "no fillers")
    _legend_below(fig, _category_handles(cats, marker=True), len(cats))
    return fig


@chart
def sentiment(report: MeetingReport) -> Figure:
    """Rolling sentiment per speaker over time (VADER compound, -1..1), utterances as dots."""
    speakers = speakers_of(report)
    colors = palette(speakers)
    fig, axes = _figure(report, base_height=3.4)
    ax = axes[0, 0]
    u, tl = report.utterances, report.timeline
    for s in speakers:
        us = u[u["speaker"] == s]
        ax.scatter(us["start"], us["sentiment"], s=10, color=colors[s], alpha=0.35)
        ts = tl[tl["speaker"] == s]
        ax.plot(ts["time"], ts["sentiment"], color=colors[s], lw=2, label=label(s))
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("sentiment")
    _time_axis(ax, _duration(report))
    ax.set_title("Sentiment over time")
    _legend_below(fig, [Line2D([], [], color=colors[s], lw=2, label=label(s)) for s in speakers], len(speakers))
    return fig


@chart
def topics(report: MeetingReport, top: int = 8) -> Figure:
    """Top topics per speaker (one panel each, one mention scale for all; distinctive terms, z > 1.96, in bold)."""
    from matplotlib.ticker import MaxNLocator

    speakers = speakers_of(report)
    colors = palette(speakers)
    cols = min(max(len(speakers), 1), 4)
    rows = int(np.ceil(max(len(speakers), 1) / cols))
    fig, axes = _figure(report, rows, cols, base_height=2.6 * rows, width=3.2 * cols, sharex=True)
    for ax in axes.flat[max(len(speakers), 1):]:
        ax.set_visible(False)
    if not speakers:
        axes[0, 0].set_title("Topics")
        axes[0, 0].text(0.5, 0.5, "no speakers", ha="center", va="center", transform=axes[0, 0].transAxes)
    t = report.topics
    for ax, s in zip(axes.flat, speakers):
        ts = t[t["speaker"] == s].sort_values("count", ascending=False).head(top)[::-1]
        ax.barh(range(len(ts)), ts["count"], color=colors[s])
        ax.set_yticks(range(len(ts)), [label(x, 20) for x in ts["term"]])
        for tick, z in zip(ax.get_yticklabels(), ts["z"]):
            tick.set_fontweight("bold" if z > 1.96 else "normal")
        ax.set_title(label(s), color=colors[s])
        ax.set_xlabel("mentions")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelbottom=True)
        ax.grid(axis="y", visible=False)
    return fig


CHARTS = {"timeline": timeline, "talk_share": talk_share, "pace": pace, "filler_rates": filler_rates,
          "filler_timeline": filler_timeline, "sentiment": sentiment, "topics": topics}


class ReportPlots:
    """``report.plot.timeline()`` etc.: every chart of this module bound to one report."""

    def __init__(self, report: MeetingReport):
        self._report = report

    def __getattr__(self, name: str):
        if name not in CHARTS:
            raise AttributeError(f"no chart {name!r}; charts: {', '.join(CHARTS)}")
        chart = CHARTS[name]
        return lambda *args, **kwargs: chart(self._report, *args, **kwargs)

    def __dir__(self):
        return list(CHARTS)

    def all(self) -> dict[str, Figure]:
        return {name: chart(self._report) for name, chart in CHARTS.items()}


@chart
def people_fillers(summary: pd.DataFrame) -> Figure:
    """Hesitations and discourse markers per minute, a pair of bars per person (``people_summary``), the
    categories in grey and hatched as in a report (colour means speaker), the legend below the plot."""
    rates = summary.set_index("person")
    fig = Figure(figsize=(9, 0.5 * len(rates) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rates))
    pairs = (("hesitation", "hesitations_per_minute", -0.2), ("discourse_marker", "discourse_markers_per_minute", 0.2))
    for cat, column, shift in pairs:
        ax.barh(y + shift, rates[column], height=0.4, color=LEGEND_GREY, edgecolor="white",
                hatch=CATEGORY_HATCHES[cat], label=category_label(cat))
    ax.set_yticks(y, [str(p) for p in rates.index])
    ax.invert_yaxis()
    _value_axis(ax, rates[[c for _, c, _ in pairs]].to_numpy().ravel())
    ax.set_xlabel("per minute of the person's talk")
    ax.set_title("Fillers per person, across recordings")
    _legend_below(fig, _category_handles([cat for cat, _, _ in pairs]), len(pairs))
    return fig


CORPUS_CHARTS = {"people_fillers": lambda corpus: people_fillers(corpus.people_summary())}


class CorpusPlots:
    """``corpus.plot.people_fillers()``: the corpus charts bound to one ``CorpusReport``."""

    def __init__(self, corpus):
        self._corpus = corpus

    def __getattr__(self, name: str):
        if name not in CORPUS_CHARTS:
            raise AttributeError(f"no chart {name!r}; charts: {', '.join(CORPUS_CHARTS)}")
        return lambda: CORPUS_CHARTS[name](self._corpus)

    def __dir__(self):
        return list(CORPUS_CHARTS)
