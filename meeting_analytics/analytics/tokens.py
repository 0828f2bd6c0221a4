"""The analytics' one vocabulary: how words become tokens, the hesitation words, and stop words.

Fillers, questions and topics import from here and repeat none of it. The word patterns differ on
purpose, one per job, and each says which:

- ``normal_tokens`` (fillers): lower case, punctuation off both ends only, curly apostrophes straight
  ("Um," -> "um", "a.m." -> "a.m", "Don’t" -> "don't"), so lexicon phrases match what was said;
- ``clean_tokens`` (topics): every character but letters, digits, apostrophes and hyphens dropped, and
  those at the ends ("invoice," -> "invoice", "don't" and "follow-up" kept), the terms shown;
- ``words`` (questions): runs of letters, digits and apostrophes, lower-cased, for line checks and
  question keys; ``sentences`` splits an utterance after each word that ends a sentence (``ends_sentence``:
  ".", "!" or "?" at its end, closing quotes after it; not a title or Latin abbreviation such as "Dr." or
  "e.g.", and "a.m." or "etc." only before a capital). Cut after every mark, "Dr. Smith, can you come?"
  was asked as "Smith, can you come?", "at 3.30 p.m. okay?" as "okay?" and "3.5" was two sentences.

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
CLOSERS = "\"'”’)]"                                    # what may follow a sentence's last mark ("no.”", "(this one?)")
SENTENCE_END_WORD = re.compile(rf"[.!?][{re.escape(CLOSERS)}]*$")  # a word that may end a sentence ("thing?")
NEVER_ENDS = frozenset("mr. mrs. ms. dr. prof. jr. sr. vs. e.g. i.e. cf.".split())  # "Dr. Smith"
MAY_END = frozenset("a.m. p.m. etc. inc. ltd. co. st. approx.".split())  # end a sentence before a capital only
OPENERS = "\"'“‘(["                                   # what may come before a sentence's first letter
PAUSE_AFTER = re.compile(r"[,;:—–]$|\.\.\.$")          # a word followed by a pause mark (fillers' rules)
SENTENCE_END = re.compile(r"[.!?]$")                   # a word that ends a sentence
CLAUSE_END = re.compile(r"[,.;:!?]$")                  # a word that ends a clause (topics' noun phrases)
# a word --redact replaced (redaction.apply: [PHONE_NUMBER], [PHONE_NUMBER:1f0c2a9e4b], ####): never a topic
REDACTED = re.compile(r"^\W*(?:\[[A-Z_]+(?::[0-9a-f]+)?\]|#+)\W*$")


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


def ends_sentence(token: str, following: str | None = None) -> bool:
    """A sentence ends after ``token`` when ``following`` (None: nothing) comes next: the token ends in ".",
    "!" or "?" (closing quotes or brackets after it), is no title or Latin abbreviation ("Dr.", "e.g."),
    and is no "a.m."/"etc." followed by a lower-case word."""
    token = token.strip()
    if not SENTENCE_END_WORD.search(token):
        return False
    short = token.lower().rstrip(CLOSERS)
    if short in NEVER_ENDS:
        return False
    return short not in MAY_END or following is None or following.strip().lstrip(OPENERS)[:1].isupper()


def sentence_spans(tokens: list[str]) -> list[tuple[int, int]]:
    """Each sentence of ``tokens`` as its (first, past-last) positions: cut after each word that ends one
    (``ends_sentence``); the last word ends the last sentence."""
    spans, lo = [], 0
    for k, token in enumerate(tokens):
        if k == len(tokens) - 1 or ends_sentence(token, tokens[k + 1]):
            spans.append((lo, k + 1))
            lo = k + 1
    return spans


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (``sentence_spans``), each sentence's words joined by one space."""
    tokens = text.split()
    return [" ".join(tokens[a:b]) for a, b in sentence_spans(tokens)]
