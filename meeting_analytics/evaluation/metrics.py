"""Evaluation: WER (Whisper-style English normalisation), DER/JER (pyannote.metrics), cpWER,
word-boundary error, speaker attribution of words, filler precision/recall; STM/RTTM/UEM readers.

WER needs the ``eval`` extra (jiwer, whisper-normalizer): ``pip install 'meeting-analytics[eval]'``;
without it, ``MissingExtraError`` names that command (``evaluate`` checks before reading anything)."""

from __future__ import annotations

import difflib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import MissingExtraError, ReferenceFileError
from ..transcript import Word


# module -> package, the eval extra
EVAL_EXTRA = {"jiwer": "jiwer", "whisper_normalizer": "whisper-normalizer", "meeteval": "meeteval"}


def require_eval(what: str = "evaluation") -> None:
    """``MissingExtraError`` (one line naming the ``eval`` extra) when its packages are not installed."""
    missing = [package for module, package in EVAL_EXTRA.items() if importlib.util.find_spec(module) is None]
    if missing:
        raise MissingExtraError(what, "eval", ", ".join(missing))


def normalize_english(text: str) -> str:
    try:
        from whisper_normalizer.english import EnglishTextNormalizer
    except ImportError:
        raise MissingExtraError("WER", "eval", "whisper-normalizer") from None

    return EnglishTextNormalizer()(text)


def wer(reference: str, hypothesis: str) -> float:
    return wer_details(reference, hypothesis)["wer"]


def wer_details(reference: str, hypothesis: str, normalize: bool = True) -> dict:
    """WER and its parts (hits, substitutions, deletions, insertions, reference words)."""
    try:
        import jiwer
    except ImportError:
        raise MissingExtraError("WER", "eval", "jiwer") from None

    ref, hyp = (normalize_english(reference), normalize_english(hypothesis)) if normalize else (reference, hypothesis)
    n_ref = len(ref.split())
    if n_ref == 0:
        n_hyp = len(hyp.split())
        return {"wer": float(n_hyp > 0), "hits": 0, "substitutions": 0, "deletions": 0, "insertions": n_hyp,
                "ref_words": 0}
    out = jiwer.process_words(ref, hyp if hyp.strip() else "")
    return {"wer": float(out.wer), "hits": out.hits, "substitutions": out.substitutions, "deletions": out.deletions,
            "insertions": out.insertions, "ref_words": n_ref}


def cpwer(reference: dict[str, str], hypothesis: dict[str, str]) -> dict:
    """Concatenated minimum-permutation WER (meeteval's ``cpwer``, the field's implementation): each
    speaker's words concatenated, speakers paired one-to-one to minimise total errors; unpaired speakers
    count as all deletions or all insertions. Text is normalised as for ``wer`` first."""
    ref = [(speaker, 0.0, 1.0, text) for speaker, text in reference.items()]
    hyp = [(speaker, 0.0, 1.0, text) for speaker, text in hypothesis.items()]
    out = speaker_word_errors(ref, hyp)
    return {"cpwer": out["cpwer"], "errors": out["cpwer_errors"], "ref_words": out["ref_words"],
            "mapping": out["mapping"]}


def speaker_word_errors(reference, hypothesis, collar: float | None = None) -> dict:
    """cpWER, and tcpWER when ``collar`` (seconds) is given, from meeteval over ``(speaker, start, end,
    text)`` segments (words or utterances), after the English normalisation ``wer`` uses.

    ``mapping``: hypothesis speaker -> reference speaker, as cpWER paired them."""
    require_eval("cpWER")
    from meeteval.io import SegLST
    from meeteval.wer import api

    def seglst(segments, prefix: str):
        rows = [{"session_id": "s", "speaker": f"{prefix}{speaker}", "start_time": float(start),
                 "end_time": float(end), "words": normalize_english(str(text))}
                for speaker, start, end, text in segments]
        return SegLST(rows or [{"session_id": "s", "speaker": f"{prefix}none", "start_time": 0.0,
                                "end_time": 0.0, "words": ""}])

    ref, hyp = seglst(reference, "r:"), seglst(hypothesis, "h:")
    cp = api.cpwer(ref, hyp)["s"]
    total = int(cp.length)
    mapping = {h[2:]: r[2:] for r, h in cp.assignment if r is not None and h is not None}
    out = {"cpwer": cp.errors / total if total else float(cp.errors > 0), "cpwer_errors": int(cp.errors),
           "ref_words": total, "mapping": mapping}
    if collar is not None:
        tcp = api.tcpwer(ref, hyp, collar=collar)["s"]
        out.update({"tcpwer": tcp.errors / total if total else float(tcp.errors > 0), "tcpwer_errors": int(tcp.errors)})
    return out


