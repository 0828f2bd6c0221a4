"""The batch manifest: one SQLite row per input file (status, reason, warnings, timings, models) and one per run.

SQLite commits are atomic, so a batch killed at any moment leaves the manifest at its last commit;
only the batch's driver process writes it (the web app's from several threads, one at a time).
"""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

from ..files import OutputError, make_dirs

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, key TEXT, content_hash TEXT, options_hash TEXT, status TEXT, error TEXT,
    audio_seconds REAL, wall_seconds REAL, started REAL, finished REAL, attempts INTEGER DEFAULT 0,
    worker TEXT, file_mtime REAL, models TEXT, versions TEXT, timings TEXT, warnings TEXT);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL, finished REAL, executor TEXT, workers INTEGER,
    files INTEGER, done INTEGER, failed INTEGER, skipped INTEGER, audio_seconds REAL, options TEXT);
"""
COLUMNS = ("path", "key", "content_hash", "options_hash", "status", "error", "audio_seconds", "wall_seconds",
           "started", "finished", "attempts", "worker", "file_mtime", "models", "versions", "timings", "warnings")
ADDED = {"warnings": "TEXT"}  # columns added since the first manifests: added to an older one when opened


def open_table(path: str | Path, schema: str, table: str, added: dict[str, str]) -> sqlite3.Connection:
    """A connection (WAL, usable from the web app's threads) with ``schema`` created and the columns
    ``added`` since the first version added to an older ``table``."""
    db = sqlite3.connect(path, timeout=60, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    for column, kind in added.items():
        if column not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    db.commit()
    return db


class Manifest:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        make_dirs(self.path.parent)
        with self.writing():
            self.db = open_table(self.path, SCHEMA, "files", ADDED)

    @contextmanager
    def writing(self):
        """SQLite's errors (read-only directory, disk full) as one line naming the manifest."""
        try:
            yield
        except sqlite3.Error as exc:
            raise OutputError(self.path, f"cannot write the manifest ({exc})") from None

    def close(self) -> None:
        self.db.close()

    def get(self, path: str) -> dict | None:
        row = self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM files WHERE path = ?", (path,)).fetchone()
        return dict(zip(COLUMNS, row)) if row else None

    def forget(self, path: str | None = None, key: str | None = None) -> None:
        """Drop the rows of ``path``, and of every file whose result is ``key`` (a result deleted)."""
        with self.writing(), self.db:
            self.db.execute("DELETE FROM files WHERE path = ? OR key = ?", (path, key))

    def upsert(self, path: str, **values) -> None:
        for key in ("models", "versions", "timings", "warnings"):
            if key in values and not isinstance(values[key], (str, type(None))):
                values[key] = json.dumps(values[key])
        current = self.get(path)
        with self.writing(), self.db:
            if current is None:
                cols = ["path", *values]
                self.db.execute(f"INSERT INTO files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                                (path, *values.values()))
            elif values:
                self.db.execute(f"UPDATE files SET {', '.join(f'{k} = ?' for k in values)} WHERE path = ?",
                                (*values.values(), path))

    def start_run(self, executor: str, workers: int, files: int, options: dict) -> int:
        with self.writing(), self.db:
            cur = self.db.execute("INSERT INTO runs (started, executor, workers, files, options) "
                                  "VALUES (?, ?, ?, ?, ?)",
                                  (time.time(), executor, workers, files, json.dumps(options, default=str)))
        assert cur.lastrowid is not None, "an INSERT sets lastrowid"
        return int(cur.lastrowid)

    def finish_run(self, run_id: int, **counts) -> None:
        with self.writing(), self.db:
            self.db.execute(f"UPDATE runs SET finished = ?, {', '.join(f'{k} = ?' for k in counts)} WHERE id = ?",
                            (time.time(), *counts.values(), run_id))

    def frame(self, table: str = "files"):
        import pandas as pd

        return pd.read_sql_query(f"SELECT * FROM {table}", self.db)
