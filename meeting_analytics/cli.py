"""The command line: parse, dispatch, print. Flags come from the options' declaration (options.py).

Every input is checked (exists, is a file, ffprobe finds audio) before any model loads; every error
is one line naming the file it is about (the input, or the output that could not be written); a
run over many files goes on past a bad one and exits 1 when any failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, TypeVar

from ._version import __version__
from .options import ANALYSIS_DEFAULTS

if TYPE_CHECKING:
    from .analytics.names import SpeakerNames
    from .catalog import Measurement
    from .pipeline import Pipeline

T = TypeVar("T")
EXIT_FAILED = 1
EXIT_USAGE = 2
DESCRIPTION = ("Speaker-aware transcripts and analytics of meetings, interviews and calls, offline: WhisperX "
               "speech recognition, pyannote.audio diarization, per-speaker fillers, talk time, questions, "
               "sentiment and topics.")


def _argparse_type(parse: Callable) -> Callable:
    """An options.PARSERS entry as an argparse type: its one-line OptionError becomes argparse's message."""
    from .options import OptionError

    def typed(value: str):
        try:
            return parse(value)
        except OptionError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    typed.__name__ = getattr(parse, "__name__", "value")
    return typed


# -- flags from the options' declaration -----------------------------------------------------------

def add_option_flags(p: argparse.ArgumentParser, defaults: dict | None = None,
                     skip: frozenset[str] | set[str] = frozenset()) -> None:
    """One flag per declared option (``options.declared``); ``defaults`` overrides a command's defaults."""
    from .options import PARSERS, declared

    groups: dict[str, argparse._ArgumentGroup] = {}
    defaults = defaults or {}
    for _, f in declared():
        meta = f.metadata
        if not meta["cli"] or f.name in skip:
            continue
        g = groups.setdefault(meta["group"], p.add_argument_group(meta["group"]))
        default = defaults.get(f.name, f.default_factory() if callable(f.default_factory) else f.default)
        shown = meta["shown"] if meta["shown"] and f.name not in defaults else \
            ("on" if default is True else "off" if default is False else default)
        helptext = f"{meta['help']} (default: {shown})".replace("%", "%%")
        if isinstance(default, bool):
            g.add_argument(f"--{f.name}", dest=f.name, action="store_true", default=default, help=helptext)
            if meta["negatable"]:
                g.add_argument(f"--no_{f.name}", dest=f.name, action="store_false", help=f"turn --{f.name} off")
            continue
        metavar = "{" + ",".join(meta["choices"]) + "}" if meta["choices"] else (meta["kind"] or f.name).upper()
        bare = {"nargs": "?", "const": meta["bare"], "metavar": metavar} if meta.get("bare") else {}
        g.add_argument(f"--{f.name}", dest=f.name, default=default, type=_argparse_type(PARSERS[meta["kind"]]),
                       choices=meta["choices"], help=helptext, **bare)


def options_from_args(args: argparse.Namespace):
    """The options the flags give, resolved and validated (``OptionError`` when one is bad)."""
    from .options import PipelineOptions, declared

    return PipelineOptions.from_kwargs(**{f.name: getattr(args, f.name) for _, f in declared()
                                          if f.metadata["cli"] and hasattr(args, f.name)})


# -- running over files ----------------------------------------------------------------------------

class Run:
    """One command over many files: errors counted; progress (unless --quiet) and errors on stderr
    from one writer."""

    def __init__(self, args: argparse.Namespace):
        from .progress import Reporter, silent

        self.failed = 0
        self.stderr = Reporter()
        printing = getattr(args, "print_text", True)
        self.reporter = self.stderr if printing else silent
        self.hook = self.stderr.on_event if printing else None  # the pipeline's stage events

    def error(self, message: str) -> None:
        self.failed += 1
        self.stderr.write(f"meeting-analytics: error: {message}")

    def warnings(self, path: str, warnings) -> None:
        """What was wrong with a file that was still done (damaged frames, cut short, bad samples): a line
        each, --quiet or not."""
        for warning in warnings:
            self.stderr.write(f"meeting-analytics: warning: {path}: {warning}")

    def failure(self, exc: Exception) -> int:
        """An error that ends the command: its line, and the exit code (2 for a usage error)."""
        from .errors import UsageError

        self.error(str(exc))
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED

    def each(self, items, handle: Callable) -> int:
        """``handle(item)`` for every item; a bad item is one error line and the rest go on."""
        from .errors import Error, UsageError

        for item in items:
            try:
                handle(item)
            except UsageError as exc:  # no file can succeed
                self.error(str(exc))
                return EXIT_USAGE
            except Error as exc:
                self.error(str(exc))
            except Exception as exc:  # noqa: BLE001 (one bad file never stops the run)
                self.error(f"{item}: {type(exc).__name__}: {exc}")
            finally:
                self.stderr.end_file(str(item))  # a bar of a file that failed mid-stage goes with it
        return EXIT_FAILED if self.failed else 0


