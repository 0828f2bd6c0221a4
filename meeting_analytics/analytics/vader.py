"""VADER over whole columns of text at once: NLTK's SentimentIntensityAnalyzer with a vectorised
``score_texts``.

Same lexicon, constants and rules as NLTK's ``polarity_scores`` (caps emphasis, boosters and
dampeners in the three preceding words, negation, "never so/this", idioms, "least", "but",
"!" and "?" emphasis, normalisation), computed with numpy over every token of every text: per
distinct token once (lexicon, booster, negation), then shifted arrays for the context rules.
Like NLTK, a repeated token takes its context from its *first* occurrence in the text, so the
scores equal ``polarity_scores``'s (tests compare them).
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
from nltk.sentiment.vader import SentimentIntensityAnalyzer, VaderConstants

_C = VaderConstants
_PUNCT = set(string.punctuation)
_MULTI_BOOSTERS = [k for k in _C.BOOSTER_DICT if " " in k]
_IDIOM_WORDS = sorted({w for key in [*_C.SPECIAL_CASE_IDIOMS, *_MULTI_BOOSTERS] for w in key.split()})
_IDIOM_ID = {w: i for i, w in enumerate(_IDIOM_WORDS)}


def _vader_token(token: str) -> str:
    """NLTK's SentiText: one leading or trailing mark from its list is cut off a punctuation-free word."""
    for p in sorted(_C.PUNC_LIST, key=len, reverse=True):
        for word in (token[len(p):] if token.startswith(p) else None, token[: -len(p)] if token.endswith(p) else None):
            if word and len(word) > 1 and not _PUNCT & set(word):
                return word
    return token


