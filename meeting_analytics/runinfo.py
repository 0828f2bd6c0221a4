"""What a run records about itself, beside the words: ``RunInfo`` and the facts it holds, as dataclasses.

``Transcript.info`` is a ``RunInfo``; the JSON keeps the layout earlier versions wrote under
``"metadata"`` (``to_dict``/``from_dict`` are the only place that layout is written or read), so old
files load and files written now load in older versions. Keys this version does not know (a
synthetic meeting's truth, a user's own) are kept in ``extra`` and written back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChannelChoice:
    """How a multi-channel file was read: ``mode`` split (one speaker per channel) or mix, chosen from
    ``requested`` (auto, mix, split) on the channels' envelope correlation; ``names`` when split."""

    requested: str
    mode: str
    count: int
    envelope_correlation: float
    names: list[str] | None = None

    @property
    def split(self) -> bool:
        return self.mode == "split"

    def to_dict(self) -> dict[str, Any]:
        data = {"requested": self.requested, "mode": self.mode, "count": self.count,
                "envelope_correlation": self.envelope_correlation}
        return data | ({"names": list(self.names)} if self.names is not None else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ChannelChoice":
        return cls(data.get("requested", data["mode"]), data["mode"], int(data.get("count", 0)),
                   float(data.get("envelope_correlation", 1.0)), data.get("names"))


@dataclass
class VoiceMatch:
    """A diarized speaker against the enrolled voices: the profile's ``name`` and ``role`` when the best
    one-to-one ``score`` (cosine) clears the threshold, else ``name`` None with the best score seen."""

    speaker: str
    name: str | None
    score: float | None
    role: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"speaker": self.speaker, "name": self.name, "score": self.score}
        return data | ({"role": self.role} if self.name else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "VoiceMatch":
        return cls(str(data["speaker"]), data.get("name"), data.get("score"), data.get("role"))


@dataclass
class VoiceNaming:
    """Known voices in a run: the profile directory, the encoder's threshold and every speaker's match."""

    profiles: str | None
    threshold: float
    speakers: list[VoiceMatch] = field(default_factory=list)

    @property
    def roles(self) -> dict[str, str]:
        """Profile name -> role, for matched speakers whose profile has a role."""
        return {v.name: v.role for v in self.speakers if v.name and v.role}

    def to_dict(self) -> dict[str, Any]:
        return {"profiles": self.profiles, "threshold": self.threshold,
                "speakers": [v.to_dict() for v in self.speakers]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "VoiceNaming":
        return cls(data.get("profiles"), float(data.get("threshold", 0.0)),
                   [VoiceMatch.from_dict(v) for v in data.get("speakers", [])])


@dataclass
class ModelSource:
    """A model by the name it was asked for, where its weights came from (package, directory, hub)."""

    name: str | None
    source: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **({"path": self.path} if self.path is not None else {}), "source": self.source}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelSource":
        return cls(data.get("name"), data.get("source"), data.get("path"))


@dataclass
class ModelsUsed:
    """The models a run used: ASR, VAD, word timing and diarization (None: not diarized)."""

    asr: ModelSource | None = None
    vad: str | None = None
    aligner: str | None = None
    diarization: ModelSource | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"asr": self.asr.to_dict() if self.asr else None, "vad": self.vad, "aligner": self.aligner,
                "diarization": self.diarization.to_dict() if self.diarization else None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelsUsed":
        def source(value):
            return ModelSource.from_dict(value) if isinstance(value, dict) else \
                ModelSource(str(value)) if value else None

        return cls(source(data.get("asr")), data.get("vad"), data.get("aligner"), source(data.get("diarization")))


@dataclass
class Redaction:
    """A span of personal data taken out of the transcript: ``entity`` (PHONE_NUMBER, ...), the time span of
    its words, its ``speaker``, the detector's ``score``, ``words``: how many words it replaced, ``group``:
    the pieces of one value said in several turns share it. Never the text."""

    entity: str
    start: float
    end: float
    speaker: str | None
    score: float
    words: int
    group: int

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "start": self.start, "end": self.end, "speaker": self.speaker,
                "score": self.score, "words": self.words, "group": self.group}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Redaction":
        return cls(str(data["entity"]), float(data["start"]), float(data["end"]), data.get("speaker"),
                   float(data["score"]), int(data["words"]), int(data["group"]))


