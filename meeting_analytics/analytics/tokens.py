"""The analytics' one vocabulary: how words become tokens, the hesitation words, and stop words.

Fillers, questions and topics import from here and repeat none of it. The word patterns differ on
purpose, one per job, and each says which:

- ``normal_tokens`` (fillers): lower case, punctuation off both ends only, curly apostrophes straight
  ("Um," -> "um", "a.m." -> "a.m", "Don’t" -> "don't"), so lexicon phrases match what was said;
- ``clean_tokens`` (topics): every character but letters, digits, apostrophes and hyphens dropped, and
  those at the ends ("invoice," -> "invoice", "don't" and "follow-up" kept), the terms shown;
- ``words`` (questions): runs of letters, digits and apostrophes, lower-cased, for line checks and
  question keys; ``sentences`` splits an utterance after each ".", "!" or "?".

``HESITATIONS`` are the hesitation words: the English filler lexicon counts them, question keys drop
them, topics never make a term of them, and the "so"/"well" rule takes them as a clause boundary.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

HESITATIONS = frozenset({"um", "uh", "er", "erm", "ah", "hmm", "hm", "mm", "umm", "uhm", "uhh", "eh"})

EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")            # normal_tokens: punctuation at either end
NON_TERM = re.compile(r"[^\w'’-]+|^['’-]+|['’-]+$")    # clean_tokens: all but word characters, ' and -
WORD = re.compile(r"[\w']+")                           # words: letters, digits, apostrophes
SENTENCE = re.compile(r"[^.!?]*[.!?]+|[^.!?]+$")       # sentences: up to and with each end mark
PAUSE_AFTER = re.compile(r"[,;:—–]$|\.\.\.$")          # a word followed by a pause mark (fillers' rules)
SENTENCE_END = re.compile(r"[.!?]$")                   # a word that ends a sentence
CLAUSE_END = re.compile(r"[,.;:!?]$")                  # a word that ends a clause (topics' noun phrases)


@lru_cache(maxsize=8)
def stop_words(language: str = "en") -> frozenset[str]:
    from stop_words import get_stop_words

    try:
        return frozenset(get_stop_words(language))
    except Exception:  # no list for this language: keep every word
        return frozenset()


def per_distinct(text: pd.Series, fn) -> pd.Series:
    """``fn`` (Series -> Series of str ops) run once per distinct value of ``text``, mapped back: transcripts
    repeat their words, so a corpus's vocabulary is far smaller than its length."""
    codes, uniques = pd.factorize(text.astype(str).to_numpy())
    mapped = fn(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    return pd.Series(mapped[codes], index=text.index, dtype=object)


def clean_tokens(text: pd.Series) -> pd.Series:
    """Word tokens without surrounding punctuation ("invoice," -> "invoice", "don't" kept)."""
    return per_distinct(text, lambda s: s.str.replace(NON_TERM, "", regex=True))


def normal_tokens(text: pd.Series) -> pd.Series:
    """Tokens as lexicon phrases are written: lower case, no punctuation at the ends, straight apostrophes."""
    return text.str.lower().str.replace(EDGE_PUNCT, "", regex=True).str.replace("’", "'")


def words(text: str) -> list[str]:
    """The lower-case words of ``text`` (letters, digits and apostrophes; punctuation splits)."""
    return [w.lower() for w in WORD.findall(text)]


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, in the plural (``many``, else ``word`` + "s") unless ``n`` is 1: "1 speaker", "2 speakers"
    (every count a person reads)."""
    return f"{n} {word}" if n == 1 else f"{n} {many or word + 's'}"


def sentences(text: str) -> list[str]:
    """``text`` cut after each ".", "!" or "?" (runs such as "?!" stay together), each stripped."""
    return [s.strip() for s in SENTENCE.findall(text)]
