"""Talk dynamics per speaker and per meeting, from a transcript's utterances and diarization turns.

A *turn* is the floor held by one speaker: consecutive utterances of the same speaker merged, whatever
the pauses between them, from the first word's start to the last word's end (``floor_turns``). Talk
time is the length of a speaker's turns and the meeting's speech time the length of all turns, so the
table, the timeline (which draws these turns) and the talk share read one source; the definitions the
report shows are ``definitions.METRICS``. Overlaps and interruptions come from the diarization turns
(which keep overlapped speech) when the transcript has them, otherwise from the utterances.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frames import empty
from .questions import questions, questions_per_speaker

SPEAKER_COLUMNS = ["speaker", "talk_time", "share", "words", "wpm", "turns", "mean_turn", "longest_turn",
                   "questions", "interruptions", "interrupted", "overlaps", "overlap_time", "mean_response_latency"]


def _union_duration(starts: np.ndarray, ends: np.ndarray) -> float:
    if len(starts) == 0:
        return 0.0
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], np.maximum.accumulate(ends[order])
    gaps = np.clip(s[1:] - e[:-1], 0, None)
    return float(e[-1] - s[0] - gaps.sum())


def floor_turns(utterances: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Merge consecutive utterances of one speaker into floor turns: speaker, start, end, n_words (and the
    ``by`` columns, e.g. ``meeting``: a turn never crosses a change of them)."""
    cols = [*by, "speaker", "start", "end", "n_words"]
    u = utterances.dropna(subset=["speaker"]).sort_values([*by, "start", "end"], kind="stable")
    if u.empty:
        return empty(cols)
    change = u["speaker"] != u["speaker"].shift()
    for col in by:
        change |= u[col] != u[col].shift()
    agg = {col: (col, "first") for col in by} | {"speaker": ("speaker", "first"), "start": ("start", "min"),
                                                 "end": ("end", "max"), "n_words": ("n_words", "sum")}
    return u.groupby(change.cumsum(), sort=False).agg(**agg).reset_index(drop=True)[cols]


def talk_times(floors: pd.DataFrame, key: str = "speaker") -> pd.Series:
    """Time covered by the turns of each ``key`` (overlapping turns counted once): a speaker's talk time,
    or with ``key="meeting"`` a meeting's speech time."""
    return pd.Series({k: _union_duration(g["start"].to_numpy(float), g["end"].to_numpy(float))
                      for k, g in floors.groupby(key, sort=False)}, dtype=float)


def activity(turns: pd.DataFrame | None, utterances: pd.DataFrame) -> pd.DataFrame:
    """Speaker activity spans: diarization turns when present, else utterances."""
    if turns is not None and not turns.empty:
        return turns[["speaker", "start", "end"]]
    return utterances.dropna(subset=["speaker"])[["speaker", "start", "end"]]


def interruptions(activity: pd.DataFrame, window: float = 2.0, min_overlap: float = 0.2) -> pd.DataFrame:
    """Speaker A starts while B is talking (by at least ``min_overlap`` s) and B stops within ``window`` s.

    Returns one row per interruption: interrupter, interrupted, time, overlap."""
    a = activity.sort_values("start", kind="stable").reset_index(drop=True)
    s, e, spk = a["start"].to_numpy(), a["end"].to_numpy(), a["speaker"].to_numpy()
    rows = []
    # candidates: pairs (j earlier, i later) overlapping; spans are sorted, so look back while overlapping
    open_until = np.maximum.accumulate(e) if len(e) else e
    for i in range(1, len(a)):
        if open_until[i - 1] <= s[i]:
            continue
        j = i - 1
        while j >= 0 and (open_until[j] > s[i]):
            if spk[j] != spk[i] and s[j] < s[i] < e[j] and e[j] - s[i] >= min_overlap and e[j] - s[i] <= window \
                    and e[i] > e[j]:
                rows.append((spk[i], spk[j], float(s[i]), float(e[j] - s[i])))
            j -= 1
    return pd.DataFrame(rows, columns=["interrupter", "interrupted", "time", "overlap"])


def overlaps(activity: pd.DataFrame) -> pd.DataFrame:
    """Overlapped stretches between spans of different speakers: speaker, other, start, end."""
    a = activity.sort_values("start", kind="stable").reset_index(drop=True)
    s, e, spk = a["start"].to_numpy(), a["end"].to_numpy(), a["speaker"].to_numpy()
    rows = []
    for i in range(len(a)):
        j = i + 1
        while j < len(a) and s[j] < e[i]:
            if spk[j] != spk[i]:
                lo, hi = s[j], min(e[i], e[j])
                if hi > lo:
                    rows += [(spk[i], spk[j], lo, hi), (spk[j], spk[i], lo, hi)]
            j += 1
    return pd.DataFrame(rows, columns=["speaker", "other", "start", "end"])