def checked_inputs(run: Run, paths: list[str], transcripts: bool = False) -> dict:
    """The inputs that can be read, before any model loads: path -> its ffprobe ``AudioInfo`` (None for a
    transcript .json, with ``transcripts``); each other one is an error line now."""
    from concurrent.futures import ThreadPoolExecutor

    from .audio import probe
    from .errors import Error, UsageError
    from .transcript import TranscriptError

    def check(path: str):
        try:
            if transcripts and path.lower().endswith(".json"):
                if not Path(path).is_file():
                    raise TranscriptError(f"{path}: {'not a file' if Path(path).exists() else 'no such file'}")
                return None
            return probe(path)
        except Error as exc:
            return exc

    good = {}
    with ThreadPoolExecutor(4, thread_name_prefix="probe") as pool:  # ffprobe's start-up is most of its time
        for path, result in zip(paths, pool.map(check, paths)):
            if isinstance(result, UsageError):  # no file can succeed (ffprobe not on PATH): one line, not one a file
                raise result
            if isinstance(result, Error):
                run.error(str(result))
            else:
                good[path] = result
    return good


def _output_dir_ok(run: Run, path: str) -> bool:
    from .files import OutputError, check_output_dir

    try:
        check_output_dir(path)
        return True
    except OutputError as exc:
        run.error(str(exc))
        return False


class LazyPipeline:
    """The pipeline, built on first use: input that fails to decode never costs a model load. This process
    runs nothing else, so it sets what a library call must not: torch's threads, quiet libraries, no
    torch.compile tracer, and a frozen collector once the models are loaded."""

    def __init__(self, run: Run, options):
        self.run, self.options = run, options
        self.built: Pipeline | None = None

    def __call__(self):
        if self.built is None:
            import gc

            from .devices import set_torch_threads
            from .options import default_threads
            from .stages.lean import defer_dynamo, quiet_libraries

            defer_dynamo()  # this process runs the pipeline alone: torch.compile's tracer is not imported
            quiet_libraries()
            from .pipeline import Pipeline

            set_torch_threads(self.options.asr.threads or default_threads())
            self.built = Pipeline(self.options, hook=self.run.hook)
            gc.freeze()  # the libraries and models stay to the end: no collection walks them again (exit included)
        return self.built

    def prepare_if_loaded(self, decoded):
        """A file read ahead gets its segmentation pass too, once the models are there (``Pipeline.prepare``)."""
        return self.built.prepare(decoded) if self.built is not None else decoded

    def transcribe(self, path: str, files):
        """Decoded (``files``: a ``decode.DecodeAhead``) before the pipeline is built."""
        decoded = files.take(path)
        return self().transcribe_decoded(decoded)


def _timed(run: Run, label: str, fn):
    import time

    t0 = time.perf_counter()
    out = fn()
    run.reporter(f"{label} {time.perf_counter() - t0:.1f} s")
    return out


# -- commands --------------------------------------------------------------------------------------

def cmd_transcribe(args: argparse.Namespace) -> int:
    from .report.writers import to_txt, write_outputs

    run = Run(args)
    options = _prepared(run, args, args.output_dir)
    if isinstance(options, int):
        return options
    inputs = checked_inputs(run, args.audio)
    pipeline = LazyPipeline(run, options)
    files = _decode_ahead(options, inputs, pipeline)

    def handle(path: str) -> None:
        transcript = _audio_redacted(options, pipeline.transcribe(path, files), path, args.output_dir)
        run.warnings(path, transcript.info.warnings)
        name = Path(path).name
        written = _timed(run, f"{name}: write", lambda: write_outputs(transcript, args.output_dir, Path(path).stem,
                                                                        args.output_format))
        if args.print_text:
            sys.stdout.write(to_txt(transcript))
            sys.stdout.flush()
        n = len(transcript.speakers)
        run.reporter(f"{name}: {len(transcript.words)} words, {n} speaker{'s' * (n != 1)} -> "
                     + ", ".join(str(p) for p in written))

    return _each_file(run, inputs, handle, files)


def _audio_redacted(options, transcript, audio: str | None, output_dir: str):
    """With --redact_audio: ``<stem>.redacted.flac`` written beside the outputs (0600), named in the run facts."""
    if not options.redact_audio or audio is None or not Path(audio).is_file():
        return transcript
    from .redaction.audio import with_redacted_audio

    return with_redacted_audio(transcript, audio, Path(output_dir) / f"{Path(audio).stem}.redacted.flac",
                               options.redact_audio)


class LazyRedactor:
    """``--redact`` for transcripts read from JSON (audio is redacted by the pipeline): loaded on first use."""

    def __init__(self, options):
        self.options, self.built = options, None

    def __call__(self, transcript):
        if not self.options.redact:
            return transcript
        if self.built is None:
            from .redaction.apply import Redactor

            self.built = Redactor.of(self.options)
        return self.built(transcript) if self.built is not None else transcript


def _decode_ahead(options, inputs: dict, pipeline: LazyPipeline):
    from .decode import DecodeAhead

    return DecodeAhead(options, inputs, prepare=pipeline.prepare_if_loaded)


def _each_file(run: Run, inputs: dict, handle: Callable, files) -> int:
    """``run.each`` over the inputs; then the file decoded ahead, if any, is dropped."""
    try:
        return _worst(run.each(inputs, handle), run)
    finally:
        files.close()


def _prepared(run: Run, args: argparse.Namespace, output_dir: str | None):
    """The options, or the exit code when they are invalid (the device included) or the output directory
    unusable, before anything runs."""
    from .devices import check_device
    from .errors import UsageError

    try:
        options = options_from_args(args)
        check_device(options.asr.device)
    except UsageError as exc:
        return run.failure(exc)
    return options if output_dir is None or _output_dir_ok(run, output_dir) else EXIT_FAILED


