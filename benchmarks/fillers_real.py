"""Fillers on real speech (issue #34): hesitations on real single-voice speech, false alarms on real
negative clips, and a semi-real overlap set: real hesitations laid into real conversations.

    python benchmarks/fillers_real.py                       # the default pipeline (verbatim prompt on)
    python benchmarks/fillers_real.py --setting before --options '{"recover_hesitations": false}'
    python benchmarks/fillers_real.py --half tune           # the half to tune on (default: both)

Everything runs through the package's Python API, ``meeting_analytics.transcribe(path, verbatim=True, ...)``
(the pipeline ``analyze`` runs on audio), and the filler lexicon of ``analytics/fillers.py``: a *found
hesitation* is a row of ``find_fillers`` with category ``hesitation``.

**Monologues** (``fillers/monologues``, one person, TextGrid words by a person): each "uh"/"um" interval of the
TextGrid is a hesitation; two that follow each other within 0.3 s ("the uh uh acoustic") are one event, as
``find_fillers`` counts "uh, uh" once; acoustic_corpus's "uh" after "intensity", in the .lab but left out of the
TextGrid, gets the TextGrid's empty gap there (13.90-14.87 s): 14 events in 77 s, as in the .lab files. A hit:
a found hesitation that overlaps the event's span widened by 0.3 s each side; a found hesitation that hits no
event is a false alarm.

**Negative clips** (``fillers/clips``, the 46 with no uh/um/hm in ``transcripts.tsv``): every found hesitation is
a false alarm.

**Semi-real overlap set**, built here, deterministically (seed 34), written under ``out/fillers_real/``
(ignored by git):

- *Hesitations*: each monologue "uh"/"um" TextGrid interval, cut with 30 ms of margin and 10 ms fades.
- *Hosts*: the AMI excerpts trn01..trn09 (reference ``debug.train.rttm``), the pyannote call ``sample.wav``
  (``sample.rttm``) and the SpokenWOZ call MUL1011 mixed to mono 16 kHz (``MUL1011.channels.rttm``).
- *Split by source*: TUNE = hesitations of acoustic_corpus and cold_corpus laid into trn01..trn05 and sample;
  SCORE = hesitations of cold_corpus3 laid into trn06..trn09 and MUL1011. No audio of one half is in the other.
- *Conditions*, from the host's reference RTTM (sites at least 3 s apart, at most ``PER_CONDITION`` of each
  condition per file, chosen with the seeded generator):
  ``alone``: centred in a pause where no reference speaker talks within 0.4 s of the hesitation;
  ``turn``: starting 0.15 s before the end of a reference turn that another speaker's turn follows (or
  overlaps) within 1 s: the speaker change is within 0.3 s of the hesitation;
  ``under``: inside one speaker's turn, at least 0.5 s from its edges, where no other reference speaker talks.
- *Levels*: the hesitation's RMS (over its TextGrid span) is set to the host's speech RMS (over all its
  reference speech) plus -12, -6, 0 or +3 dB; one file per host and level. The local ratio actually reached
  (hesitation RMS over the host's RMS in the same span) is written too (``local_db``).
- Hesitations are drawn in turn from the half's pool (seeded shuffle), so each appears at every level.

Scoring a semi-real file: a hit is a found hesitation overlapping the inserted span widened by 0.3 s. A false
alarm is a found hesitation near no inserted span (0.3 s) and not found (within 0.3 s) by the same pipeline on the
untouched host: the hosts' own real hesitations have no truth here, so they count neither way. A false alarm
within 2 s of an inserted hesitation is charged to that one's condition (else to ``elsewhere``).
*Attribution*: the reference RTTM plus the inserted hesitation as its own speaker ``INSERTED``; hypothesis
speakers are mapped to reference speakers by the optimal (Hungarian) mapping of their overlap. ``attr_inserted``:
the hit's speaker maps to ``INSERTED``; ``attr_not_host``: the hit's speaker does not map to a host speaker who
talks (reference) during the widened span (for ``alone`` nobody does).

Results: ``benchmarks/results/fillers_real.csv`` (one row per truth event or false alarm, column ``setting``;
rows of a re-run of the same setting are replaced) and a summary printed per condition and level.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data"
FILLERS = SHARED / "fillers"
OUT = ROOT / "out" / "fillers_real"
RESULTS = ROOT / "benchmarks" / "results" / "fillers_real.csv"
SR = 16000
SEED = 34
LEVELS = (-12.0, -6.0, 0.0, 3.0)
CONDITIONS = ("alone", "turn", "under")
PER_CONDITION = 2
SPACING = 3.0     # seconds between two inserted hesitations of one file
TOLERANCE = 0.3   # a hit: a found hesitation overlapping the truth span widened by this much
MONOLOGUES = ("acoustic_corpus", "cold_corpus", "cold_corpus3")
HALVES = {"tune": (("acoustic_corpus", "cold_corpus"), ("trn01", "trn02", "trn03", "trn04", "trn05", "sample")),
          "score": (("cold_corpus3",), ("trn06", "trn07", "trn08", "trn09", "MUL1011"))}
HESITATION_WORDS = {"uh", "um"}


# -- reading the real data ------------------------------------------------------------------------

def read_textgrid_words(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, text) of the non-empty intervals of a TextGrid's first tier (ooTextFile, short form)."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    body = lines[lines.index('"IntervalTier"') + 4:]
    n = int(body[0])
    out = []
    for k in range(n):
        a, b, text = body[1 + 3 * k: 4 + 3 * k]
        if text.strip('"'):
            out.append((float(a), float(b), text.strip('"').lower()))
    return out


# acoustic_corpus's "uh" ("... lower in intensity uh we're just ...", in its .lab) has no interval of its own in
# the TextGrid (the aligner left 13.90-14.87 s empty between "intensity" and "we're"): that gap is its span, for
# scoring only (it is not cut into the overlap set)
UNALIGNED = {"acoustic_corpus": [(13.90, 14.87)]}


def monologue_hesitations(name: str) -> list[tuple[float, float]]:
    """The hesitation intervals of a monologue's TextGrid (one per uh/um interval)."""
    return [(a, b) for a, b, t in read_textgrid_words(FILLERS / "monologues" / f"{name}.TextGrid")
            if t in HESITATION_WORDS]