def speaker_stats(words: pd.DataFrame, utterances: pd.DataFrame, turns: pd.DataFrame | None = None,
                  interruption_window: float = 2.0, max_latency: float = np.inf,
                  asked: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per speaker with the columns in ``SPEAKER_COLUMNS`` (times in seconds); a reply later than
    ``max_latency`` s after the previous speaker is not counted in the response latency. Talk time and
    turns are the speaker's floor turns (``floor_turns``); overlaps and interruptions the diarization's;
    questions the sentences of ``asked`` (the ``questions`` frame; found here when not given)."""
    spans = activity(turns, utterances)
    speakers = sorted(set(spans["speaker"].dropna()) | set(words["speaker"].dropna()))
    if not speakers:
        return empty(SPEAKER_COLUMNS)
    out = pd.DataFrame({"speaker": speakers}).set_index("speaker")
    floors = floor_turns(utterances)
    out["talk_time"] = talk_times(floors).reindex(speakers, fill_value=0.0)
    total = out["talk_time"].sum()
    out["share"] = out["talk_time"] / total if total > 0 else 0.0
    out["words"] = words.groupby("speaker").size().reindex(speakers, fill_value=0)
    # over talk_time, as the fillers per minute are: the table's columns read against each other
    talk = out["talk_time"]
    out["wpm"] = np.where(talk > 0, out["words"] / (talk / 60.0).where(talk > 0, 1), 0.0)
    floors = floors.assign(d=floors["end"] - floors["start"])
    by = floors.groupby("speaker")["d"]
    out["turns"] = by.size().reindex(speakers, fill_value=0)
    out["mean_turn"] = by.mean().reindex(speakers, fill_value=0.0)
    out["longest_turn"] = by.max().reindex(speakers, fill_value=0.0)
    asked = questions(utterances, words) if asked is None else asked
    out["questions"] = questions_per_speaker(asked).reindex(speakers, fill_value=0)
    inter = interruptions(spans, window=interruption_window)
    out["interruptions"] = inter.groupby("interrupter").size().reindex(speakers, fill_value=0)
    out["interrupted"] = inter.groupby("interrupted").size().reindex(speakers, fill_value=0)
    ov = overlaps(spans)
    out["overlaps"] = ov.groupby("speaker").size().reindex(speakers, fill_value=0)
    out["overlap_time"] = (ov["end"] - ov["start"]).groupby(ov["speaker"]).sum().reindex(speakers, fill_value=0.0)
    switch = floors["speaker"] != floors["speaker"].shift()
    latency = (floors["start"] - floors["end"].shift())
    latency = latency[switch & (floors.index > 0) & (latency < max_latency)]
    out["mean_response_latency"] = latency.groupby(floors["speaker"][latency.index]).mean().reindex(speakers)
    out = out.reset_index()
    return out.astype({"words": int, "turns": int, "questions": int, "interruptions": int, "interrupted": int,
                       "overlaps": int})[SPEAKER_COLUMNS]


def meeting_activity(turns: pd.DataFrame | None, utterances: pd.DataFrame) -> pd.DataFrame:
    """``activity`` meeting by meeting (frames with a ``meeting`` column): each meeting's diarization turns
    when it has them, else its utterances; meeting, speaker, start, end."""
    cols = ["meeting", "speaker", "start", "end"]
    spoken = utterances.dropna(subset=["speaker"])[cols]
    if turns is None or turns.empty:
        return spoken.reset_index(drop=True)
    return pd.concat([turns[cols], spoken[~spoken["meeting"].isin(turns["meeting"].unique())]], ignore_index=True)


MEETING_COLUMNS = ["meeting", "duration", "speech_time", "silence_share", "speakers", "speaker_switches",
                   "switches_per_minute"]


def meeting_table(meetings: pd.DataFrame, utterances: pd.DataFrame, turns: pd.DataFrame | None = None) -> pd.DataFrame:
    """Meeting-level figures, one row per row of ``meetings`` (columns ``meeting``, ``duration``), in its order:
    speech time (the time inside someone's floor turn, as the speakers' talk time) and silence share,
    speakers (in the diarization turns when the meeting has them, else its utterances), speaker switches
    (floor turns less one) and switches per minute. ``utterances`` and ``turns`` carry a ``meeting`` column.
    One meeting (``meeting_stats``) or thousands, the same code."""
    names = meetings["meeting"].to_numpy(dtype=object)
    act = meeting_activity(turns, utterances)
    floors = floor_turns(utterances, by=("meeting",))
    speech = talk_times(floors, key="meeting")
    out = pd.DataFrame({"meeting": names, "duration": meetings["duration"].to_numpy(float)})
    out["speech_time"] = speech.reindex(names).fillna(0.0).to_numpy()
    duration = out["duration"]
    out["silence_share"] = np.where(duration > 0, 1 - out["speech_time"] / duration.where(duration > 0, 1), 0.0)
    out["speakers"] = act.groupby("meeting")["speaker"].nunique().reindex(names).fillna(0).astype(int).to_numpy()
    switches = (floors.groupby("meeting").size() - 1).clip(lower=0)
    out["speaker_switches"] = switches.reindex(names).fillna(0).astype(int).to_numpy()
    minutes = duration / 60.0
    out["switches_per_minute"] = np.where(minutes > 0, out["speaker_switches"] / minutes.where(minutes > 0, 1), 0.0)
    return out[MEETING_COLUMNS]


def meeting_stats(duration: float, utterances: pd.DataFrame, turns: pd.DataFrame | None = None) -> dict:
    """One meeting's figures (``meeting_table``) as a dict: duration, speech and silence share, speakers,
    switches per minute."""
    one = meeting_table(pd.DataFrame({"meeting": [0], "duration": [duration]}), utterances.assign(meeting=0),
                        None if turns is None else turns.assign(meeting=0)).iloc[0]
    return {"duration": duration, "speech_time": float(one["speech_time"]),
            "silence_share": float(one["silence_share"]), "speakers": int(one["speakers"]),
            "speaker_switches": int(one["speaker_switches"]), "switches_per_minute": float(one["switches_per_minute"])}
