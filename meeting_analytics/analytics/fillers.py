"""Filler words: hesitations, discourse markers, repetitions and false starts, with context rules.

Works on the tidy word frame (``Transcript.words_frame()``), vectorised over all words at once.
A discourse marker such as "like" or "so" only counts where it is used as a filler: "I like
Python", "a kind of bug", "it works well" and "so late" are content. Custom lexicon entries count
wherever they occur.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import LexiconError
from .frames import empty
from .tokens import HESITATIONS, PAUSE_AFTER, SENTENCE_END, normal_tokens


HESITATION, MARKER, REPETITION, CUSTOM = "hesitation", "discourse_marker", "repetition", "custom"
CATEGORIES = (HESITATION, MARKER, REPETITION, CUSTOM)
# found / score: how the filler's first word was found ("decoded" by the main pass, or "recovered" by re-decoding a
# speaker change, stages/hesitations.py) and its score (the word probability of that decode), so one can filter
OCCURRENCE_COLUMNS = ["speaker", "start", "end", "text", "category", "utterance", "word_index", "context", "found",
                      "score"]


@dataclass
class FillerLexicon:
    """Which words count as fillers in one language. ``markers`` maps a phrase to its context rule
    name (see ``RULES``), or to None to count every occurrence."""

    language: str = "en"
    hesitations: set[str] = field(default_factory=set)
    markers: dict[str, str | None] = field(default_factory=dict)
    custom: set[str] = field(default_factory=set)
    repetition_exempt: set[str] = field(default_factory=set)
    detect_repetitions: bool = True

    def extend(self, phrases, category: str = CUSTOM) -> "FillerLexicon":
        """Add phrases (counted everywhere) as ``custom``, ``hesitation`` or ``discourse_marker``."""
        for phrase in phrases:
            phrase = " ".join(phrase.lower().split())
            if not phrase:
                continue
            if category == HESITATION:
                self.hesitations.add(phrase)
            elif category == MARKER:
                self.markers[phrase] = None
            else:
                self.custom.add(phrase)
        return self

    @classmethod
    def from_file(cls, path: str | Path, base: "FillerLexicon | None" = None) -> "FillerLexicon":
        """A JSON object {"hesitation": [...], "discourse_marker": [...], "custom": [...]} or a text file
        with one phrase per line (``phrase<TAB>category`` optional); added to ``base`` (English by default)."""
        lex = base.copy() if base else english()
        text = Path(path).read_text(encoding="utf-8")
        if Path(path).suffix == ".json":
            for category, phrases in json.loads(text).items():
                lex.extend(phrases, category)
            return lex
        for line in text.splitlines():
            if line.strip() and not line.startswith("#"):
                phrase, _, category = line.partition("\t")
                lex.extend([phrase], category.strip() or CUSTOM)
        return lex

    def copy(self) -> "FillerLexicon":
        return FillerLexicon(self.language, set(self.hesitations), dict(self.markers), set(self.custom),
                             set(self.repetition_exempt), self.detect_repetitions)


def english() -> FillerLexicon:
    return FillerLexicon(
        language="en",
        hesitations=set(HESITATIONS),
        markers={"like": "like", "you know": "you_know", "i mean": "i_mean", "so": "so", "well": "well",
                 "basically": None, "actually": "actually", "literally": None, "right": "right", "okay": "okay",
                 "ok": "okay", "all right": "all_right", "alright": "all_right", "kind of": "kind_of",
                 "sort of": "kind_of"},
        repetition_exempt={"that", "had", "bye", "ha", "haha", "no", "very", "really", "so", "blah", "yeah", "bla",
                           "hello", "hi", "hey"},
    )


LEXICONS = {"en": english}


def lexicon_for(language: str | None) -> FillerLexicon:
    code = (language or "en").split("-")[0].lower()
    if code not in LEXICONS:
        raise LexiconError(f"no built-in filler lexicon for language {language!r} (built in: {', '.join(LEXICONS)}); "
                         "pass one with FillerLexicon / --filler_lexicon")
    return LEXICONS[code]()


# -- context rules: (tokens frame, phrase start mask, phrase length) -> mask of filler uses -------------
#
# Measured on a real lecture's every "like", "so", "right", "okay", "actually", ... labelled by hand
# (tests/data/lecture_markers.tsv, rules in its header; benchmarks/fillers_text.py). The rules read the
# words and Whisper's punctuation only: a sentence end (". ? !") opens a clause as a comma does, so a
# long utterance's "So ..." sentences count as its first one does.

_SUBJECTS = {"i", "you", "we", "they", "he", "she", "people", "who", "i'd", "you'd", "we'd", "they'd"}
_LIKE_CONTENT_BEFORE = _SUBJECTS | {"would", "'d", "do", "does", "did", "don't", "doesn't", "didn't", "really",
                                    "also", "to", "not", "feel", "feels", "felt", "look", "looks", "looked",
                                    "sound", "sounds", "sounded", "seem", "seems", "something", "anything",
                                    "nothing", "more", "much", "just", "exactly", "very", "would've", "what's",
                                    # a vague category: "stuff like that", "things like that"
                                    "thing", "things", "stuff", "everything"}
# "like a/an + noun" compares ("something like that, like a mobile"); before an amount it approximates
# ("like a couple of months", "like a year"), a filler
_QUANTITIES = {"couple", "few", "lot", "lots", "bit", "little", "half", "quarter", "dozen", "hundred", "thousand",
               "million", "billion", "second", "minute", "hour", "day", "week", "month", "year", "while", "ton",
               "number", "total", "max", "maximum", "minimum"}
# "like that/this" ends a comparison when a clause break or one of these follows ("things like that inside it")
_AFTER_LIKE_THAT = {"in", "inside", "on", "at", "for", "with", "from", "to", "into", "about", "and", "or", "but",
                    "so", "because", "is", "was", "are", "were", "will", "would", "can", "could", "should",
                    "happen", "happens", "happened", "again", "too", "either", "anymore", "before", "after", "then",
                    "yet", "all", "right", "okay", "ok", "yeah"} | HESITATIONS
# "like X, Y and Z", "like X and so on": examples ("such as"), content; a general extender ends the list
_EXTENDERS = (("and", "so", "on"), ("etc",), ("and", "stuff"), ("or", "something"), ("and", "things"),
              ("or", "anything"), ("and", "everything"), ("et", "cetera"))
# another marker straight after "like" makes it a filler whatever came before ("much more like I don't know")
_MARKERS_AFTER = (("actually",), ("basically",), ("literally",), ("you", "know"), ("i", "mean"),
                  ("i", "don't", "know")) + tuple((h,) for h in HESITATIONS)
_DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "what", "which", "some", "any", "every",
                "each", "no", "one", "another", "same", "different", "new", "other", "certain", "all", "my",
                "your", "our", "their", "his", "her", "its", "of"}
_SO_CONTENT_AFTER = {"much", "many", "far", "that", "long", "good", "bad", "late", "early", "fast", "slow",
                     "big", "small", "well", "often", "little", "few", "sure", "on", "forth", "called", "to"}
_SO_CONTENT_BEFORE = {"think", "hope", "guess", "believe", "said", "say", "do", "did", "not", "and", "or",
                      "is", "was", "be", "been", "even", "if", "why", "just"}
_YOU_KNOW_CONTENT_AFTER = {"what", "that", "how", "why", "where", "who", "when", "if", "whether", "the", "a",
                           "an", "him", "her", "it", "them", "me", "us", "anything", "something", "about"}
_YOU_KNOW_CONTENT_BEFORE = {"do", "did", "don't", "didn't", "if", "as", "would", "will", "let", "to", "you'll",
                            "can", "could", "should", "might", "may", "must", "does"}
_BOUNDARY_BEFORE = {"and", "but", "or", "oh", "yeah", "yes", "no"} | HESITATIONS
# "actually" says what is so against what was expected after a copula or before a negation ("is actually
# very old", "they actually cannot jump"): content; elsewhere it only marks stance ("And actually, ...")
_COPULAS = {"is", "are", "was", "were", "be", "been", "being", "am", "it's", "that's", "there's", "he's", "she's",
            "what's", "i'm", "you're", "we're", "they're", "isn't", "aren't", "wasn't"}
_NEGATIONS = {"not", "cannot", "can't", "don't", "doesn't", "didn't", "isn't", "wasn't", "won't", "never", "no",
              "aren't", "weren't", "haven't", "hasn't"}


def _rule_like(t, at, n):
    idx = np.flatnonzero(at)
    content = t.among(t.prev[idx], _LIKE_CONTENT_BEFORE) & ~t.prev_comma[idx]
    pause = t.comma[idx] | t.sentence_end[idx]
    like_that = t.word_in(idx, 1, ("that", "this")) & ~pause
    that_ends = t.value_at(idx, 1, t.comma | t.sentence_end, True) | t.word_in(idx, 2, _AFTER_LIKE_THAT)
    content |= like_that & that_ends
    content |= t.word_in(idx, 1, ("a", "an")) & ~t.word_in(idx, 2, _QUANTITIES) & ~pause
    content |= t.list_follows(idx)
    content &= ~(~pause & t.phrase_follows(idx, _MARKERS_AFTER))
    out = np.zeros(len(at), dtype=bool)
    out[idx] = ~content
    return out


def _rule_you_know(t, at, n):
    after = t.isin("next", _YOU_KNOW_CONTENT_AFTER, ahead=n - 1)
    comma_after = t.ahead(t.comma, n - 1, fill=True)
    return (comma_after | ~after) & ~t.isin("prev", _YOU_KNOW_CONTENT_BEFORE)


def _rule_i_mean(t, at, n):
    after = t.isin("next", {"it", "that", "this", "what", "to", "them", "you", "him", "her"}, ahead=n - 1)
    return ~after | t.ahead(t.comma, n - 1, fill=True)


def _rule_opening(t, at, n):
    """so / well: a discourse marker at the start of an utterance, sentence or clause, not a modifier."""
    opening = t.opening | t.isin("prev", _BOUNDARY_BEFORE)
    return opening & ~t.isin("next", _SO_CONTENT_AFTER) & (~t.isin("prev", _SO_CONTENT_BEFORE) | t.prev_pause)


def _alone(t, at, n):
    """The phrase stands as its own clause: it opens one and a pause, a sentence end or the utterance's end
    follows it, and it is not the whole utterance (a lone "Right." or "Okay." answers)."""
    closed = t.ahead(t.comma | t.sentence_end | t.last, n - 1, fill=True)
    whole = t.first & t.ahead(t.last, n - 1, fill=False)
    return t.opening & closed & ~whole


def _rule_right(t, at, n):
    """A tag ("..., right?"), or "Right." / "right," on its own; not "right now", "the right one", "turn right"."""
    return t.question | _alone(t, at, n)


def _rule_all_right(t, at, n):
    """"All right, ..." / "alright." opening or closing a clause; not "it's all right" (fine)."""
    return _alone(t, at, n) | t.ahead(t.question, n - 1, fill=False) & t.opening


def _rule_okay(t, at, n):
    """"Okay, ..." opening a clause or sentence; not "it is okay" (fine) nor a lone "Okay." answer."""
    return t.opening & ~(t.first & t.ahead(t.last, n - 1, fill=False))


def _rule_actually(t, at, n):
    """Content after a copula ("is actually very old"; not "what I did is actually I installed", which opens
    a clause) or before a negation ("actually cannot jump"); a stance marker elsewhere."""
    opens_clause = t.isin("next", _SUBJECTS | {"it", "this", "that", "there"}) | t.comma
    content = (t.isin("prev", _COPULAS) & ~t.prev_pause & ~opens_clause) | (t.isin("next", _NEGATIONS) & ~t.comma)
    return ~content


def _rule_kind_of(t, at, n):
    return ~t.isin("prev", _DETERMINERS)


RULES = {"like": _rule_like, "you_know": _rule_you_know, "i_mean": _rule_i_mean, "so": _rule_opening,
         "well": _rule_opening, "right": _rule_right, "all_right": _rule_all_right, "okay": _rule_okay,
         "actually": _rule_actually, "kind_of": _rule_kind_of}


# -- detection -----------------------------------------------------------------------------------

class _Tokens:
    """Normalised tokens as integer codes, with their neighbours in the same utterance (numpy only)."""

    def __init__(self, words: pd.DataFrame):
        self.utt = words["utterance"].to_numpy()
        raw_codes, raw = pd.factorize(words["text"].astype(str).to_numpy())
        raw = pd.Series(raw, dtype=object)  # each distinct spelling once: transcripts repeat their words
        clean = normal_tokens(raw)
        vocab_codes, vocab = pd.factorize(clean.to_numpy())
        codes = vocab_codes[raw_codes] if len(raw_codes) else raw_codes
        self.vocab, self.code = np.asarray(vocab, dtype=object), codes  # a word is self.vocab[self.code[i]]
        self.index = {w: i for i, w in enumerate(vocab)}
        same_prev = np.r_[False, self.utt[1:] == self.utt[:-1]]
        self.first, self.last = ~same_prev, ~np.r_[same_prev[1:], False]
        self.prev = np.where(same_prev, np.r_[-1, codes[:-1]], -1)
        self.next = np.where(~self.last, np.r_[codes[1:], -1], -1)
        self.comma = raw.str.contains(PAUSE_AFTER, regex=True).to_numpy(bool)[raw_codes]
        self.prev_comma = np.r_[False, self.comma[:-1]] & same_prev
        self.question = raw.str.endswith("?").to_numpy(bool)[raw_codes]
        self.sentence_end = raw.str.contains(SENTENCE_END, regex=True).to_numpy(bool)[raw_codes]
        self.prev_pause = (self.prev_comma | np.r_[False, self.sentence_end[:-1]]) & same_prev
        self.opening = self.first | self.prev_pause  # starts an utterance, a sentence or a clause
        # sentence number: "ahead" in a list or phrase look stays inside one sentence of one utterance
        self.sentence = np.cumsum(self.first | np.r_[False, self.sentence_end[:-1]])
        self.spoken = codes != self.index.get("", -2)  # not punctuation alone
        self.false_start = raw.str.endswith("-").to_numpy(bool)[raw_codes] & self.spoken

    def codes_of(self, words) -> list[int]:
        return [self.index[w] for w in words if w in self.index]

    def ahead(self, values: np.ndarray, k: int, fill) -> np.ndarray:
        """``values`` k words later in the same utterance, else ``fill``."""
        if k == 0:
            return values
        out = np.full(len(values), fill, dtype=values.dtype)
        same = self.utt[k:] == self.utt[:-k]
        out[:-k] = np.where(same, values[k:], fill)
        return out

    def value_at(self, idx: np.ndarray, k: int, values: np.ndarray, fill) -> np.ndarray:
        """``values`` k words after each position ``idx`` in the same sentence, else ``fill`` (positions only:
        the rules that look further than a word run on their phrase's hits, not on every word)."""
        j = idx + k
        ok = j < len(self.code)
        jj = np.where(ok, j, 0)
        ok &= self.sentence[jj] == self.sentence[idx]
        return np.where(ok, values[jj], fill)

    def code_at(self, idx: np.ndarray, k: int) -> np.ndarray:
        """The word code k after each position ``idx`` in the same sentence, else -1."""
        return self.value_at(idx, k, self.code, -1)

    def word_in(self, idx: np.ndarray, k: int, words) -> np.ndarray:
        """Whether the word k after each position ``idx`` (same sentence) is one of ``words``."""
        return self.among(self.code_at(idx, k), words)

    def phrase_follows(self, idx: np.ndarray, phrases, gap: int = 1) -> np.ndarray:
        """Whether one of ``phrases`` (tuples of words) starts ``gap`` words after each position ``idx``."""
        found = np.zeros(len(idx), dtype=bool)
        for phrase in phrases:
            if any(word not in self.index for word in phrase):
                continue
            hit = np.ones(len(idx), dtype=bool)
            for k, word in enumerate(phrase):
                hit &= self.code_at(idx, gap + k) == self.index[word]
            found |= hit
        return found

    def list_follows(self, idx: np.ndarray, reach: int = 3) -> np.ndarray:
        """A list of examples follows each position ``idx`` in its sentence: items, a comma among the next
        ``reach`` words and "and"/"or" within ``reach`` words of that comma ("like encoders, decoders and
        tokens"; items of up to ``reach`` words), or a general extender within 2 * ``reach`` ("like whisper X
        and so on")."""
        found = np.zeros(len(idx), dtype=bool)
        for k in range(1, reach + 1):
            comma = self.value_at(idx, k, self.comma & ~self.sentence_end, False)
            for j in range(1, reach + 1):
                found |= comma & self.word_in(idx, k + j, ("and", "or"))
        for gap in range(1, 2 * reach + 1):
            found |= self.phrase_follows(idx, _EXTENDERS, gap)
        return found

    def among(self, codes: np.ndarray, words) -> np.ndarray:
        """Whether each code (-1: none) is one of ``words``: a lookup table over the vocabulary, faster than
        ``np.isin`` on a million words."""
        table = np.zeros(len(self.vocab) + 1, dtype=bool)  # the last entry answers -1
        table[self.codes_of(words)] = True
        return table[codes]

    def isin(self, which: str, words, ahead: int = 0) -> np.ndarray:
        return self.among(self.ahead(getattr(self, which), ahead, -1), words)

    def phrase_starts(self, phrase: str) -> np.ndarray:
        mask = np.ones(len(self.code), dtype=bool)
        for k, part in enumerate(phrase.split()):
            if part not in self.index:
                return np.zeros(len(self.code), dtype=bool)
            mask &= self.ahead(self.code, k, -1) == self.index[part]
        return mask


def _repetitions(t: _Tokens, exempt: set[str]) -> np.ndarray:
    """First word of each run of a repeated word ("I I I think" -> one) and of each false start ("the- the")."""
    # "Hello? Hello?" and "No. No." repeat across a sentence end: not a disfluency
    repeat = (t.code == t.next) & t.spoken & ~t.last & ~t.among(t.code, exempt) & ~t.sentence_end
    run_start = repeat & ~np.r_[False, repeat[:-1]]
    false_start = np.zeros(len(t.code), dtype=bool)
    for i in np.flatnonzero(t.false_start & ~t.last):  # rare: loop on hits only
        false_start[i] = t.vocab[t.code[i + 1]].startswith(t.vocab[t.code[i]])
    return run_start | (false_start & ~np.r_[False, false_start[:-1]])


def _marker_hits(t: _Tokens, lexicon: FillerLexicon) -> list[tuple[np.ndarray, int]]:
    """(start mask, phrase length) of each discourse marker used as a filler, by its context rule."""
    hits = []
    for phrase, rule in lexicon.markers.items():
        at = t.phrase_starts(phrase)
        n = len(phrase.split())
        if rule is not None and at.any():
            at = at & RULES[rule](t, at, n)
        hits.append((at, n))
    return hits


def marker_words(words: pd.DataFrame, language: str | None = "en") -> np.ndarray:
    """Per word (positionally): whether it is part of a discourse marker used as a filler ("all right, so",
    "the deadline, right?"), by the language's built-in lexicon; all False where there is none. Topics leave
    these words out, as they leave out hesitations: "right" in "all right" and "right?" is no topic."""
    code = (language or "en").split("-")[0].lower()
    out = np.zeros(len(words), dtype=bool)
    if code not in LEXICONS or words.empty:
        return out
    frame = words[["text"]].reset_index(drop=True)
    frame["utterance"] = words["utterance"].to_numpy() if "utterance" in words else 0
    t = _Tokens(frame)
    for at, n in _marker_hits(t, LEXICONS[code]()):
        idx = np.flatnonzero(at)
        for k in range(n):
            out[np.minimum(idx + k, len(out) - 1)] = True
    return out


def find_fillers(words: pd.DataFrame, lexicon: FillerLexicon | None = None, context_words: int = 4) -> pd.DataFrame:
    """One row per filler occurrence: speaker, start, end, text, category, utterance, word_index, context, found
    ("decoded" or "recovered", from the words' ``source``; "decoded" without one), score (the first word's
    probability)."""
    lexicon = lexicon or english()
    if words.empty:
        return empty(OCCURRENCE_COLUMNS)
    words = words.reset_index(drop=True)
    t = _Tokens(words)
    same_prev = ~t.first
    hits: list[tuple[np.ndarray, int, str]] = []
    for phrase in sorted(lexicon.hesitations):
        at = t.phrase_starts(phrase)
        at &= ~np.r_[False, at[:-1] & same_prev[1:]]  # "um, um": one event
        hits.append((at, len(phrase.split()), HESITATION))
    hits += [(at, n, MARKER) for at, n in _marker_hits(t, lexicon)]
    for phrase in sorted(lexicon.custom):
        hits.append((t.phrase_starts(phrase), len(phrase.split()), CUSTOM))
    if lexicon.detect_repetitions:
        hits.append((_repetitions(t, lexicon.repetition_exempt), 2, REPETITION))
    return _occurrences(words, hits, context_words)


def _occurrences(words: pd.DataFrame, hits, context_words: int) -> pd.DataFrame:
    taken = np.zeros(len(words), dtype=bool)  # a word belongs to one filler at most (longest phrase first)
    text, utt = words["text"].to_numpy(dtype=object), words["utterance"].to_numpy()
    parts = []
    for at, n, category in sorted(hits, key=lambda h: -h[1] if h[2] != REPETITION else 0):
        idx = np.flatnonzero(at & ~taken)
        if idx.size == 0:
            continue
        span = n if category != REPETITION else 1
        for k in range(span):
            taken[np.minimum(idx + k, len(words) - 1)] = True
        parts.append((idx, np.minimum(idx + span - 1, len(words) - 1), category, 2 if category == REPETITION else n))
    if not parts:
        return empty(OCCURRENCE_COLUMNS)
    idx = np.concatenate([p[0] for p in parts])
    last = np.concatenate([p[1] for p in parts])
    shown = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    out = pd.DataFrame({"speaker": words["speaker"].to_numpy()[idx], "start": words["start"].to_numpy()[idx],
                        "end": words["end"].to_numpy()[last],
                        "category": np.concatenate([np.full(len(p[0]), p[2], dtype=object) for p in parts]),
                        "text": _spans(text, utt, idx, idx + shown - 1, idx),
                        "utterance": utt[idx], "word_index": idx})
    out["context"] = _spans(text, utt, idx - context_words, idx + context_words, idx, mark=True)
    out["found"] = words["source"].to_numpy(dtype=object)[idx] if "source" in words else "decoded"
    out["score"] = words["probability"].to_numpy(dtype=float)[idx] if "probability" in words else np.nan
    out = out.sort_values(["start", "word_index"], kind="stable")
    return out[OCCURRENCE_COLUMNS].reset_index(drop=True)


def _spans(text: np.ndarray, utt: np.ndarray, lo: np.ndarray, hi: np.ndarray, at: np.ndarray,
           mark: bool = False) -> np.ndarray:
    """Words lo..hi (inclusive, clipped to the utterance of word ``at``) joined; ``mark`` brackets word ``at``."""
    n = len(text)
    out = np.full(len(lo), "", dtype=object)
    for off in range(int((hi - lo).max()) + 1 if len(lo) else 0):
        j = lo + off
        jj = np.clip(j, 0, n - 1)
        ok = (j >= 0) & (j < n) & (j <= hi) & (utt[jj] == utt[at])
        word = text[jj].astype(object)
        if mark:
            word = np.where(jj == at, "[" + word + "]", word)
        out = np.where(ok, np.where(out == "", word, out + " " + word), out)
    return out


def filler_counts(occurrences: pd.DataFrame, speaker_stats: pd.DataFrame) -> pd.DataFrame:
    """Per speaker and category: count, per minute of the speaker's talk time, per 100 of their words.

    ``speaker_stats`` needs columns speaker, talk_time, words (see ``talk.speaker_stats``).
    Every speaker gets a row per category (zeros included) plus category ``all``.
    """
    speakers = speaker_stats[["speaker", "talk_time", "words"]]
    counts = occurrences.groupby(["speaker", "category"]).size().rename("count")
    grid = pd.MultiIndex.from_product([speakers["speaker"], list(CATEGORIES)], names=["speaker", "category"])
    frame = counts.reindex(grid, fill_value=0).reset_index()
    total = frame.groupby("speaker", as_index=False)["count"].sum().assign(category="all")
    frame = pd.concat([frame, total], ignore_index=True).merge(speakers, on="speaker", how="left")
    minutes = frame["talk_time"] / 60.0
    frame["per_minute"] = np.where(minutes > 0, frame["count"] / minutes.where(minutes > 0, 1), 0.0)
    frame["per_100_words"] = np.where(frame["words"] > 0,
                                      100.0 * frame["count"] / frame["words"].where(frame["words"] > 0, 1), 0.0)
    frame["count"] = frame["count"].astype(int)
    return frame[["speaker", "category", "count", "per_minute", "per_100_words"]]