def monologue_truth(name: str) -> list[tuple[float, float]]:
    """The hesitation events scored on a monologue: TextGrid's, joined (``events``), plus ``UNALIGNED``."""
    return events(monologue_hesitations(name) + UNALIGNED.get(name, []))


def events(spans: list[tuple[float, float]], gap: float = TOLERANCE) -> list[tuple[float, float]]:
    """Spans within ``gap`` of each other joined: "uh uh" is one event, as find_fillers counts it."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a - out[-1][1] <= gap:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def negative_clips() -> list[Path]:
    tsv = pd.read_csv(FILLERS / "clips" / "transcripts.tsv", sep="\t")
    names = tsv.loc[(tsv["n_uh_um"] == 0) & (tsv["n_hm"] == 0), "file"]
    return [FILLERS / "clips" / f"{n}.flac" for n in sorted(names)]


def load(path: Path) -> np.ndarray:
    from meeting_analytics.audio import load_audio

    return np.asarray(load_audio(str(path)), dtype=np.float32)


def host_audio(host: str) -> np.ndarray:
    if host == "MUL1011":
        OUT.mkdir(parents=True, exist_ok=True)
        wav = OUT / "MUL1011_mono.wav"
        if not wav.exists():
            subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i",
                            str(SHARED / "call" / "spokenwoz_MUL1011" / "MUL1011.opus"), "-ac", "1", "-ar", str(SR),
                            str(wav)], check=True)
        return load(wav)
    if host == "sample":
        return load(SHARED / "call" / "sample.wav")
    return load(SHARED / "ami" / f"{host}.wav")


def host_turns(host: str) -> list[tuple[float, float, str]]:
    from meeting_analytics.evaluation.metrics import read_rttm_turns

    path = {"MUL1011": SHARED / "call" / "spokenwoz_MUL1011" / "MUL1011.channels.rttm",
            "sample": SHARED / "call" / "sample.rttm"}.get(host, SHARED / "ami" / "debug.train.rttm")
    return sorted((t.start, t.end, t.speaker) for t in read_rttm_turns(path)[host])


# -- building the semi-real overlap set ----------------------------------------------------------

@dataclass
class Cut:
    source: str   # monologue name
    start: float  # TextGrid span in the monologue
    end: float
    audio: np.ndarray  # with margins
    margin: float


def cuts(names) -> list[Cut]:
    out = []
    for name in names:
        audio = load(FILLERS / "monologues" / f"{name}.wav")
        for a, b in monologue_hesitations(name):
            margin = 0.03
            piece = audio[int((a - margin) * SR): int((b + margin) * SR)].copy()
            fade = int(0.01 * SR)
            piece[:fade] *= np.linspace(0, 1, fade, dtype=np.float32)
            piece[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
            out.append(Cut(name, a, b, piece, margin))
    return out


def rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def speech_mask(turns, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    for a, b, _ in turns:
        mask[int(a * SR): int(b * SR)] = True
    return mask


def _active(turns, a: float, b: float) -> set[str]:
    return {s for ta, tb, s in turns if ta < b and tb > a}


def sites(turns, duration: float, length: float, rng: np.random.Generator) -> list[tuple[str, float]]:
    """(condition, start) of the hesitations of one file (``length``: the longest cut, so every cut fits)."""
    cands: dict[str, list[float]] = {c: [] for c in CONDITIONS}
    grid = np.arange(0.5, duration - length - 0.5, 0.1)
    for t in grid:
        if not _active(turns, t - 0.4, t + length + 0.4):
            cands["alone"].append(round(float(t), 2))
    for _, b, s in turns:
        if b + length > duration - 0.2:
            continue
        nxt = [x for x in turns if x[2] != s and b - 1.0 <= x[0] <= b + 1.0]
        if nxt:
            cands["turn"].append(round(b - 0.15, 2))
    for t in grid:
        here = _active(turns, t - 0.5, t + length + 0.5)
        inside = [x for x in turns if x[0] <= t - 0.5 and x[1] >= t + length + 0.5]
        if len(here) == 1 and inside:
            cands["under"].append(round(float(t), 2))
    chosen: list[tuple[str, float]] = []
    for _ in range(PER_CONDITION):
        for cond in CONDITIONS:
            free = [t for t in cands[cond] if all(abs(t - u) >= SPACING for _, u in chosen)]
            if free:
                chosen.append((cond, float(free[rng.integers(len(free))])))
    return sorted(chosen, key=lambda x: x[1])


def build(half: str) -> pd.DataFrame:
    """Write the half's semi-real files; one row per inserted hesitation (file, condition, level, span, ...)."""
    monos, hosts = HALVES[half]
    pool = cuts(monos)
    longest = max(len(c.audio) for c in pool) / SR
    rng = np.random.default_rng([SEED, list(HALVES).index(half)])
    order = list(rng.permutation(len(pool)))
    OUT.mkdir(parents=True, exist_ok=True)
    rows, k = [], 0
    from meeting_analytics.evaluation.synth import write_wav

    for host in hosts:
        audio = host_audio(host)
        turns = host_turns(host)
        duration = len(audio) / SR
        speech_db = rms_db(audio[speech_mask(turns, len(audio))])
        placed = sites(turns, duration, longest, rng)
        picks = []
        for cond, t in placed:
            picks.append((cond, t, pool[order[k % len(pool)]]))
            k += 1
        for level in LEVELS:
            mixed = audio.copy()
            name = f"{half}_{host}_{level:+.0f}dB"
            for cond, t, cut in picks:
                span = cut.audio[int(cut.margin * SR): len(cut.audio) - int(cut.margin * SR)]
                gain = 10 ** ((speech_db + level - rms_db(span)) / 20)
                at = int((t - cut.margin) * SR)
                piece = cut.audio * gain
                host_span = audio[at + int(cut.margin * SR): at + int(cut.margin * SR) + len(span)]
                local = rms_db(span * gain) - rms_db(host_span) if rms_db(host_span) > -80 else np.inf
                mixed[at: at + len(piece)] += piece
                rows.append({"file": name, "half": half, "host": host, "source": cut.source,
                             "source_start": cut.start, "condition": cond, "level_db": level,
                             "start": round(t, 3), "end": round(t + cut.end - cut.start, 3),
                             "local_db": round(float(local), 1)})
            peak = float(np.max(np.abs(mixed)))
            if peak > 0.999:
                mixed = mixed * (0.999 / peak)
            write_wav(OUT / f"{name}.wav", mixed)
    return pd.DataFrame(rows)


