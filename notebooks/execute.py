"""Execute the notebooks in place so they are stored with their outputs (``make notebooks``).

Each notebook's metadata gets a stamp: the package version, a hash of its code cells and a hash of the
package's source. ``tests/test_notebooks.py`` recomputes both, so CI fails when a notebook's code or the
package changed after its outputs were made: the outputs a reader sees on the web are the current ones.

    .venv/bin/python notebooks/execute.py [NOTEBOOK ...]
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGE = ROOT / "meeting_analytics"
STAMP = "meeting_analytics"
SOURCE_SUFFIXES = {".py", ".yaml", ".css", ".js", ".json"}


def code_hash(nb) -> str:
    digest = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode() + b"\0")
    return digest.hexdigest()


def package_hash() -> str:
    """The package's source files (and pyproject.toml), by path and content."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and p.suffix in SOURCE_SUFFIXES
                   and "__pycache__" not in p.parts)
    digest = hashlib.sha256()
    for path in [*files, ROOT / "pyproject.toml"]:
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stamp(nb) -> dict:
    from meeting_analytics import __version__

    return {"version": __version__, "code_sha256": code_hash(nb), "package_sha256": package_hash()}


def execute(path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    NotebookClient(nb, timeout=1800, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(HERE)}}).execute()
    nb.metadata[STAMP] = stamp(nb)
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    tmp.replace(path)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(HERE.glob("*.ipynb"))
    for path in paths:
        print(f"executing {path.relative_to(ROOT) if path.is_absolute() else path}", flush=True)
        execute(path.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
