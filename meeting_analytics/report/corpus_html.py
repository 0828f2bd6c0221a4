"""The corpus report page: throughput and cost, meetings, speakers, fillers, questions, topics, sentiment."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from ..analytics.tokens import plural
from .charts import chart, label, people_fillers
from .html import esc, figure_img, page, table

if TYPE_CHECKING:
    from ..analytics.corpus import Cost, CorpusTables


@chart
def _barh(values: pd.Series, title: str, xlabel: str, color="#1f77b4", counts: bool = False) -> Figure:
    """``counts``: whole numbers on the value axis."""
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(9, 1.2 + 0.28 * max(len(values), 1)), layout="constrained")
    ax = fig.subplots()
    v = values[::-1]
    ax.barh(range(len(v)), v.to_numpy(), color=color)
    ax.set_yticks(range(len(v)), [label(x, 48) for x in v.index])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    if counts:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


@chart
def _sentiment_by_date(by_date: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(9, 2.8), layout="constrained")
    ax = fig.subplots()
    dates = pd.to_datetime(by_date["date"])
    ax.plot(dates, by_date["mean_sentiment"], marker="o")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("mean sentiment")
    ax.set_title("Sentiment over calendar time")
    return fig


PEOPLE_COLUMNS = {"meeting": ("meeting", None), "person": ("person", None), "role": ("role", None),
                  "recordings": ("recordings", "d"), "talk_time": ("talk (s)", ".0f"), "share": ("share", ".0%"),
                  "wpm": ("wpm", ".0f"), "longest_turn": ("longest turn (s)", ".1f"),
                  "hesitations_per_minute": ("um/uh per min", ".2f"),
                  "discourse_markers_per_minute": ("markers per min", ".2f"), "questions_asked": ("asked", "d"),
                  "questions_answered": ("answered", "d"), "answer_latency": ("answer latency (s)", ".2f")}


def _people_tables(t: "CorpusTables") -> str:
    """The summary per person, then the rows per person per recording (a table shows the columns it has)."""
    return ("<p>Named people (known voices, or names given) summed over their recordings; generic labels "
            "(SPEAKER_xx, CHn) are left out of the summary.</p>" + table(t.people_summary, PEOPLE_COLUMNS, limit=300)
            + "<h3>Per recording</h3>" + table(t.people.drop(columns="talk_time"), PEOPLE_COLUMNS, limit=300))


def _throughput(cost: "Cost") -> str:
    hosted = "".join(f"<tr><td>{esc(k)}</td><td class=\"num\">${v:,.2f}</td></tr>"
                     for k, v in cost.hosted_equivalent_usd.items())
    return ("<div class=\"scroll\"><table><tbody>"
            f"<tr><td>files done / failed</td><td class=\"num\">{cost.files_done} / "
            f"{cost.files_failed}</td></tr><tr><td>audio hours</td><td class=\"num\">{cost.audio_hours:.3f}"
            f"</td></tr><tr><td>wall hours (all runs)</td><td class=\"num\">{cost.wall_hours:.3f}</td></tr>"
            f"<tr><td>real-time factor (wall / audio)</td><td class=\"num\">{esc(cost.real_time_factor)}</td></tr>"
            f"<tr><td>audio hours per wall hour</td><td class=\"num\">{esc(cost.audio_hours_per_wall_hour)}"
            f"</td></tr>{hosted}</tbody></table></div>")


def filler_rates_per_meeting(speakers: pd.DataFrame) -> pd.Series:
    """Each meeting's fillers over its speakers' talk minutes: a weighted rate, so a speaker with ten seconds
    of talk does not count as much as one with ten minutes (the page showed the mean of speakers' rates)."""
    if not {"fillers", "talk_time"} <= set(speakers) or speakers.empty:
        return pd.Series(dtype=float)
    total = speakers.groupby("meeting")[["fillers", "talk_time"]].sum()
    total = total[total["talk_time"] > 0]
    return total["fillers"] / (total["talk_time"] / 60.0)


def render_corpus(t: "CorpusTables") -> str:
    """The corpus page of ``analytics.corpus.CorpusTables``: a batch's (``batch.corpus``), with its throughput
    and cost, or any corpus's (``CorpusReport.summary()``), without them."""
    meetings = t.meetings
    fill = filler_rates_per_meeting(t.speakers)
    q = t.questions.head(15).set_index("question")["count"]
    topics = t.topics.head(20)
    topics = pd.Series(topics["count"].to_numpy(), index=topics["term"])
    mood = meetings.set_index("meeting")["mean_sentiment"].sort_values()
    rate = "fillers per minute (the meeting's fillers / its speakers' talk minutes)"
    charts = [figure_img(_barh(fill.sort_values(ascending=False).head(30), "Fillers per minute of talk", rate),
                         "fillers per meeting") if len(fill) else "",
              figure_img(_barh(q, "Most frequent questions (near-duplicates grouped)", "times asked",
                               "#ff7f0e", counts=True), "top questions") if len(q) else "",
              figure_img(_barh(topics, "Topics across meetings", "mentions", "#2ca02c", counts=True), "top topics")
              if len(topics) else "",
              figure_img(_barh(mood.head(30), "Mean sentiment per meeting", "VADER compound", "#9467bd"),
                         "sentiment per meeting") if len(mood) else ""]
    if len(t.people_summary):
        charts.insert(0, figure_img(people_fillers(t.people_summary), "fillers per minute by person"))
    if len(t.sentiment_by_date) > 1:
        charts.append(figure_img(_sentiment_by_date(t.sentiment_by_date), "sentiment over time"))
    num = lambda f: (f, ".2f")  # noqa: E731
    sections = [
        ("throughput", "Throughput and cost", _throughput(t.cost) if t.cost is not None else None),
        ("charts", "Across the corpus", "".join(charts)),
        ("meetings", "Meetings", table(meetings, {"meeting": ("meeting", None), "date": ("date", None),
                                                   "duration": ("duration (s)", ".0f"), "speakers": ("speakers", "d"),
                                                   "words": ("words", "d"), "fillers": ("fillers", "d"),
                                                   "questions": ("questions", "d"),
                                                   "mean_sentiment": ("sentiment", "+.2f"),
                                                   "negative_share": ("negative", ".0%")}, limit=300)),
        ("people", "People across recordings", _people_tables(t)),
        ("speakers", "Speakers", table(t.speakers, {"meeting": ("meeting", None), "speaker": ("speaker", None),
                                                     "talk_time": ("talk (s)", ".0f"), "share": ("share", ".0%"),
                                                     "wpm": ("wpm", ".0f"), "questions": ("questions", "d"),
                                                     "fillers_per_minute": num("fillers/min"),
                                                     "mean_sentiment": ("sentiment", "+.2f")}, limit=300)),
        ("questions", "Questions", table(t.questions, {"question": ("question", None), "count": ("asked", "d"),
                                                       "meetings": ("meetings", "d"),
                                                       "answered_share": ("answered", ".0%"),
                                                       "variants": ("variants", "d"),
                                                       "example_answer": ("an answer", None)}, limit=50)),
        ("topics", "Topics", table(t.topics, {"term": ("term", None), "kind": ("kind", None),
                                              "count": ("mentions", "d"), "meetings": ("meetings", "d")}, limit=50)),
        ("failed", "Failed files", table(t.failed, {"path": ("file", None), "error": ("reason", None)})),
    ]
    if t.cost is None:  # not a batch: no processing cost, no failed files
        sections = [s for s in sections if s[0] not in ("throughput", "failed")]
    nav = "".join(f'<a href="#{k}">{esc(title)}</a>' for k, title, _ in sections)
    body = "".join(f'<section id="{k}"><h2>{esc(title)}</h2>{html}</section>' for k, title, html in sections)
    recordings, hours = ((t.cost.files_done, t.cost.audio_hours) if t.cost is not None
                         else (len(meetings), meetings["duration"].sum() / 3600))
    title = f"Corpus report: {plural(recordings, 'recording')}, {hours:.2f} audio hours"
    return page(title, f"<nav>{nav}</nav>", body)