def _worst(code: int, run: Run) -> int:
    return code if code == EXIT_USAGE else (EXIT_FAILED if run.failed else 0)


def _speaker_names(run: Run, args: argparse.Namespace) -> "SpeakerNames | int":
    """``--names``/``--rename`` as parsed, or the exit code of a malformed one."""
    from .analytics.names import SpeakerNames
    from .errors import OptionError

    try:
        return SpeakerNames.parse(args.names, args.rename)
    except OptionError as exc:
        return run.failure(exc)


def _speaker_table(report) -> str:
    cols = {"speaker": "speaker", "share": "talk share", "words": "words", "wpm": "wpm", "turns": "turns",
            "questions": "questions", "interruptions": "interrupts", "fillers": "fillers",
            "fillers_per_minute": "fillers/min", "mean_sentiment": "sentiment"}
    frame = report.speakers[list(cols)].rename(columns=cols)
    frame["talk share"] = (frame["talk share"] * 100).round().astype(int).astype(str) + "%"
    return frame.round({"wpm": 0, "fillers/min": 1, "sentiment": 2}).to_string(index=False)


def _named(path: str, apply: Callable[[T], T], target: T, kept: Path | None = None) -> T:
    """``apply(target)``: the names given, for this file's speakers. Names that do not fit them (a name too
    many, a label it has not) fail this file only, in one line naming it: another input may have them."""
    from .errors import Error, OptionError

    try:
        return apply(target)
    except OptionError as exc:
        where = f" (its transcript is kept: {kept}; analyze that with other names)" if kept else ""
        raise Error(f"{path}: {exc}{where}") from None


def cmd_analyze(args: argparse.Namespace) -> int:
    from .analytics import analyze
    from .errors import Error
    from .files import sub_dir
    from .transcript import Transcript

    run = Run(args)
    options = _prepared(run, args, args.output_dir)
    if isinstance(options, int):
        return options
    names = _speaker_names(run, args)
    if isinstance(names, int):
        return names
    inputs = checked_inputs(run, args.inputs, transcripts=True)
    pipeline = LazyPipeline(run, options)
    files = _decode_ahead(options, inputs, pipeline)
    out = Path(args.output_dir)
    redactor = LazyRedactor(options)

    def handle(path: str) -> None:
        name, stem = Path(path).name, Path(path).stem
        written = []
        if path.lower().endswith(".json"):
            transcript = redactor(Transcript.load(path))
            transcript = _audio_redacted(options, transcript, transcript.info.source, args.output_dir)
            transcript = _named(path, names.apply, transcript)
            if options.redact:  # the input keeps the original: the redacted transcript is written beside
                written.append(transcript.save(out / f"{stem}.redacted.json"))
        else:
            made = _audio_redacted(options, pipeline.transcribe(path, files), path, args.output_dir)
            try:
                transcript = _named(path, names.apply, made, kept=out / f"{stem}.json")
            except Error:
                made.save(out / f"{stem}.json")  # the costly part: kept, to analyze with other names
                raise
            written.append(transcript.save(out / f"{stem}.json"))
        run.warnings(path, transcript.info.warnings)
        report = _timed(run, f"{name}: analytics", lambda: analyze(transcript, options.analytics))
        result = sub_dir(out / f"{stem}_analytics")  # a symbolic link there is not followed
        _timed(run, f"{name}: report", lambda: report.save(result, html=args.html))
        if args.print_text:
            print(f"\n{path}  ({transcript.duration:.0f} s, {len(transcript.words)} words)")
            print(_speaker_table(report) if len(report.speakers) else "(no speakers)")
            if args.html:
                print(f"report: {result / 'report.html'}")
            sys.stdout.flush()
        html = f"{result / 'report.html'}, " if args.html else ""
        run.reporter(f"{name} -> {''.join(f'{p}, ' for p in written)}{html}{result}/ "
                     "(report.json, tables as CSV and Parquet)")

    return _each_file(run, inputs, handle, files)


def cmd_report(args: argparse.Namespace) -> int:
    from .analytics.meeting import load_report
    from .report.browser import screenshot
    from .report.export import parse_formats, report_stem, write_report

    run = Run(args)
    try:
        formats = parse_formats(args.formats)
    except ValueError as exc:
        run.error(str(exc))
        return EXIT_USAGE
    names = _speaker_names(run, args)
    if isinstance(names, int):
        return names
    if not _output_dir_ok(run, args.output_dir):
        return EXIT_FAILED

    def handle(path: str) -> None:
        stem = report_stem(path)
        written = write_report(_named(path, names.apply_to_report, load_report(path)), args.output_dir, stem, formats)
        if args.screenshot and "html" in formats:
            png = Path(args.output_dir) / f"{stem}.png"
            screenshot(Path(args.output_dir) / f"{stem}.html", png)
            written.append(png)
        run.reporter(f"{path} -> {len(written)} files in {args.output_dir}")

    return run.each(args.inputs, handle)


