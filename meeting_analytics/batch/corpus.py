"""Corpus answers from a batch results directory, without models: who talks how, what is asked most,
what is talked about, how people feel by meeting and by date, and what the processing cost.

Results are read one meeting at a time and folded into the analytics' ``CorpusBuilder`` (the code that
summarises an in-memory ``CorpusReport``), so memory follows the number of speakers and of distinct
questions and terms, not hours. This module reads the manifest and the result directories, names and
dates the meetings, works out the cost, and writes the files.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import asdict, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .worker import RESULT_MARKER
from ..analytics.corpus import CorpusBuilder, CorpusTables, Cost
from ..errors import CorpusError
from ..files import atomic_write_bytes, atomic_write_text, csv_text, parquet_bytes

HOSTED_PRICES = {"OpenAI (about $0.36 per audio hour)": 0.36, "Azure batch (about $0.18 per audio hour)": 0.18}
_DATE = re.compile(r"(20\d\d|19\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])")


def meeting_date(path: str, mtime: float | None) -> tuple[str | None, str]:
    """The meeting's date: from its file name (2025-03-14, 20250314), else the file's modification time
    (missing: None, or NaN where the manifest has it for other files only)."""
    m = _DATE.search(Path(path).name)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}", "file name"
    if mtime and not math.isnan(mtime):
        return datetime.fromtimestamp(mtime, tz=timezone.utc).strftime("%Y-%m-%d"), "file time"
    return None, "none"


def read_result(d: Path, meeting: str, row: dict) -> dict:
    """One saved result's frames as ``CorpusBuilder.add`` takes them (a ``meeting`` column added; of the
    utterances only what sentiment per meeting needs), with its meetings row from report.json and the
    manifest: path, date, duration, words, fillers, worker seconds."""
    info = json.loads((d / "report.json").read_text())["meeting"]
    date, source = meeting_date(row["path"], row.get("file_mtime"))
    meetings = [{"meeting": meeting, "path": row["path"], "date": date, "date_source": source,
                 "duration": info.get("duration"), "words": info.get("words"), "fillers": info.get("fillers"),
                 "wall_seconds": row.get("wall_seconds")}]

    def frame(name: str, columns: list[str] | None = None) -> pd.DataFrame:
        f = pd.read_parquet(d / f"{name}.parquet", columns=columns)
        f["meeting"] = meeting
        return f

    return {"meetings": meetings, "speakers": frame("speakers"), "filler_counts": frame("filler_counts"),
            "questions": frame("questions"), "meeting_topics": frame("meeting_topics"),
            "utterances": frame("utterances", ["sentiment", "label", "n_words"])}


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


def corpus_tables(results_dir: str | Path, top: int = 25) -> CorpusTables:
    """The corpus tables of a batch results directory: its finished results folded into the analytics'
    ``CorpusBuilder`` one meeting at a time, its failed files and its cost from the manifest."""
    results = Path(results_dir)
    files, runs = _manifest_frames(results)
    done = files[files["status"] == "done"]
    builder = CorpusBuilder()
    names = _meeting_names(done["path"].tolist())
    for row in done.to_dict("records"):
        d = results / "results" / str(row["key"])
        if (d / RESULT_MARKER).is_file():
            builder.add(**read_result(d, names[row["path"]], row))
    if not len(builder):
        raise CorpusError(f"{results}: no finished results yet")
    failed = files[files["status"] == "failed"][["path", "error"]].reset_index(drop=True)
    return replace(builder.tables(top), failed=failed, cost=_cost(files, runs))


def build_corpus(results_dir: str | Path, output_dir: str | Path | None = None, screenshot: bool = False,
                 top: int = 25) -> list[Path]:
    """Write the corpus tables (``<name>.csv`` and ``.parquet`` each, ``cost.json``) and ``corpus.html``
    (with ``screenshot``, ``corpus.png``) into ``output_dir`` (default: RESULTS/corpus)."""
    results = Path(results_dir)
    out = Path(output_dir) if output_dir else results / "corpus"
    tables = corpus_tables(results, top)
    assert tables.cost is not None  # a batch's tables have their cost
    written = []
    for name, frame in tables.frames().items():
        written.append(atomic_write_text(out / f"{name}.csv", csv_text(frame)))
        written.append(atomic_write_bytes(out / f"{name}.parquet", parquet_bytes(frame)))
    written.append(atomic_write_text(out / "cost.json", json.dumps(asdict(tables.cost), indent=1)))
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


def _cost(files: pd.DataFrame, runs: pd.DataFrame) -> Cost:
    done = files[files["status"] == "done"]
    hours = float(done["audio_seconds"].fillna(0).sum()) / 3600
    finished = runs.dropna(subset=["finished"])
    wall = float((finished["finished"] - finished["started"]).sum())
    worker = float(done["wall_seconds"].fillna(0).sum())
    return Cost(files_done=int(len(done)), files_failed=int((files["status"] == "failed").sum()),
                audio_hours=round(hours, 4), wall_hours=round(wall / 3600, 4), worker_hours=round(worker / 3600, 4),
                real_time_factor=round(wall / (hours * 3600), 4) if hours else None,
                audio_hours_per_wall_hour=round(hours * 3600 / wall, 3) if wall else None,
                hosted_equivalent_usd={name: round(hours * price, 2) for name, price in HOSTED_PRICES.items()})
