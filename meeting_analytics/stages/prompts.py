"""Verbatim transcription: Whisper is trained mostly on clean transcripts and drops disfluencies
unless the prompt shows them. This English prompt is written the way a verbatim transcript reads,
so the decoder keeps "um", "uh", "like" and "you know" (measured in BENCHMARKS.md)."""

from dataclasses import replace

from ..options import PipelineOptions

VERBATIM_PROMPT_EN = ("Umm, let me think like, hmm... Okay, here's what I'm, like, thinking. "
                      "So, uh, you know, I mean, um, yeah.")

VERBATIM_PROMPTS = {"en": VERBATIM_PROMPT_EN}


def with_verbatim_prompt(options: PipelineOptions) -> PipelineOptions:
    """The options as run: with ``verbatim`` on and no ``initial_prompt``, the verbatim prompt for a
    language known before decoding."""
    if not options.verbatim or options.asr.initial_prompt:
        return options
    prompt = verbatim_prompt(options.asr.language, options.asr.model)
    return replace(options, asr=replace(options.asr, initial_prompt=prompt)) if prompt else options


def verbatim_prompt(language: str | None, model: str | None) -> str | None:
    """The verbatim prompt for a decoding language known before decoding (given, or an English-only
    model); None when the language will only be detected, since the prompt would bias detection."""
    language = language or ("en" if str(model or "tiny.en").endswith(".en") else None)
    return VERBATIM_PROMPTS.get((language or "").split("-")[0])
