"""Corpus answers from a batch results directory, without models: who talks how, what is asked most,
what is talked about, how people feel by meeting and by date, and what the processing cost.

Results are read one meeting at a time and folded into running totals (questions and topics by key,
sentiment per meeting), so memory follows the number of distinct questions and terms, not hours.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .worker import RESULT_MARKER
from ..analytics.people import person_rows, person_summary
from ..analytics.questions import question_key
from ..analytics.sentiment import speaker_sentiment
from ..errors import CorpusError
from ..files import atomic_write_bytes, atomic_write_text, parquet_bytes

HOSTED_PRICES = {"OpenAI (about $0.36 per audio hour)": 0.36, "Azure batch (about $0.18 per audio hour)": 0.18}
_DATE = re.compile(r"(20\d\d|19\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])")


def meeting_date(path: str, mtime: float | None) -> tuple[str | None, str]:
    """The meeting's date: from its file name (2025-03-14, 20250314), else the file's modification time."""
    m = _DATE.search(Path(path).name)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}", "file name"
    if mtime:
        return datetime.fromtimestamp(mtime, tz=timezone.utc).strftime("%Y-%m-%d"), "file time"
    return None, "none"


class _Fold:
    """Running totals over meetings."""

    def __init__(self):
        self.speakers, self.fillers, self.meetings, self.people = [], [], [], []
        self.questions: dict[str, dict] = {}
        self.topics: Counter = Counter()
        self.topic_meetings: Counter = Counter()

    def add(self, meeting: str, d: Path, row: dict) -> None:
        speakers = pd.read_parquet(d / "speakers.parquet").assign(meeting=meeting)
        self.speakers.append(speakers)
        counts = pd.read_parquet(d / "filler_counts.parquet").assign(meeting=meeting)
        self.fillers.append(counts)
        questions = pd.read_parquet(d / "questions.parquet")
        self._questions(meeting, questions)
        self.people.append(person_rows(meeting, speakers, counts, questions))
        topics = pd.read_parquet(d / "meeting_topics.parquet")
        for term, kind, count in zip(topics["term"], topics["kind"], topics["count"]):
            self.topics[(term, kind)] += int(count)
            self.topic_meetings[(term, kind)] += 1
        utt = pd.read_parquet(d / "utterances.parquet", columns=["sentiment", "label", "n_words"])
        info = json.loads((d / "report.json").read_text())["meeting"]
        date, source = meeting_date(row["path"], row.get("file_mtime"))
        mood = speaker_sentiment(utt.assign(meeting=meeting), by="meeting").set_index("meeting") \
            .reindex([meeting])[["mean_sentiment", "positive_share", "negative_share"]].iloc[0]  # NaN if silent
        self.meetings.append({
            "meeting": meeting, "path": row["path"], "date": date, "date_source": source,
            "duration": info.get("duration"), "speakers": len(speakers), "words": info.get("words"),
            "fillers": info.get("fillers"), "questions": len(questions), **mood.astype(float).to_dict(),
            "utterances": len(utt), "wall_seconds": row.get("wall_seconds")})

    def _questions(self, meeting: str, q: pd.DataFrame) -> None:
        for text, answered_by, answer in zip(q["question"], q["answered_by"], q["answer"]):
            key = question_key(str(text))
            g = self.questions.setdefault(key, {"count": 0, "meetings": set(), "answered": 0,
                                                "examples": Counter(), "answer": None})
            g["count"] += 1
            g["meetings"].add(meeting)
            g["examples"][str(text).strip()] += 1
            if isinstance(answered_by, str):
                g["answered"] += 1
                g["answer"] = g["answer"] or str(answer)


def _manifest_frames(results: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    from .manifest import Manifest

    if not (results / "manifest.sqlite").is_file():
        raise CorpusError(f"{results}: not a batch results directory (no manifest.sqlite)")
    m = Manifest(results / "manifest.sqlite")
    try:
        files, runs = m.frame("files"), m.frame("runs")
    finally:
        m.close()
    return files, runs


def build_corpus(results_dir: str | Path, output_dir: str | Path | None = None, screenshot: bool = False,
                 top: int = 25) -> list[Path]:
    results = Path(results_dir)
    out = Path(output_dir) if output_dir else results / "corpus"
    files, runs = _manifest_frames(results)
    done = files[files["status"] == "done"]
    fold = _Fold()
    names = _meeting_names(done["path"].tolist())
    for row in done.to_dict("records"):
        d = results / "results" / str(row["key"])
        if (d / RESULT_MARKER).is_file():
            fold.add(names[row["path"]], d, row)
    if not fold.meetings:
        raise CorpusError(f"{results}: no finished results yet")
    tables = _tables(fold, files, runs, top)
    written = []
    for name, frame in tables.items():
        if isinstance(frame, pd.DataFrame):
            written.append(atomic_write_text(out / f"{name}.csv", frame.to_csv(index=False)))
            written.append(atomic_write_bytes(out / f"{name}.parquet", parquet_bytes(frame)))
    written.append(atomic_write_text(out / "cost.json", json.dumps(tables["cost"], indent=1)))
    from ..report.corpus_html import render_corpus

    written.append(atomic_write_text(out / "corpus.html", render_corpus(tables)))
    if screenshot:
        from ..report.browser import screenshot as shoot

        shoot(out / "corpus.html", out / "corpus.png")
        written.append(out / "corpus.png")
    return written


def _meeting_names(paths: list[str]) -> dict[str, str]:
    """Short unique names: the file stem, with its parent folder when stems repeat."""
    stems = Counter(Path(p).stem for p in paths)
    return {p: Path(p).stem if stems[Path(p).stem] == 1 else f"{Path(p).parent.name}/{Path(p).stem}" for p in paths}


def _tables(fold: _Fold, files: pd.DataFrame, runs: pd.DataFrame, top: int) -> dict:
    speakers = pd.concat(fold.speakers, ignore_index=True)
    speakers = speakers[["meeting", *[c for c in speakers.columns if c != "meeting"]]]
    fillers = pd.concat(fold.fillers, ignore_index=True)
    filler_rates = fillers.pivot_table(index=["meeting", "speaker"], columns="category", values="per_minute",
                                       aggfunc="sum", fill_value=0.0).reset_index()
    filler_rates.columns.name = None
    meetings = pd.DataFrame(fold.meetings)
    questions = pd.DataFrame([{"question": g["examples"].most_common(1)[0][0], "count": g["count"],
                               "meetings": len(g["meetings"]), "answered_share": g["answered"] / g["count"],
                               "variants": len(g["examples"]), "example_answer": g["answer"], "key": k}
                              for k, g in fold.questions.items()], columns=["question", "count", "meetings",
                                                                              "answered_share", "variants",
                                                                              "example_answer", "key"])
    questions = questions.sort_values(["count", "meetings"], ascending=False).head(top * 4).reset_index(drop=True)
    topics = pd.DataFrame([(t, k, c, fold.topic_meetings[(t, k)]) for (t, k), c in fold.topics.items()],
                          columns=["term", "kind", "count", "meetings"])
    topics = topics.sort_values(["count", "meetings"], ascending=False).head(top * 4).reset_index(drop=True)
    by_date = meetings.dropna(subset=["date"]).groupby("date").agg(
        meetings=("meeting", "size"), mean_sentiment=("mean_sentiment", "mean"),
        negative_share=("negative_share", "mean")).reset_index()
    people = pd.concat(fold.people, ignore_index=True)
    return {"speakers": speakers, "filler_rates": filler_rates, "people": people,
            "people_summary": person_summary(people), "meetings": meetings, "questions": questions,
            "topics": topics, "sentiment_by_date": by_date, "failed": files[files["status"] == "failed"][
                ["path", "error"]].reset_index(drop=True), "cost": _cost(files, runs)}


def _cost(files: pd.DataFrame, runs: pd.DataFrame) -> dict:
    done = files[files["status"] == "done"]
    hours = float(done["audio_seconds"].fillna(0).sum()) / 3600
    finished = runs.dropna(subset=["finished"])
    wall = float((finished["finished"] - finished["started"]).sum())
    worker = float(done["wall_seconds"].fillna(0).sum())
    return {"files_done": int(len(done)), "files_failed": int((files["status"] == "failed").sum()),
            "audio_hours": round(hours, 4), "wall_hours": round(wall / 3600, 4),
            "worker_hours": round(worker / 3600, 4),
            "real_time_factor": round(wall / (hours * 3600), 4) if hours else None,
            "audio_hours_per_wall_hour": round(hours * 3600 / wall, 3) if wall else None,
            "hosted_equivalent_usd": {name: round(hours * price, 2) for name, price in HOSTED_PRICES.items()}}
