"""Discourse markers on real text: the filler rules against a hand-labelled lecture, per marker.

    python benchmarks/fillers_text.py [--text ../shared/data/text/lecture_transcript.txt]
                                      [--labels tests/data/lecture_markers.tsv] [--errors like]

The lecture (a real online class, ~4,900 words, Whisper's punctuation, no speakers) becomes one speaker's
words, one utterance, as the pipeline's word frame (``find_fillers`` reads only the words and their
punctuation). Every "like", "so", "you know", "I mean", "right", "actually", "okay"/"OK", "well" and
"basically" in it is labelled filler or content in ``tests/data/lecture_markers.tsv`` (rules in its header).
A marker the rules count where the label says filler is a true positive, where it says content a false
positive; a labelled filler the rules miss is a false negative. Prints precision and recall per marker;
``--errors MARKER`` lists that marker's misreadings with their contexts.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from meeting_analytics.analytics.fillers import MARKER, find_fillers  # noqa: E402

TEXT = ROOT.parent / "shared" / "data" / "text" / "lecture_transcript.txt"
LABELS = ROOT / "tests" / "data" / "lecture_markers.tsv"
SPELLINGS = {"ok": "okay"}  # a spelling the labels file numbers apart but scores as one marker
INSIDE = {"all right": ("right", 1)}  # a phrase the rules count whole whose labelled word is inside it


def read_labels(path: Path = LABELS) -> pd.DataFrame:
    """The labelled occurrences: marker, index, offset, spelling, label, context (header lines start with #)."""
    return pd.read_csv(path, sep="\t", comment="#", dtype={"marker": str, "label": str}, keep_default_na=False)


def words_frame(text: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The text's whitespace tokens as one speaker's one utterance (0.3 s a word), and each token's offset."""
    spans = [(m.start(), m.group()) for m in re.finditer(r"\S+", text)]
    offsets = np.array([s for s, _ in spans])
    n = len(spans)
    start = np.arange(n) * 0.3
    words = pd.DataFrame({"speaker": "lecturer", "start": start, "end": start + 0.3,
                          "text": [w for _, w in spans], "utterance": np.zeros(n, dtype=int)})
    return words, offsets


def _marker_of(text: str) -> str:
    phrase = " ".join(re.sub(r"^[\W_]+|[\W_]+$", "", w.lower()) for w in text.split())
    return SPELLINGS.get(phrase, phrase)


def predictions(text: str, lexicon=None) -> pd.DataFrame:
    """The rules' discourse markers in ``text``: word_index, offset, marker, context."""
    words, offsets = words_frame(text)
    occ = find_fillers(words, lexicon)
    occ = occ[occ["category"] == MARKER]
    marker = [_marker_of(t) for t in occ["text"]]
    shift = np.array([INSIDE.get(m, (m, 0))[1] for m in marker], dtype=int)
    index = occ["word_index"].to_numpy(dtype=int) + shift
    return pd.DataFrame({"word_index": index, "offset": offsets[index],
                         "marker": [INSIDE.get(m, (m, 0))[0] for m in marker], "context": occ["context"].to_numpy()})


def score(text: str, labels: pd.DataFrame, lexicon=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-marker table, every labelled occurrence with ``predicted``): n, fillers, tp, fp, fn, precision,
    recall per marker; an occurrence is matched by the offset of the token it starts in."""
    _, offsets = words_frame(text)
    lab = labels.copy()
    lab["marker"] = lab["marker"].map(lambda m: SPELLINGS.get(m, m))
    lab["word_index"] = np.searchsorted(offsets, lab["offset"].to_numpy(), side="right") - 1
    pred = predictions(text, lexicon)
    hit = set(zip(pred["word_index"], pred["marker"]))
    lab["predicted"] = [(w, m) in hit for w, m in zip(lab["word_index"], lab["marker"])]
    filler = lab["label"] == "filler"
    lab["tp"], lab["fp"], lab["fn"] = filler & lab["predicted"], ~filler & lab["predicted"], filler & ~lab["predicted"]
    table = lab.assign(filler=filler).groupby("marker", sort=False).agg(
        n=("label", "size"), fillers=("filler", "sum"), tp=("tp", "sum"), fp=("fp", "sum"), fn=("fn", "sum"))
    table["precision"] = table["tp"] / (table["tp"] + table["fp"]).where(lambda s: s > 0)
    table["recall"] = table["tp"] / (table["tp"] + table["fn"]).where(lambda s: s > 0)
    return table.sort_values("n", ascending=False), lab


def markdown(frame: pd.DataFrame) -> str:
    """A frame as a Markdown table (BENCHMARKS.md's form)."""
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    return "\n".join([head, rule] + ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text", default=str(TEXT))
    ap.add_argument("--labels", default=str(LABELS))
    ap.add_argument("--errors", default=None, help="list this marker's false positives and negatives")
    args = ap.parse_args(argv)
    text = Path(args.text).read_text(encoding="utf-8")
    table, lab = score(text, read_labels(Path(args.labels)))
    shown = table.copy()
    for col in ("precision", "recall"):
        shown[col] = shown[col].map(lambda v: "-" if pd.isna(v) else f"{v:.2f}")
    tp, fp, fn = table["tp"].sum(), table["fp"].sum(), table["fn"].sum()
    print(f"{len(lab)} labelled occurrences, {int(lab['label'].eq('filler').sum())} fillers; "
          f"all markers: precision {tp / max(tp + fp, 1):.3f}, recall {tp / max(tp + fn, 1):.3f}")
    print(markdown(shown.reset_index()))
    if args.errors:
        rows = lab[(lab["marker"] == args.errors) & (lab["fp"] | lab["fn"])]
        for _, r in rows.iterrows():
            print(("FP " if r["fp"] else "FN ") + f"{r['index']:>4} {r['context']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
