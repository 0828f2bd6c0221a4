"""Fillers on real speech (issue #34 parts 1 and 2), with the real default models: the monologues' hesitations
found where a person marked them, none invented on the real negative clips (with and without the recovery), a real
hesitation laid into a pause of a real meeting recovered by ``--recover_hesitations``, and, expected to fail for
now, one laid under another voice recovered for a speaker other than the host. Scoring: ``benchmarks/fillers_real.py``
(BENCHMARKS.md "Fillers on real speech (issue #34)")."""

from __future__ import annotations

import sys

import pytest

from helpers import ROOT, SHARED

sys.path.insert(0, str(ROOT / "benchmarks"))
import fillers_real  # noqa: E402 (benchmarks/ is no package)

FILLERS = SHARED / "fillers"
# hesitations the default pipeline (verbatim prompt) finds on the 46 negative clips: measured before the
# recovery (benchmarks/fillers_real.py, setting "before"); no change may add one
NEGATIVES_TODAY = 2  # mfa_internalsil "er...", mfa_registershift "Umm,"; the recovery adds none (it added a
# zero-length "Uh" on mfa_laughter, whose laughter the diarization takes for a second speaker, until MIN_LENGTH)

pytestmark = pytest.mark.skipif(not (FILLERS / "monologues" / "cold_corpus3.wav").exists(),
                                reason=f"real filler data not found at {FILLERS}")


@pytest.fixture(scope="module")
def verbatim():
    """The pipeline ``analyze`` runs on audio: the defaults with the verbatim prompt (the recovery off)."""
    from meeting_analytics.options import PipelineOptions
    from meeting_analytics.pipeline import Pipeline

    return Pipeline(PipelineOptions.for_analysis())


@pytest.fixture(scope="module")
def recovering():
    """The same with the hesitations recovered (``--recover_hesitations``)."""
    from meeting_analytics.options import PipelineOptions
    from meeting_analytics.pipeline import Pipeline

    return Pipeline(PipelineOptions.for_analysis(recover_hesitations=True))


@pytest.mark.parametrize("which", ["verbatim", "recovering"])
def test_the_monologues_hesitations_are_found_at_their_times(which, request):
    verbatim = request.getfixturevalue(which)
    """A hit: a found hesitation whose word span overlaps the TextGrid's span widened by 0.3 s (the word timing
    of a hesitation runs late: its start is a median 0.4 s after the TextGrid's, BENCHMARKS.md)."""
    hits, events, false = 0, 0, 0
    for name in fillers_real.MONOLOGUES:
        truth = fillers_real.monologue_truth(name)
        found = fillers_real.found_hesitations(verbatim(FILLERS / "monologues" / f"{name}.wav"))
        events += len(truth)
        for a, b in truth:
            hits += bool(((found["start"] <= b + 0.3) & (found["end"] >= a - 0.3)).any())
        false += sum(fillers_real.near(s, e, truth) < 0 for s, e in zip(found["start"], found["end"]))
        assert (found["found"] == "decoded").all(), "one voice: nothing to recover"
    assert events == 14
    assert hits >= 13, f"{hits} of 14 hesitations found"
    assert false == 0


@pytest.mark.parametrize("which", ["verbatim", "recovering"])
def test_no_hesitation_is_invented_on_the_negative_clips(which, request):
    verbatim = request.getfixturevalue(which)
    clips = fillers_real.negative_clips()
    assert len(clips) == 46
    found = {clip.stem: fillers_real.found_hesitations(verbatim(clip))["text"].tolist() for clip in clips}
    invented = {k: v for k, v in found.items() if v}
    assert sum(map(len, invented.values())) <= NEGATIVES_TODAY, invented


def _recovered(pipeline, tmp_path, case_args):
    from meeting_analytics.evaluation.synth import write_wav

    case = fillers_real.semi_real_case(**case_args)
    write_wav(tmp_path / "case.wav", case.audio)
    t = pipeline(tmp_path / "case.wav")
    found = fillers_real.found_hesitations(t)
    hit = found[(found["start"] <= case.end + 0.3) & (found["end"] >= case.start - 0.3)]
    assert len(hit) == 1, found
    starts = [w.start for w in t.words]
    assert starts == sorted(starts) and sum(u.n_words for u in t.utterances) == len(t.words)
    assert [w.speaker for u in t.utterances for w in t.utterance_words(u)] == [w.speaker for w in t.words]
    return case, t, hit.iloc[0]


def test_a_hesitation_in_a_pause_of_a_real_meeting_is_recovered(verbatim, recovering, tmp_path):
    """cold_corpus3's "uh" (19.82-20.25 s) laid at -6 dB into a pause of an AMI meeting (trn08, 1.5 s; a score-half
    case): the segmentation scores it under the VAD's onset and the default pipeline writes nothing there; the
    recovery finds it, in time order, marked recovered with its score, and gives it the diarization's speaker of
    that moment (a host label: the diarization makes no cluster of one "uh", BENCHMARKS.md)."""
    if not (SHARED / "ami" / "trn08.wav").exists():
        pytest.skip("AMI excerpts not found")
    args = {"host": "trn08", "source": "cold_corpus3", "index": 4, "at": 1.5, "level_db": -6.0}
    case = fillers_real.semi_real_case(**args)
    from meeting_analytics.evaluation.synth import write_wav

    write_wav(tmp_path / "before.wav", case.audio)
    before = fillers_real.found_hesitations(verbatim(tmp_path / "before.wav"))
    assert not ((before["start"] <= case.end + 0.3) & (before["end"] >= case.start - 0.3)).any()
    case, t, row = _recovered(recovering, tmp_path, args)
    assert row["found"] == "recovered" and 0 < row["score"] <= 1
    assert row["speaker"] in {turn.speaker for turn in t.turns}


@pytest.mark.xfail(strict=True, reason="issue #34: since MIN_LENGTH (a zero-length decoded word is not taken) the "
                                       "recovery drops this one; under another voice it recovers none on the score "
                                       "half (BENCHMARKS.md)")
def test_a_hesitation_under_another_voice_is_recovered_for_its_speaker(recovering, tmp_path):
    """acoustic_corpus's last "um" (22.90-23.53 s) laid at 0 dB under an AMI speaker (trn04, 28.7 s, where one
    person talks): before MIN_LENGTH the recovery found it where the segmentation hears a second voice and gave it
    a speaker other than the one talking."""
    if not (SHARED / "ami" / "trn04.wav").exists():
        pytest.skip("AMI excerpts not found")
    case, t, row = _recovered(recovering, tmp_path, TEST_CASE)
    assert row["found"] == "recovered" and 0 < row["score"] <= 1
    host = {w.speaker for w in t.words if w.source is None and case.start - 1 <= w.start <= case.end + 1}
    assert row["speaker"] not in host, (row["speaker"], host)


TEST_CASE = {"host": "trn04", "source": "acoustic_corpus", "index": 1, "at": 28.7, "level_db": 0.0}
