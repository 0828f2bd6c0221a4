"""Transcript writers: txt, srt, vtt, tsv, json (whisperx-compatible) and rttm, all with speakers."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..errors import OptionError
from ..files import atomic_write_text, safe_cell
from ..transcript import Transcript

FORMATS = ("txt", "srt", "vtt", "tsv", "json", "rttm")


def _clock(seconds: float, decimal: str) -> str:
    ms = int(round(max(0.0, seconds) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{decimal}{ms:03d}"


def _prefix(speaker: str | None, template: str) -> str:
    return template.format(speaker) if speaker is not None else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def to_txt(t: Transcript) -> str:
    return "".join(f"[{_clock(u.start, '.')} --> {_clock(u.end, '.')}] "
                   f"{_prefix(u.speaker, '{}: ')}{_one_line(u.text)}\n"
                   for u in t.utterances)


def to_srt(t: Transcript) -> str:
    blocks = [f"{i}\n{_clock(u.start, ',')} --> {_clock(u.end, ',')}\n"
              f"{_prefix(u.speaker, '[{}]: ')}{_one_line(u.text)}\n"
              for i, u in enumerate(t.utterances, 1)]
    return "\n".join(blocks)


def to_vtt(t: Transcript) -> str:
    # WebVTT voice spans (<v Speaker>) are the standard way to name who speaks.
    cues = [f"{_clock(u.start, '.')} --> {_clock(u.end, '.')}\n"
            f"{_prefix(u.speaker, '<v {}>')}{_vtt_escape(_one_line(u.text))}\n"
            for u in t.utterances]
    return "WEBVTT\n\n" + "\n".join(cues)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_tsv(t: Transcript) -> str:
    # whisper's tsv uses integer milliseconds; the speaker column is added. A spreadsheet opens it as a table:
    # text and names that read as a formula are escaped as in every CSV (files.safe_cell)
    rows = ["start\tend\tspeaker\ttext"]
    rows += [f"{int(round(u.start * 1000))}\t{int(round(u.end * 1000))}\t{safe_cell(u.speaker or '')}\t"
             f"{safe_cell(_one_line(u.text).replace(chr(9), ' '))}" for u in t.utterances]
    return "\n".join(rows) + "\n"


def to_json(t: Transcript) -> str:
    return t.to_json(indent=None)


def to_rttm(t: Transcript, uri: str = "audio") -> str:
    """NIST RTTM from the diarization turns (or from the utterances when no turns exist)."""
    return rttm(t.turns or [u for u in t.utterances if u.speaker is not None], uri)


def rttm_token(text: str) -> str:
    """A name or uri as one RTTM field: whitespace runs become underscores ("Ann Lee" -> "Ann_Lee"),
    since RTTM fields are split on whitespace (10 per line)."""
    return "_".join(str(text).split()) or "<NA>"


def rttm(spans, uri: str = "audio") -> str:
    """NIST RTTM lines for anything with ``start``, ``end`` and ``speaker`` (turns, utterances); names
    and the uri are made single tokens (``rttm_token``)."""
    uri = rttm_token(uri)
    return "".join(f"SPEAKER {uri} 1 {s.start:.3f} {s.end - s.start:.3f} <NA> <NA> {rttm_token(s.speaker)} <NA> <NA>\n"
                   for s in sorted(spans, key=lambda s: (s.start, s.end)) if s.end > s.start)


WRITERS: dict[str, Callable[[Transcript], str]] = {
    "txt": to_txt, "srt": to_srt, "vtt": to_vtt, "tsv": to_tsv, "json": to_json,
}


def render(t: Transcript, fmt: str, uri: str = "audio") -> str:
    if fmt == "rttm":
        return to_rttm(t, uri)
    if fmt not in WRITERS:
        raise OptionError(f"unknown output format {fmt!r}; choose from {', '.join(FORMATS)} or all")
    return WRITERS[fmt](t)


def write_rttm(t: Transcript, path: str | Path, uri: str | None = None) -> Path:
    return atomic_write_text(path, to_rttm(t, uri or Path(path).stem))


def write_outputs(t: Transcript, output_dir: str | Path, stem: str, formats: str | list[str] = "all") -> list[Path]:
    """Write ``output_dir/<stem>.<ext>`` for each format; each file appears whole or not at all."""
    fmts = list(FORMATS) if formats == "all" else [formats] if isinstance(formats, str) else list(formats)
    out = Path(output_dir)
    return [atomic_write_text(out / f"{stem}.{fmt}", render(t, fmt, uri=stem)) for fmt in fmts]
