"""End-to-end tests on the real models (Whisper tiny.en/base via WhisperX, pyannote, Resemblyzer), offline."""

from __future__ import annotations

import shutil

import pytest

from meeting_analytics.evaluation.metrics import speaker_attribution, wer
from meeting_analytics.transcript import Transcript
from helpers import DATA


pytestmark = pytest.mark.models
JFK_TEXT = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


@pytest.fixture(scope="session")
def jfk(pipeline):
    return pipeline(DATA / "speech" / "jfk.flac")


def test_jfk_wer(jfk):
    assert wer(JFK_TEXT, jfk.text) <= 0.10, jfk.text
    assert jfk.language == "en"


def test_every_word_is_timed_inside_the_audio(jfk):
    assert len(jfk.words) >= 20
    for w in jfk.words:
        assert 0.0 <= w.start <= w.end <= jfk.duration + 1e-6, w
        assert 0.0 <= w.probability <= 1.0
    starts = [w.start for w in jfk.words]
    assert starts == sorted(starts)
    assert jfk.info.models.aligner == "whisper+energy"  # the default, chosen in BENCHMARKS.md
    assert set(jfk.info.timings) == {"segmentation", "vad", "asr", "align", "diarize", "wall"}
    assert "segmentation pass" in jfk.info.models.vad  # one pass served VAD and diarization


@pytest.mark.parametrize("name", ["call/sample.wav", "speech/jfk.flac"])  # 30 s: whole chunks; 11 s: a padded one
def test_diarization_segmentation_gives_whisperx_vad_scores_exactly(pipeline, name):
    import numpy as np
    import torch

    from meeting_analytics.audio import load_audio
    from meeting_analytics.stages.vad import speech_scores

    audio = load_audio(DATA / name)
    vad = pipeline.transcriber.vad
    own = vad({"waveform": torch.from_numpy(audio)[None], "sample_rate": 16_000})
    shared = speech_scores(pipeline.diarizer.segment(audio), vad, len(audio))
    assert pipeline.shared_segmentation
    assert own.data.shape == shared.data.shape and own.data.max() > 0.5
    assert np.array_equal(own.data, shared.data)
    assert own.sliding_window.start == shared.sliding_window.start
    assert own.sliding_window.step == shared.sliding_window.step


def whisperx_load_model(*args, **kwargs):
    """``whisperx.load_model``, its notes on stdout kept out of the test output."""
    import contextlib
    import io

    import whisperx

    with contextlib.redirect_stdout(io.StringIO()):
        return whisperx.load_model(*args, **kwargs)


@pytest.fixture(scope="module")
def whisperx_pipeline(pipeline):
    """whisperx's own ``load_model`` (its WhisperModel, its options) on the same weights, VAD and options."""
    o = pipeline.transcriber.options
    return whisperx_load_model(
        pipeline.transcriber.resolved.path, o.device, compute_type=o.compute_type,
        language=pipeline.transcriber.language,
        vad_model=pipeline.transcriber.vad, threads=1,
        asr_options={"beam_size": o.beam_size, "temperatures": list(o.temperature),
                     "initial_prompt": o.initial_prompt, "hotwords": o.hotwords},
        vad_options={"vad_onset": o.vad_onset, "vad_offset": o.vad_offset, "chunk_size": o.chunk_size})


def test_batchwise_decoding_equals_whisperx_transcribe(pipeline, whisperx_pipeline):
    import contextlib
    import io

    from meeting_analytics.audio import load_audio

    audio = load_audio(DATA / "call" / "sample.wav")
    t = pipeline.transcriber
    with contextlib.redirect_stdout(io.StringIO()):
        theirs = whisperx_pipeline.transcribe(audio, batch_size=t.options.batch_size, chunk_size=t.options.chunk_size,
                                              language=t.language)
    ours, language = t(audio)
    assert type(whisperx_pipeline.model).__module__ == "whisperx.asr"  # the reference is whisperx's own code
    assert language == theirs["language"] == "en"
    assert [s.text for s in ours] == [s["text"].strip() for s in theirs["segments"]]
    assert [(round(s.start, 3), round(s.end, 3)) for s in ours] == [(s["start"], s["end"]) for s in theirs["segments"]]


@pytest.mark.parametrize("asr_options", [{}, {"initial_prompt": "Um, uh, so.", "hotwords": "Acme", "beam_size": 2,
                                              "temperatures": [0.0]}])