@dataclass
class Case:
    audio: np.ndarray
    start: float  # the hesitation's span in the mixed audio
    end: float
    level_db: float


def semi_real_case(host: str, source: str, index: int, at: float, level_db: float) -> Case:
    """One semi-real file, by the rules above: the ``index``-th hesitation of monologue ``source`` laid at ``at``
    s into ``host`` at ``level_db`` relative to the host's speech RMS."""
    cut = [c for c in cuts([source])][index]
    audio = host_audio(host)
    speech_db = rms_db(audio[speech_mask(host_turns(host), len(audio))])
    span = cut.audio[int(cut.margin * SR): len(cut.audio) - int(cut.margin * SR)]
    gain = 10 ** ((speech_db + level_db - rms_db(span)) / 20)
    lo = int((at - cut.margin) * SR)
    audio[lo: lo + len(cut.audio)] += cut.audio * gain
    return Case(audio, at, at + cut.end - cut.start, level_db)


# -- running and scoring -------------------------------------------------------------------------

def found_hesitations(transcript) -> pd.DataFrame:
    from meeting_analytics.analytics import find_fillers

    occ = find_fillers(transcript.words_frame())
    occ = occ[occ["category"] == "hesitation"].reset_index(drop=True)
    how = [getattr(transcript.words[i], "source", None) or "decoded" for i in occ["word_index"]]
    return occ.assign(found=how)


