"""``--redact_audio``: a copy of the recording with each redacted span silenced (or a 1 kHz tone over it),
for a person to listen to. ffmpeg reads the original with the same allow-lists as decoding
(``audio.SAFE_INPUT``: local files, the probed audio formats only) and writes FLAC, all channels and the
original sample rate kept, to a pipe; the file is written privately (0600), atomically. Each span is padded
by ``PAD_S`` on both sides: word timestamps are good to about 0.1 s (BENCHMARKS.md, word timing).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Sequence

from ..audio import SAFE_INPUT, AudioError, _ffmpeg, _url, probe
from ..files import atomic_write_bytes
from ..runinfo import Redaction

PAD_S = 0.1
TONE_HZ = 1000
MODES = ("silence", "tone")


def spans_of(redactions: Sequence[Redaction], pad: float = PAD_S) -> list[tuple[float, float]]:
    """The redacted time spans, padded and merged where they touch."""
    out: list[tuple[float, float]] = []
    for a, b in sorted((max(0.0, r.start - pad), r.end + pad) for r in redactions):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def redact_audio(source: str | os.PathLike, redactions: Sequence[Redaction], target: str | os.PathLike,
                 mode: str = "silence", pad: float = PAD_S) -> Path:
    """Write ``target`` (FLAC): ``source`` with every redaction's span silenced (``mode`` silence) or
    replaced by a tone (``tone``). ``AudioError`` when ffmpeg cannot read or write it."""
    info = probe(source)
    spans = spans_of(redactions, pad)
    inside = "+".join(f"between(t,{a:.3f},{b:.3f})" for a, b in spans) or "0"
    mute = f"volume=enable='{inside}':volume=0"
    if mode == "tone" and spans:
        graph = (f"[0:a]{mute}[m];sine=frequency={TONE_HZ}:sample_rate=48000,volume=0.1,"
                 f"volume=enable='not({inside})':volume=0[t];[m][t]amix=inputs=2:duration=first:normalize=0[out]")
        cmd = [_ffmpeg("ffmpeg"), "-nostdin", "-v", "error", *SAFE_INPUT, "-f", info.format, "-i", _url(source),
               "-filter_complex", graph, "-map", "[out]", "-f", "flac", "pipe:1"]
    else:
        cmd = [_ffmpeg("ffmpeg"), "-nostdin", "-v", "error", *SAFE_INPUT, "-f", info.format, "-i", _url(source),
               "-map", "0:a:0", "-af", mute, "-f", "flac", "pipe:1"]
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode != 0 or not done.stdout:
        raise AudioError(source, "cannot write the redacted audio: "
                         + (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["ffmpeg failed"])[-1])
    return atomic_write_bytes(target, done.stdout, private=True)


def with_redacted_audio(transcript, source: str | os.PathLike, target: str | os.PathLike, mode: str = "silence"):
    """``redact_audio`` for a redacted transcript's spans; the transcript with the copy's file name in its
    run facts (``RedactionFacts.audio``). A transcript not redacted comes back as it was."""
    from dataclasses import replace

    facts = transcript.info.redaction
    if facts is None:
        return transcript
    path = redact_audio(source, facts.spans, target, mode)
    return replace(transcript, info=replace(transcript.info, redaction=replace(facts, audio=path.name)))
