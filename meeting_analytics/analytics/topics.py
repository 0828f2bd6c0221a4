"""Topics: noun phrases and content words per speaker and per meeting, and what sets a speaker apart.

NLTK does the language work with data that ships in packages, never its downloader:
tokens are the transcript's words (Whisper already split them) without surrounding punctuation; stop words from
the ``stop-words`` package; part-of-speech tags from an NLTK ``UnigramTagger`` over Brill's lexicon
(94k words, Brown + Penn Treebank, shipped in ``textblob``) with suffix rules for unknown words;
lemmas from NLTK's WordNet lemmatizer reading an installed WordNet 3.0 (Debian ``wordnet-base``).
Tagging and lemmatizing run once per distinct word, so the cost grows with the vocabulary,
not the corpus. Distinctive terms: log-odds ratio with an informative Dirichlet prior (Monroe,
Colaresi & Quinn 2008), each speaker against the others in the meeting.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .fillers import marker_words
from .frames import empty
from .tokens import CLAUSE_END, HESITATIONS, REDACTED, clean_tokens, per_distinct, stop_words

NOUN_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS"})
MODIFIER_TAGS = frozenset({"JJ", "JJR", "JJS", "VBG", "VBN"}) | NOUN_TAGS
GENERIC_NOUNS = frozenset("thing things lot lots way ways kind sort bit stuff something anything everything nothing "
                          "someone anyone everyone one ones people guy guys yeah yes okay ok mhm uh-huh gonna wanna "
                          "today tomorrow yesterday time times day days".split()) | HESITATIONS
RIGHT_ADVERB_AFTER = frozenset("now away here there then back after before behind".split())  # "right now": no noun
# "that's right", "you're right", "is that right": an answer or a check, no topic (the real support call's third
# "topic" was "right" from these after the markers went)
RIGHT_AFFIRMED_AFTER = frozenset("that's thats you're youre that it's is are was were".split())
TOPIC_COLUMNS = ["speaker", "term", "kind", "count", "share", "log_odds", "z"]
MEETING_TOPIC_COLUMNS = ["term", "kind", "count", "share", "speakers"]
# suffix rules for words outside the lexicon, after Brill's lexical rules (en-morphology)
UNKNOWN_RULES = [(r"^-?\d+([.,:]\d+)*(s|th|st|nd|rd|%)?$", "CD"), (r".*ing$", "VBG"), (r".*ed$", "VBN"),
                 (r".*ly$", "RB"), (r".*(able|ible|al|ful|ic|ive|less|ous|ish)$", "JJ"), (r".*ss$", "NN"),
                 (r".*s$", "NNS"), (r".*", "NN")]


def _lexicon_path() -> Path:
    spec = importlib.util.find_spec("textblob")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the English POS lexicon ships in the textblob package: pip install textblob")
    return Path(next(iter(spec.submodule_search_locations))) / "en" / "en-lexicon.txt"


@lru_cache(maxsize=1)
def tagger():
    """NLTK tagger: most frequent tag per word in Brill's lexicon, suffix rules otherwise."""
    from nltk.tag import RegexpTagger, UnigramTagger

    model = {}
    with open(_lexicon_path(), encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith(";;;"):
                parts = line.split()
                if len(parts) == 2:
                    model[parts[0]] = parts[1]
    return UnigramTagger(model=model, backoff=RegexpTagger(UNKNOWN_RULES))


@lru_cache(maxsize=1)
def lemmatizer():
    """NLTK's WordNet lemmatizer, or None when no WordNet database is installed (terms stay as said)."""
    from nltk.stem import WordNetLemmatizer

    from ..nltk_offline import ensure_wordnet

    if ensure_wordnet() is None:
        return None
    lem = WordNetLemmatizer()
    lem.lemmatize("meetings", "n")  # loads the database now, so a broken one fails here
    return lem


def tag_vocabulary(vocabulary: np.ndarray) -> np.ndarray:
    """POS tag per distinct word: the lexicon's entry for the word as said, else for its lower case."""
    tags = np.array([t or "NN" for _, t in tagger().tag(list(vocabulary))], dtype=object)
    lower = np.char.lower(vocabulary.astype(str))
    unknown = lower != vocabulary
    if unknown.any():
        retag = np.array([t for _, t in tagger().tag(list(lower[unknown]))], dtype=object)
        lex = tagger()._context_to_tag  # noqa: SLF001 (UnigramTagger's model)
        in_lexicon = np.array([w in lex for w in vocabulary[unknown]])
        tags[unknown] = np.where(in_lexicon, tags[unknown], retag)
    return tags


def lemmatize_vocabulary(lower: np.ndarray, tags: np.ndarray) -> np.ndarray:
    lem = lemmatizer()
    if lem is None:
        return lower
    return np.array([lem.lemmatize(w, "n") if t in ("NNS", "NNPS") else w for w, t in zip(lower, tags)],
                    dtype=object)


# Brill's contextual rules for the commonest noun/verb ambiguity in speech ("I need", "to plan", "we'll call"):
# a word the lexicon tags as a noun is a verb after a subject pronoun, a modal or "to" (an adverb between allowed)
VERB_CONTEXT = frozenset("i you we they he she it to will would can could should might must shall may don't "
                         "doesn't didn't won't can't couldn't wouldn't shouldn't i'll you'll we'll they'll i'd "
                         "you'd we'd they'd".split())
_VERB_OF = {"NN": "VB", "NNS": "VBZ"}


def _shifted(values: np.ndarray, k: int, same: np.ndarray):
    """``values`` k tokens earlier where that token is in the same utterance (``same``), else None."""
    out = np.full(len(values), None, dtype=object)
    out[k:] = values[:-k] if k < len(values) else out[k:]
    return np.where(same, out, np.array(None, dtype=object))


def _verbs_in_context(lower: np.ndarray, tags: np.ndarray, utterance: np.ndarray) -> np.ndarray:
    """Tags with NN/NNS read as verbs where the context says so (per token)."""
    same1 = np.r_[False, utterance[1:] == utterance[:-1]]
    same2 = same1 & np.r_[False, same1[:-1]]
    context = np.isin(_shifted(lower, 1, same1), list(VERB_CONTEXT)) | (
        (_shifted(tags, 1, same1) == "RB") & np.isin(_shifted(lower, 2, same2), list(VERB_CONTEXT)))
    out = tags.copy()
    for noun, verb in _VERB_OF.items():
        out[context & (tags == noun)] = verb
    return out


def tagged_words(words: pd.DataFrame, language: str | None = "en") -> pd.DataFrame:
    """Words with ``token`` (cleaned, as said), ``lemma`` (lower case), ``tag``, ``stop`` and ``utterance``
    run id; tags only for English (other languages get ``tag`` = None and single-word topics)."""
    token = clean_tokens(words["text"])
    codes, vocabulary = pd.factorize(token)
    vocabulary = np.asarray(vocabulary, dtype=object)
    lower = np.array([str(v).lower() for v in vocabulary], dtype=object)
    lang = (language or "en").split("-")[0]
    if lang == "en" and len(vocabulary):
        tags = tag_vocabulary(vocabulary)
        lemmas = lemmatize_vocabulary(lower, tags)
    else:
        tags, lemmas = np.full(len(vocabulary), None, dtype=object), lower
    listed = np.isin(lower, list(stop_words(lang)))
    dropped = np.isin(lower, list(GENERIC_NOUNS)) | (np.char.str_len(lower.astype(str)) < 2)
    valid = codes >= 0
    pick = np.where(valid, codes, 0)

    def take(values: np.ndarray, fill):
        out = values[pick] if len(values) else np.full(len(codes), fill, dtype=object)
        return np.where(valid, out, fill)

    utterance = words["utterance"].to_numpy() if "utterance" in words else np.zeros(len(words), dtype=int)
    token_tags = take(tags, None)
    if lang == "en" and len(vocabulary):
        token_tags = _verbs_in_context(take(lower, ""), token_tags, utterance)
    # general stop lists drop nouns that are topics in calls ("system", "bill", "computer"): keep nouns
    stop = (take(listed, True).astype(bool) & ~np.isin(token_tags, list(NOUN_TAGS))) | take(dropped, True).astype(bool)
    # discourse markers used as fillers are no topic ("all right", "..., right?", "okay, so"), nor "right now"
    stop |= marker_words(words, language)
    stop |= per_distinct(words["text"], lambda t: t.str.contains(REDACTED, regex=True)).to_numpy(bool)
    if lang == "en" and len(vocabulary):
        right = np.isin(codes, np.flatnonzero(lower == "right"))
        adverb_next = np.isin(codes, np.flatnonzero(np.isin(lower, list(RIGHT_ADVERB_AFTER))))
        stop |= right & np.r_[adverb_next[1:] & (utterance[1:] == utterance[:-1]), False]
        affirmed = np.isin(codes, np.flatnonzero(np.isin(lower, list(RIGHT_AFFIRMED_AFTER))))
        stop |= right & np.r_[False, affirmed[:-1] & (utterance[1:] == utterance[:-1])]
    ends_clause = per_distinct(words["text"], lambda t: t.str.contains(CLAUSE_END, regex=True)).to_numpy(bool)
    return pd.DataFrame({"speaker": words["speaker"].to_numpy(), "token": take(vocabulary, ""),
                         "lemma": take(lemmas, ""), "tag": token_tags, "stop": stop, "utterance": utterance,
                         "ends_clause": ends_clause})


def _terms(tw: pd.DataFrame, max_words: int = 4) -> pd.DataFrame:
    """One row per topic mention: noun phrases (modifiers + nouns, within a clause, ending in a noun;
    stop words and punctuation break a phrase) and content nouns (lemmas). A phrase's parts are not counted again as
    words, except the head of a common-noun phrase ("wrong invoices" is also an "invoice"): "New
    Jersey" counts once, as the phrase, not again as "new" and "jersey"."""
    tag = tw["tag"]
    noun = tag.isin(NOUN_TAGS).to_numpy() & ~tw["stop"].to_numpy()
    content = noun | ((tag.isna().to_numpy()) & ~tw["stop"].to_numpy() & (tw["lemma"].str.len() > 2).to_numpy())

    def single(mask: np.ndarray) -> pd.DataFrame:
        return tw.loc[mask, ["speaker", "lemma"]].rename(columns={"lemma": "term"}).assign(kind="word")

    if tag.isna().all():
        return single(content)
    member = tag.isin(MODIFIER_TAGS).to_numpy() & ~tw["stop"].to_numpy()
    utt = tw["utterance"].to_numpy()
    brk = ~member | np.r_[True, utt[1:] != utt[:-1]] | np.r_[True, ~member[:-1]] | \
        np.r_[True, tw["ends_clause"].to_numpy()[:-1]]
    rows = np.flatnonzero(member)
    if not len(rows):
        return single(content)
    lemma, speaker = tw["lemma"].to_numpy(dtype=object)[rows], tw["speaker"].to_numpy(dtype=object)[rows]
    starts = np.flatnonzero(brk[rows])
    # a phrase ends at its run's last noun ("the invoice attached" -> "invoice"), keeps its last max_words
    last_noun = np.maximum.reduceat(np.where(noun[rows], np.arange(len(rows)), -1), starts)
    first = np.maximum(starts, last_noun - max_words + 1)
    length = last_noun - first + 1
    keep = length >= 2
    first, length = first[keep], length[keep]
    term = lemma[first].astype(object)
    for k in range(1, max_words):
        more = length > k
        term[more] = term[more] + " " + lemma[first[more] + k]
    in_phrase = np.zeros(len(tw), dtype=bool)
    for k in range(max_words):
        in_phrase[rows[first[length > k] + k]] = True
    head = rows[first + length - 1]  # a noun: counted again as a word when it is a common noun
    in_phrase[head] = ~np.isin(tag.to_numpy()[head], ["NN", "NNS"])
    phrases = pd.DataFrame({"speaker": speaker[first], "term": term, "kind": "phrase"})
    return pd.concat([single(content & ~in_phrase), phrases], ignore_index=True)


def _log_odds(counts: pd.DataFrame, by: list[str], alpha0: float = 10.0) -> pd.DataFrame:
    """Log-odds ratio (informative Dirichlet prior from the meeting's totals) of each speaker's use of each
    term against everyone else's in the same meeting (``by``: the meeting key columns), and its z-score."""
    total_term = counts.groupby(by + ["term"])["count"].transform("sum") if by else \
        counts.groupby("term")["count"].transform("sum")
    grand = counts.groupby(by)["count"].transform("sum") if by else counts["count"].sum()
    alpha = alpha0 * total_term / np.maximum(grand, 1)
    n_i = counts.groupby(by + ["speaker"])["count"].transform("sum")
    y_i, y_j, n_j = counts["count"], total_term - counts["count"], grand - n_i
    delta = np.log((y_i + alpha) / (n_i + alpha0 - y_i - alpha)) - np.log((y_j + alpha) / (n_j + alpha0 - y_j - alpha))
    return counts.assign(log_odds=delta, z=delta / np.sqrt(1 / (y_i + alpha) + 1 / (y_j + alpha)))


def topic_mentions(words: pd.DataFrame, language: str | None = "en") -> pd.DataFrame:
    """One row per topic mention: speaker, term, kind (``word`` or ``phrase``)."""
    if words.empty:
        return empty(["speaker", "term", "kind"])
    return _terms(tagged_words(words, language)).dropna(subset=["speaker"])


def summarize_topics(mentions: pd.DataFrame, top: int = 20, by: list[str] | None = None
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-speaker topics, meeting topics) from mentions; ``by`` names meeting key columns of a corpus."""
    by = list(by or [])
    if mentions.empty:
        return empty(by + TOPIC_COLUMNS), empty(by + MEETING_TOPIC_COLUMNS)
    counts = mentions.groupby(by + ["speaker", "term", "kind"], observed=True).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby(by + ["speaker", "kind"])["count"].transform("sum")
    counts = _log_odds(counts, by)
    per_speaker = counts.sort_values(by + ["speaker", "count", "z", "term"],
                                     ascending=[True] * (len(by) + 1) + [False, False, True])
    per_speaker = per_speaker.groupby(by + ["speaker"], group_keys=False).head(top).reset_index(drop=True)
    meeting = counts.groupby(by + ["term", "kind"]).agg(count=("count", "sum"), speakers=("speaker", "nunique"))
    meeting = meeting.reset_index()
    meeting["share"] = meeting["count"] / meeting.groupby(by + ["kind"])["count"].transform("sum")
    meeting = meeting.sort_values(by + ["count", "term"], ascending=[True] * len(by) + [False, True])
    meeting = (meeting.groupby(by, group_keys=False).head(top * 5) if by else meeting.head(top * 5))
    return per_speaker[by + TOPIC_COLUMNS], meeting.reset_index(drop=True)[by + MEETING_TOPIC_COLUMNS]


def topics(words: pd.DataFrame, language: str | None = "en", top: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-speaker topics, meeting topics).

    Per speaker: the ``top`` terms by count with kind (word/phrase), share of the speaker's topic
    mentions, and log-odds/z against the other speakers (z > 1.96: distinctive for this speaker).
    Meeting: every term's count, share and the number of speakers who used it (top ``top`` * 5)."""
    return summarize_topics(topic_mentions(words, language), top)
