"""A new user's machine: an empty cache, created with its parents (also by two processes at once),
the headline command on the shipped call, progress on stderr from one writer, outputs that follow
the umask, a token from the environment, and help texts that say what the code does."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

import pytest

from conftest import STATE
from helpers import DATA, error_lines, make_transcript, run_cli

STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\] \S")
WARM_UP = ("from meeting_analytics.nltk_offline import ensure_punkt_tab, ensure_vader_lexicon, ensure_wordnet; "
           "ensure_punkt_tab(); ensure_vader_lexicon(); ensure_wordnet()")


def test_cache_and_nltk_data_are_created_with_their_parents(tmp_path, monkeypatch):
    import nltk

    from meeting_analytics.nltk_offline import ensure_punkt_tab, ensure_vader_lexicon

    monkeypatch.setattr(nltk.data, "path", list(nltk.data.path))
    cache = tmp_path / "a" / "b" / "cache"
    monkeypatch.setenv("MEETING_ANALYTICS_CACHE", str(cache))
    ensure_vader_lexicon()
    ensure_punkt_tab()
    lexicon = cache / "nltk_data" / "sentiment" / "vader_lexicon" / "vader_lexicon.txt"
    assert lexicon.stat().st_size > 100_000
    assert (cache / "nltk_data" / "tokenizers" / "punkt_tab" / "english" / "ortho_context.tab").is_file()
    assert lexicon.stat().st_mode & 0o077 == 0  # the cache stays private


def test_two_processes_warm_an_empty_cache_at_once(tmp_path):
    cache = tmp_path / "fresh" / "cache"
    env = dict(os.environ, MEETING_ANALYTICS_CACHE=str(cache))
    procs = [subprocess.Popen([sys.executable, "-c", WARM_UP], env=env, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert all(code == 0 for code, _ in results), results
    source = __import__("vaderSentiment").__path__[0] + "/vader_lexicon.txt"
    lexicon = cache / "nltk_data" / "sentiment" / "vader_lexicon" / "vader_lexicon.txt"
    assert lexicon.read_bytes() == open(source, "rb").read()
    assert not list(cache.rglob("*.tmp"))  # no half-written leftovers


RACE = """
import pathlib, sys, time
from meeting_analytics.nltk_offline import ensure_vader_lexicon
from meeting_analytics.analytics.topics import lemmatizer
pathlib.Path(sys.argv[1]).touch()
go, deadline = pathlib.Path(sys.argv[2]), time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.001)
ensure_vader_lexicon()  # as a worker does: sentiment first, so the private NLTK root is on NLTK's path
assert lemmatizer().lemmatize("invoices", "n") == "invoice"
"""


def _read_wordnet_at_once(tmp_path, processes: int) -> list[str]:
    """``processes`` processes that each read WordNet through the cache under ``tmp_path``, started together
    once all have imported the package; the last line of each one that failed."""
    env = dict(os.environ, MEETING_ANALYTICS_CACHE=str(tmp_path / "cache"))
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(processes)]
    procs = [subprocess.Popen([sys.executable, "-c", RACE, str(r), str(go)], env=env, stderr=subprocess.PIPE,
                              text=True) for r in ready]
    for _ in range(6000):  # all imported (at most 60 s), then all start together
        if all(r.exists() for r in ready) or any(p.poll() is not None for p in procs):
            break
        time.sleep(0.01)
    go.touch()
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    return [err.strip().splitlines()[-1] for code, err in results if code]


def test_processes_that_read_wordnet_at_once_on_an_empty_cache_all_succeed(tmp_path):
    """The first copies WordNet into the cache; the others must not read its half-copied folder (a pool
    worker of benchmarks/analytics_scale.py died on "No such file: .../corpora/wordnet/lexnames")."""
    assert _read_wordnet_at_once(tmp_path, 6) == []
    assert [p.name for p in (tmp_path / "cache" / "nltk_data" / "corpora").iterdir()] == ["wordnet"]


def test_half_a_wordnet_copy_left_in_the_cache_is_replaced(tmp_path):
    """An older version copied WordNet file by file into place; a copy cut short left a folder without
    ``lexnames`` that NLTK found and failed on ever after. Processes that find it at once all replace it
    and read WordNet; a staging folder a killed process left hours ago is swept."""
    corpora = tmp_path / "cache" / "nltk_data" / "corpora"
    (corpora / "wordnet").mkdir(parents=True)
    (corpora / "wordnet" / "index.noun").write_text("cut short")
    (corpora / ".wordnet-killed").mkdir()
    os.utime(corpora / ".wordnet-killed", (time.time() - 7200, time.time() - 7200))
    assert _read_wordnet_at_once(tmp_path, 4) == []
    assert (corpora / "wordnet" / "lexnames").is_file()
    assert (corpora / "wordnet" / "index.noun").stat().st_size > 1_000_000
    assert [p.name for p in corpora.iterdir()] == ["wordnet"]


def test_the_test_session_runs_on_a_clean_state():
    """What conftest promises: nothing of the developer's can reach the code under test."""
    import nltk

    from meeting_analytics.weights import cache_dir

    assert str(cache_dir()).startswith(str(STATE)) and "MEETING_ANALYTICS_CACHE" not in os.environ
    assert os.environ["HOME"].startswith(str(STATE)) and os.environ["MPLCONFIGDIR"].startswith(str(STATE))
    assert all(p.startswith(str(STATE)) for p in nltk.data.path)


