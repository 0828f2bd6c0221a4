"""Audio in, speaker-attributed Transcript out: runs the stages, loads each model once.

What crosses in and out is typed: ``PipelineOptions`` (resolved and validated when built) and a
``decode.Decoded`` file in; a ``Transcript`` with its ``RunInfo`` out; ``events.StageEvent``s to the
hook while it runs. Stages hand each other values (the segmentation pass, VAD scores, each ASR
batch's encoder output), never attributes set on one another. Building or running a pipeline changes
nothing for the rest of the process: hub access is switched off only while models load, torch's
threads only while a file runs (the CLI and the workers own their process and set both for good).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from importlib.metadata import version

import numpy as np

from ._version import __version__
from .audio import SAMPLE_RATE, AudioError
from .decode import Decoded, decode
from .devices import check_device, torch_threads
from .events import ALIGN, ASR, DIARIZE, EMBEDDINGS, SEGMENTATION, StageEvent, StageHook, StageTimer, hooks
from .options import SPEAKER_COUNTS, PipelineOptions, default_threads
from .redaction.apply import Redactor
from .runinfo import ModelSource, ModelsUsed, RunInfo
from .stages.align import EnergyTrimmedWhisperAligner, InterpolateAligner, WhisperAligner
from .stages.asr import Transcriber
from .stages.assign import assign_speakers, group_utterances
from .stages.channels import channel_activity, gate, labelled, merge, retime, speech_turns
from .stages.hesitations import HESITATIONS, recover, recovering
from .stages.lean import chatter_off, lean_torchmetrics
from .stages.voices import VoiceProfiles, naming_encoder, name_speakers, speaker_vectors
from .transcript import Transcript, Word
from .weights import hub_offline

VERSIONED = ("meeting-analytics", "whisperx", "faster-whisper", "ctranslate2", "pyannote.audio", "torch")


def make_diarizer(options: PipelineOptions):
    """The diarization pipeline ``options`` name (the offline one by default), on their device."""
    lean_torchmetrics()
    from .stages.diarize import Diarizer

    with hub_offline(not options.asr.allow_download and not options.token()):
        return Diarizer(options.diarize_model, hf_token=options.token(), device=options.asr.device,
                        allow_download=options.asr.allow_download)


def speaker_counts(options: PipelineOptions, given: dict[str, int | None]) -> dict[str, int | None]:
    """The diarization's speaker counts for one call: the call's, when it gives any, else the options'."""
    unknown = set(given) - set(SPEAKER_COUNTS)
    if unknown:
        raise TypeError(f"unknown argument(s) {', '.join(sorted(unknown))}; speaker counts are "
                        f"{', '.join(SPEAKER_COUNTS)}")
    return {k: given.get(k) for k in SPEAKER_COUNTS} if given else options.speaker_counts