def cmd_batch(args: argparse.Namespace) -> int:
    from .batch.run import expand_inputs, run_batch
    from .batch.executors import default_workers
    from .files import OutputError

    run = Run(args)
    options = _prepared(run, args, args.output_dir)
    if isinstance(options, int):
        return options
    inputs = expand_inputs(args.inputs)
    if not inputs.files:
        for entry in inputs.skipped:
            run.reporter(f"skipped {entry.path}: {entry.reason}")
        run.error("no input files found")
        return EXIT_USAGE
    workers = args.workers or default_workers(options.asr.device)
    try:
        summary = run_batch(inputs, args.output_dir, options, workers, args.executor, args.ray_address,
                            args.retry_failed, show_progress=args.print_text, log=run.reporter,
                            shared_storage=args.shared_storage)
    except OutputError as exc:
        run.error(str(exc))
        return EXIT_FAILED
    for path, reason in summary.failures:
        run.error(reason or f"{path}: failed")
    not_files = f", {len(summary.not_files)} not files (skipped)" if summary.not_files else ""
    run.reporter(f"{summary.done} done, {summary.skipped} skipped (already done), {summary.failed} failed{not_files}; "
                 f"{summary.audio_seconds / 3600:.2f} audio h in {summary.wall_seconds:.0f} s -> "
                 f"{Path(args.output_dir) / 'results'}, manifest {Path(args.output_dir) / 'manifest.sqlite'}")
    return EXIT_FAILED if summary.failed else 0


def cmd_corpus(args: argparse.Namespace) -> int:
    from .batch.corpus import build_corpus

    run = Run(args)
    if args.output_dir and not _output_dir_ok(run, args.output_dir):
        return EXIT_FAILED

    def handle(results: str) -> None:
        written = build_corpus(results, args.output_dir, screenshot=args.screenshot)
        run.reporter(f"corpus report: {len(written)} files in {Path(written[0]).parent} "
                     f"({Path(written[0]).parent / 'corpus.html'})")

    return run.each([args.results], handle)


def cmd_evaluate(args: argparse.Namespace) -> int:
    import warnings

    import pandas as pd

    warnings.filterwarnings("ignore", module="pyannote")  # e.g. "uem approximated" when no UEM is given

    from .errors import UsageError
    from .evaluation.metrics import References
    from .files import atomic_write_text, csv_text

    run = Run(args)
    try:
        refs = References.load(args.rttm, args.uem, args.stm, args.truth_dir)
    except UsageError as exc:
        run.error(str(exc))
        return EXIT_USAGE
    rows: list[dict] = []
    code = run.each(args.transcripts, lambda path: rows.append(refs.evaluate(path, args.collar or (0.0, 0.25),
                                                                            args.skip_overlap)))
    if rows:
        frame = pd.DataFrame(rows).drop(columns=["filler_per_speaker"], errors="ignore")
        print(frame.round(4).to_string(index=False))
        if args.output:
            run.each([args.output], lambda out: atomic_write_text(out, csv_text(frame)))
    return _worst(code, run)


# -- the parser ------------------------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace) -> int:
    from .audio import require_ffmpeg
    from .errors import Error
    from .web.app import Settings, check_address, default_data_dir, serve

    run = Run(args)
    options = _prepared(run, args, None)
    if isinstance(options, int):
        return options
    hosts = tuple(h.strip() for h in (args.allowed_hosts or "").split(",") if h.strip())
    settings = Settings(data_dir=Path(args.data_dir or default_data_dir()), host=args.host, port=args.port,
                        workers=args.workers, max_upload=args.max_upload_mb * 2**20, token=args.token,
                        options=options, allowed_hosts=hosts, max_uploads=args.max_uploads,
                        min_free=args.min_free_mb * 2**20)
    try:
        require_ffmpeg()  # every upload is probed and decoded
        check_address(settings.host, settings.port)
        serve(settings, log=run.stderr.write, no_token=args.no_token)
    except Error as exc:
        return run.failure(exc)
    return 0


def cmd_enroll(args: argparse.Namespace) -> int:
    from .errors import Error
    from .enrolment import enroll

    run = Run(args)
    inputs = checked_inputs(run, args.audio)
    if run.failed:
        return EXIT_FAILED
    from .devices import set_torch_threads
    from .options import PipelineOptions, default_threads
    from .stages.lean import quiet_libraries

    quiet_libraries()  # this process runs only the diarization: its libraries' chatter stays off stderr
    set_torch_threads(default_threads())
    try:
        options = PipelineOptions(diarize_model=args.diarize_model)
        profile = _timed(run, "enroll", lambda: enroll(args.name, list(inputs), args.profiles, options=options,
                                                       role=args.role))
    except Error as exc:
        return run.failure(exc)
    from .stages.voices import VoiceProfiles

    where = VoiceProfiles(args.profiles, must_exist=False).dir
    run.reporter(f"enrolled {profile.name!r}: {profile.speech_seconds:.1f} s of speech from {len(inputs)} clip(s) "
                 f"-> {where}")
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    from .errors import Error, UsageError
    from .stages.voices import VoiceProfiles

    run = Run(args)
    try:
        store = VoiceProfiles(args.profiles)
        if args.action == "remove":
            if not args.name:
                raise UsageError("profiles remove needs a NAME")
            store.remove(args.name)
            run.reporter(f"removed {args.name!r} from {store.dir}")
            return 0
        for p in store.list():
            print(f"{p.name}\t{p.role or ''}\t{p.speech_seconds:.1f} s\t{', '.join(p.clips)}\t{p.created}\t"
                  f"{p.model} ({p.model_version})")
    except Error as exc:  # every profile error is a usage error (ProfileError)
        return run.failure(exc)
    return 0