def test_decoding_options_are_whisperx_load_model_options(whisperx_pipeline, asr_options):
    from meeting_analytics.stages.asr_model import transcription_options

    model = whisperx_pipeline.model
    theirs = whisperx_load_model("tiny.en", "cpu", model=model, vad_model=whisperx_pipeline.vad_model,
                                 asr_options=asr_options).options
    assert transcription_options(model, **asr_options) == theirs


def _strace_works() -> bool:
    import subprocess

    return bool(shutil.which("strace")) and subprocess.run(["strace", "-f", "-o", "/dev/null", "true"],
                                                           capture_output=True).returncode == 0


LIBRARY_CALL = """
import logging, warnings
import meeting_analytics as ma
names = ("pyannote", "whisperx", "pytorch_lightning", "faster_whisper")
ma.transcribe({path!r})  # the libraries' imports may set up their own logging: not ours to judge
before = [logging.getLogger(n).level for n in names], list(warnings.filters)
ma.Pipeline(ma.PipelineOptions())({path!r})  # models loaded again, and a run
ma.enroll("Kennedy", [{path!r}], "profiles")  # an enrolment loads the diarization's models too
after = [logging.getLogger(n).level for n in names], list(warnings.filters)
print("state", before == after or (before, after))
"""


def test_a_library_call_is_quiet_and_leaves_logging_as_it_was(tmp_path):
    """A notebook's ``ma.transcribe`` printed whisperx's VAD log line and Lightning's checkpoint-upgrade note
    (stages/lean.chatter_off); quieting them for the call must not change the caller's logging or warnings."""
    import subprocess
    import sys

    code = LIBRARY_CALL.format(path=str(DATA / "speech" / "jfk.flac"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "state True"
    chatter = out.stdout + out.stderr
    assert "Performing voice activity detection" not in chatter and "Lightning automatically" not in chatter, chatter


@pytest.fixture(scope="module")
def fresh_cli_process(tmp_path_factory):
    """``transcribe`` on jfk in a new process, with what it imported; under strace (connect calls) when it works."""
    import subprocess
    import sys

    tmp = tmp_path_factory.mktemp("fresh")
    code = ("import sys; from meeting_analytics.cli import main; "
            "code = main(['transcribe', '" + str(DATA / "speech" / "jfk.flac") + "', '-o', 'out', '-q']); "
            "print(code, sorted(m for m in ('transformers', 'torchvision', 'torchmetrics', 'pyannote.audio', 'sympy') "
            "if m in sys.modules), type(sys.modules['torch._dynamo']).__name__)")
    trace = tmp / "connect.trace" if _strace_works() else None
    prefix = ["strace", "-f", "-e", "trace=connect", "-o", str(trace)] if trace else []
    out = subprocess.run(prefix + [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp)
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp / "out" / "jfk.json").is_file()
    return out.stdout.strip().splitlines()[-1], trace


def test_a_run_never_imports_transformers_torchvision_or_torch_compile(fresh_cli_process):
    """whisperx.asr and torchmetrics would bring the first two in, lightning and torchcodec torch.compile's
    tracer with sympy (stages/asr_model.py, stages/lean.py)."""
    line, _ = fresh_cli_process
    assert line == "0 ['pyannote.audio', 'torchmetrics'] DeferredDynamo"


def test_a_run_opens_no_network_connection(fresh_cli_process):
    """No socket to anywhere but local ones: torchmetrics' DNSMOS import path looked up a Microsoft telemetry
    host (stages/lean.py)."""
    _, trace = fresh_cli_process
    if trace is None:
        pytest.skip("strace is missing or may not trace here: native code's sockets cannot be watched")
    calls = [line for line in trace.read_text().splitlines() if "connect(" in line]
    remote = [line for line in calls if "AF_INET" in line]
    assert not remote, remote[:3]


def test_torch_compile_works_after_torch_dynamo_was_deferred(tmp_path):
    """What lightning and torchcodec got while it was deferred still holds once torch.compile loads it."""
    import subprocess
    import sys

    code = """
import sys
from meeting_analytics.stages.lean import DeferredDynamo, defer_dynamo, lean_torchmetrics
lean_torchmetrics(); defer_dynamo()
import pyannote.audio.pipelines, torch, torchcodec._core.ops as ops
import lightning.fabric.wrappers as wrappers
deferred = sys.modules['torch._dynamo']
assert isinstance(deferred, DeferredDynamo) and deferred.pending and 'sympy' not in sys.modules
plain = torch.nn.Linear(2, 2)
assert not isinstance(plain, wrappers.OptimizedModule)
compiled = torch.compile(plain)
real = sys.modules['torch._dynamo']
assert not isinstance(real, DeferredDynamo) and not deferred.pending
assert isinstance(compiled, wrappers.OptimizedModule) and wrappers._unwrap_compiled(compiled)[0] is plain
assert id(ops.create_from_file) in real.trace_rules._disallowed_callable_ids  # torchcodec's call, applied
print('ok')
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert out.stdout.strip() == "ok", out.stderr[-2000:]


def test_alignment_on_the_asr_encoder_output_equals_a_second_encoder_pass(pipeline):
    from meeting_analytics.audio import load_audio

    audio = load_audio(DATA / "call" / "sample.wav")
    batches = list(pipeline.transcriber.batches(audio))
    align = pipeline.aligner.bind(audio, batches[0].language)
    reused = [w for b in batches for ws in align(b.segments, b.encoder_output) for w in ws]
    encoded_again = [w for b in batches for ws in align(b.segments) for w in ws]
    assert len(reused) >= 50
    assert reused == encoded_again


def test_parallel_stages_give_the_sequential_result(pipeline):
    assert pipeline.options.parallel_stages  # the default
    path = DATA / "call" / "sample.wav"
    parallel = pipeline(path)
    pipeline.options.parallel_stages = False
    try:
        sequential = pipeline(path)
    finally:
        pipeline.options.parallel_stages = True
    assert parallel.words == sequential.words and parallel.turns == sequential.turns
    assert len(parallel.speakers) == 2


def test_a_file_prepared_ahead_gives_what_run_gives(pipeline):
    """The CLI runs the next file's segmentation pass ahead, on one thread (``Pipeline.prepare``)."""
    from meeting_analytics.audio import probe
    from meeting_analytics.decode import DecodeAhead, decode

    first, path = str(DATA / "speech" / "jfk.flac"), str(DATA / "call" / "sample.wav")
    plain = pipeline.transcribe_decoded(decode(path, pipeline.options))
    files = DecodeAhead(pipeline.options, {first: probe(first), path: probe(path)}, prepare=pipeline.prepare)
    files.take(first)  # starts reading and preparing the call
    prepared = files.take(path)
    files.close()
    assert prepared.segmentation is not None and prepared.segmentation_seconds > 0
    ahead = pipeline.transcribe_decoded(prepared)
    assert ahead.words == plain.words and ahead.turns == plain.turns and ahead.utterances == plain.utterances
    assert ahead.info.timings["segmentation"] == prepared.segmentation_seconds


def test_single_speaker_clip_has_one_speaker(jfk):
    assert len(jfk.speakers) == 1
    assert {w.speaker for w in jfk.words} == set(jfk.speakers)


def test_synthetic_dialogue_two_speakers_words_attributed(pipeline, dialogue):
    meeting, paths = dialogue
    assert meeting.duration >= 60
    t = pipeline(paths["wav"])
    assert len(t.speakers) == 2, t.speakers
    truth = meeting.transcript()
    accuracy, mapping = speaker_attribution(truth.words, t.words)
    assert accuracy >= 0.90, (accuracy, mapping)
    assert sorted(mapping.values()) == ["S1", "S2"]


@pytest.mark.parametrize("uri", ["trn04", "trn08"])
def test_ami_meeting_rttm_has_several_speakers(pipeline, ami_dir, tmp_path, uri):
    """Far-field meeting excerpts with 3 and 4 reference speakers -> an RTTM with several speakers.

    (trn01 is not used: its 5.8 s of speech are one 1 s turn plus short turns and a three-way laugh
    that the segmentation model does not detect; it yields 1 speaker, see BENCHMARKS.md.)"""
    from pyannote.database.util import load_rttm

    from meeting_analytics.report.writers import write_rttm

    t = pipeline(ami_dir / f"{uri}.wav")
    annotation = load_rttm(str(write_rttm(t, tmp_path / f"{uri}.rttm")))[uri]
    assert len(annotation.labels()) >= 2, annotation
    assert {w.speaker for w in t.words} <= set(annotation.labels())


@pytest.fixture(scope="module")
def no_diarize_pipelines():
    from meeting_analytics.pipeline import Pipeline, PipelineOptions
    from meeting_analytics.stages.asr import ASROptions

    def make(**asr):
        return Pipeline(PipelineOptions(asr=ASROptions(**asr), diarize=False))

    return make


def test_hotwords_bring_company_name(no_diarize_pipelines):
    clip = DATA / "speech" / "hotwords.mp3"
    plain = no_diarize_pipelines()(clip)
    assert "comfyui" not in plain.text.lower(), plain.text
    tiny = no_diarize_pipelines(hotwords="ComfyUI")(clip)
    assert "comfyui" in tiny.text.lower(), tiny.text  # tiny.en spells it comfyUI
    base = no_diarize_pipelines(model="base", language="en", hotwords="ComfyUI")(clip)
    assert "ComfyUI" in base.text, base.text
    assert base.speakers == [] and base.turns == [] and all(w.speaker is None for w in base.words)


def test_multilingual_base_detects_language(no_diarize_pipelines):
    p = no_diarize_pipelines(model="base")
    assert not p.transcriber.english_only
    t = p(DATA / "speech" / "jfk.flac")
    assert t.language == "en"
    assert wer(JFK_TEXT, t.text) <= 0.10, t.text


def test_language_detection_equals_whisperx(no_diarize_pipelines):
    from meeting_analytics.audio import load_audio
    from meeting_analytics.evaluation.synth import _speak

    p = no_diarize_pipelines(model="base")
    theirs = whisperx_load_model(p.transcriber.resolved.path, "cpu", compute_type="int8", vad_model=p.transcriber.vad)
    german = _speak("Guten Morgen, meine Damen und Herren. Heute sprechen wir über den Haushalt der Stadt.",
                    "de", 50, 160)
    for audio, language in ((load_audio(DATA / "speech/jfk.flac"), "en"),  # under 30 s: padded
                            (load_audio(DATA / "call/sample.wav"), "en"),  # 30 s
                            (german, "de")):  # espeak-ng's German voice
        assert p.transcriber.model.language_of(audio) == theirs.detect_language(audio) == language


def test_diarize_model_from_local_directory_uses_same_path(pipeline, tmp_path):
    """--diarize_model DIR loads through pyannote's Pipeline.from_pretrained like a hub pipeline."""
    from meeting_analytics.audio import load_audio
    from meeting_analytics.stages.diarize import OFFLINE_CONFIG, Diarizer

    shutil.copy(OFFLINE_CONFIG, tmp_path / "config.yaml")
    local = Diarizer(str(tmp_path))
    assert local.source == "local"
    audio = load_audio(DATA / "call" / "sample.wav")
    assert local(audio) == pipeline.diarizer(audio)
    turns = local(audio, num_speakers=2).turns
    assert len({t.speaker for t in turns}) == 2


def test_hub_diarize_model_without_token_is_refused_offline():
    from meeting_analytics.stages.diarize import Diarizer
    from meeting_analytics.weights import ModelUnavailableError

    with pytest.raises(ModelUnavailableError, match="--hf_token"):
        Diarizer("pyannote/speaker-diarization-3.1")


def test_transcript_json_of_real_run_round_trips(jfk):
    assert Transcript.from_json(jfk.to_json()) == jfk


def test_api_transcribe_reuses_models_for_same_options():
    import meeting_analytics as ma

    first = ma.transcribe(DATA / "speech" / "jfk.flac", diarize=False)
    pipe = ma._last_pipeline[1]
    again = ma.transcribe(DATA / "speech" / "jfk.flac", diarize=False)
    assert ma._last_pipeline[1] is pipe
    assert again.text == first.text and again.speakers == []


@pytest.fixture(scope="session")
def verbatim_pipeline():
    from meeting_analytics.prompts import VERBATIM_PROMPT_EN
    from meeting_analytics.stages.asr import ASROptions
    from meeting_analytics.pipeline import Pipeline, PipelineOptions

    return Pipeline(PipelineOptions(asr=ASROptions(initial_prompt=VERBATIM_PROMPT_EN)))


@pytest.mark.models
def test_fillers_end_to_end_with_the_verbatim_prompt(verbatim_pipeline, tmp_path):
    """A 60 s synthetic meeting (seed 0, phrases spoken in one breath) with known fillers, the default
    model with the verbatim prompt: precision and recall >= 0.8 for each speaker."""
    from meeting_analytics.analytics import analyze
    from meeting_analytics.evaluation.metrics import filler_scores, speaker_attribution
    from meeting_analytics.evaluation.synth import synthesize_meeting, write_wav

    m = synthesize_meeting(2, 60.0, seed=0, filler_rate=0.15, phrases=True)
    t = verbatim_pipeline(write_wav(tmp_path / "m.wav", m.audio), num_speakers=2)
    _, mapping = speaker_attribution(m.transcript().words, t.words)
    scores = filler_scores(m.filler_occurrences(), analyze(t).fillers, mapping).set_index("speaker")
    assert set(scores.index) == {"S1", "S2"} and (scores["truth"] >= 4).all()
    assert (scores["precision"] >= 0.8).all() and (scores["recall"] >= 0.8).all(), scores
