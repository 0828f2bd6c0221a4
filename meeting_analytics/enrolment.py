"""Enrolment: a voice profile of one person from clean clips of that person alone."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .audio import load_speech
from .options import PipelineOptions
from .pipeline import make_diarizer
from .stages.lean import chatter_off
from .stages.voices import VoiceProfiles, enrol_vector, naming_encoder, new_profile, profiles_home

if TYPE_CHECKING:
    from .stages.voices import VoiceProfile


def enroll(name: str, clips: list[str | os.PathLike], profiles: str | os.PathLike | None = None,
           options: PipelineOptions | None = None, role: str | None = None) -> "VoiceProfile":
    """A voice profile of ``name`` from clean clips of that person, saved in ``profiles`` (default: the
    user's profile directory). Each clip is checked (audio, enough speech, one voice) before saving."""
    decoded = [(str(c), load_speech(c)) for c in clips]
    with chatter_off():
        diarizer = make_diarizer(options or PipelineOptions())
        pieces = [(path, audio, diarizer(audio).exclusive) for path, audio in decoded]
        encoder = naming_encoder(diarizer.encoder)
        vector, seconds = enrol_vector(pieces, encoder)
    store = VoiceProfiles(profiles or profiles_home(), must_exist=False)
    profile = new_profile(name, vector, seconds, [str(c) for c in clips], role, model=encoder.name)
    store.save(profile)
    return profile