def _quiet(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--quiet", "-q", dest="print_text", action="store_false", default=True,
                   help=f"print only errors (default: {what})")


def _transcribe_parser(p: argparse.ArgumentParser) -> None:
    from .report.writers import FORMATS

    p.add_argument("audio", nargs="+", help="audio or video files (anything ffmpeg reads)")
    p.add_argument("--output_dir", "-o", default=".", help="where to write outputs (default: current directory)")
    p.add_argument("--output_format", "-f", default="all", choices=[*FORMATS, "all"],
                   help="output format (default: all)")
    _quiet(p, "speaker-labelled utterances on stdout, progress per stage on stderr")
    add_option_flags(p, skip={"filler_lexicon"})  # analysis only; --roles is recorded for a later analyze


def _names_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("speaker names").add_mutually_exclusive_group()
    g.add_argument("--names", default=None, help="speaker names, comma-separated, in the order they first speak "
                                                  "(Ann,Bob); more names than speakers is an error (default: "
                                                  "SPEAKER_00, SPEAKER_01, ...)")
    g.add_argument("--rename", default=None, metavar="LABEL=NAME,...",
                   help="name speakers by label: SPEAKER_00=Ann,SPEAKER_01=Bob; a label the recording does not "
                        "have is an error (default: none)")


def _analyze_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", help="audio files or transcript JSON files (from transcribe)")
    p.add_argument("--output_dir", "-o", default=".",
                   help="writes <stem>.json (the transcript, for audio) and <stem>_analytics/ (report.html, "
                        "report.json, CSV, Parquet) (default: current directory)")
    p.add_argument("--no_html", dest="html", action="store_false", default=True,
                   help="skip the HTML report (default: write <stem>_analytics/report.html)")
    _quiet(p, "a per-speaker table and the report's path on stdout, progress per stage on stderr")
    _names_flags(p)
    add_option_flags(p, ANALYSIS_DEFAULTS)


def _report_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", help="transcript JSON files or result directories")
    p.add_argument("--output_dir", "-o", default=".", help="where to write (default: current directory)")
    p.add_argument("--format", "-f", dest="formats", default="html,png,csv,parquet",
                   help="comma-separated: html,png,csv,parquet,xlsx (default: html,png,csv,parquet)")
    p.add_argument("--screenshot", action="store_true",
                   help="also render the HTML in headless Chromium to <stem>.png (default: off; needs chromium)")
    _quiet(p, "one line per input on stderr")
    _names_flags(p)


def _batch_parser(p: argparse.ArgumentParser) -> None:
    from .options import parse_positive_int

    p.add_argument("inputs", nargs="+", help="audio files, directories (searched recursively) or glob patterns")
    p.add_argument("--output_dir", "-o", required=True, help="results directory on this machine (required; Ray "
                                                              "actors send their results back here)")
    p.add_argument("--workers", type=_argparse_type(parse_positive_int), default=None,
                   help="worker processes / Ray actors, each loading the models once (default: one per CPU core "
                        "as memory allows, about 2 GiB each; one per GPU)")
    p.add_argument("--executor", choices=["local", "ray"], default="local",
                   help="local processes or a Ray cluster (default: local)")
    p.add_argument("--ray_address", default=None,
                   help="Ray cluster address: 'auto' (the one running here), HOST:PORT, or ray://HEAD:10001 (Ray "
                        "Client) (default: $RAY_ADDRESS, as under 'ray job submit', else start a local cluster)")
    p.add_argument("--shared_storage", action="store_true",
                   help="with --executor ray: every node reads the inputs at the same absolute paths, so paths travel "
                        "instead of the files' bytes (default: off)")
    p.add_argument("--retry_failed", action="store_true", help="run files that failed before again (default: off)")
    _quiet(p, "a progress line per file on stderr")
    add_option_flags(p, ANALYSIS_DEFAULTS)


def _corpus_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", help="the --output_dir of a batch")
    p.add_argument("--output_dir", "-o", default=None, help="where to write (default: RESULTS/corpus)")
    p.add_argument("--screenshot", action="store_true",
                   help="also render the HTML in headless Chromium (default: off)")
    _quiet(p, "where the report was written, on stderr")


_PROFILES_HELP = ("voice profile directory (default: $XDG_DATA_HOME/meeting-analytics/profiles, else "
                  "~/.local/share/meeting-analytics/profiles)")


def _enroll_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="the person's name, as it will label their speech")
    p.add_argument("audio", nargs="+", help="clean clips of this person alone (speech is found by VAD)")
    p.add_argument("--profiles", default=None, help=_PROFILES_HELP)
    p.add_argument("--role", default=None, help="the part this person plays wherever they are recognised, e.g. "
                                                "interviewer or agent (default: none)")
    from .options import declared

    help_of = {f.name: f.metadata["help"] for _, f in declared()}
    p.add_argument("--diarize_model", default=None,
                   help=help_of["diarize_model"] + "; the profile is made with its speaker encoder and matches "
                        "recordings diarized by a pipeline with the same encoder (default: the offline pipeline)")
    _quiet(p, "the enrolled profile, on stderr")