class VectorVader(SentimentIntensityAnalyzer):
    """NLTK's analyzer (``polarity_scores`` unchanged) plus ``score_texts(texts) -> compound array``."""

    def _vocabulary(self, vocab: np.ndarray) -> dict[str, np.ndarray]:
        tok = [_vader_token(t) for t in vocab]
        low = [t.lower() for t in tok]
        lex, boost = self.lexicon, _C.BOOSTER_DICT
        return {"token": np.array(tok, dtype=object), "lower": np.array(low, dtype=object),
                "in_lex": np.array([w in lex for w in low]),
                "valence": np.array([lex.get(w, 0.0) for w in low]),
                "booster": np.array([boost.get(w, 0.0) for w in low]),
                "upper": np.array([t.isupper() for t in tok]),
                "negated": np.array([w in _C.NEGATE or "n't" in w for w in low]),
                "so_this": np.array([t in ("so", "this") for t in tok]),
                "never": np.array([t == "never" for t in tok]),
                "iw": np.array([_IDIOM_ID.get(t, -1) for t in tok])}  # idioms match the token as said

    def score_texts(self, texts) -> np.ndarray:
        """Compound score (-1..1, rounded to 4 places like NLTK) of every text."""
        texts = pd.Series(texts, dtype=object).astype(str).reset_index(drop=True)
        n = len(texts)
        if n == 0:
            return np.zeros(0)
        exploded = texts.str.split().explode().dropna()
        exploded = exploded[exploded.str.len() > 1]
        utt = exploded.index.to_numpy()
        codes, vocab = pd.factorize(exploded.to_numpy())
        voc = self._vocabulary(np.asarray(vocab, dtype=object))
        V = {k: v[codes] for k, v in voc.items()}
        _, mapped = np.unique(voc["token"], return_inverse=True)
        sums = np.bincount(utt, weights=self._valences(V, utt, mapped[codes]), minlength=n) if len(utt) \
            else np.zeros(n)
        ep = np.minimum(texts.str.count("!").to_numpy(), 4) * 0.292
        qm = texts.str.count(r"\?").to_numpy()
        amp = ep + np.where(qm > 1, np.where(qm <= 3, qm * 0.18, 0.96), 0.0)
        sums = sums + np.sign(sums) * amp
        return np.round(sums / np.sqrt(sums * sums + 15), 4)

    def _valences(self, V: dict[str, np.ndarray], utt: np.ndarray, token_id: np.ndarray) -> np.ndarray:
        m = len(utt)
        start = np.r_[0, np.flatnonzero(utt[1:] != utt[:-1]) + 1]
        pos = np.arange(m) - np.repeat(start, np.diff(np.r_[start, m]))  # index within the text
        # NLTK reads a token's context at the first occurrence of that token in its text
        key = utt.astype(np.int64) * (int(token_id.max()) + 1) + token_id
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        anchor = first[inverse]
        ipos = pos[anchor]

        def back(name: str, k: int, fill=False) -> np.ndarray:
            return np.where(ipos >= k, V[name][np.maximum(anchor - k, 0)], fill)

        def ahead(name: str, k: int, fill="") -> np.ndarray:
            j = np.minimum(anchor + k, m - 1)
            return np.where((anchor + k < m) & (utt[j] == utt), V[name][j], fill)

        n_upper = np.bincount(utt, weights=V["upper"])
        n_tok = np.bincount(utt)
        cap_diff = ((n_upper > 0) & (n_upper < n_tok))[utt]
        skip = (V["booster"] != 0) | ((V["lower"] == "kind") & (ahead("lower", 1) == "of"))
        active = V["in_lex"] & ~skip
        v = V["valence"].copy()
        caps = active & V["upper"] & cap_diff
        v = np.where(caps, v + np.where(v > 0, _C.C_INCR, -_C.C_INCR), v)
        for k in range(3):
            prev_in_lex, prev_boost = back("in_lex", k + 1), back("booster", k + 1, 0.0)
            cond = active & (ipos > k) & ~prev_in_lex
            s = np.where(v < 0, -prev_boost, prev_boost)
            s = s + np.where((prev_boost != 0) & back("upper", k + 1) & cap_diff,
                             np.where(v > 0, _C.C_INCR, -_C.C_INCR), 0.0)
            v = np.where(cond, v + s * (1.0, 0.95, 0.9)[k], v)
            v = np.where(cond, v * self._never_factor(k, back), v)
            if k == 2:
                v = self._idioms(v, cond, V, back, ahead)
        prev_least = (back("lower", 1, "") == "least") & ~back("in_lex", 1)
        least = active & prev_least & ((ipos == 1) | ~np.isin(back("lower", 2, ""), ["at", "very"]))
        v = np.where(least, v * _C.N_SCALAR, v)
        v = np.where(active, v, 0.0)
        return v * self._but_factor(V, utt, pos)

    @staticmethod
    def _never_factor(k: int, back) -> np.ndarray:
        neg = back("negated", k + 1)
        if k == 0:
            return np.where(neg, _C.N_SCALAR, 1.0)
        if k == 1:
            never_so = back("never", 2) & back("so_this", 1)
            return np.where(never_so, 1.5, np.where(neg, _C.N_SCALAR, 1.0))
        never_so = (back("never", 3) & back("so_this", 2)) | back("so_this", 1)
        return np.where(never_so, 1.25, np.where(neg, _C.N_SCALAR, 1.0))

    @staticmethod
    def _idioms(v: np.ndarray, cond: np.ndarray, V, back, ahead) -> np.ndarray:
        """NLTK's idiom check on word ids: the first idiom among the preceding sequences wins, an idiom
        starting here overrides it, a preceding two-word booster ("kind of") dampens."""
        rows = np.flatnonzero(cond)
        ids = {0: V["iw"][rows], **{k: back("iw", k, -1)[rows] for k in (1, 2, 3)},
               **{-k: ahead("iw", k, -1)[rows] for k in (1, 2)}}
        near = np.zeros(len(rows), bool)
        for a in ids.values():
            near |= a >= 0
        rows = rows[near]
        if not len(rows):
            return v
        ids = {k: a[near] for k, a in ids.items()}

        def match(positions: tuple[int, ...], phrase: str) -> np.ndarray:
            words = phrase.split()
            if len(words) != len(positions):
                return np.zeros(len(rows), bool)
            hit = np.ones(len(rows), bool)
            for p, w in zip(positions, words):
                hit &= ids[p] == _IDIOM_ID[w]
            return hit

        out = v[rows].copy()
        found = np.zeros(len(rows), bool)
        for seq in ((1, 0), (2, 1, 0), (2, 1), (3, 2, 1), (3, 2)):
            for phrase, value in _C.SPECIAL_CASE_IDIOMS.items():
                hit = ~found & match(seq, phrase)
                out[hit], found = value, found | hit
        for seq in ((0, -1), (0, -1, -2)):
            for phrase, value in _C.SPECIAL_CASE_IDIOMS.items():
                out[match(seq, phrase)] = value
        pair = np.zeros(len(rows), bool)
        for phrase in _MULTI_BOOSTERS:
            pair |= match((3, 2), phrase) | match((2, 1), phrase)
        out = np.where(pair, out + _C.B_DECR, out)
        v = v.copy()
        v[rows] = out
        return v

    @staticmethod
    def _but_factor(V, utt: np.ndarray, pos: np.ndarray) -> np.ndarray:
        is_but = V["lower"] == "but"
        if not is_but.any():
            return np.ones(len(utt))
        first = pd.Series(pos[is_but]).groupby(utt[is_but]).min()
        bi = np.full(utt.max() + 1, -1)
        bi[first.index.to_numpy()] = first.to_numpy()
        b = bi[utt]
        return np.where(b < 0, 1.0, np.where(pos < b, 0.5, np.where(pos > b, 1.5, 1.0)))
