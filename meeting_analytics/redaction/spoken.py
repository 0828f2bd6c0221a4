"""Personal data as it is SAID, found over the word stream: digit sequences read out ("one, two, double
nine", "oh seven seven", "seventeen thirty four", "1734 ... 1256"), spoken e-mail addresses ("john dot smith
at gmail dot com") and spelled names ("S, M, I, T, H").

Pure Python, no model: it reads ``Word`` texts only. A caller reads a number in pieces, waiting for the
agent's "okay, go on" between them; so the sequences are followed per speaker, in time order, and the other
party's words between two pieces do not break one (a piece continues the last one when at most
``MAX_JOIN`` of the speaker's own words and ``MAX_GAP_S`` seconds lie between). What a sequence is comes from
its length and the words around it (both parties' last ``CONTEXT_S`` seconds: the agent's "what is your card
number?" names what follows): see ``classify``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from ..transcript import Word

DIGITS = {"zero": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}
ZERO_LETTERS = {"oh", "o"}  # zero only beside another digit: "oh" alone is an interjection
TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
         "seventeen": 17, "eighteen": 18, "nineteen": 19}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
        "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000}
REPEATS = {"double": 2, "triple": 3, "treble": 3}
HOMOPHONES = {"for": 4, "to": 2, "too": 2, "won": 1, "ate": 8}  # digits only among digits
MAX_JOIN = 3        # own words allowed between two pieces of one number ("and last one, ...")
MAX_GAP_S = 15.0    # seconds between two pieces of one number (the other party's "go on" fits)
CONTEXT_S = 15.0    # seconds before a sequence whose words (both parties') say what it is
MIN_DIGITS_BARE = 7  # a sequence this long is personal without context words
MIN_DIGITS_CONTEXT = 4  # shorter ones need a context word ("number", "card", ...)

CONTEXT = {
    "CREDIT_CARD": ("card", "visa", "mastercard", "amex", "credit", "debit", "expiry", "cvv", "cvc"),
    "PHONE_NUMBER": ("phone", "telephone", "mobile", "cell", "landline", "call", "reach", "extension", "fax"),
    "US_SSN": ("social", "ssn"),
    "US_BANK_NUMBER": ("account", "iban", "sort", "routing", "bank", "branch"),
    "DATE_OF_BIRTH": ("born", "birth", "birthday", "dob"),
    "ID_NUMBER": ("id", "identity", "identification", "passport", "licence", "license", "membership", "member",
                  "customer", "reference", "policy", "insurance", "national", "pin", "code", "postcode", "zip",
                  "number", "digits", "numbers", "idea"),  # "ID" -> "idea" is Whisper's usual mishearing
}
TLDS = {"com", "org", "net", "edu", "gov", "io", "co", "uk", "de", "fr", "es", "it", "nl", "eu", "info", "biz", "us",
        "ca", "au", "in", "ie", "ch", "at", "be", "se", "no", "dk", "fi", "pl", "jp", "cn", "ru", "br", "me", "ai"}
EMAIL_JOINS = {"dot": ".", "underscore": "_", "dash": "-", "hyphen": "-", "point": "."}
SPELL_CONTEXT = ("spell", "spelled", "spelt", "spelling", "name", "surname", "letters")
EDGE = re.compile(r"^[^\w@]+|[^\w@]+$")
NUMERAL = re.compile(r"\d(?:[\d,.\-/]*\d)?")
AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")


@dataclass
class Found:
    """A span of personal data over word indices of the transcript (a speaker's words, possibly with the
    other party's words between: ``words`` lists the ones to redact); ``value``: the normalised value
    (digits, an address), for ``hash``; never written anywhere."""

    entity: str
    words: list[int]
    score: float
    value: str
    source: str = "spoken"
    pieces: list[list[int]] = field(default_factory=list)


def core(text: str) -> str:
    """A word without surrounding punctuation, lower case."""
    return EDGE.sub("", text).lower()


def _elements(text: str, prev_digit: bool) -> list[tuple[str, int]] | None:
    """A word as number elements: ("d", digit), ("n", digits-as-int, for numerals the string's digits),
    ("teen", n), ("tens", n), ("scale", n), ("rep", k); None when it is no number word. "oh"/"o" count as
    zero only after a digit (``prev_digit``) or before one (the caller checks that)."""
    c = core(text)
    if not c or AMOUNT.fullmatch(c) or re.match(r"^\W*[$£€]", text) or text.rstrip(".,;:!?").endswith("%"):
        return None  # an amount ("680,000", "3.5", "$20", "15%") is no digit sequence
    if NUMERAL.fullmatch(c):
        return [("num", int(ch)) for ch in re.sub(r"\D", "", c)]
    parts = c.split("-") if "-" in c else [c]
    out: list[tuple[str, int]] = []
    for p in parts:
        if p in DIGITS:
            out.append(("d", DIGITS[p]))
        elif p in ZERO_LETTERS:
            out.append(("oh", 0))
        elif p in TEENS:
            out.append(("teen", TEENS[p]))
        elif p in TENS:
            out.append(("tens", TENS[p]))
        elif p in SCALES:
            out.append(("scale", SCALES[p]))
        elif p in REPEATS:
            out.append(("rep", REPEATS[p]))
        elif NUMERAL.fullmatch(p):
            out += [("num", int(ch)) for ch in p]
        else:
            return None
    return out


def digits_of(elements: Sequence[tuple[str, int]]) -> str:
    """Spoken number elements as the digit string a listener writes down: digits one by one, "double 7" =
    77, "seventeen thirty four" = 1734, "seven hundred and five" = 705, "two thousand" = 2000."""
    out: list[str] = []
    i, n = 0, len(elements)
    while i < n:
        kind, v = elements[i]
        if kind == "rep":
            if i + 1 < n and elements[i + 1][0] in ("d", "num", "oh"):
                out.append(str(elements[i + 1][1]) * v)
                i += 2
            else:
                i += 1
            continue
        if any(k == "scale" for k, _ in elements[i:i + 4]) and kind in ("d", "teen", "tens"):
            value, current, j = 0, 0, i
            while j < n and elements[j][0] in ("d", "teen", "tens", "scale"):
                k, x = elements[j]
                if k == "scale":
                    current = max(current, 1) * x
                    if x >= 1000:
                        value, current = value + current, 0
                elif (k == "d" and current % 10 == 0) or (k in ("teen", "tens") and current % 100 == 0):
                    current += x
                else:
                    break
                j += 1
            out.append(str(value + current))
            i = j
            continue
        if kind == "tens":
            if i + 1 < n and elements[i + 1][0] == "d" and elements[i + 1][1] > 0:
                out.append(str(v + elements[i + 1][1]))
                i += 2
            else:
                out.append(str(v))
                i += 1
            continue
        out.append(str(v))
        i += 1
    return "".join(out)


def _luhn(digits: str) -> bool:
    total = 0
    for k, ch in enumerate(reversed(digits)):
        d = int(ch)
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def classify(digits: str, context: set[str]) -> tuple[str, float] | None:
    """(entity, score) of a spoken digit sequence, or None: its context words decide, else its length (13-19
    digits passing Luhn's check: a card; 10-11: a phone number; 7 or more: an ID)."""
    n = len(digits)
    said = {entity for entity, cue in CONTEXT.items() if context & set(cue)}
    if n < MIN_DIGITS_CONTEXT or (n < MIN_DIGITS_BARE and not said):
        return None
    if "CREDIT_CARD" in said or (13 <= n <= 19 and _luhn(digits) and not said - {"ID_NUMBER"}):
        return "CREDIT_CARD", 0.9 if "CREDIT_CARD" in said else 0.7
    for entity in ("DATE_OF_BIRTH", "US_SSN", "US_BANK_NUMBER", "PHONE_NUMBER"):
        if entity in said:
            return entity, 0.85
    if "ID_NUMBER" in said:
        return "ID_NUMBER", 0.85
    return ("PHONE_NUMBER", 0.6) if 10 <= n <= 11 else ("ID_NUMBER", 0.6)


def streams(words: Sequence[Word]) -> dict[str | None, list[int]]:
    """Each speaker's word indices in time order."""
    out: dict[str | None, list[int]] = {}
    for i in sorted(range(len(words)), key=lambda i: (words[i].start, i)):
        out.setdefault(words[i].speaker, []).append(i)
    return out


def _context(words: Sequence[Word], order: list[int], at: int, first: int) -> set[str]:
    """Lower-case words said (by anyone) up to ``CONTEXT_S`` before word ``first`` (``order``: all word
    indices by time; ``at``: its position there)."""
    t0 = words[first].start - CONTEXT_S
    out = set()
    j = at - 1
    while j >= 0 and words[order[j]].start >= t0:
        out.update(core(words[order[j]].text).replace("'", " ").split())
        j -= 1
    return out


def spoken_numbers(words: Sequence[Word]) -> list[Found]:
    """Digit sequences read out, per speaker, joined across pieces (see the module's docstring)."""
    order = sorted(range(len(words)), key=lambda i: (words[i].start, i))
    position = {w: k for k, w in enumerate(order)}
    found: list[Found] = []
    for stream in streams(words).values():
        runs: list[tuple[list[int], list[tuple[str, int]], list[int]]] = []  # (number words, elements, joiners)
        cur_words: list[int] = []
        cur_elems: list[tuple[str, int]] = []
        joiners: list[int] = []
        pending: list[int] = []  # own non-number words since the last number word
        for k, i in enumerate(stream):
            elems = _elements(words[i].text, bool(cur_words))
            if elems is not None and elems[0][0] == "oh" and len(elems) == 1:
                nxt = _elements(words[stream[k + 1]].text, True) if k + 1 < len(stream) else None
                if not (cur_words and not pending) and not (nxt and nxt[0][0] in ("d", "num", "rep", "oh")):
                    elems = None
            if elems is not None and elems[0][0] in ("scale", "rep") and not cur_words:
                nxt = _elements(words[stream[k + 1]].text, True) if k + 1 < len(stream) else None
                if not nxt:
                    elems = None
            if elems is None and core(words[i].text) in HOMOPHONES and k + 2 < len(stream):
                # "for one, one, ..." is Whisper's "four": a digit when digits follow (two) or go on
                after = [_elements(words[stream[k + m]].text, True) for m in (1, 2)]
                last = cur_elems[-1][0] if cur_elems and not pending else None
                if after[0] and after[0][0][0] == "d" and (last == "d" or (after[1] and after[1][0][0] == "d")):
                    elems = [("d", HOMOPHONES[core(words[i].text)])]
            if elems is None:
                pending.append(i)
                continue
            if cur_words and (len(pending) > MAX_JOIN or words[i].start - words[cur_words[-1]].end > MAX_GAP_S):
                runs.append((cur_words, cur_elems, joiners))
                cur_words, cur_elems, joiners = [], [], []
            elif cur_words:
                joiners += pending
            pending = []
            cur_words.append(i)
            cur_elems += [("d" if kind == "oh" else kind, v) for kind, v in elems]
        if cur_words:
            runs.append((cur_words, cur_elems, joiners))
        for run_words, elems, _ in runs:
            digits = digits_of(elems)
            context = _context(words, order, position[run_words[0]], run_words[0])
            context |= {core(words[i].text) for i in run_words}
            kind = classify(digits, context)
            if kind is None:
                continue
            found.append(Found(kind[0], sorted(run_words), kind[1], digits, pieces=_pieces(words, sorted(run_words))))
    return found


def _pieces(words: Sequence[Word], idx: list[int]) -> list[list[int]]:
    """Consecutive runs of word indices (one per utterance piece of a number said in several)."""
    out: list[list[int]] = []
    for i in idx:
        if out and i == out[-1][-1] + 1:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _email_tokens(words: Sequence[Word], stream: list[int]) -> list[tuple[int, str]]:
    """A speaker's words as e-mail tokens, (word index, token): Whisper's ".com", "gmail.com" and
    "john.smith" split at their dots into "dot" and the parts; "@" kept as "at"."""
    out: list[tuple[int, str]] = []
    for i in stream:
        text = words[i].text.strip().lower().rstrip(",;:!?")
        if text.endswith(".") and len(text) > 1:
            text = text[:-1]  # a sentence's full stop (".com." ends one too)
        for part in re.split(r"([.@])", text):
            part = {".": "dot", "@": "at"}.get(part, EDGE.sub("", part))
            if part:
                out.append((i, part))
    return out


def spoken_emails(words: Sequence[Word]) -> list[Found]:
    """"name dot surname at domain dot com" (and Whisper's "at yahoo .com", "john.smith at gmail.com"), per
    speaker: a local part (words joined by dot/underscore/dash), "at", a domain ending in a known top-level
    domain."""
    found: list[Found] = []
    for stream in streams(words).values():
        tokens = _email_tokens(words, stream)
        cores = [t for _, t in tokens]
        for k, c in enumerate(cores):
            if c != "at" or k == 0:
                continue
            j, domain = k + 1, []
            while j < len(cores) and re.fullmatch(r"[a-z0-9][a-z0-9\-]*", cores[j]) and cores[j] not in EMAIL_JOINS:
                domain.append(cores[j])
                if j + 2 < len(cores) and cores[j + 1] in ("dot", "point"):
                    j += 2
                    continue
                break
            if len(domain) < 2 or domain[-1] not in TLDS:
                continue
            s = k - 1
            if not re.fullmatch(r"[a-z0-9][a-z0-9_\-]*", cores[s]) or cores[s] in EMAIL_JOINS:
                continue
            while s - 2 >= 0 and cores[s - 1] in EMAIL_JOINS and re.fullmatch(r"[a-z0-9]+", cores[s - 2]) \
                    and k - (s - 2) <= 7:
                s -= 2
            local = "".join(EMAIL_JOINS.get(t, t) for t in cores[s:k])
            idx = sorted({tokens[t][0] for t in range(s, j + 1)})
            found.append(Found("EMAIL_ADDRESS", idx, 0.85, f"{local}@{'.'.join(domain)}", pieces=_pieces(words, idx)))
    return found


def spelled(words: Sequence[Word]) -> list[Found]:
    """Three or more single letters in a row ("S, M, I, T, H", "S-M-I-T-H") after "spell"/"name": a
    spelled name (PERSON)."""
    order = sorted(range(len(words)), key=lambda i: (words[i].start, i))
    position = {w: k for k, w in enumerate(order)}
    found: list[Found] = []
    for stream in streams(words).values():
        run: list[int] = []
        letters: list[str] = []
        for i in [*stream, -1]:
            c = core(words[i].text) if i >= 0 else ""
            parts = c.split("-") if c else []
            if parts and all(len(p) == 1 and p.isalpha() for p in parts):
                run.append(i)
                letters += parts
                continue
            if len(letters) >= 3 and _context(words, order, position[run[0]], run[0]) & set(SPELL_CONTEXT):
                found.append(Found("PERSON", list(run), 0.8, "".join(letters), pieces=_pieces(words, run)))
            run, letters = [], []
    return found
