"""Files this toolkit writes: outputs appear whole or not at all, follow the user's umask, and a
failure is one line naming the path written (never the input). Caches are private and created
with their parents, safely when two processes start at once."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

from .errors import OutputError

_umask: int | None = None
_umask_lock = threading.Lock()


def reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def umask() -> int:
    """The process umask, read once (os.umask can only be read by setting it)."""
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = os.umask(0o022)
            os.umask(_umask)
        return _umask


def private_umask() -> None:
    """From now on this process creates files 0600 and directories 0700 (a server's data: its user's alone)."""
    global _umask
    with _umask_lock:
        os.umask(0o077)
        _umask = 0o077


def make_private(path: str | os.PathLike) -> Path:
    """``make_dirs(path, private=True)``, and a directory that was there already made 0700 too (an older
    version's 0755); a failure is an ``OutputError`` naming it."""
    path = make_dirs(path, private=True)
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError as exc:
        raise OutputError(path, f"cannot make it private ({reason(exc)})") from None
    return path


def data_home(*parts: str) -> Path:
    """Where this tool keeps a user's data: ``$XDG_DATA_HOME/meeting-analytics/...``, else under
    ``~/.local/share`` (voice profiles, the web app's jobs)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base, "meeting-analytics", *parts)


def make_dirs(path: str | os.PathLike, private: bool = False) -> Path:
    """``mkdir -p``, race-free; a failure is an ``OutputError`` naming the directory."""
    path = Path(path)
    try:
        path.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in [path, *path.parents] if p.exists() and not p.is_dir()), path)
        raise OutputError(blocker, "exists and is not a directory") from None
    except OSError as exc:
        raise OutputError(path, f"cannot create directory ({reason(exc)})") from None
    return path


def sub_dir(path: str | os.PathLike) -> Path:
    """A directory this tool names inside an output directory (``<stem>_analytics``, ``results``), made;
    never followed when it is a symbolic link (the files would land wherever it points)."""
    path = Path(path)
    if path.is_symlink():
        raise OutputError(path, "is a symbolic link; not followed (remove it, or choose another output directory)")
    return make_dirs(path)


def check_output_dir(path: str | os.PathLike) -> Path:
    """Fail now, before any work, when ``path`` could not receive outputs (creates nothing)."""
    path = Path(path)
    existing = next(p for p in [path, *path.parents] if p.exists() or p == p.parent)
    if not existing.is_dir():
        raise OutputError(existing, "exists and is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == path else f" in {existing}"
        raise OutputError(path, f"cannot write{where} (read-only file system or no permission)")
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes, private: bool = False) -> Path:
    """Write to a temporary file beside ``path`` and rename it into place; mode 0666 less the umask
    (0600 when ``private``)."""
    path = Path(path)
    make_dirs(path.parent, private)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(path, f"cannot write ({reason(exc)})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), 0o600 if private else 0o666 & ~umask())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, IsADirectoryError) or path.is_dir():
            raise OutputError(path, "cannot write (a directory of that name exists)") from None
        raise OutputError(path, f"cannot write ({reason(exc)})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str, private: bool = False) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"), private)


# A cell a spreadsheet would run as a formula (OWASP's "CSV injection"): text starting with one of these
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame):
    """``frame`` with every text cell a spreadsheet would read as a formula (``=1+2``, ``@SUM(...)``,
    ``-cmd|...``) prefixed with ``'``, which shows the text as written; a text cell that starts with ``'``
    and then one of those gets a second one, so ``unescape_cells`` gives back exactly what was written.
    Numbers stay numbers (a negative number is not text); only text columns are looked at."""
    return _map_text(frame, lambda value: safe_cell(value) if isinstance(value, str) else value)


def _map_text(frame, cell):
    """``frame`` with ``cell`` applied to every cell of its text columns (a copy; ``frame`` itself when none)."""
    text = [c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) in ("string", "str")]
    if not text:
        return frame
    out = frame.copy()
    for c in text:
        out[c] = frame[c].map(cell)
    return out


def safe_cell(value: str) -> str:
    """One text cell as ``spreadsheet_safe`` writes it (for tables written without pandas: the TSV transcript)."""
    if value.startswith(FORMULA_START) or value.startswith("'") and value[1:].startswith(FORMULA_START):
        return "'" + value
    return value


def unescape_cells(frame):
    """What ``spreadsheet_safe`` escaped, as it was (a CSV read back)."""
    def unescape(value):
        if isinstance(value, str) and value.startswith("'") and value[1:].startswith((*FORMULA_START, "'")):
            return value[1:] if value[1:].startswith(FORMULA_START) or value[2:].startswith(FORMULA_START) \
                else value
        return value

    return _map_text(frame, unescape)


def csv_text(frame) -> str:
    """A DataFrame as CSV text (no index), its formula-like text cells escaped (``spreadsheet_safe``)."""
    return spreadsheet_safe(frame).to_csv(index=False)


def parquet_bytes(frame) -> bytes:
    """A DataFrame as Parquet file contents (for atomic_write_bytes)."""
    import io

    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()
