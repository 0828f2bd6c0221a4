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

from meeting_analytics.stages.assign import assign_speakers, group_utterances
from meeting_analytics.runinfo import ModelSource, ModelsUsed, RunInfo
from meeting_analytics.transcript import Transcript, Turn, Utterance, Word

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = Path(os.environ.get("MEETING_ANALYTICS_SHARED_DATA", ROOT.parent / "shared" / "data"))
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
def _refusing_dir(tmp: Path, name: str, mount_options: str, fault: str, fill: bool):
    """(directory, env, how): a tmpfs mounted with ``mount_options`` (filled when ``fill``), else a
    chmod 0555 directory (not root; read-only only), else ``fault`` injected (root without mount rights)."""
    d = tmp / name
    d.mkdir()
    if _mount(d, mount_options):
        try:
            if fill:
                (d / "out").mkdir()
                try:
                    with open(d / "filler", "wb") as fh:
                        fh.write(b"\0" * (1 << 20))
                except OSError:
                    pass  # full now
            yield d, {}, f"tmpfs mount ({mount_options})"
        finally:
            _umount(d)
    elif os.geteuid() != 0 and not fill:
        d.chmod(0o555)
        try:
            yield d, {}, "chmod 0555"
        finally:
            d.chmod(0o755)
    else:
        (d / "out").mkdir()
        yield d, _fault_env(tmp, d, fault), f"{fault} injected"


def read_only_dir(tmp: Path):
    """(directory, env, how): a directory nobody can write in."""
    return _refusing_dir(tmp, "read-only", "ro,size=1m", "EROFS", fill=False)


def full_dir(tmp: Path):
    """(directory, env, how): a directory on a file system with no space left (ENOSPC)."""
    return _refusing_dir(tmp, "full", "size=256k", "ENOSPC", fill=True)


# -- transcripts built by hand ---------------------------------------------------------------------

def make_transcript() -> Transcript:
    words = [Word(0.5, 0.9, "Hello", None, 0.91), Word(1.0, 1.4, "there.", None, 0.8),
             Word(1.6, 2.0, "Hi!", None, 0.99), Word(2.1, 2.5, "How", None, 0.7), Word(4.0, 4.4, "są", None, None)]
    turns = [Turn(0.4, 1.5, "SPEAKER_00"), Turn(1.5, 3.0, "SPEAKER_01"), Turn(3.8, 4.6, "SPEAKER_01")]
    words = assign_speakers(words, turns)
    return Transcript("en", 5.0, ["SPEAKER_00", "SPEAKER_01"], words, group_utterances(words, "en"), turns,
                      RunInfo(models=ModelsUsed(asr=ModelSource("tiny.en", "package")), timings={"asr": 1.25}))


def meeting(utts, turns=None, duration=None, language="en") -> Transcript:
    """utts: (speaker, start, end, text); words spread evenly over each utterance."""
    words, utterances = [], []
    for speaker, start, end, text in utts:
        tokens = text.split()
        step = (end - start) / len(tokens)
        first = len(words)
        words += [Word(start + i * step, start + (i + 1) * step, tok, speaker) for i, tok in enumerate(tokens)]
        utterances.append(Utterance(start, end, speaker, text, first, len(words)))
    turns = [Turn(*t) for t in turns] if turns else []
    speakers = sorted({u[0] for u in utts})
    return Transcript(language, duration or max(u[2] for u in utts), speakers, words, utterances, turns)
