"""Redaction (issue #35): precision and recall per entity type on a labelled set, with and without the
spoken-form recognisers, and the cost.

    python benchmarks/redaction.py [--calls 60] [--seed 35] [--call_json MUL1011.json] [--scale_words 200000]

The labelled set, and how it is built (every rule here, nothing by hand after):

1. Hosts, real transcripts: the 30-s phone call ``shared/data/call/sample.stm`` (two people; the human
   transcript, words spread evenly over each utterance's times) and the SpokenWOZ support call
   ``shared/data/call/spokenwoz_MUL1011`` as the default pipeline transcribes it (tiny.en, channels split:
   CH0 the caller, CH1 the agent; ``--call_json`` reuses a transcript made so).
2. Real personal data, labelled by rule: in sample.stm the two first names the callers say ("This is Diane",
   "I'm Sheila") -> PERSON; in the SpokenWOZ call the caller's ID number, as Whisper wrote it: the caller's
   number words between 60 s and 85 s, "last" and the "one" after it excluded (it is "and last one:", not a
   digit) -> ID_NUMBER, and the name the caller gives after "my name is" -> PERSON.
3. Inserted personal data: ``--calls`` synthetic calls (seed ``--seed``), each a host with 3 insertions at
   random places between two of the caller's utterances: the agent asks ("could I have your phone number,
   please?"), the caller answers with a value in one of the forms a caller says and Whisper writes it:
   digits as words ("four five three nine"), as numerals in groups ("4539, 1488"), mixed, with "double" and
   "oh"; numbers of 7+ digits are split over 2-3 of the caller's turns with the agent's back-channel
   ("okay", "go on") between, as in the SpokenWOZ call. Types: PERSON (first and last name from a list),
   PHONE_NUMBER (UK 11 digits, US 10), EMAIL_ADDRESS (spoken "name dot surname at gmail dot com" or
   Whisper's "name at yahoo .com"), CREDIT_CARD (16 digits, Luhn-valid), IBAN_CODE (as Whisper writes it:
   "GB82 WEST 1234 5698 7654 32"), US_BANK_NUMBER (8-digit account number), US_SSN (9 digits, 3-2-4),
   DATE_OF_BIRTH ("I was born on the fourth of July nineteen eighty two", "born 12/03/1985"), STREET_ADDRESS
   ("I live at 22 Baker Street"). The gold span is the value's words only (not "my number is").
4. False alarms: the real lecture ``shared/data/text/lecture_transcript.txt`` (4,870 words, sentences as
   utterances of one speaker) and the hosts' own words outside the labelled spans; any finding there counts
   against precision.

Scoring: a gold span is found when every one of its words is redacted (by any entity: what matters is that
it is gone); a finding is correct when it overlaps a gold span; precision of type T: correct findings of T /
findings of T; recall of T: gold spans of T found / gold spans of T. "Before": Presidio alone
(``Detector(spoken=False)``); "after": with the spoken-form recognisers. Cost: words/s of the detector
(Presidio + spaCy + the recognisers) on this machine, per audio hour at 150 words a minute per talker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_analytics.transcript import Word  # noqa: E402

SHARED = Path(os.environ.get("MEETING_ANALYTICS_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CALL = SHARED / "call" / "spokenwoz_MUL1011" / "MUL1011.opus"
UNITS = "zero one two three four five six seven eight nine".split()
FIRST = ["Maria", "James", "Aisha", "Tom", "Chen", "Olga", "David", "Fatima", "Peter", "Laura", "Mohammed", "Sofia"]
LAST = ["Lopez", "Smith", "Khan", "Brown", "Wang", "Ivanova", "Miller", "Haddad", "Jones", "Garcia", "Novak", "Meyer"]
STREETS = ["Baker Street", "Mill Road", "Station Avenue", "Church Lane", "Park Drive", "High Street"]
ASK = {"PERSON": "could I have your full name, please?", "PHONE_NUMBER": "and what is your phone number?",
       "EMAIL_ADDRESS": "can I have your email address?", "CREDIT_CARD": "please read me the card number.",
       "IBAN_CODE": "what is the IBAN for the refund?", "US_BANK_NUMBER": "and your account number?",
       "US_SSN": "for verification, your social security number?", "DATE_OF_BIRTH": "and your date of birth?",
       "STREET_ADDRESS": "what is the delivery address?"}
BACK = ["okay.", "go on.", "yes.", "mm-hmm.", "okay, please go on.", "right."]


@dataclass
class Labelled:
    name: str
    words: list[Word]
    gold: list[tuple[str, list[int]]] = field(default_factory=list)  # (entity, word indices)


def luhn_complete(digits: str) -> str:
    total = 0
    for k, ch in enumerate(reversed(digits + "0")):
        d = int(ch)
        if k % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def say_digits(rng: random.Random, digits: str, groups: list[int]) -> list[str]:
    """A digit string as one caller says it, in ``groups``: one form per call (words, numerals, mixed)."""
    form = rng.choice(["words", "numerals", "mixed", "double"])
    out, at = [], 0
    for g in groups:
        part = digits[at:at + g]
        at += g
        if form == "numerals" or (form == "mixed" and rng.random() < 0.5):
            out.append(part + ",")
            continue
        said, k = [], 0
        while k < len(part):
            if form == "double" and k + 1 < len(part) and part[k] == part[k + 1]:
                said += ["double", UNITS[int(part[k])]]
                k += 2
                continue
            said.append("oh" if part[k] == "0" and rng.random() < 0.5 else UNITS[int(part[k])])
            k += 1
        said[-1] += ","
        out += said
    out[-1] = out[-1].rstrip(",") + "."
    return out


def value(rng: random.Random, entity: str) -> tuple[list[str], list[str], list[int]]:
    """(lead words, value words, how the value splits over turns: word counts) for an entity."""
    if entity == "PERSON":
        return ["my", "name", "is"], [rng.choice(FIRST), rng.choice(LAST) + "."], []
    if entity == "EMAIL_ADDRESS":
        first, last = rng.choice(FIRST).lower(), rng.choice(LAST).lower()
        if rng.random() < 0.5:
            return ["it's"], [first, "dot", last, "at", "gmail", "dot", "com."], []
        return ["my", "email", "is"], [first.capitalize(), "at", rng.choice(["yahoo", "outlook"]), ".com."], []
    if entity == "IBAN_CODE":
        return ["it's"], ["GB82", "WEST", "1234", "5698", "7654", "32."], []
    if entity == "STREET_ADDRESS":
        number = str(rng.randint(2, 199)) if rng.random() < 0.5 else rng.choice(["twenty two", "fourteen", "seven"])
        return ["I", "live", "at"], [*number.split(), *rng.choice(STREETS).split()[:-1],
                                     rng.choice(STREETS).split()[-1] + "."], []
    if entity == "DATE_OF_BIRTH":
        if rng.random() < 0.5:
            return ["I", "was", "born", "on", "the"], ["fourth", "of", "July", "nineteen", "eighty", "two."], []
        return ["I", "was", "born"], [f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/19{rng.randint(50, 99)}."], []
    digits, groups = {
        "PHONE_NUMBER": lambda: rng.choice([("07" + "".join(rng.choice("0123456789") for _ in range(9)), [5, 3, 3]),
                                            ("".join(rng.choice("23456789") for _ in range(10)), [3, 3, 4])]),
        "CREDIT_CARD": lambda: (luhn_complete("4" + "".join(rng.choice("0123456789") for _ in range(14))),
                                [4, 4, 4, 4]),
        "US_BANK_NUMBER": lambda: ("".join(rng.choice("0123456789") for _ in range(8)), [4, 4]),
        "US_SSN": lambda: ("".join(rng.choice("123456789") for _ in range(9)), [3, 2, 4]),
    }[entity]()
    words = say_digits(rng, digits, groups)
    lead = {"PHONE_NUMBER": ["it's"], "CREDIT_CARD": ["sure,", "it's"], "US_BANK_NUMBER": ["it", "is"],
            "US_SSN": ["it's"]}[entity]
    # turns: 7+ digits are said over 2-3 turns, a group or two each
    if len(digits) >= 7 and rng.random() < 0.7:
        cut = sorted(rng.sample(range(1, len(words)), min(rng.choice([1, 2]), len(words) - 1)))
        sizes = [b - a for a, b in zip([0, *cut], [*cut, len(words)])]
        return lead, words, sizes
    return lead, words, []


def host_sample() -> Labelled:
    words: list[Word] = []
    gold = []
    for line in (SHARED / "call" / "sample.stm").read_text().splitlines():
        _, _, speaker, start, end, *text = line.split()
        start_f, end_f = float(start), float(end)
        step = (end_f - start_f) / len(text)
        for i, tok in enumerate(text):
            if tok.strip(".,?") in ("Diane", "Sheila") and (i > 0 and text[i - 1] in ("is", "I'm")):
                gold.append(("PERSON", [len(words)]))
            words.append(Word(start_f + i * step, start_f + (i + 1) * step, tok, speaker))
    return Labelled("sample", words, gold)


def host_call(call_json: str | None) -> Labelled:
    from meeting_analytics.transcript import Transcript

    if call_json:
        t = Transcript.load(call_json)
    else:
        from meeting_analytics.decode import decode
        from meeting_analytics.options import PipelineOptions
        from meeting_analytics.pipeline import Pipeline

        options = PipelineOptions(channels="split")
        t = Pipeline(options).transcribe_decoded(decode(CALL, options))
    from meeting_analytics.redaction.spoken import _elements, core

    words = list(t.words)
    ids = [i for i, w in enumerate(words) if w.speaker == "CH0" and 60 <= w.start <= 85
           and _elements(w.text, True) is not None and not (i > 0 and core(words[i - 1].text) == "last")]
    gold = [("ID_NUMBER", ids)] if ids else []
    for i, w in enumerate(words[:-3]):
        if [core(x.text) for x in words[i:i + 3]] == ["my", "name", "is"] and w.speaker == "CH0":
            gold.append(("PERSON", [i + 3, i + 4]))
    return Labelled("MUL1011", words, gold)


def inserted(host: Labelled, rng: random.Random, n: int, name: str) -> Labelled:
    """``host`` with ``n`` agent question + caller answer insertions (times shifted to make room)."""
    speakers = sorted({w.speaker for w in host.words if w.speaker})
    caller, agent = speakers[0], speakers[-1]
    words = list(host.words)
    gold = [(e, list(ix)) for e, ix in host.gold]
    ends = sorted({k + 1 for k in range(len(words) - 1) if words[k].speaker != words[k + 1].speaker})
    for at in sorted(rng.sample(ends, min(n, len(ends))), reverse=True):
        entity = rng.choice(list(ASK))
        lead, said, sizes = value(rng, entity)
        t = words[at - 1].end + 0.5
        new: list[Word] = []
        span: list[int] = []

        def put(tokens: list[str], speaker: str, mark: bool = False, at: int = at, new: list[Word] = new,
                span: list[int] = span) -> None:
            nonlocal t
            for tok in tokens:
                if mark:
                    span.append(at + len(new))
                new.append(Word(t, t + 0.3, tok, speaker))
                t += 0.35
            t += 0.6

        put(ASK[entity].split(), agent)
        pieces, k = [], 0
        for size in sizes or [len(said)]:
            pieces.append(said[k:k + size])
            k += size
        put(lead, caller)
        t -= 0.6
        for p_i, piece in enumerate(pieces):
            put(piece, caller, mark=True)
            if p_i < len(pieces) - 1:
                put(rng.choice(BACK).split(), agent)
        shift = t - words[at].start + 0.5 if at < len(words) else 0.0
        tail = [Word(w.start + shift, w.end + shift, w.text, w.speaker) for w in words[at:]]
        gold = [(e, [i + len(new) if i >= at else i for i in ix]) for e, ix in gold]
        gold.append((entity, span))
        words = words[:at] + new + tail
    return Labelled(name, words, gold)


def lecture() -> Labelled:
    import re

    text = (SHARED / "text" / "lecture_transcript.txt").read_text()
    words, t = [], 0.0
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        for tok in sentence.split():
            words.append(Word(t, t + 0.3, tok, "LECTURER"))
            t += 0.35
        t += 0.8
    return Labelled("lecture", words, [])


def score(sets: list[Labelled], detector) -> tuple[dict, list]:
    per: dict[str, dict[str, int]] = {}
    alarms = []

    def row(entity):
        return per.setdefault(entity, {"gold": 0, "found": 0, "findings": 0, "correct": 0})

    for item in sets:
        found = detector(item.words, "en")
        redacted = {i for d in found for i in d.words}
        gold_words = {i for _, ix in item.gold for i in ix}
        for entity, ix in item.gold:
            row(entity)["gold"] += 1
            row(entity)["found"] += all(i in redacted for i in ix)
        for d in found:
            r = row(d.entity)
            r["findings"] += 1
            if set(d.words) & gold_words:
                r["correct"] += 1
            else:
                alarms.append((item.name, d.entity, " ".join(item.words[i].text for i in d.words)))
    return per, alarms


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=60)
    p.add_argument("--seed", type=int, default=35)
    p.add_argument("--call_json", default=None, help="the SpokenWOZ call as the default pipeline transcribed it")
    p.add_argument("--scale_words", type=int, default=200_000, help="words for the throughput measurement")
    p.add_argument("--json", default=None, help="write the results here")
    args = p.parse_args()
    from meeting_analytics.redaction.detect import Detector

    rng = random.Random(args.seed)
    hosts = [host_sample(), host_call(args.call_json)]
    sets = [inserted(hosts[k % 2], rng, 3, f"{hosts[k % 2].name}+{k}") for k in range(args.calls)]
    sets += [*hosts, lecture()]
    t0 = time.perf_counter()
    detectors = {"before": Detector(spoken=False), "after": Detector()}
    load = time.perf_counter() - t0
    results = {}
    for name, det in detectors.items():
        per, alarms = score(sets, det)
        results[name] = {"per_entity": per, "false_alarms": alarms}
    lect = lecture()
    lecture_alarms = [a for a in results["after"]["false_alarms"] if a[0] == "lecture"]
    # throughput: the lecture's words repeated to --scale_words, speakers alternating every sentence
    det = detectors["after"]
    big: list[Word] = []
    t = 0.0
    while len(big) < args.scale_words:
        for w in lect.words:
            big.append(Word(t + w.start, t + w.end, w.text, "A" if int(w.start) % 20 < 10 else "B"))
        t += lect.words[-1].end + 1
    big = big[:args.scale_words]
    t0 = time.perf_counter()
    det(big, "en")
    seconds = time.perf_counter() - t0
    wps = len(big) / seconds
    cost = {"load_s": round(load / 2, 2), "words": len(big), "seconds": round(seconds, 2),
            "words_per_s": round(wps), "s_per_audio_hour": round(9000 / wps, 2),
            "s_for_10M_words_extrapolated": round(10_000_000 / wps)}
    n_words = sum(len(s.words) for s in sets)
    gold = sum(len(s.gold) for s in sets)
    print(f"labelled set: {len(sets)} transcripts, {n_words} words, {gold} gold spans; "
          f"lecture {len(lect.words)} words; {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"{'entity':16} {'gold':>5} | {'P before':>8} {'R before':>8} | {'P after':>8} {'R after':>8}")
    entities = sorted(set(results["before"]["per_entity"]) | set(results["after"]["per_entity"]))
    for e in entities:
        cells = []
        for name in ("before", "after"):
            r = results[name]["per_entity"].get(e, {"gold": 0, "found": 0, "findings": 0, "correct": 0})
            prec = f"{r['correct'] / r['findings']:.2f}" if r["findings"] else "-"
            rec = f"{r['found'] / r['gold']:.2f}" if r["gold"] else "-"
            cells += [prec, rec]
        gold_n = max(results[n]["per_entity"].get(e, {}).get("gold", 0) for n in ("before", "after"))
        print(f"{e:16} {gold_n:>5} | {cells[0]:>8} {cells[1]:>8} | {cells[2]:>8} {cells[3]:>8}")
    for name in ("before", "after"):
        per = results[name]["per_entity"]
        g, f = sum(r["gold"] for r in per.values()), sum(r["found"] for r in per.values())
        n, c = sum(r["findings"] for r in per.values()), sum(r["correct"] for r in per.values())
        print(f"all {name}: precision {c / max(n, 1):.3f} ({c}/{n}), recall {f / max(g, 1):.3f} ({f}/{g})")
    print(f"lecture false alarms (after): {len(lecture_alarms)} in {len(lect.words)} words: "
          + "; ".join(f"{e}: {t!r}" for _, e, t in lecture_alarms[:20]))
    other = [a for a in results["after"]["false_alarms"] if a[0] != "lecture"]
    print(f"other false alarms (after): {len(other)}: " + "; ".join(f"{e}: {t!r}" for _, e, t in other[:15]))
    print(f"cost: {json.dumps(cost)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "cost": cost}, indent=1))


if __name__ == "__main__":
    main()
