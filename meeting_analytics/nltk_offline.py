"""NLTK resources built locally, so nothing reaches for NLTK's downloader (it cannot reach its host
here, and this toolkit makes no network calls the user did not ask for).

``punkt_tab``: whisperx.align splits sentences with NLTK's Punkt and downloads ``punkt_tab`` when
it is missing. An untrained Punkt model (sentence ends at . ! ? unless the token is a known
abbreviation) serves that purpose; it is written once under the cache directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import OutputError
from .files import atomic_write_bytes, atomic_write_text, make_dirs, reason
from .weights import ensure_cache_dir

ENGLISH_ABBREVIATIONS = ["mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co",
                         "jr", "sr", "no", "approx", "dept", "fig", "jan", "feb", "mar", "apr", "jun", "jul",
                         "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "a.m", "p.m"]


# WordNet 3.0's lexicographer files (lexnames(5WN)); Debian's wordnet-base omits the file NLTK reads.
_LEXNAMES = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
             "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location "
             "noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process "
             "noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change "
             "verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation "
             "verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather "
             "adj.ppl").split()
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
WORDNET_DIRS = ("/usr/share/wordnet", "/usr/local/share/wordnet", "/opt/homebrew/share/wordnet")
_WORDNET_FILES = tuple(f"{kind}.{pos}" for kind in ("index", "data") for pos in ("noun", "verb", "adj", "adv")) \
    + tuple(f"{pos}.exc" for pos in ("noun", "verb", "adj", "adv"))


def nltk_data_dir() -> Path:
    """The private NLTK data root under the cache, created with its parents."""
    return ensure_cache_dir("nltk_data")


def _private_write(path: Path, text: str) -> None:
    """Whole or not at all: two processes writing the same resource at once both succeed."""
    atomic_write_text(path, text, private=True)


def ensure_punkt_tab(language: str = "english") -> Path:
    """Make ``tokenizers/punkt_tab/<language>/`` available to NLTK without a download."""
    root = nltk_data_dir()
    lang_dir = root / "tokenizers" / "punkt_tab" / language
    if not (lang_dir / "ortho_context.tab").exists():
        abbrevs = ENGLISH_ABBREVIATIONS if language == "english" else []
        _private_write(lang_dir / "abbrev_types.txt", "".join(f"{a}\n" for a in abbrevs))
        _private_write(lang_dir / "collocations.tab", "")
        _private_write(lang_dir / "sent_starters.txt", "")
        _private_write(lang_dir / "ortho_context.tab", "")
    _add_root(root)
    return lang_dir


def ensure_vader_lexicon() -> str:
    """Copy the VADER lexicon shipped in ``vaderSentiment`` into the NLTK data directory (NLTK only
    reads resources from its data roots) and return its NLTK resource name."""
    import importlib.util

    spec = importlib.util.find_spec("vaderSentiment")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the VADER lexicon ships in the vaderSentiment package: pip install vaderSentiment")
    source = Path(next(iter(spec.submodule_search_locations))) / "vader_lexicon.txt"
    root = nltk_data_dir()
    target = root / "sentiment" / "vader_lexicon" / "vader_lexicon.txt"
    if not target.exists() or target.stat().st_size != source.stat().st_size:
        atomic_write_bytes(target, source.read_bytes(), private=True)
    _add_root(root)
    return "sentiment/vader_lexicon/vader_lexicon.txt"


def _add_root(root: Path) -> None:
    import nltk

    if str(root) not in nltk.data.path:
        nltk.data.path.insert(0, str(root))


def ensure_wordnet(source: str | os.PathLike | None = None) -> Path | None:
    """Make ``corpora/wordnet`` available to NLTK from an installed WordNet 3.0 database (Debian's
    ``wordnet-base``, or ``source``); None when NLTK already has one or none is installed."""
    import nltk

    root = nltk_data_dir()
    target = root / "corpora" / "wordnet"
    if (target / "lexnames").exists():
        _add_root(root)
        return target
    try:
        elsewhere = Path(nltk.data.find("corpora/wordnet"))
        if root not in elsewhere.parents:
            return elsewhere
    except LookupError:
        pass
    candidates = [Path(source)] if source else [Path(d) for d in WORDNET_DIRS]
    found = next((d for d in candidates if all((d / f).is_file() for f in _WORDNET_FILES)), None)
    if found is None:
        return None
    _publish_wordnet(found, target)
    _add_root(root)
    return target


def _publish_wordnet(found: Path, target: Path) -> None:
    """Copy WordNet into a folder of its own, then rename it to ``target`` at once: another process never
    sees a half-copied ``target`` (one that read it while the first process copied died on its missing
    ``lexnames``). Of processes copying at once, the first rename wins and the others drop their copy."""
    import shutil

    staging = _staging_dir(target)
    try:
        for name in _WORDNET_FILES:  # copied: NLTK refuses resources that resolve outside its data roots
            _private_write(staging / name, (found / name).read_text(encoding="utf-8", errors="replace"))
        lexnames = "".join(f"{i:02d}\t{name}\t{_CATEGORY[name.split('.')[0]]}\n" for i, name in enumerate(_LEXNAMES))
        _private_write(staging / "lexnames", lexnames)
        # NLTK reads sense keys only to map other WordNet versions onto this one (for OMW, unused here)
        _private_write(staging / "index.sense", "")
        for _ in range(5):
            try:
                staging.rename(target)
                return
            except OSError:
                if (target / "lexnames").exists():
                    return  # another process published first
            _drop(target, staging.with_name(staging.name + "-stale"))  # half a copy an older version left
        raise OutputError(target, "cannot put WordNet in place; set MEETING_ANALYTICS_CACHE to a writable directory")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _staging_dir(target: Path, stale_after: float = 3600.0) -> Path:
    """A new private folder beside ``target``; those of processes killed while copying (older than
    ``stale_after`` seconds) are removed first."""
    import contextlib
    import shutil
    import tempfile
    import time

    try:
        parent = make_dirs(target.parent, private=True)
        for old in parent.glob(".wordnet-*"):
            with contextlib.suppress(OSError):  # another process may sweep it first
                if old.stat().st_mtime < time.time() - stale_after:
                    shutil.rmtree(old, ignore_errors=True)
        return Path(tempfile.mkdtemp(prefix=".wordnet-", dir=parent))
    except OSError as exc:
        raise OutputError(target.parent, f"cannot write WordNet into the cache ({reason(exc)}; "
                                         "set MEETING_ANALYTICS_CACHE to a writable directory)") from None


def _drop(target: Path, aside: Path) -> None:
    """Move ``target`` out of the way and delete it; gone already (another process moved it) is fine."""
    import shutil

    try:
        target.rename(aside)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(target, f"cannot replace it ({reason(exc)})") from None
    if aside.is_dir():
        shutil.rmtree(aside, ignore_errors=True)
    else:
        aside.unlink(missing_ok=True)