def near(a: float, b: float, spans, tol: float = TOLERANCE) -> int:
    """Index of the first span (start, end) that [a, b] overlaps widened by ``tol``, else -1."""
    for i, (s, e) in enumerate(spans):
        if a <= e + tol and b >= s - tol:
            return i
    return -1


def mapping(hyp_turns, ref_turns) -> dict[str, str]:
    """Hypothesis speaker -> reference speaker, the optimal one-to-one mapping of their overlap (seconds)."""
    from scipy.optimize import linear_sum_assignment

    hyp = sorted({t.speaker for t in hyp_turns})
    ref = sorted({s for _, _, s in ref_turns})
    if not hyp or not ref:
        return {}
    m = np.zeros((len(hyp), len(ref)))
    for t in hyp_turns:
        for a, b, s in ref_turns:
            m[hyp.index(t.speaker), ref.index(s)] += max(0.0, min(t.end, b) - max(t.start, a))
    r, c = linear_sum_assignment(-m)
    return {hyp[i]: ref[j] for i, j in zip(r, c) if m[i, j] > 0}


class Runner:
    def __init__(self, options: dict):
        import meeting_analytics as ma

        self.ma, self.options = ma, {"verbatim": True, **options}
        self.seconds = 0.0
        self.audio_seconds = 0.0

    def __call__(self, path: Path):
        t0 = time.perf_counter()
        t = self.ma.transcribe(path, **self.options)
        self.seconds += time.perf_counter() - t0
        self.audio_seconds += t.duration
        return t


