"""Synthesize multi-speaker meetings with exact ground truth (words, speakers, timings, fillers).

Each word is spoken by espeak-ng in the speaker's voice and placed on the timeline by us, so every
word boundary is known to the sample. Turns alternate with pauses, some overlap (interruptions and
backchannels), and filler words (um, uh, like, you know). Same seed, same audio and truth.

Needs two programs on PATH (not Python packages, so no extra installs them): espeak-ng speaks every
word, sox adds a ``Room``'s reverb (``in_room``). Debian/Ubuntu: ``apt-get install espeak-ng sox``;
macOS: ``brew install espeak-ng sox``. Without one, ``MissingToolError`` names it in one line.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..audio import SAMPLE_RATE
from ..errors import MissingToolError
from ..files import atomic_write_bytes, atomic_write_text
from ..runinfo import RunInfo
from ..transcript import Transcript, Turn, Utterance, Word

# (espeak-ng voice+variant, pitch 0-99, words per minute). Chosen among espeak-ng's voices for
# distance between their Resemblyzer embeddings (the first two are the farthest pair, ~0.49 cosine
# distance, about as far apart as two real speakers); most espeak voices sit within 0.1-0.2.
VOICES = [
    ("en-gb-x-rp+f4", 80, 175),
    ("en-us+klatt", 40, 160),
    ("en-us+Alicia", 70, 165),
    ("en-us+m3", 50, 180),
    ("en-029+f2", 60, 155),
    ("en-us+Andy", 40, 160),
    ("en-us+klatt4", 70, 170),
]

FILLERS = ["um", "uh", "like", "you know"]

SENTENCES = [
    "thanks for joining the call today",
    "can you tell me about your last project",
    "we moved the billing service to a new database",
    "the main problem was the latency of the reports",
    "what did you learn from that experience",
    "i think the team worked really well together",
    "how many customers were affected by the outage",
    "about two hundred accounts could not log in",
    "we fixed the issue within three hours",
    "do you have any questions for us",
    "yes what does a normal week look like here",
    "most of the time we work on new features",
    "the deadline for the release is next friday",
    "i would like to check the invoice again",
    "your payment was received on monday morning",
    "could you send me the contract by email",
    "sure i will send it this afternoon",
    "the new dashboard shows the numbers for every region",
    "we should talk about the budget for next year",
    "that sounds like a good plan to me",
    "i am not sure the customer is happy with the answer",
    "let me explain how the system handles errors",
    "the tests run every night on the build server",
    "why did the shipment arrive so late",
    "the warehouse had a problem with the labels",
    "we will give you a discount on the next order",
    "thank you that is very helpful",
    "my background is mostly in data analysis",
    "i enjoy solving difficult problems with other people",
    "where do you see yourself in five years",
]

BACKCHANNELS = ["yeah", "right", "okay", "sure", "i see"]


@dataclass(frozen=True)
class Room:
    """Far-field conditions laid over the dry voices: each speaker at their own distance (a level in
    ``-level_spread_db..0`` dB and a reverberance in ``reverb``, through sox's ``reverb``), and pink noise
    ``snr_db`` below the speech. What a table microphone hears, not what espeak-ng says in a quiet room."""

    level_spread_db: float = 12.0
    reverb: tuple[float, float] = (30.0, 80.0)  # sox reverberance, %, per speaker drawn in this range
    snr_db: float = 15.0


@dataclass
class SynthWord:
    text: str
    start: float
    end: float
    speaker: str
    filler: bool


@dataclass
class SynthMeeting:
    audio: np.ndarray
    words: list[SynthWord]
    turns: list[Turn]
    seed: int

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE

    @property
    def speakers(self) -> list[str]:
        return sorted({t.speaker for t in self.turns})

    def filler_occurrences(self):
        """The inserted fillers, one row per phrase ("you know" is one): speaker, start, end, text."""
        import pandas as pd

        rows, current = [], None
        for w in sorted(self.words, key=lambda w: (w.speaker, w.start)):
            if w.filler and current and current[0] == w.speaker and w.start - current[2] < 0.2 and \
                    f"{current[3]} {w.text}" in FILLERS:
                current = (current[0], current[1], w.end, f"{current[3]} {w.text}")
                rows[-1] = current
            elif w.filler:
                current = (w.speaker, w.start, w.end, w.text)
                rows.append(current)
            else:
                current = None
        frame = pd.DataFrame(rows, columns=["speaker", "start", "end", "text"])
        return frame.sort_values("start").reset_index(drop=True)

    def solo(self, speaker: str) -> np.ndarray:
        """``speaker``'s speech where nobody else talks, concatenated: a clip to enrol the voice from."""
        from ..stages.voices import exclusive, speech_of

        return speech_of(self.audio, exclusive(self.turns, speaker))

    def transcript(self) -> Transcript:
        """The ground truth as a Transcript (one utterance per turn)."""
        words: list[Word] = []
        utterances: list[Utterance] = []
        for turn in self.turns:
            first = len(words)
            words.extend(Word(w.start, w.end, w.text, w.speaker, 1.0) for w in self.words
                         if w.speaker == turn.speaker and turn.start <= w.start < turn.end)
            text = " ".join(w.text for w in words[first:])
            utterances.append(Utterance(turn.start, turn.end, turn.speaker, text, first, len(words)))
        return Transcript("en", self.duration, self.speakers, words, utterances, list(self.turns),
                          RunInfo(extra={"synthetic": {"seed": self.seed, "fillers":
                                                       self.filler_occurrences().to_dict(orient="records")}}))


def _program(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise MissingToolError(name)
    return exe


@lru_cache(maxsize=4096)
def _speak(word: str, voice: str, pitch: int, wpm: int) -> np.ndarray:
    exe = _program("espeak-ng")
    wav = subprocess.run([exe, "-v", voice, "-p", str(pitch), "-s", str(wpm), "--stdout", word],
                         capture_output=True, check=True).stdout
    pcm = np.frombuffer(wav[44:], dtype="<i2").astype(np.float32) / 32768.0  # espeak writes 22050 Hz
    pcm = _resample(pcm, 22050, SAMPLE_RATE)
    loud = np.flatnonzero(np.abs(pcm) > 0.02 * np.max(np.abs(pcm)))
    return pcm[loud[0] : loud[-1] + 1]


def _chunks(tokens: list[tuple[str, bool]], phrases: bool = False) -> list[list[tuple[str, bool]]]:
    """What is said in one go: each word alone (exact word times), or with ``phrases`` every run of words
    between fillers and each filler phrase ("you know") as a whole, for natural prosody: words said
    alone are unnaturally separated, and espeak's lone "the" sounds like "uh"."""
    if not phrases:
        return [[token] for token in tokens]
    out: list[list[tuple[str, bool]]] = []
    for token in tokens:
        last = out[-1] if out else []
        same_kind = bool(last) and token[1] == last[-1][1]
        joins = same_kind and (not token[1] or " ".join(w for w, _ in last + [token]) in FILLERS)
        if joins:
            last.append(token)
        else:
            out.append([token])
    return out


def _speak_chunk(chunk: list[str], voice: tuple) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Audio of the words said together, and each word's sample span (split in proportion to the
    words' lengths when said alone)."""
    if len(chunk) == 1:
        pcm = _speak(chunk[0], *voice)
        return pcm, [(0, len(pcm))]
    pcm = _speak(" ".join(chunk), *voice)
    alone = np.array([len(_speak(w, *voice)) for w in chunk], dtype=float)
    edges = np.r_[0, np.round(np.cumsum(alone) / alone.sum() * len(pcm))].astype(int)
    return pcm, [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    from scipy.signal import resample_poly

    g = np.gcd(src, dst)
    return resample_poly(x, dst // g, src // g).astype(np.float32)


def _utterance_words(rng: random.Random, filler_rate: float) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for i, token in enumerate(rng.choice(SENTENCES).split()):
        if rng.random() < filler_rate and (i == 0 or rng.random() < 0.5):
            out.extend((f, True) for f in rng.choice(FILLERS).split())
        out.append((token, False))
    return out


def synthesize_meeting(n_speakers: int = 2, duration: float = 60.0, seed: int = 0, filler_rate: float = 0.12,
                       overlap_rate: float = 0.15, noise_db: float | None = -45.0,
                       phrases: bool = False, room: Room | None = None) -> SynthMeeting:
    """A meeting of at least ``duration`` seconds with ``n_speakers`` espeak-ng voices. Words are spoken
    one by one (exact word times) unless ``phrases``: runs of words between fillers in one breath
    (natural prosody; word times split in proportion to the words' lengths). ``room``: far-field
    conditions (levels, reverberation, noise) instead of ``noise_db``'s faint white noise."""
    if not 1 <= n_speakers <= len(VOICES):
        raise ValueError(f"n_speakers must be in 1..{len(VOICES)}")
    rng = random.Random(seed)
    names = [f"S{i + 1}" for i in range(n_speakers)]
    placed: list[tuple[str, int, np.ndarray]] = []
    words: list[SynthWord] = []
    turns: list[Turn] = []
    t, prev = 0.5, None
    while t < duration:
        speaker = rng.choice([s for s in names if s != prev] or names)
        voice = VOICES[names.index(speaker)]
        if prev is not None and turns and rng.random() < overlap_rate:
            t = max(turns[-1].start + 0.5, turns[-1].end - rng.uniform(0.3, 1.0))
            tokens = [(w, False) for w in rng.choice(BACKCHANNELS).split()] if rng.random() < 0.5 else \
                _utterance_words(rng, filler_rate)
        else:
            tokens = _utterance_words(rng, filler_rate)
        first = len(words)
        for k, chunk in enumerate(_chunks(tokens, phrases)):
            hesitation = chunk[0][1] and chunk[0][0] in ("um", "uh")
            if hesitation and k > 0:  # people pause around a hesitation (Clark & Fox Tree 2002)
                t += rng.uniform(0.1, 0.25)
            begin = int(round(t * SAMPLE_RATE))
            pcm, bounds = _speak_chunk([w for w, _ in chunk], voice)
            placed.append((speaker, begin, pcm))
            words.extend(SynthWord(text, (begin + a) / SAMPLE_RATE, (begin + b) / SAMPLE_RATE, speaker, filler)
                         for (text, filler), (a, b) in zip(chunk, bounds))
            t = words[-1].end + (rng.uniform(0.15, 0.4) if hesitation else rng.uniform(0.04, 0.12))
        turns.append(Turn(words[first].start, words[-1].end, speaker))
        t = max(t, max(tt.end for tt in turns)) + rng.choice([rng.uniform(0.2, 0.8), rng.uniform(0.8, 1.6)])
        prev = speaker
    total = int((max(w.end for w in words) + 0.5) * SAMPLE_RATE)
    tracks = {name: np.zeros(total, dtype=np.float32) for name in (names if room else ["all"])}
    for speaker, begin, pcm in placed:
        tracks[speaker if room else "all"][begin : begin + len(pcm)] += pcm
    audio = in_room(tracks, room, random.Random(seed + 1)) if room else tracks["all"]
    audio *= 0.5 / max(1e-9, float(np.max(np.abs(audio))))
    if room is None and noise_db is not None:
        audio += np.random.default_rng(seed).normal(0, 10 ** (noise_db / 20), total).astype(np.float32)
    words.sort(key=lambda w: w.start)
    turns.sort(key=lambda x: x.start)
    return SynthMeeting(audio, words, turns, seed)


def in_room(tracks: dict[str, np.ndarray], room: Room, rng: random.Random) -> np.ndarray:
    """The speakers' dry tracks as heard far off: each at its own level and reverberance, summed, plus
    pink noise at ``room.snr_db`` below the speech (its power over the samples where anyone speaks)."""
    mixed = np.zeros_like(next(iter(tracks.values())))
    for track in tracks.values():
        gain = 10 ** (-rng.uniform(0.0, room.level_spread_db) / 20)
        mixed += gain * reverberate(track, rng.uniform(*room.reverb))
    active = np.abs(mixed) > 1e-4
    speech_power = float(np.mean(mixed[active] ** 2)) if active.any() else 1.0
    noise = pink_noise(len(mixed), rng.randrange(2**31))
    return mixed + noise * np.sqrt(speech_power / 10 ** (room.snr_db / 10) / float(np.mean(noise**2)))


def reverberate(audio: np.ndarray, reverberance: float) -> np.ndarray:
    """sox's ``reverb`` (wet and dry), cut back to the input's length."""
    exe = _program("sox")
    raw = ["-t", "raw", "-r", str(SAMPLE_RATE), "-e", "floating-point", "-b", "32", "-c", "1"]
    out = subprocess.run([exe, *raw, "-", *raw, "-", "reverb", f"{reverberance:.0f}"],
                         input=audio.astype("<f4").tobytes(), capture_output=True, check=True).stdout
    wet = np.frombuffer(out, dtype="<f4")[: len(audio)]
    return np.pad(wet, (0, len(audio) - len(wet))).astype(np.float32)


def pink_noise(n: int, seed: int) -> np.ndarray:
    """Noise with power falling as 1/f (room and ventilation noise is mostly low-frequency)."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).normal(size=n))
    spectrum /= np.sqrt(np.maximum(np.arange(len(spectrum)), 1))
    spectrum[0] = 0.0
    return np.fft.irfft(spectrum, n).astype(np.float32)


def write_wav(path: str | Path, audio: np.ndarray, sr: int = SAMPLE_RATE) -> Path:
    import io
    import wave

    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(sr)
        wf.writeframes(pcm)
    return atomic_write_bytes(path, buf.getvalue())


def write_meeting(meeting: SynthMeeting, out_dir: str | Path, stem: str) -> dict[str, Path]:
    """Write ``stem.wav`` plus the truth: ``stem.truth.json`` (Transcript), ``.rttm`` and ``.stm``."""
    from ..report.writers import write_rttm

    out = Path(out_dir)
    truth = meeting.transcript()
    paths = {"wav": write_wav(out / f"{stem}.wav", meeting.audio),
             "json": truth.save(out / f"{stem}.truth.json"),
             "rttm": write_rttm(truth, out / f"{stem}.rttm", uri=stem)}
    stm = "".join(f"{stem} 1 {u.speaker} {u.start:.3f} {u.end:.3f} {u.text}\n" for u in truth.utterances)
    paths["stm"] = atomic_write_text(out / f"{stem}.stm", stm)
    return paths


def write_batch(out_dir: str | Path, n: int = 10, duration: float = 5.0, seed: int = 200,
                bad: bool = True) -> list[Path]:
    """A folder of short two-speaker recordings (``call_2026-10-DD.wav``, one in ``sub/``), plus a text
    file named .wav and a silent one when ``bad``: the batch tests' and benchmarks' input."""
    out = Path(out_dir)
    paths = []
    for i in range(n):
        m = synthesize_meeting(2, duration, seed=seed + i, filler_rate=0.15, overlap_rate=0.0)
        paths.append(write_wav(out / ("sub" if i == 3 else "") / f"call_2026-10-{i % 28 + 1:02d}_{i:03d}.wav",
                               m.audio))
    if bad:
        paths.append(atomic_write_text(out / "notes.wav", "not audio at all"))
        paths.append(write_wav(out / "silence.wav", np.zeros(SAMPLE_RATE * 4, dtype=np.float32)))
    return paths