@pytest.mark.models
def test_analyze_the_call_on_a_brand_new_cache(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "out"
    proc = run_cli("analyze", DATA / "call" / "sample.wav", "-o", out, umask=0o027,
                   env={"HOME": str(home), "XDG_CACHE_HOME": None, "MEETING_ANALYTICS_CACHE": None})
    assert proc.returncode == 0, proc.stderr
    result = out / "sample_analytics"
    page = (result / "report.html").read_text()
    assert "SPEAKER_00" in page and "SPEAKER_01" in page and "Filler words" in page
    speakers = (result / "speakers.csv").read_text().splitlines()
    assert len(speakers) >= 3 and speakers[0].startswith("speaker,talk_time,share,words,wpm")
    # the first-run steps happened in the new cache
    cache = home / ".cache" / "meeting-analytics" / "nltk_data"
    assert (cache / "sentiment" / "vader_lexicon" / "vader_lexicon.txt").is_file()
    assert (cache / "corpora" / "wordnet" / "lexnames").is_file()  # topics lemmatize through it
    # outputs follow the umask (027 -> 0640), like any other tool's
    assert {oct(p.stat().st_mode & 0o777) for p in [out / "sample.json", *result.iterdir()]} == {oct(0o640)}
    # progress: whole lines from one writer, every stage once with its duration, in the order they run
    lines = error_lines(proc.stderr)
    assert all(STAMP.match(ln) for ln in lines), proc.stderr
    stages = [m.group(1) for ln in lines if (m := re.search(r"\] (?:sample\.wav: )?(load \w+|\w+) [\d.]+ s$", ln))]
    assert stages[:3] == ["load asr", "load aligner", "load diarizer"], stages
    assert stages[3] == "segmentation" and stages[-2:] == ["analytics", "report"]
    assert sorted(stages[4:-2]) == ["align", "asr", "diarize"] and stages.index("asr") < stages.index("align")
    assert lines[-1].endswith(f"{result}/ (report.json, tables as CSV and Parquet)")
    assert f"{result / 'report.html'}" in lines[-1] and f"{out / 'sample.json'}" in lines[-1]


def test_outputs_are_world_readable_under_the_usual_umask(tmp_path):
    saved = make_transcript().save(tmp_path / "meeting.json")
    proc = run_cli("analyze", saved, "-o", tmp_path / "out", "-q", umask=0o022)
    assert proc.returncode == 0, proc.stderr
    modes = {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "out" / "meeting_analytics").iterdir()}
    assert modes == {oct(0o644)}


def test_quiet_prints_nothing_but_errors(tmp_path):
    saved = make_transcript().save(tmp_path / "meeting.json")
    proc = run_cli("analyze", saved, tmp_path / "missing.json", "-o", tmp_path / "out", "-q")
    assert proc.returncode == 1 and proc.stdout == ""
    assert error_lines(proc.stderr) == [f"meeting-analytics: error: {tmp_path / 'missing.json'}: no such file"]


def test_hf_token_from_the_environment_is_used_for_hub_pipelines_only(monkeypatch, tmp_path):
    from meeting_analytics.options import PipelineOptions

    monkeypatch.setenv("HF_TOKEN", "hf_secret_from_env")
    assert PipelineOptions(diarize_model="org/gated-pipeline").token() == "hf_secret_from_env"
    assert PipelineOptions().token() is None  # the offline pipeline never sends one
    local = tmp_path / "config.yaml"
    local.write_text("")
    assert PipelineOptions(diarize_model=str(local)).token() is None
    assert PipelineOptions(hf_token="hf_flag").token() == "hf_flag"
    assert "hf_secret_from_env" not in repr(PipelineOptions(diarize_model="org/x").public())
    help_text = run_cli("transcribe", "--help", env={"HF_TOKEN": "hf_secret_from_env"}).stdout
    assert "HF_TOKEN" in help_text and "hf_secret_from_env" not in help_text


def subparsers() -> dict[str, argparse.ArgumentParser]:
    from meeting_analytics.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", ["transcribe", "analyze", "report", "batch", "corpus", "evaluate"])
def test_help_states_every_default_and_two_examples(command):
    p = subparsers()[command]
    for action in p._actions:
        if action.option_strings and action.help not in (argparse.SUPPRESS, None) and action.dest != "help" \
                and not action.option_strings[0].startswith("--no_"):
            assert "default" in action.help or action.required, (command, action.option_strings)
    examples = [ln.strip() for ln in (p.epilog or "").splitlines() if ln.strip().startswith("meeting-analytics")]
    assert len(examples) >= 2 and all(e.startswith(f"meeting-analytics {command} ") for e in examples)
    for example in examples:  # each example parses
        import shlex

        subparsers()[command].parse_args(shlex.split(example)[2:])


def test_help_tells_the_truth():
    from meeting_analytics.cli import DESCRIPTION, build_parser

    assert "``" not in build_parser().format_help() and "``" not in DESCRIPTION
    workers = next(a for a in subparsers()["batch"]._actions if a.dest == "workers").help
    assert "one per CPU core" in workers and "one per GPU" in workers
    from meeting_analytics.batch.executors import default_workers

    assert default_workers("cuda") == 1 and 1 <= default_workers("cpu") <= os.cpu_count()
