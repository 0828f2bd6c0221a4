"""One error tree (meeting_analytics/errors.py): its docstring draws every class, no error class lives
anywhere else, and a missing program or extra is one line saying how to install it (no models)."""

from __future__ import annotations

import ast
import builtins
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import CLI, DATA, ROOT, error_lines

from meeting_analytics import errors

PKG = ROOT / "meeting_analytics"
NODE = re.compile(r"^(?P<indent>[ │]*)(?:[├└]── )?(?P<name>[A-Z]\w*)(?:\((?P<bases>[\w, ]+)\))?\s")


def drawn_tree() -> dict[str, tuple[str | None, list[str]]]:
    """name -> (parent, second bases) as the module docstring draws them."""
    lines = errors.__doc__.split("::\n", 1)[1].strip("\n").split("\n\n", 1)[0].splitlines()
    tree, stack = {}, []
    for line in lines:
        m = NODE.match(line.removeprefix("    "))
        assert m, f"not a tree line: {line!r}"
        depth = len(m["indent"]) // 4 + (1 if "──" in line else 0)
        stack[depth:] = [m["name"]]
        tree[m["name"]] = (stack[depth - 1] if depth else None,
                           [b.strip() for b in m["bases"].split(",")] if m["bases"] else [])
    return tree


def tree_classes() -> dict[str, type]:
    return {name: cls for name, cls in vars(errors).items()
            if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == errors.__name__}


def test_every_error_class_is_drawn_once_under_its_real_base():
    tree, classes = drawn_tree(), tree_classes()
    assert set(tree) == set(classes), "the docstring's tree and the classes differ"
    for name, cls in classes.items():
        assert issubclass(cls, errors.Error), name
        parent, extra = tree[name]
        if cls is errors.Error:
            assert parent is None and cls.__bases__ == (Exception,)
            continue
        assert [b.__name__ for b in cls.__bases__] == [parent, *extra], f"{name} is drawn under {parent}{extra}"
        assert cls.__doc__, name


def _exception_bases() -> set[str]:
    return ({n for n, v in vars(builtins).items() if inspect.isclass(v) and issubclass(v, BaseException)}
            | set(tree_classes()))


def test_no_error_class_is_defined_outside_errors_py():
    bases = _exception_bases()
    found = []
    for path in PKG.rglob("*.py"):
        if path == PKG / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.ClassDef):
                continue
            names = {b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                     for b in node.bases}
            if names & bases or any(n.endswith(("Error", "Exception")) for n in names | {node.name}):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} class {node.name}")
    assert not found, "error classes belong in meeting_analytics/errors.py: " + ", ".join(found)


def test_old_import_paths_still_work():
    from meeting_analytics.analytics.meeting import ReportError
    from meeting_analytics.audio import AudioError
    from meeting_analytics.batch.corpus import CorpusError
    from meeting_analytics.files import OutputError
    from meeting_analytics.options import OptionError
    from meeting_analytics.transcript import TranscriptError
    from meeting_analytics.web.uploads import UploadError, UploadTooLarge

    assert (AudioError, TranscriptError, OutputError, ReportError, CorpusError, OptionError, UploadError,
            UploadTooLarge) == (errors.AudioError, errors.TranscriptError, errors.OutputError, errors.ReportError,
                                errors.CorpusError, errors.OptionError, errors.UploadError, errors.UploadTooLarge)
    assert issubclass(UploadError, ValueError) and UploadTooLarge.status == 413


def test_former_bare_value_errors_are_tree_errors_and_still_value_errors():
    from meeting_analytics.analytics.fillers import lexicon_for
    from meeting_analytics.report.export import parse_formats
    from meeting_analytics.report.writers import render
    from meeting_analytics.transcript import Transcript

    for call, cls in [(lambda: lexicon_for("xx"), errors.LexiconError),
                      (lambda: parse_formats("html,docx"), errors.OptionError),
                      (lambda: render(Transcript("en", 1.0), "docx"), errors.OptionError)]:
        with pytest.raises(cls) as info:
            call()
        assert isinstance(info.value, ValueError) and "\n" not in str(info.value)


# -- a program not on PATH ----------------------------------------------------------------------------

@pytest.fixture
def bare_path(tmp_path) -> Path:
    """A PATH with only a python on it: no ffmpeg, ffprobe, espeak-ng or sox."""
    d = tmp_path / "bin"
    d.mkdir()
    (d / "python").symlink_to(sys.executable)
    return d


def _one_line(stderr: str) -> str:
    lines = error_lines(stderr)
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_transcribe_without_ffmpeg_is_one_line_saying_how_to_install_it(bare_path, tmp_path):
    env = dict(os.environ, PATH=str(bare_path), HF_HUB_OFFLINE="1")
    done = subprocess.run([*CLI, "transcribe", str(DATA / "speech" / "jfk.flac"), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    line = _one_line(done.stderr)
    assert "ffprobe not found on PATH" in line
    assert "apt-get install ffmpeg" in line and "brew install ffmpeg" in line
    assert not (tmp_path / "out" / "jfk.json").exists()


def test_load_audio_without_ffmpeg_raises_the_tree_error(bare_path, monkeypatch):
    import meeting_analytics as ma

    monkeypatch.setenv("PATH", str(bare_path))
    with pytest.raises(errors.MissingToolError) as info:
        ma.load_audio(DATA / "speech" / "jfk.flac")
    assert isinstance(info.value, errors.UsageError) and isinstance(info.value, RuntimeError)
    assert info.value.program == "ffprobe" and "\n" not in str(info.value)
    assert "apt-get install ffmpeg" in str(info.value) and "brew install ffmpeg" in str(info.value)


def test_synthesis_without_espeak_or_sox_names_the_program(bare_path, monkeypatch):
    from meeting_analytics.evaluation import synth

    monkeypatch.setenv("PATH", str(bare_path))
    with pytest.raises(errors.MissingToolError, match=r"^espeak-ng not found on PATH; install espeak-ng"):
        synth._speak.__wrapped__("hello", *synth.VOICES[0])
    with pytest.raises(errors.MissingToolError, match=r"^sox not found on PATH; install sox"):
        synth.reverberate(np.zeros(160, dtype=np.float32), 50)
    assert "espeak-ng" in synth.__doc__ and "sox" in synth.__doc__


# -- an extra not installed ----------------------------------------------------------------------------

def test_evaluate_without_the_eval_extra_is_one_line_naming_it(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import sys\nsys.modules['jiwer'] = None\n"
                                           "sys.modules['whisper_normalizer'] = None\n")
    transcript = tmp_path / "sample.json"
    transcript.write_text('{"segments": []}')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               HF_HUB_OFFLINE="1")
    done = subprocess.run([*CLI, "evaluate", str(transcript), "--rttm", str(DATA / "call" / "sample.rttm")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    line = _one_line(done.stderr)
    assert "jiwer, whisper-normalizer" in line and "pip install 'meeting-analytics[eval]'" in line


def test_the_eval_extra_is_declared_and_the_test_extra_includes_it():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    names = {re.split(r"[<>=\[ ]", r)[0].lower() for r in extras["eval"]}
    assert {"jiwer", "whisper-normalizer"} <= names
    assert "meeting-analytics[eval]" in extras["test"]
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["meeting_analytics"]
    assert (PKG / "py.typed").is_file()
