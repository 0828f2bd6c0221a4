"""Damaged and odd recordings through ``meeting-analytics batch``: the table of kinds x outcome.

    python benchmarks/damaged_inputs.py [--seed 26] [--workers 1]

Writes the cases of ``tests/damaged.py`` (made from the shipped recordings at run time) into a
temporary directory, runs one batch over that directory, and prints a Markdown table: per kind, how
many files ended done, done with a warning, failed or skipped, and the distinct reasons (file names
taken out). Another checkout's code is measured with ``PYTHONPATH=/that/checkout`` (the cases and
this script stay this checkout's).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from damaged import make_cases  # noqa: E402


def outcomes(out: Path, inputs: Path) -> dict[str, tuple[str, str]]:
    """File name -> (status, what the manifest says: the error, or the warnings of a done file)."""
    db = sqlite3.connect(out / "manifest.sqlite")
    cols = [r[1] for r in db.execute("PRAGMA table_info(files)")]
    rows = db.execute(f"SELECT path, status, error{', warnings' if 'warnings' in cols else ''} FROM files").fetchall()
    result = {}
    for path, status, error, *warnings in rows:
        said = error or "; ".join(json.loads(warnings[0])) if warnings and warnings[0] else error or ""
        result[Path(path).name] = (status, re.sub(rf"{re.escape(str(inputs))}/\S+?: ", "", said or ""))
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ma-damaged-") as tmp:
        inputs, out = Path(tmp) / "in", Path(tmp) / "out"
        cases = make_cases(inputs, args.seed)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "meeting_analytics", "batch", str(inputs), "-o", str(out),
                               "--workers", str(args.workers)], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        seen = outcomes(out, inputs)
        traceback = "Traceback" in proc.stderr
    rows: dict[str, dict] = {}
    for case in cases:
        status, said = seen.get(case.name, ("not mentioned", ""))
        if status == "done" and said:
            status = "done, warning"
        row = rows.setdefault(case.kind, {"n": 0, "counts": defaultdict(int), "said": []})
        row["n"] += 1
        row["counts"][status] += 1
        if said and said not in row["said"]:
            row["said"].append(said)
    print(f"{len(cases)} cases, exit {proc.returncode}, {wall:.0f} s, traceback: {'yes' if traceback else 'no'}\n")
    print("| kind | n | outcome | what it says |\n|---|---|---|---|")
    for kind, row in rows.items():
        counts = ", ".join(f"{n} {s}" for s, n in sorted(row["counts"].items()))
        said = "; ".join(row["said"][:3]) + (f"; (+{len(row['said']) - 3} more)" if len(row["said"]) > 3 else "")
        print(f"| {kind} | {row['n']} | {counts} | {said.replace('|', '/')} |")


if __name__ == "__main__":
    main()
