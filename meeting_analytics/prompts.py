"""Verbatim transcription: Whisper is trained mostly on clean transcripts and drops disfluencies
unless the prompt shows them. This English prompt is written the way a verbatim transcript reads,
so the decoder keeps "um", "uh", "like" and "you know" (measured in BENCHMARKS.md).

``PipelineOptions`` applies it when the options are built (``verbatim`` on, no ``initial_prompt``),
so every entry point runs and records the same prompt."""

from __future__ import annotations

VERBATIM_PROMPT_EN = ("Umm, let me think like, hmm... Okay, here's what I'm, like, thinking. "
                      "So, uh, you know, I mean, um, yeah.")

VERBATIM_PROMPTS = {"en": VERBATIM_PROMPT_EN}


def verbatim_prompt(language: str | None, model: str | None) -> str | None:
    """The verbatim prompt for a decoding language known before decoding (given, or an English-only
    model); None when the language will only be detected, since the prompt would bias detection."""
    language = language or ("en" if str(model or "tiny.en").endswith(".en") else None)
    return VERBATIM_PROMPTS.get((language or "").split("-")[0])
