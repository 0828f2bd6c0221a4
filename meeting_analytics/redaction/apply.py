"""A Transcript in, its redacted copy out: each word of a finding keeps its place, timing, speaker and
punctuation, its text replaced by the policy's token (``tag``: ``[PHONE_NUMBER]``, ``mask``: ``####``,
``hash``: ``[PHONE_NUMBER:1f0c2a9e4b]``, a keyed HMAC-SHA256 of the entity and the normalised value, so
the same number said in two recordings of one corpus gets the same token). One Word per word said, so
word counts, talk time, fillers and question marks stay what they were; utterance texts are rebuilt from
the words. The spans (never the text) go to ``RunInfo.redaction``.

The hash key: ``$MEETING_ANALYTICS_REDACT_KEY``, else a random key made once and kept private (0600) in
the data directory (``redact.key``); it is never printed or written to an output. Give every machine of a
Ray cluster the same ``$MEETING_ANALYTICS_REDACT_KEY`` for tokens that agree across nodes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from ..errors import OptionError
from ..options import REDACT_POLICIES
from ..runinfo import Redaction, RedactionFacts
from ..transcript import Transcript, Word
from .detect import Detection, Detector

POLICIES = REDACT_POLICIES
KEY_ENV = "MEETING_ANALYTICS_REDACT_KEY"
EDGES = re.compile(r"^([^\w@]*)(.*?)([^\w@]*)$", re.S)


def redact_key() -> bytes:
    """The HMAC key of the ``hash`` policy (see the module's docstring)."""
    given = os.environ.get(KEY_ENV)
    if given:
        return given.encode("utf-8")
    from ..files import data_home, make_private

    path = Path(make_private(data_home())) / "redact.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    key = secrets.token_hex(32).encode("ascii")
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def token(entity: str, value: str, policy: str, text: str, key: bytes | None = None) -> str:
    """The text a redacted word's core is replaced with."""
    if policy == "mask":
        return "#" * max(len(text), 1)
    if policy == "hash":
        digest = hmac.new(key or redact_key(), f"{entity}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()
        return f"[{entity}:{digest[:10]}]"
    return f"[{entity}]"


def redact_words(words: Sequence[Word], found: Sequence[Detection], policy: str = "tag",
                 key: bytes | None = None) -> tuple[list[Word], list[Redaction]]:
    """``words`` with each finding's words replaced, and the spans (one per run of consecutive words)."""
    if policy not in POLICIES:
        raise OptionError(f"--redact_policy {policy!r}: choose from {', '.join(POLICIES)}")
    if policy == "hash" and key is None and found:
        key = redact_key()
    out = list(words)
    spans: list[Redaction] = []
    for group, d in enumerate(sorted(found, key=lambda d: min(d.words))):
        value = re.sub(r"\s+", " ", d.value.strip().lower())
        for i in d.words:
            lead, text, trail = EDGES.match(out[i].text).groups()  # type: ignore[union-attr]
            out[i] = replace(out[i], text=f"{lead}{token(d.entity, value, policy, text, key)}{trail}")
        piece: list[int] = []
        for i in [*d.words, -1]:
            if piece and (i != piece[-1] + 1 or words[i].speaker != words[piece[-1]].speaker):
                spans.append(Redaction(d.entity, round(words[piece[0]].start, 3),
                                       round(max(words[j].end for j in piece), 3), words[piece[0]].speaker,
                                       round(d.score, 3), len(piece), group))
                piece = []
            if i >= 0:
                piece.append(i)
    return out, sorted(spans, key=lambda r: (r.start, r.group))


def redact_transcript(transcript: Transcript, detector: Detector, policy: str = "tag",
                      key: bytes | None = None) -> Transcript:
    """The transcript with personal data replaced and ``info.redaction`` listing the spans. A transcript
    redacted before is redacted again over its current words (its tokens are no personal data)."""
    from ..stages.assign import join_words

    found = detector(transcript.words, transcript.language)
    words, spans = redact_words(transcript.words, found, policy, key)
    changed = {i for d in found for i in d.words}
    utterances = [u if not any(u.first_word <= i < u.last_word for i in changed) else
                  replace(u, text=join_words(words[u.first_word:u.last_word], transcript.language))
                  for u in transcript.utterances] if changed else list(transcript.utterances)
    earlier = transcript.info.redaction
    facts = RedactionFacts(sorted(set(detector.entities) | set(earlier.entities if earlier else ())), policy,
                           sorted([*(earlier.spans if earlier else []), *spans], key=lambda r: (r.start, r.group)),
                           earlier.audio if earlier else None)
    return replace(transcript, words=words, utterances=utterances,
                   info=replace(transcript.info, redaction=facts))



class Redactor:
    """What ``--redact`` and ``--redact_policy`` ask for, loaded once: ``Redactor(options)(transcript)``.
    ``MissingExtraError`` when the ``redact`` extra is not installed."""

    def __init__(self, entities: Sequence[str], policy: str = "tag"):
        if policy not in POLICIES:
            raise OptionError(f"--redact_policy {policy!r}: choose from {', '.join(POLICIES)}")
        self.policy = policy
        self.detector = Detector(entities)
        self.key = redact_key() if policy == "hash" else None

    @classmethod
    def of(cls, options) -> "Redactor | None":
        """The redactor ``PipelineOptions`` ask for, or None when ``redact`` is off."""
        from ..options import redact_entities

        entities = redact_entities(options.redact)
        return cls(entities, options.redact_policy) if entities else None

    def __call__(self, transcript: Transcript) -> Transcript:
        import time

        t0 = time.perf_counter()
        out = redact_transcript(transcript, self.detector, self.policy, self.key)
        out.info.timings = {**out.info.timings, "redact": round(time.perf_counter() - t0, 3)}
        return out
