"""Shared builders for the tests: the CLI in a subprocess, and directories that refuse writes.

Directories that refuse writes are real where the machine allows: a read-only tmpfs mount and a
full tmpfs (ENOSPC from the kernel) when the tests run as root with mount rights, a chmod 0555
directory otherwise. Where neither works (root without mount rights), a ``sitecustomize`` loaded
into the CLI subprocess makes temporary files in that directory fail: writes go to /dev/full (the
kernel's ENOSPC) or raise EROFS. The fixture says which one it used.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "meeting_analytics"]

_FAULTS = textwrap.dedent('''
    import errno, os, tempfile
    _dir = os.path.realpath(os.environ["MA_TEST_FAULT_DIR"])
    _errno = getattr(errno, os.environ["MA_TEST_FAULT_ERRNO"])
    _mkstemp = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and os.path.realpath(dir).startswith(_dir):
            if _errno == errno.ENOSPC:  # the kernel's own "no space left" on every write
                return os.open("/dev/full", os.O_WRONLY), os.path.join(dir, ".full.tmp")
            raise OSError(_errno, os.strerror(_errno), dir)
        return _mkstemp(*args, dir=dir, **kwargs)

    tempfile.mkstemp = mkstemp
''')


def run_cli(*args, env: dict | None = None, timeout: float = 900, umask: int | None = None,
            cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONWARNINGS="ignore", **(env or {}))
    full_env = {k: v for k, v in full_env.items() if v is not None}
    preexec = (lambda: os.umask(umask)) if umask is not None else None
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=full_env,
                          preexec_fn=preexec, cwd=cwd)


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip()]


def _mount(path: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    return done.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fault_env(tmp: Path, target: Path, err: str) -> dict:
    site = tmp / "faults"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(_FAULTS)
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "MA_TEST_FAULT_DIR": str(target), "MA_TEST_FAULT_ERRNO": err}


@contextmanager
def read_only_dir(tmp: Path):
    """(directory, env, how): a directory nobody can write in."""
    d = tmp / "read-only"
    d.mkdir()
    if _mount(d, "ro,size=1m"):
        try:
            yield d, {}, "read-only tmpfs mount"
        finally:
            _umount(d)
    elif os.geteuid() != 0:
        d.chmod(0o555)
        try:
            yield d, {}, "chmod 0555"
        finally:
            d.chmod(0o755)
    else:
        yield d, _fault_env(tmp, d, "EROFS"), "EROFS injected (root without mount rights)"


@contextmanager
def full_dir(tmp: Path):
    """(directory, env, how): a directory on a file system with no space left."""
    d = tmp / "full"
    d.mkdir()
    if _mount(d, "size=256k"):
        try:
            (d / "out").mkdir()
            try:
                with open(d / "filler", "wb") as fh:
                    fh.write(b"\0" * (1 << 20))
            except OSError:
                pass  # full now
            yield d, {}, "full tmpfs mount"
        finally:
            _umount(d)
    else:
        (d / "out").mkdir()
        yield d, _fault_env(tmp, d, "ENOSPC"), "ENOSPC injected through /dev/full"