def score_monologues(run: Runner) -> list[dict]:
    rows = []
    for name in MONOLOGUES:
        truth = monologue_truth(name)
        found = found_hesitations(run(FILLERS / "monologues" / f"{name}.wav"))
        used = set()
        for _, f in found.iterrows():
            i = near(f["start"], f["end"], truth)
            if i >= 0 and i not in used:
                used.add(i)
                continue
            rows.append({"set": "monologues", "file": name, "condition": "alone", "kind": "false_alarm",
                         "start": f["start"], "found": f["found"], "text": f["text"]})
        for i, (a, b) in enumerate(truth):
            hit = found[[near(s, e, [(a, b)]) == 0 for s, e in zip(found["start"], found["end"])]]
            rows.append({"set": "monologues", "file": name, "condition": "alone", "kind": "truth", "start": a,
                         "end": b, "hit": i in used, "found_start": hit["start"].min() if len(hit) else np.nan,
                         "found": hit["found"].iloc[0] if len(hit) else None})
    return rows


def score_negatives(run: Runner) -> list[dict]:
    rows = []
    for clip in negative_clips():
        found = found_hesitations(run(clip))
        rows.append({"set": "negatives", "file": clip.stem, "kind": "clip", "n_found": len(found)})
        rows += [{"set": "negatives", "file": clip.stem, "kind": "false_alarm", "start": f["start"], "text": f["text"],
                  "found": f["found"]} for _, f in found.iterrows()]
    return rows


