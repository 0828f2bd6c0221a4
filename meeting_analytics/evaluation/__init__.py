"""Scoring against references (WER, DER/JER, cpWER, fillers) and synthetic meetings with exact truth."""