@dataclass
class RedactionFacts:
    """How a transcript was redacted (``--redact``): the entities looked for, the ``policy`` (tag, mask,
    hash) and every span replaced (``Redaction``); ``audio``: the redacted copy of the recording, if one was
    written (``--redact_audio``)."""

    entities: list[str]
    policy: str
    spans: list[Redaction] = field(default_factory=list)
    audio: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"entities": list(self.entities), "policy": self.policy, "spans": [r.to_dict() for r in self.spans]}
        return data | ({"audio": self.audio} if self.audio is not None else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RedactionFacts":
        return cls([str(e) for e in data["entities"]], str(data["policy"]),
                   [Redaction.from_dict(r) for r in data.get("spans", [])], data.get("audio"))


@dataclass
class RunInfo:
    """Facts of the run that made a transcript: its source, models, options (as recorded: never a token),
    library versions, seconds per stage and per model load, how channels were read, known voices, and
    ``warnings``: what was wrong with the recording but did not stop it (damaged frames, cut short, bad
    samples replaced; ``audio.read_audio``), one line each, written only when there are some."""

    source: str | None = None
    models: ModelsUsed | None = None
    options: dict[str, Any] = field(default_factory=dict)  # ``PipelineOptions.public()``
    versions: dict[str, str | None] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds on this file
    load_seconds: dict[str, float] = field(default_factory=dict)
    channels: ChannelChoice | None = None
    voices: VoiceNaming | None = None
    warnings: list[str] = field(default_factory=list)
    redaction: RedactionFacts | None = None  # --redact: what was taken out (never the text)
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know, kept as read

    @property
    def roles(self) -> str | None:
        """The ``--roles`` the transcript was made with, if any."""
        return (self.options.get("analytics") or {}).get("roles") or self.options.get("roles")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.source is not None:
            data["source"] = self.source
        if self.models is not None:
            data["models"] = self.models.to_dict()
        for name in ("options", "versions", "timings", "load_seconds"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.channels is not None:
            data["channels"] = self.channels.to_dict()
        if self.voices is not None:
            data["voices"] = self.voices.to_dict()
        if self.warnings:
            data["warnings"] = list(self.warnings)
        if self.redaction is not None:
            data["redaction"] = self.redaction.to_dict()
        return data | self.extra

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "RunInfo":
        """The typed form of a JSON ``"metadata"``; a part whose shape this version does not write (it
        would not come back the same) stays in ``extra`` as it was."""
        data = dict(data or {})
        info = cls(source=data.pop("source") if isinstance(data.get("source"), str) else None)
        for name, kind in (("models", ModelsUsed), ("channels", ChannelChoice), ("voices", VoiceNaming),
                           ("redaction", RedactionFacts)):
            if name in data and (parsed := _exact(kind, data[name])) is not None:
                setattr(info, name, parsed)
                del data[name]
        for name in ("options", "versions", "timings", "load_seconds"):
            if isinstance(data.get(name), dict) and data[name]:
                setattr(info, name, data.pop(name))
        warnings = data.get("warnings")
        if isinstance(warnings, list) and warnings and all(isinstance(w, str) for w in warnings):
            info.warnings = data.pop("warnings")
        info.extra = data
        return info


def _exact(kind, value):
    """``kind.from_dict(value)`` when it writes ``value`` back unchanged, else None."""
    try:
        parsed = kind.from_dict(value)
        return parsed if parsed.to_dict() == value else None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