def _profiles_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "remove"], help="list the profiles, or remove NAME")
    p.add_argument("name", nargs="?", default=None, help="the profile to remove")
    p.add_argument("--profiles", default=None, help=_PROFILES_HELP)
    _quiet(p, "what was removed, on stderr")


def _serve_parser(p: argparse.ArgumentParser) -> None:
    from .options import parse_positive_int

    positive = _argparse_type(parse_positive_int)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on; anything but loopback is reachable "
                                                       "from other machines (default: 127.0.0.1)")
    p.add_argument("--port", type=positive, default=8000, help="port (default: 8000)")
    p.add_argument("--data_dir", default=None, help="uploads, results and the job table (default: "
                                                    "$XDG_DATA_HOME/meeting-analytics/web, else "
                                                    "~/.local/share/meeting-analytics/web)")
    p.add_argument("--workers", type=positive, default=1,
                   help="worker processes, each loading the models once (about 2 GiB each) (default: 1)")
    p.add_argument("--max_upload_mb", type=positive, default=2048,
                   help="largest upload in MiB; larger ones are refused with 413 (default: 2048)")
    p.add_argument("--max_uploads", type=positive, default=32,
                   help="uploads received at once; more are refused with 429 (default: 32)")
    p.add_argument("--min_free_mb", type=int, default=1024,
                   help="disk space in MiB an upload must leave free in --data_dir; else 507 (default: 1024)")
    p.add_argument("--token", default=None,
                   help="the token every request must carry (Authorization: Bearer, or the cookie set by opening the "
                        "printed URL with ?token=); prefer $MEETING_ANALYTICS_TOKEN: a flag's value is visible to "
                        "other users of this machine (ps) (default: $MEETING_ANALYTICS_TOKEN, else a random one, "
                        "printed in the start URL)")
    p.add_argument("--no_token", action="store_true",
                   help="no token: any program or user of this machine can reach the jobs; loopback only (Host and "
                        "Origin are still checked) (default: off)")
    p.add_argument("--allowed_hosts", default=None,
                   help="comma-separated Host names answered besides 127.0.0.1, localhost, [::1] and --host (a "
                        "name this machine is reached by; * for any) (default: none; any with --host 0.0.0.0)")
    add_option_flags(p, ANALYSIS_DEFAULTS)


def _evaluate_parser(p: argparse.ArgumentParser) -> None:
    p.add_argument("transcripts", nargs="+", help="hypothesis transcript JSON files (from transcribe/analyze)")
    p.add_argument("--rttm", help="reference speaker turns (NIST RTTM; file id = audio stem) (default: none)")
    p.add_argument("--uem", help="scored regions (UEM) (default: everything)")
    p.add_argument("--stm", help="reference transcript (NIST STM; file id = audio stem) (default: none)")
    p.add_argument("--truth_dir", help="directory of <stem>.truth.json files from data/synthesize.py (default: none)")
    p.add_argument("--collar", type=float, action="append", help="DER collar in s (repeatable) (default: 0 and 0.25)")
    p.add_argument("--skip_overlap", action="store_true", help="do not score overlapped speech (default: off)")
    p.add_argument("--output", "-o", help="write the per-file table as CSV here (default: print only)")


def _models_parser(p: argparse.ArgumentParser) -> None:
    from .catalog import offline_names

    p.add_argument("--measure", action="store_true",
                   help="load each model and transcribe the repository's call and jfk.flac on this machine now: "
                        "load time, x real time, WER (default: print the figures recorded in the package)")
    p.add_argument("--model", action="append", choices=offline_names(), default=None,
                   help="only this model (repeatable) (default: every offline model)")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="with --measure: the directory holding call/sample.wav, call/sample.stm and speech/jfk.flac "
                        "(default: the repository's data/, when this runs from a checkout)")
    p.add_argument("--json", action="store_true", help="print JSON, for scripts (default: a table)")


def cmd_models(args: argparse.Namespace) -> int:
    import json

    from .catalog import RECORDED, offline_models
    from .errors import Error

    run = Run(args)
    cards = [c for c in offline_models() if not args.model or c.name in args.model]
    measured = RECORDED
    if args.measure:
        from .devices import set_torch_threads
        from .evaluation.models import measure
        from .options import default_threads
        from .stages.lean import quiet_libraries

        quiet_libraries()
        set_torch_threads(default_threads())
        try:
            command = ["models", "--measure", *[part for m in args.model or [] for part in ("--model", m)]]
            measured = measure([c.name for c in cards], args.data, command)
        except Error as exc:
            return run.failure(exc)
    if args.json:
        print(json.dumps(_models_json(cards, measured, args.measure), indent=1))
    else:
        print(_models_table(cards, measured, args.measure))
    return 0


def _models_rows(cards, measured: "Measurement") -> list[dict]:
    from .catalog import on_disk

    rows = []
    for card in cards:
        disk, figures = on_disk(card.name), measured.of(card.name)
        rows.append({"model": card.name, "languages": card.languages, "summary": card.summary,
                     "packages": [{"name": p.name, "version": p.version, "bytes": p.bytes} for p in disk.packages],
                     "installed": disk.installed, "bytes_on_disk": disk.bytes,
                     "cache": str(disk.cache) if disk.cache else None, "cache_bytes": disk.cache_bytes,
                     "load_seconds": figures.load_seconds if figures else None,
                     "x_real_time": figures.speed if figures else None,
                     "audio_seconds": figures.audio_seconds if figures else None,
                     "wer": dict(figures.wer) if figures else {}})
    return rows