def score_overlap(run: Runner, half: str, truth: pd.DataFrame) -> list[dict]:
    rows = []
    for host in HALVES[half][1]:
        base = found_hesitations(run(OUT / f"{half}_{host}_host.wav"))
        base_spans = list(zip(base["start"], base["end"]))
        ref = host_turns(host)
        for name, ins in truth[truth["host"] == host].groupby("file", sort=True):
            t = run(OUT / f"{name}.wav")
            found = found_hesitations(t)
            spans = list(zip(ins["start"], ins["end"]))
            mapped = mapping(t.turns, ref + [(a, b, "INSERTED") for a, b in spans])
            for _, f in found.iterrows():
                if near(f["start"], f["end"], spans) >= 0 or near(f["start"], f["end"], base_spans) >= 0:
                    continue
                j = near(f["start"], f["end"], spans, tol=2.0)
                rows.append({"set": "overlap", "half": half, "file": name, "host": host,
                             "level_db": ins["level_db"].iloc[0], "kind": "false_alarm",
                             "condition": ins["condition"].iloc[j] if j >= 0 else "elsewhere",
                             "start": f["start"], "text": f["text"], "speaker": f["speaker"], "found": f["found"]})
            for _, r in ins.iterrows():
                hit = found[[near(s, e, [(r["start"], r["end"])]) == 0 for s, e in zip(found["start"], found["end"])]]
                row = {"set": "overlap", **r.to_dict(), "kind": "truth", "hit": len(hit) > 0}
                if len(hit):
                    h = hit.iloc[0]
                    label = mapped.get(h["speaker"])
                    talking = _active(ref, r["start"] - TOLERANCE, r["end"] + TOLERANCE)
                    row.update(found_start=h["start"], speaker=h["speaker"], found=h["found"],
                               attr_inserted=label == "INSERTED", attr_not_host=label not in talking)
                rows.append(row)
    return rows


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per setting, half, condition and level: truth, hits, recall, false alarms, precision, attribution."""
    ov = frame[frame["set"] == "overlap"]
    truth, fa = ov[ov["kind"] == "truth"], ov[ov["kind"] == "false_alarm"]
    keys = ["setting", "half", "condition", "level_db"]
    g = truth.groupby(keys).agg(truth=("hit", "size"), hits=("hit", "sum"),
                                attr_inserted=("attr_inserted", lambda s: int(s.fillna(False).sum())),
                                attr_not_host=("attr_not_host", lambda s: int(s.fillna(False).sum())))
    g["false_alarms"] = fa.groupby(keys).size().reindex(g.index, fill_value=0)
    g["recall"] = g["hits"] / g["truth"]
    g["precision"] = g["hits"] / (g["hits"] + g["false_alarms"]).where(lambda s: s > 0)
    return g.reset_index()


def by_condition(frame: pd.DataFrame) -> pd.DataFrame:
    s = summary(frame).groupby(["setting", "half", "condition"])[
        ["truth", "hits", "false_alarms", "attr_inserted", "attr_not_host"]].sum()
    s["recall"] = s["hits"] / s["truth"]
    s["precision"] = s["hits"] / (s["hits"] + s["false_alarms"]).where(lambda x: x > 0)
    return s.reset_index()


def headline(frame: pd.DataFrame) -> dict:
    mono = frame[(frame["set"] == "monologues") & (frame["kind"] == "truth")]
    neg = frame[(frame["set"] == "negatives") & (frame["kind"] == "false_alarm")]
    mono_fa = frame[(frame["set"] == "monologues") & (frame["kind"] == "false_alarm")]
    return {"monologue_hits": int(mono["hit"].sum()), "monologue_events": len(mono),
            "monologue_false_alarms": len(mono_fa), "negative_hesitations": len(neg)}


def cost(files: list[Path], repeats: int = 1) -> pd.DataFrame:
    """Seconds per file with the recovery off and on, alternating, in one process (the same sitting): wall time
    of ``transcribe`` and the ``hesitations`` stage's own time (``Transcript.info.timings``)."""
    import meeting_analytics as ma

    rows = []
    for _ in range(repeats):
        for path in files:
            for on in (False, True):
                t0 = time.perf_counter()
                t = ma.transcribe(path, verbatim=True, recover_hesitations=on)
                rows.append({"file": path.name, "recover": on, "audio_s": t.duration,
                             "wall_s": time.perf_counter() - t0, "pipeline_wall_s": t.info.timings.get("wall"),
                             "hesitations_s": t.info.timings.get("hesitations", 0.0),
                             "recovered": sum(w.source == "recovered" for w in t.words)})
    return pd.DataFrame(rows)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--setting", default="default", help="the name of this run's rows in the CSV")
    ap.add_argument("--options", default="{}", help="JSON of extra transcribe options")
    ap.add_argument("--half", choices=("tune", "score", "both"), default="both")
    ap.add_argument("--skip", default="", help="comma-separated: monologues, negatives, overlap")
    ap.add_argument("--out", default=str(RESULTS))
    ap.add_argument("--cost", action="store_true", help="only time the recovery, off and on, on the score half's "
                                                         "0 dB files (printed, and written beside the results as "
                                                         "fillers_real_cost.csv)")
    args = ap.parse_args(argv)
    if args.cost:
        files = sorted(OUT.glob("score_*_+0dB.wav"))
        frame = cost(files)
        frame.to_csv(Path(args.out).with_name("fillers_real_cost.csv"), index=False)
        g = frame.groupby("recover")[["audio_s", "wall_s", "pipeline_wall_s", "hesitations_s"]].sum()
        print(frame.round(2).to_string(index=False))
        print((60 * g.div(g["audio_s"], axis=0)).round(2).rename(columns=lambda c: c + "_per_audio_min").to_string())
        return
    run = Runner(json.loads(args.options))
    skip = set(filter(None, args.skip.split(",")))
    rows: list[dict] = []
    if "monologues" not in skip:
        rows += score_monologues(run)
    if "negatives" not in skip:
        rows += score_negatives(run)
    if "overlap" not in skip:
        for half in (("tune", "score") if args.half == "both" else (args.half,)):
            truth = build(half)
            from meeting_analytics.evaluation.synth import write_wav

            for host in HALVES[half][1]:
                write_wav(OUT / f"{half}_{host}_host.wav", host_audio(host))
            truth.to_csv(OUT / f"{half}_truth.csv", index=False)
            rows += score_overlap(run, half, truth)
    frame = pd.DataFrame(rows).assign(setting=args.setting)
    out = Path(args.out)
    if out.exists():
        old = pd.read_csv(out)
        frame = pd.concat([old[old["setting"] != args.setting], frame], ignore_index=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    mine = frame[frame["setting"] == args.setting]
    print(json.dumps({**headline(mine), "seconds": round(run.seconds, 1), "audio_seconds": round(run.audio_seconds, 1),
                      "seconds_per_audio_minute": round(60 * run.seconds / max(run.audio_seconds, 1e-9), 2)}))
    if (mine["set"] == "overlap").any():
        print(by_condition(mine).round(2).to_string(index=False))
        print(summary(mine).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