class Pipeline:
    """Load once, transcribe many: ``Pipeline(options)(path) -> Transcript``; ``hook`` hears model loads
    and, unless a call names its own, every file's stage events."""

    def __init__(self, options: PipelineOptions | None = None, hook: StageHook | None = None):
        self.options = options or PipelineOptions()
        self.hook = hooks(hook)
        self.load_seconds: dict[str, float] = {}
        self.threads = self.options.asr.threads or default_threads()
        lean_torchmetrics()
        check_device(self.options.asr.device)
        with hub_offline(not self.options.asr.allow_download and not self.options.token()), \
                torch_threads(self.threads), chatter_off():
            self.transcriber = self._timed_load("asr", lambda: Transcriber(self.options.asr_as_run()))
            self.aligner = self._timed_load("aligner", self._make_aligner)
            self.diarizer = self._timed_load("diarizer", lambda: make_diarizer(self.options)) \
                if self.options.diarize else None
            self.redactor = self._timed_load("redactor", lambda: Redactor.of(self.options)) \
                if self.options.redact else None
        self.shared_segmentation = self.diarizer is not None and self.diarizer.shares_segmentation(self.transcriber.vad)
        self.encoder = naming_encoder(self.diarizer and self.diarizer.encoder) if self.options.profiles else None
        self.voices = VoiceProfiles(self.options.profiles).checked(self.encoder.name) if self.encoder else []

    def _timed_load(self, name: str, factory):
        t0 = time.perf_counter()
        obj = factory()
        self.load_seconds[name] = round(time.perf_counter() - t0, 3)
        self.hook(StageEvent(f"load {name}", seconds=self.load_seconds[name]))
        return obj

    def _make_aligner(self):
        if self.options.aligner in ("whisper", "whisper+energy"):
            cls = WhisperAligner if self.options.aligner == "whisper" else EnergyTrimmedWhisperAligner
            return cls(self.transcriber.model, batch_size=self.options.asr.batch_size)
        if self.options.aligner == "interpolate":
            return InterpolateAligner()
        from .stages.align import Wav2Vec2Aligner

        return Wav2Vec2Aligner(self.options.align_model, self.transcriber.language or "en", self.options.asr.device)

    def __call__(self, path: str | os.PathLike, hook: StageHook | None = None, **speakers: int | None) -> Transcript:
        """Transcribe one file; ``num_speakers``/``min_speakers``/``max_speakers`` override the options."""
        return self.transcribe_decoded(decode(path, self.options), hook=hook, **speakers)

    def prepare(self, decoded: Decoded) -> Decoded:
        """``decoded`` with its segmentation pass done, in one torch thread: for a file read ahead, on the
        core the current file's ASR leaves idle. The same scores ``run`` computes (``Diarizer.segment``)."""
        if not self.shared_segmentation or self.diarizer is None or decoded.split:
            return decoded
        t0 = time.perf_counter()
        segmentation = self.diarizer.segment(decoded.audio, parts=1)
        return replace(decoded, segmentation=segmentation, segmentation_seconds=round(time.perf_counter() - t0, 3))

    def transcribe_decoded(self, decoded: Decoded, hook: StageHook | None = None, **speakers: int | None) -> Transcript:
        """A file ``decode`` read: one speaker per channel when it chose ``split``, else the mono pipeline."""
        with torch_threads(self.threads), chatter_off():
            if decoded.split:
                transcript = self.redacted(self._run_split(decoded, hook))
            else:
                transcript = self.run(decoded.audio, source=decoded.source, prepared=decoded, hook=hook, **speakers)
                transcript.info.channels = decoded.channels
        transcript.info.warnings = list(decoded.warnings)
        return transcript

    def _run_split(self, decoded: Decoded, hook: StageHook | None) -> Transcript:
        """One speaker per channel: VAD, ASR and alignment per channel, words merged by utterance start."""
        assert decoded.channels is not None and decoded.channels.names is not None, "a split read names its channels"
        channels, source, names = decoded.audio, decoded.source, decoded.channels.names
        timer = StageTimer(hook or self.hook, source)
        t0 = time.perf_counter()
        active = channel_activity(channels)  # each channel's own speech, the others' leak left out
        per_channel, speech, language = [], [], None
        for row, name, own in zip(channels, names, active):
            _, words, lang = self._transcribe(gate(np.ascontiguousarray(row), own), None, timer)
            words = retime(labelled(words, name), own)
            per_channel.append(words)
            speech += speech_turns(own, words, name)
            language = language or lang
        if not any(per_channel):
            raise AudioError(source, "no speech detected on any channel")
        words, utterances, turns = merge(per_channel, language, self.options.max_pause, speech)
        timings = {**timer.seconds, "wall": round(time.perf_counter() - t0, 3)}
        info = replace(self._info(source, timings), channels=decoded.channels)
        transcript = Transcript(language=language, duration=channels.shape[1] / SAMPLE_RATE,
                                speakers=[n for n, ws in zip(names, per_channel) if ws], words=words,
                                utterances=utterances, turns=turns, info=info)
        if not self.voices or self.encoder is None:
            return transcript
        vectors = {k: v for row, name in zip(channels, names)
                   for k, v in speaker_vectors(row, [t for t in turns if t.speaker == name], self.encoder).items()}
        return name_speakers(transcript, vectors, self.voices, self.encoder, self.options.profiles)

    def run(self, audio, source: str = "<array>", prepared: Decoded | None = None, hook: StageHook | None = None,
            **speakers: int | None) -> Transcript:
        """One mono recording; ``prepared``: its ``Decoded`` when ``prepare`` already ran its segmentation.
        ``num_speakers``/``min_speakers``/``max_speakers``: given any, the call's three replace the options'
        (one not given is None), so a pipeline kept from another call never lends its counts."""
        with torch_threads(self.threads), chatter_off():  # as for the CLI: a caller of run() gets the same threads
            return self.redacted(self._run(audio, source, prepared, hook, speaker_counts(self.options, speakers)))

    def redacted(self, transcript: Transcript) -> Transcript:
        """``transcript`` with personal data taken out when the options ask (``--redact``), before anything is
        written or cached (``redaction.Redactor``)."""
        return self.redactor(transcript) if self.redactor is not None else transcript

    def _run(self, audio, source: str, prepared: Decoded | None, hook: StageHook | None,
             counts: dict[str, int | None]) -> Transcript:
        o = self.options
        timer = StageTimer(hook or self.hook, source)
        t0 = time.perf_counter()
        diarizer = self.diarizer
        segmentation = speech = None
        if self.shared_segmentation and diarizer is not None:
            from .stages.vad import speech_scores

            if prepared is not None and prepared.segmentation is not None:
                segmentation = prepared.segmentation
                timer.add(SEGMENTATION, prepared.segmentation_seconds)  # spent ahead, beside another file
            else:
                segmentation = timer(SEGMENTATION, lambda: diarizer.segment(audio))
            speech = speech_scores(segmentation, self.transcriber.vad, len(audio))
            timer.over(SEGMENTATION)

        def diarize(diarizer):
            def pyannote_hook(step, artifact, file=None, total=None, completed=None):
                if step == "embeddings" and total:
                    timer.step(EMBEDDINGS, completed or 0, total)

            result = timer(DIARIZE, lambda: diarizer(audio, **counts, segmentation=segmentation, hook=pyannote_hook))
            timer.over(DIARIZE)
            return result

        diarized = None
        with ThreadPoolExecutor(1, thread_name_prefix="diarize") as pool:
            pending = pool.submit(diarize, diarizer) if diarizer is not None and o.parallel_stages else None
            segments, words, language = self._transcribe(audio, speech, timer)
            if pending is not None:
                diarized = pending.result()
            elif diarizer is not None:
                diarized = diarize(diarizer)
        if not segments:
            raise AudioError(source, "no speech detected (voice activity detection and ASR found none)")
        turns, exclusive = (diarized.turns, diarized.exclusive) if diarized else ([], [])
        words = assign_speakers(words, exclusive)
        if diarized is not None and recovering(o, language):
            words = timer(HESITATIONS, lambda: recover(self.transcriber.model, audio, words, turns, language, o,
                                                       segmentation))
        utterances = group_utterances(words, language, o.max_pause)
        labels = sorted({t.speaker for t in turns} | {w.speaker for w in words if w.speaker})
        vad = timer.seconds.pop("vad", 0.0)  # timed inside the first ASR batch
        timings = {**timer.seconds, "vad": vad, "asr": round(timer.seconds.get(ASR, 0.0) - vad, 3),
                   "wall": round(time.perf_counter() - t0, 3)}
        transcript = Transcript(language=language, duration=len(audio) / SAMPLE_RATE, speakers=labels, words=words,
                                utterances=utterances, turns=turns, info=self._info(source, timings))
        if not self.voices or self.encoder is None:
            return transcript
        return name_speakers(transcript, speaker_vectors(audio, exclusive, self.encoder), self.voices, self.encoder,
                             self.options.profiles)

    def _transcribe(self, audio, speech, timer: StageTimer) -> tuple[list, list[Word], str | None]:
        """ASR batch by batch, each batch aligned with the encoder output its decoding computed."""
        segments, words, align, language = [], [], None, self.transcriber.language
        batches = self.transcriber.batches(audio, speech)
        while (batch := timer(ASR, lambda: next(batches, None))) is not None:
            language = batch.language
            if batch.vad_seconds:
                timer.add("vad", batch.vad_seconds)
            align = align or timer(ALIGN, partial(self.aligner.bind, audio, language))
            segments += [s for s in batch.segments if s.text]
            words += [w for ws in timer(ALIGN, partial(align, batch.segments, batch.encoder_output)) for w in ws]
            timer.step(ASR, batch.chunks_done, batch.chunks_total)
        timer.over(ASR, ALIGN)
        return segments, words, language

    def _info(self, source: str, timings: dict[str, float]) -> RunInfo:
        t = self.transcriber
        aligner = self.aligner.name if self.options.aligner != "wav2vec2" else f"wav2vec2:{self.options.align_model}"
        models = ModelsUsed(
            asr=ModelSource(self.options.asr.model, t.resolved.source, t.resolved.path),
            vad="pyannote/segmentation (whisperx assets/pytorch_model.bin)"
                + (", the diarization's segmentation pass" if self.shared_segmentation else ""),
            aligner=aligner,
            diarization=None if self.diarizer is None else ModelSource(self.diarizer.name, self.diarizer.source))
        return RunInfo(source=source, models=models, options=self.options.public(),
                       versions={d: _version(d) for d in VERSIONED} | {"meeting-analytics": __version__},
                       timings=timings, load_seconds=dict(self.load_seconds))


def _version(dist: str) -> str | None:
    try:
        return version(dist)
    except Exception:  # noqa: BLE001 (a missing or odd distribution is recorded as unknown)
        return None