def _models_json(cards, measured: "Measurement", now: bool) -> dict:
    from .catalog import BIGGER

    return {"models": _models_rows(cards, measured),
            "figures": {"measured_now": now, "date": measured.date, "machine": measured.machine,
                        "command": measured.command},
            "bigger": BIGGER}


def _models_table(cards, measured: "Measurement", now: bool) -> str:
    from .catalog import BIGGER

    def mb(n: int) -> str:
        return f"{n / 1e6:.0f} MB"

    def pct(v: float | None) -> str:
        return f"{v:.1%}" if v is not None else "-"

    header = ("model", "languages", "package", "installed", "on disk", "load", "x real time", "WER call", "WER jfk")
    rows = [header]
    for card, r in zip(cards, _models_rows(cards, measured)):
        versions = sorted({p["version"] for p in r["packages"] if p["version"]})
        cache = f" + {mb(r['cache_bytes'])} joined" if r["cache_bytes"] else ""
        rows.append((r["model"], r["languages"], f"{card.package} {', '.join(versions)}".strip(),
                     "yes" if r["installed"] else "no", mb(r["bytes_on_disk"] - r["cache_bytes"]) + cache,
                     f"{r['load_seconds']:.1f} s" if r["load_seconds"] is not None else "-",
                     f"{r['x_real_time']:.1f}x" if r["x_real_time"] is not None else "-",
                     pct(r["wer"].get("call")), pct(r["wer"].get("jfk"))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    source = ("measured now on this machine" if now else
              f"recorded {measured.date} on {measured.machine}, by `{measured.command}`; add --measure to take "
              "them on this machine")
    return "\n".join([*table, "",
                      "on disk: the package weights, measured now (base's two halves are joined into the cache on "
                      "first use: '+ joined').",
                      "load: the ASR (Whisper weights and VAD); x real time: audio seconds per second of ASR and word "
                      "timing, no diarization; WER: call = data/call/sample.wav vs its STM, jfk = "
                      "data/speech/jfk.flac, Whisper's English normalisation.",
                      f"Figures {source}" + (f" ({measured.machine})." if now else "."),
                      BIGGER[0].upper() + BIGGER[1:] + "."])


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    examples: tuple[str, ...]
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Callable[[argparse.Namespace], int]


COMMANDS = (
    Command("transcribe", "speaker-attributed transcripts of audio files",
            "Transcribe, time and diarize audio files; write DIR/<stem>.<ext> per format.",
            ("meeting-analytics transcribe call.wav interview.mp3 -o out/",
             "meeting-analytics transcribe meeting.m4a --min_speakers 2 --max_speakers 6 "
             "--hotwords \"Acme, Kubernetes\""),
            _transcribe_parser, cmd_transcribe),
    Command("analyze", "speaker analytics of audio files or saved transcripts",
            "Per-speaker analytics (fillers, talk dynamics, questions, sentiment, topics). Audio is transcribed "
            "first (same flags as transcribe); a transcript JSON is analysed directly, without loading any model.",
            ("meeting-analytics analyze interview.wav -o out/",
             "meeting-analytics analyze out/interview.json -o out/ --filler_lexicon fillers.txt"),
            _analyze_parser, cmd_analyze),
    Command("report", "render reports from saved results, without loading any model",
            "Render an HTML page, PNG charts, CSV/Parquet tables or an Excel workbook from a transcript JSON or a "
            "saved result directory (<stem>_analytics/).",
            ("meeting-analytics report out/interview_analytics -o out/report",
             "meeting-analytics report out/call.json -f html,xlsx --screenshot"),
            _report_parser, cmd_report),
    Command("batch", "transcribe + analyse many recordings, resumable, on workers or Ray",
            "Every recording's transcript and analytics under DIR/results/<key>/ (key: content hash + options), "
            "a manifest in DIR/manifest.sqlite. A rerun skips finished files and picks up new ones; a killed batch "
            "loses no finished result.",
            ("meeting-analytics batch calls/ -o results/",
             "meeting-analytics batch 'recordings/**/*.mp3' -o results/ --workers 4 --retry_failed"),
            _batch_parser, cmd_batch),
    Command("corpus", "corpus-level report from a batch results directory (no models)",
            "All speakers of all meetings in one table, filler rates, the most frequent questions (near-duplicates "
            "grouped), topics across meetings, sentiment by meeting and date, throughput and cost, and an HTML report.",
            ("meeting-analytics corpus results/",
             "meeting-analytics corpus results/ -o corpus_report/ --screenshot"),
            _corpus_parser, cmd_corpus),
    Command("evaluate", "score transcripts against reference RTTM/UEM/STM or synthetic truth",
            "WER (Whisper English normalisation), cpWER, DER/JER (pyannote.metrics), and with a synthetic truth also "
            "word-boundary error, word speaker accuracy and filler precision/recall. Files are matched to references "
            "by stem.",
            ("meeting-analytics evaluate out/call.json --rttm call.rttm --stm call.stm",
             "meeting-analytics evaluate out/*.json --truth_dir data/generated -o scores.csv"),
            _evaluate_parser, cmd_evaluate),
    Command("enroll", "make a voice profile from clean clips of one person",
            "A voice profile (GE2E embedding of the person's speech, with the model's name and version) saved as a "
            "small JSON file; transcribe, analyze, batch and serve with --profiles DIR name matching speakers "
            "after it. A clip with under 3 s of speech or with a second voice is refused.",
            ("meeting-analytics enroll \"Dana Smith\" dana_intro.wav dana_call.mp3",
             "meeting-analytics enroll Agent agent.wav --profiles team_profiles/"),
            _enroll_parser, cmd_enroll),
    Command("profiles", "list or remove voice profiles",
            "One line per profile: name, seconds of speech, clips, date, model.",
            ("meeting-analytics profiles list",
             "meeting-analytics profiles remove \"Dana Smith\" --profiles team_profiles/"),
            _profiles_parser, cmd_profiles),
    Command("models", "the Whisper models usable offline: packages, size, speed and WER",
            "Each Whisper model this installation runs offline: the package its weights come from, whether it is "
            "installed, its size on disk (measured now), and its load time, speed (x real time) and WER on the "
            "shipped call and jfk.flac as recorded in the package; --measure takes those on this machine now. "
            "Ends with how to use a bigger model.",
            ("meeting-analytics models",
             "meeting-analytics models --measure --model tiny.en --json"),
            _models_parser, cmd_models),
    Command("serve", "a local web page: upload a recording, watch it progress, read the report",
            "A web app and JSON API (docs: README, 'Web app') on this machine, for people who would rather not use a "
            "terminal. Jobs run on worker processes that load the models once; uploads, results and the job table "
            "live in --data_dir (private to you: 0700), and a restart loses nothing. Listens on 127.0.0.1 unless "
            "--host says otherwise. One user's server: whoever holds the token reads and deletes every job. The token "
            "is random unless $MEETING_ANALYTICS_TOKEN sets it; open the URL printed at start (it carries the "
            "token, as Jupyter's does). Requests naming another Host, and changes from another origin's pages, "
            "are refused. Option flags set the defaults; the upload form chooses the model, language, speakers "
            "and names.",
            ("meeting-analytics serve",
             "MEETING_ANALYTICS_TOKEN=$(openssl rand -hex 16) meeting-analytics serve --host 0.0.0.0 --port 8080 "
             "--workers 2"),
            _serve_parser, cmd_serve),
)


class Parser(argparse.ArgumentParser):
    """argparse's parser with short usage errors: the problem in one line (a mistyped flag with the
    command's closest ones) and where the full usage is, instead of the usage itself (28 lines for analyze)
    before a line that is easy to miss."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\nsee `{self.prog} --help`\n")

    def unrecognized(self, extras: list[str]) -> NoReturn:
        """Arguments this command does not take: each unknown flag with the command's flags closest to it."""
        import difflib

        def ratio(a: str, b: str) -> float:
            return difflib.SequenceMatcher(None, a, b).ratio()

        flags = [s for a in self._actions for s in a.option_strings if s.startswith("--")]
        hints = []
        for flag in (arg.split("=", 1)[0] for arg in extras if arg.startswith("--")):
            close = difflib.get_close_matches(flag, flags, n=3, cutoff=0.7)
            close = [c for c in close if ratio(flag, c) >= ratio(flag, close[0]) - 0.05]  # the best, and its ties
            if close:
                said = ", ".join(close[:-1]) + " or " + close[-1] if len(close) > 1 else close[0]
                hints.append(f"{flag}: did you mean {said}?")
        self.error(f"unrecognized arguments: {' '.join(extras)}" + (f"; {'; '.join(hints)}" if hints else ""))


def build_parser() -> Parser:
    epilog = "examples:\n" + "\n".join(f"  {c.examples[0]}" for c in COMMANDS) + \
        "\n\nHF_TOKEN: a Hugging Face token for a gated hub pipeline (--diarize_model); prefer it to --hf_token," \
        "\n  whose value other users of this machine can see (ps). A --diarize_model directory is code: pyannote" \
        "\n  imports the classes its config.yaml names; use only a directory you trust." \
        "\nMEETING_ANALYTICS_TOKEN: the web app's token (serve), instead of --token." \
        "\nMEETING_ANALYTICS_CACHE: where joined models and NLTK data are kept (default ~/.cache/meeting-analytics)."
    parser = Parser(prog="meeting-analytics", description=DESCRIPTION, epilog=epilog,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for c in COMMANDS:
        p = sub.add_parser(c.name, help=c.help, description=c.description,
                           epilog="examples:\n" + "\n".join(f"  {e}" for e in c.examples),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        c.arguments(p)
        p.set_defaults(handler=c.handler)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .errors import Error, UsageError

    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    if extras:  # the command's own parser says so, with its flags (argparse's top level knows none of them)
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
        commands.get(args.command, parser).unrecognized(extras)
    try:
        return args.handler(args)
    except Error as exc:  # one that ends the command outside a per-file runner (ffmpeg not on PATH, ...)
        print(f"meeting-analytics: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILED
    except KeyboardInterrupt:
        print("meeting-analytics: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