def diarization_error(reference, hypothesis, uem=None, collar: float = 0.0, skip_overlap: bool = False) -> dict:
    """DER with its parts and JER, from pyannote.metrics (optimal speaker mapping)."""
    from pyannote.metrics.diarization import DiarizationErrorRate, JaccardErrorRate

    d = DiarizationErrorRate(collar=collar, skip_overlap=skip_overlap)(reference, hypothesis, uem=uem, detailed=True)
    jer = JaccardErrorRate(collar=collar, skip_overlap=skip_overlap)(reference, hypothesis, uem=uem)
    total = d["total"]
    return {"der": d["diarization error rate"], "jer": float(jer),
            "false_alarm": d["false alarm"] / total if total else 0.0,
            "missed": d["missed detection"] / total if total else 0.0,
            "confusion": d["confusion"] / total if total else 0.0, "scored_time": total}


def turns_annotation(turns, uri: str = "audio"):
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=uri)
    for i, t in enumerate(turns):
        ann[Segment(t.start, t.end), i] = t.speaker
    return ann


def read_rttm_turns(path: str | Path) -> dict[str, list]:
    """NIST RTTM -> ``{uri: [Turn, ...]}`` (SPEAKER lines; speaker name in field 8)."""
    from ..transcript import Turn

    out: dict[str, list] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            out.setdefault(f[1], []).append(Turn(float(f[3]), float(f[3]) + float(f[4]), f[7]))
    return out


def read_stm(path: str | Path):
    """NIST STM: ``file channel speaker start end [<labels>] text``; comments (;;) and
    ``inter_segment_gap`` lines skipped."""
    import pandas as pd

    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith(";;"):
            continue
        parts = line.split()
        if len(parts) < 5:
            raise ReferenceFileError(f"{path}: not an STM line: {line!r}")
        file, channel, speaker = parts[0], parts[1], parts[2]
        start, end, rest = float(parts[3]), float(parts[4]), parts[5:]
        if rest and rest[0].startswith("<"):
            rest = rest[1:]
        if speaker.lower() == "inter_segment_gap":
            continue
        rows.append((file, channel, speaker, start, end, " ".join(rest)))
    return pd.DataFrame(rows, columns=["file", "channel", "speaker", "start", "end", "text"])


def word_boundary_errors(reference: list[Word], hypothesis: list[Word]) -> list[tuple[float, float]]:
    """|start| and |end| errors (s) of words matched in order after normalisation."""
    def norm(w: Word) -> str:
        return normalize_english(w.text).replace(" ", "")

    a, b = [norm(w) for w in reference], [norm(w) for w in hypothesis]
    out = []
    for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            r, h = reference[block.a + k], hypothesis[block.b + k]
            out.append((abs(h.start - r.start), abs(h.end - r.end)))
    return out


def match_words(reference: list[Word], hypothesis: list[Word], tolerance: float = 0.5) -> list[tuple[int, int]]:
    """Pair each hypothesis word with the reference word nearest in time (midpoints within ``tolerance`` s)."""
    if not reference or not hypothesis:
        return []
    ref_mid = np.array([(w.start + w.end) / 2 for w in reference])
    pairs = []
    for j, w in enumerate(hypothesis):
        mid = (w.start + w.end) / 2
        i = int(np.argmin(np.abs(ref_mid - mid)))
        if abs(ref_mid[i] - mid) <= tolerance:
            pairs.append((i, j))
    return pairs


def speaker_attribution(reference: list[Word], hypothesis: list[Word]) -> tuple[float, dict[str, str]]:
    """Share of time-matched words whose hypothesis speaker maps to the reference speaker.

    Hypothesis labels are mapped to reference labels one-to-one, maximising agreement (Hungarian).
    Returns (accuracy, mapping).
    """
    from scipy.optimize import linear_sum_assignment

    pairs = match_words(reference, hypothesis)
    if not pairs:
        return 0.0, {}
    ref_labels = sorted({str(reference[i].speaker) for i, _ in pairs})
    hyp_labels = sorted({str(hypothesis[j].speaker) for _, j in pairs})
    counts = np.zeros((len(hyp_labels), len(ref_labels)))
    for i, j in pairs:
        counts[hyp_labels.index(str(hypothesis[j].speaker)), ref_labels.index(str(reference[i].speaker))] += 1
    rows, cols = linear_sum_assignment(-counts)
    mapping = {hyp_labels[r]: ref_labels[c] for r, c in zip(rows, cols)}
    return float(counts[rows, cols].sum() / len(pairs)), mapping


def filler_scores(truth, found, mapping: dict[str, str] | None = None, tolerance: float = 1.0):
    """Per reference speaker: filler precision, recall and F1.

    ``truth`` and ``found``: frames with speaker, start (one row per filler occurrence). ``mapping``
    maps hypothesis speakers to reference speakers (identity when None). An occurrence matches one
    of the same speaker whose start lies within ``tolerance`` s (each used once)."""
    import pandas as pd

    found = found.assign(ref_speaker=found["speaker"].map(lambda s: (mapping or {}).get(s, s)))
    rows = []
    for speaker in sorted(set(truth["speaker"]) | set(found["ref_speaker"].dropna())):
        t = np.sort(truth.loc[truth["speaker"] == speaker, "start"].to_numpy())
        h = np.sort(found.loc[found["ref_speaker"] == speaker, "start"].to_numpy())
        used = np.zeros(len(t), dtype=bool)
        hits = 0
        for start in h:
            free = np.flatnonzero(~used & (np.abs(t - start) <= tolerance))
            if free.size:
                used[free[np.argmin(np.abs(t[free] - start))]] = True
                hits += 1
        precision = hits / len(h) if len(h) else float("nan")
        recall = hits / len(t) if len(t) else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        rows.append((speaker, len(t), len(h), hits, precision, recall, f1))
    return pd.DataFrame(rows, columns=["speaker", "truth", "found", "matched", "precision", "recall", "f1"])


