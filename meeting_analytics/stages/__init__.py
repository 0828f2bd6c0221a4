"""Pipeline stages: ASR, VAD, word timing, diarization, speaker assignment, prompts."""
