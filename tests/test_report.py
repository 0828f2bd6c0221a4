"""Charts, the HTML report (escaping, real headless Chromium), save/load, renaming and the report CLI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from meeting_analytics.analytics import MeetingReport, analyze
from meeting_analytics.report import charts
from meeting_analytics.report.browser import dump_dom, find_browser, screenshot
from helpers import meeting

needs_browser = pytest.mark.skipif(find_browser() is None,
                                   reason="no headless Chromium (make system installs chromium-headless-shell)")


def call() -> MeetingReport:
    utts = [("Interviewer", 0, 6, "Um, so tell me about the billing project?"),
            ("Candidate", 6.5, 20, "Uh, I led the billing migration, like, the whole invoice pipeline. It went great."),
            ("Interviewer", 19, 25, "What was the hardest problem with the invoice pipeline?"),
            ("Candidate", 25.5, 40, "Um, the legacy database was terrible, you know, really slow and broken."),
            ("Interviewer", 41, 44, "Thanks, that is very helpful.")]
    turns = [(s, e, spk) for spk, s, e, _ in utts]
    return analyze(meeting(utts, turns=turns, duration=45))


def many_speakers(n: int = 8) -> MeetingReport:
    names = [f"Participant number {i} from the regional operations team" for i in range(n)]
    utts = [(names[i % n], 4.0 * i, 4.0 * i + 3.5, f"the release plan {i} looks good, um, for the customer")
            for i in range(3 * n)]
    return analyze(meeting(utts, turns=[(s, e, spk) for spk, s, e, _ in utts]))


def bar_widths(ax) -> np.ndarray:
    return np.array([p.get_width() for p in ax.patches])


def test_timeline_draws_one_row_per_speaker_and_overlaps():
    r = call()
    ax = charts.timeline(r).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Candidate", "Interviewer", "overlap"]  # the 19-20 s overlap gets its own row
    spans = ax.collections
    assert len(spans) == 3 and ax.get_xlabel() == "time (s)"
    assert len(spans[1].get_paths()) == 3  # the interviewer's three turns
    assert len(spans[2].get_paths()) == 1


def test_talk_share_bars_sum_to_100_and_colours_are_shared():
    r = call()
    fig = charts.talk_share(r)
    ax = fig.axes[0]
    assert bar_widths(ax).sum() == pytest.approx(100, abs=0.01)
    assert ax.get_xlabel() == "share of speaking time (%)"
    share_colour = to_hex(ax.patches[1].get_facecolor())
    timeline_colour = to_hex(charts.timeline(r).axes[0].collections[1].get_facecolor()[0])
    assert share_colour == timeline_colour == to_hex(charts.palette(r.transcript.speakers)["Interviewer"])


def test_filler_rates_stack_to_each_speakers_total():
    r = call()
    ax = charts.filler_rates(r).axes[0]
    totals = np.zeros(2)
    for p in ax.patches:
        totals[int(round(p.get_y() + p.get_height() / 2))] += p.get_width()
    expected = r.speakers.set_index("speaker").loc[r.transcript.speakers, "fillers_per_minute"].to_numpy()
    assert totals == pytest.approx(expected)
    assert (expected > 0).all()


def test_every_chart_with_eight_long_named_speakers():
    r = many_speakers(8)
    figs = r.plot.all()
    assert set(figs) == set(charts.CHARTS)
    tl = figs["timeline"].axes[0]
    labels = [t.get_text() for t in tl.get_yticklabels()]
    assert len(labels) == 8 and all(len(lbl) <= charts.MAX_LABEL for lbl in labels) and labels[0].endswith("…")
    assert len([a for a in figs["topics"].axes if a.get_visible()]) == 8
    assert figs["timeline"].get_size_inches()[1] > charts.timeline(call()).get_size_inches()[1]
    for fig in figs.values():  # renders without error at the size it says
        fig.canvas.draw()


def test_rename_speakers_flows_into_tables_transcript_and_charts():
    r = call().rename_speakers({"Candidate": "Ada", "Interviewer": "Bob"})
    assert set(r.speakers.speaker) == {"Ada", "Bob"}
    assert set(r.fillers.speaker) <= {"Ada", "Bob"} and set(r.questions.answered_by.dropna()) <= {"Ada", "Bob"}
    assert r.transcript.speakers == ["Ada", "Bob"] and {u.speaker for u in r.transcript.utterances} == {"Ada", "Bob"}
    assert [t.get_text() for t in r.plot.talk_share().axes[0].get_yticklabels()] == ["Ada", "Bob"]
    assert "Candidate" not in r.to_html()


def test_save_and_load_round_trip(tmp_path):
    import meeting_analytics as ma

    r = call()
    r.save(tmp_path / "res", html=True)
    back = ma.load(tmp_path / "res")
    for name, frame in r.frames().items():
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), getattr(back, name).reset_index(drop=True),
                                      check_dtype=False)
    assert back.transcript == r.transcript and back.meeting == r.meeting
    assert (tmp_path / "res" / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert "<table>" in r._repr_html_() and "Candidate" in r._repr_html_()
    assert "tell me about the billing project" in r.transcript._repr_html_()


def test_empty_and_one_speaker_meetings_render():
    from meeting_analytics.transcript import Transcript

    for r in (analyze(Transcript("en", 10.0)), analyze(meeting([("A", 0, 5, "hello there everyone")]))):
        page = r.to_html()
        assert page.count("<section") == 6 and page.rstrip().endswith("</html>")
        for name, fig in r.plot.all().items():
            fig.canvas.draw()  # draws without error, titled, at a size that fits a page
            titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
            assert any(titles) and 1 <= fig.get_size_inches()[1] < 12, name


def hostile() -> MeetingReport:
    return analyze(meeting([("A", 0, 5, "we <script>alert(1)</script> said & left"),
                            ("B <img src=x onerror=alert(2)>", 5, 9, "ok <b>bold</b> & fine?")]))


def test_transcript_text_is_escaped_in_html():
    page = hostile().to_html()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; said &amp; left" in page
    assert "B &lt;img src=x onerror=alert(2)&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script" not in page.lower() and "<img src=x" not in page
    assert "Content-Security-Policy" in page and "http://" not in page and "https://" not in page


@needs_browser
def test_html_in_headless_chromium_runs_no_script(tmp_path):
    path = tmp_path / "hostile.html"
    hostile().to_html(path)
    dom = dump_dom(path)
    assert "<script" not in dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and 'id="transcript"' in dom


@needs_browser
def test_screenshot_of_the_report_shows_the_page(tmp_path):
    from PIL import Image

    path = tmp_path / "call.html"
    call().to_html(path)
    width, height = screenshot(path, tmp_path / "call.png")
    with Image.open(tmp_path / "call.png") as img:
        pixels = np.asarray(img.convert("RGB"))
    assert (width, height) == (pixels.shape[1], pixels.shape[0]) and height > 2000  # every section, cropped
    header = pixels[:40, :, :].reshape(-1, 3).mean(axis=0)
    assert header[2] > header[0] + 30  # the dark blue header rendered, not a blank page


def test_report_cli_renders_all_formats_without_models(tmp_path):
    src = call().transcript.save(tmp_path / "interview.json")
    code = ("import sys; from meeting_analytics.cli import main; rc = main(sys.argv[1:]); "
            "assert not any(m in sys.modules for m in ('torch', 'whisperx', 'pyannote.audio')); sys.exit(rc)")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", code, "report", str(src), "-o", str(out),
                           "--format", "html,png,csv,parquet,xlsx"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (out / "interview.html").stat().st_size > 10_000
    assert {p.name for p in (out / "interview_charts").iterdir()} == {f"{n}.png" for n in charts.CHARTS}
    sheets = pd.read_excel(out / "interview.xlsx", sheet_name=None)
    assert {"meeting", "speakers", "fillers", "questions", "topics"} <= set(sheets)
    assert len(sheets["speakers"]) == 2
    again = tmp_path / "again"  # a result directory renders too
    assert subprocess.run([sys.executable, "-m", "meeting_analytics.cli", "report", str(out / "interview_analytics"),
                           "-o", str(again), "-f", "html"], capture_output=True).returncode == 0
    assert (again / "interview.html").is_file()


def test_report_cli_bad_inputs(tmp_path):
    from meeting_analytics.cli import main

    (tmp_path / "broken.json").write_text('{"segments": [')
    assert main(["report", str(tmp_path / "broken.json"), "-o", str(tmp_path)]) == 1
    assert main(["report", str(tmp_path), "-o", str(tmp_path)]) == 1  # a directory without report.json
    assert main(["report", str(tmp_path / "broken.json"), "--format", "html,pdf"]) == 2


def test_import_does_not_load_torch():
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import meeting_analytics"],
                         capture_output=True, text=True, check=True).stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in out.splitlines() if "|" in line}
    assert "meeting_analytics" in imported and not imported & {"torch", "whisperx", "pyannote", "matplotlib"}


# -- the report read at a glance -------------------------------------------------------------------

ALIGNMENT_PROBE = """<script>
const out = [];
for (const table of document.querySelectorAll("table")) {
  const heads = table.querySelectorAll("thead th"), row = table.querySelector("tbody tr");
  heads.forEach((th, i) => {
    const td = row && row.children[i];
    if (!td) return;
    const range = document.createRange();
    range.selectNodeContents(th); const headRight = range.getBoundingClientRect().right;
    range.selectNodeContents(td); const cellRight = range.getBoundingClientRect().right;
    out.push({head: th.textContent, numeric: td.classList.contains("num"), headAlign: getComputedStyle(th).textAlign,
              cellAlign: getComputedStyle(td).textAlign, headRight, cellRight});
  });
}
document.body.insertAdjacentHTML("beforeend", "<pre id='probe'>" + JSON.stringify(out) + "</pre>");
</script>"""


@needs_browser
def test_numeric_columns_and_their_headers_are_right_aligned_in_chromium(tmp_path):
    """Read back from Chromium's rendered DOM: every numeric column's header sits over its numbers."""
    import html as html_lib
    import json
    import re

    page = call().to_html()
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)  # let the probe run
    (tmp_path / "probe.html").write_text(page.replace("</body>", ALIGNMENT_PROBE + "</body>"))
    dom = dump_dom(tmp_path / "probe.html")
    cells = json.loads(html_lib.unescape(re.search(r"<pre id=\"probe\">(.*?)</pre>", dom, re.S).group(1)))
    numeric = [c for c in cells if c["numeric"]]
    assert len(numeric) >= 20 and {c["head"] for c in numeric} >= {"words", "wpm", "fillers/min", "share"}
    for c in numeric:
        assert c["headAlign"] == c["cellAlign"] == "right", c
        assert abs(c["headRight"] - c["cellRight"]) < 1.5, c
    assert all(c["headAlign"] == "left" for c in cells if not c["numeric"])


def test_topic_panels_share_one_integer_mention_scale():
    r = analyze(meeting([("A", 0, 10, "The invoice. The invoice. The invoice. The refund."),
                         ("B", 10, 20, "The server.")]))
    axes = [ax for ax in r.plot.topics().axes if ax.get_visible()]
    assert len(axes) == 2 and len({ax.get_xlim() for ax in axes}) == 1
    ticks = np.concatenate([ax.get_xticks() for ax in axes])
    assert np.allclose(ticks, np.round(ticks)) and len(set(ticks)) >= 2


def test_words_per_minute_is_over_the_talk_time_shown():
    # diarization turns run longer than the words' utterances, as they do on real audio; talk time is the
    # words' turns (definitions.METRICS), the turns the table counts and the timeline draws
    r = analyze(meeting([("A", 0, 10, "one two three four five six seven eight nine ten"),
                         ("B", 16, 20, "eleven twelve")], turns=[(0, 15, "A"), (15.5, 21, "B")]))
    s = r.speakers.set_index("speaker")
    assert s.loc["A", "talk_time"] == 10 and s.loc["A", "wpm"] == pytest.approx(10 / 10 * 60)
    assert np.allclose(s["wpm"], s["words"] / (s["talk_time"] / 60))


def test_a_line_check_is_neither_a_question_nor_a_repetition():
    r = analyze(meeting([("A", 0, 4, "Hello? Hello? Can you hear me?"), ("B", 5, 8, "Yes. Hello, hi."),
                         ("A", 9, 14, "Hello? Okay, what is the price? Do you?")]))
    assert r.questions.question.tolist() == ["Okay, what is the price? Do you?"]
    assert r.speakers.set_index("speaker").loc["A", "questions"] == 2
    assert not (r.fillers.category == "repetition").any()


def test_topics_count_a_phrase_once_and_skip_verbs():
    r = analyze(meeting([("A", 0, 9, "I need to move to New Jersey. We really need a New Jersey office."),
                         ("B", 9, 18, "You need the office in New Jersey? The need is real.")]))
    terms = set(r.meeting_topics.term)
    assert {"new jersey", "need"} <= terms and not terms & {"new", "jersey"}
    counts = r.meeting_topics.set_index("term")["count"]
    assert counts["new jersey"] == 2 and counts["need"] == 1  # "the need" is a noun; "I need" is not


def test_reprs_are_short_summaries():
    utts = [("A" if i % 2 else "B", 3.0 * i, 3.0 * i + 2.5, "we talked about the plan at length " * 10)
            for i in range(60)]
    r = analyze(meeting(utts))
    assert len(r.transcript.words) > 4000
    for text in (repr(r), repr(r.transcript)):
        assert len(text) < 600 and len(text.splitlines()) <= 12, text
    assert "2 speakers" in repr(r) and repr(r.transcript).startswith("Transcript(2 speakers")


def test_renaming_two_speakers_to_one_name_is_refused_or_merged_consistently():
    r = call()
    with pytest.raises(ValueError, match="Candidate and Interviewer would both be named 'Ada'"):
        r.rename_speakers({"Candidate": "Ada", "Interviewer": "Ada"})
    merged = analyze(r.transcript.rename_speakers({"Candidate": "Ada", "Interviewer": "Ada"}))
    assert merged.speakers.speaker.tolist() == ["Ada"] and merged.transcript.speakers == ["Ada"]
    assert merged.speakers.words.sum() == r.speakers.words.sum()
    turns = merged.transcript.turns
    assert all(a.end <= b.start for a, b in zip(turns, turns[1:]))  # overlapping turns of one speaker joined
    # one speaker now holds the floor throughout: the pauses between the old speakers' turns are inside it
    assert merged.speakers.talk_time.iloc[0] == pytest.approx(merged.meeting.speech_time)
    assert merged.meeting.speech_time >= r.meeting.speech_time
    assert [t.get_text() for t in merged.plot.talk_share().axes[0].get_yticklabels()] == ["Ada"]


@needs_browser
def test_a_browser_past_its_timeout_is_one_error_and_leaves_no_process(tmp_path):
    from meeting_analytics.report.browser import BrowserError

    path = tmp_path / "call.html"
    call().to_html(path)
    with pytest.raises(BrowserError, match="did not finish within"):
        screenshot(path, tmp_path / "call.png", timeout=0.05)
    profiles = subprocess.run(["pgrep", "-f", "ma-chromium-"], capture_output=True, text=True).stdout.split()
    assert profiles == []  # the launcher script's browser child was killed with it
    assert not (tmp_path / "call.png").exists()


def test_the_corpus_page_weighs_filler_rates_by_talk_time():
    """The corpus page charted the mean of the speakers' rates: ten seconds of talk weighed as much as ten
    minutes. A meeting's rate is its fillers over its speakers' talk minutes."""
    import pandas as pd

    from meeting_analytics.report.corpus_html import filler_rates_per_meeting

    speakers = pd.DataFrame({"meeting": ["a", "a", "b"], "speaker": ["S1", "S2", "S1"],
                             "fillers": [10, 0, 3], "talk_time": [600.0, 10.0, 60.0],
                             "fillers_per_minute": [1.0, 0.0, 3.0]})
    rates = filler_rates_per_meeting(speakers)
    assert rates["a"] == pytest.approx(10 / (610 / 60)) and rates["b"] == pytest.approx(3.0)


def test_the_people_chart_keeps_colour_for_speakers_and_its_legend_off_the_bars():
    """The corpus page's (and a notebook's) people chart drew categories in red and orange (a speaker's colour
    in every report), its legend inside the plot over the longest bars, and bars up to the axis end."""
    import pandas as pd
    from matplotlib.colors import to_hex

    from meeting_analytics.report.charts import palette, people_fillers

    summary = pd.DataFrame({"person": ["Ann", "Ben"], "hesitations_per_minute": [6.5, 14.8],
                            "discourse_markers_per_minute": [9.1, 14.7]})
    fig = people_fillers(summary)
    ax = fig.axes[0]
    speaker_colours = {to_hex(c) for c in palette([f"SPEAKER_{i:02d}" for i in range(10)]).values()}
    assert {to_hex(bar.get_facecolor()) for bar in ax.patches}.isdisjoint(speaker_colours)
    assert ax.get_legend() is None and len(fig.legends) == 1
    assert ax.get_xlim()[1] > 14.8 * 1.05