def evaluate_transcript(hyp, uri: str, rttm=None, uem=None, stm=None, truth=None, collars=(0.0, 0.25),
                        skip_overlap: bool = False) -> dict:
    """All the figures one hypothesis Transcript allows against the references given.

    ``rttm``/``uem``: pyannote Annotation / Timeline for this file; ``stm``: its STM rows (frame);
    ``truth``: a reference Transcript with timed words (e.g. from data/synthesize.py)."""
    row: dict = {"file": uri, "hyp_speakers": len(hyp.speakers)}
    ref_text = None
    if stm is not None and len(stm):
        ref_text = " ".join(stm["text"])
        ref_by_speaker = stm.groupby("speaker")["text"].apply(" ".join).to_dict()
    elif truth is not None:
        ref_text = " ".join(w.text for w in sorted(truth.words, key=lambda w: w.start))
        ref_by_speaker = {s: " ".join(w.text for w in truth.words if w.speaker == s) for s in truth.speakers}
    if ref_text is not None:
        row.update({f"{k}": v for k, v in wer_details(ref_text, hyp.text).items() if k in ("wer", "ref_words")})
        hyp_by_speaker = {s: " ".join(w.text for w in hyp.words if w.speaker == s) for s in hyp.speakers} or \
            {"all": hyp.text}
        row["cpwer"] = cpwer(ref_by_speaker, hyp_by_speaker)["cpwer"]
    if rttm is None and truth is not None and truth.turns:
        rttm = turns_annotation(truth.turns, uri)
    if rttm is not None:
        row["ref_speakers"] = len(rttm.labels())
        hyp_ann = turns_annotation(hyp.turns, uri)
        for c in collars:
            d = diarization_error(rttm, hyp_ann, uem=uem, collar=c, skip_overlap=skip_overlap)
            row.update({f"der@{c}": d["der"], f"jer@{c}": d["jer"], f"missed@{c}": d["missed"],
                        f"false_alarm@{c}": d["false_alarm"], f"confusion@{c}": d["confusion"]})
    if truth is not None:
        ref_words = sorted(truth.words, key=lambda w: w.start)
        errs = np.array(word_boundary_errors(ref_words, hyp.words)).reshape(-1, 2)
        if len(errs):
            row["boundary_start_median_ms"] = float(np.median(errs[:, 0]) * 1000)
            row["boundary_end_median_ms"] = float(np.median(errs[:, 1]) * 1000)
        row["word_speaker_accuracy"], mapping = speaker_attribution(ref_words, hyp.words)
        fillers = truth.info.extra.get("synthetic", {}).get("fillers")
        if fillers:
            import pandas as pd

            from ..analytics import analyze

            found = analyze(hyp).fillers
            scores = filler_scores(pd.DataFrame(fillers), found, mapping)
            total = scores[["truth", "found", "matched"]].sum()
            row["filler_precision"] = total.matched / total.found if total.found else float("nan")
            row["filler_recall"] = total.matched / total.truth if total.truth else float("nan")
            row["filler_per_speaker"] = pd.DataFrame(scores).round(3).to_dict(orient="records")
    return row


@dataclass
class References:
    """The references an ``evaluate`` run scores against, read once: speaker turns (RTTM), scored
    regions (UEM), transcripts (STM) and a directory of synthetic truths (``<stem>.truth.json``)."""

    rttm: dict
    uem: dict
    stm: Any
    truth_dir: Path | None

    @classmethod
    def load(cls, rttm: str | None = None, uem: str | None = None, stm: str | None = None,
             truth_dir: str | None = None) -> "References":
        require_eval("evaluate")  # before any reference is read or transcript scored
        from pyannote.database.util import load_rttm, load_uem

        try:
            return cls(load_rttm(rttm) if rttm else {}, load_uem(uem) if uem else {},
                       read_stm(stm) if stm else None, Path(truth_dir) if truth_dir else None)
        except (OSError, ValueError) as exc:
            raise ReferenceFileError(f"reference: {exc}") from None

    def evaluate(self, path: str | Path, collars=(0.0, 0.25), skip_overlap: bool = False) -> dict:
        """Every figure for one hypothesis transcript JSON, matched to the references by its stem."""
        from ..transcript import Transcript

        uri = Path(path).stem
        truth_path = self.truth_dir / f"{uri}.truth.json" if self.truth_dir else None
        truth = Transcript.load(truth_path) if truth_path and truth_path.exists() else None
        stm = self.stm[self.stm["file"] == uri] if self.stm is not None else None
        return evaluate_transcript(Transcript.load(path), uri, self.rttm.get(uri), self.uem.get(uri), stm, truth,
                                   tuple(collars), skip_overlap)
