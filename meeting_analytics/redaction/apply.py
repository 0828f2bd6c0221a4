"""A Transcript in, its redacted copy out: each run of a finding's words becomes one token (``tag``:
``[PHONE_NUMBER]``, ``mask``: ``####``, ``hash``: ``[PHONE_NUMBER:1f0c2a9e4b]``, a keyed HMAC-SHA256 of the
entity and the normalised value, so the same number said in two recordings of one corpus gets the same
token, however it was said: "4539, 1488" and "four five three nine, one four eight eight" alike). The token
is the first word's text; the run's other words stay, with their times and speaker, their text empty: word
counts, talk time and question marks stay what they were, and a token is never read as a repeated word (a
tag on every word was: the filler count of a read-out number went from 0 to 3). Utterance texts are rebuilt
from the words. The spans (never the text) go to ``RunInfo.redaction``.

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
MASK = "####"
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


def token(entity: str, value: str, policy: str, key: bytes | None = None) -> str:
    """What replaces a run of redacted words."""
    if policy == "mask":
        return MASK
    if policy == "hash":
        digest = hmac.new(key or redact_key(), f"{entity}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()
        return f"[{entity}:{digest[:10]}]"
    return f"[{entity}]"


def redact_words(words: Sequence[Word], found: Sequence[Detection], policy: str = "tag",
                 key: bytes | None = None) -> tuple[list[Word], list[Redaction]]:
    """``words`` with each finding replaced, and the spans: per run of one speaker's consecutive words (a
    number said over four turns is four runs of one ``group``), the first word's text becomes the token
    (with the first word's leading and the last word's trailing punctuation: a question mark stays) and the
    others' text is empty; every Word keeps its place and times."""
    if policy not in POLICIES:
        raise OptionError(f"--redact_policy {policy!r}: choose from {', '.join(POLICIES)}")
    if policy == "hash" and key is None and found:
        key = redact_key()
    out = list(words)
    spans: list[Redaction] = []
    for group, d in enumerate(sorted(found, key=lambda d: min(d.words))):
        text = token(d.entity, re.sub(r"\s+", " ", d.value.strip().lower()), policy, key)
        pieces: list[list[int]] = []
        for i in d.words:
            if pieces and i == pieces[-1][-1] + 1 and words[i].speaker == words[pieces[-1][-1]].speaker:
                pieces[-1].append(i)
            else:
                pieces.append([i])
        for piece in pieces:
            lead = EDGES.match(words[piece[0]].text).group(1)  # type: ignore[union-attr]
            trail = EDGES.match(words[piece[-1]].text).group(3)  # type: ignore[union-attr]
            out[piece[0]] = replace(words[piece[0]], text=f"{lead}{text}{trail}")
            for i in piece[1:]:
                out[i] = replace(words[i], text="")
            spans.append(Redaction(d.entity, round(words[piece[0]].start, 3),
                                   round(max(words[j].end for j in piece), 3), words[piece[0]].speaker,
                                   round(d.score, 3), len(piece), group))
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
                  replace(u, text=join_words([w for w in words[u.first_word:u.last_word] if w.text],
                                             transcript.language))
                  for u in transcript.utterances] if changed else list(transcript.utterances)
    earlier = transcript.info.redaction
    facts = RedactionFacts(sorted(set(detector.entities) | set(earlier.entities if earlier else ())), policy,
                           sorted([*(earlier.spans if earlier else []), *spans], key=lambda r: (r.start, r.group)),
                           earlier.audio if earlier else None)
    warnings = list(transcript.info.warnings)
    if (transcript.language or "en").split("-")[0] != "en":
        warnings.append(f"--redact: no model for language {transcript.language!r} (English only): nothing was "
                        "redacted")
    return replace(transcript, words=words, utterances=utterances,
                   info=replace(transcript.info, redaction=facts, warnings=warnings))



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
