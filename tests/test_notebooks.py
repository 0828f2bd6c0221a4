"""The notebooks are stored executed, and their outputs are the current code's: ``make notebooks``
stamps each with hashes of its code cells and of the package, and this test recomputes them. (Running
them is ``pytest --nbmake notebooks``, part of ``make test``.)"""

from __future__ import annotations

import importlib.util

import nbformat
import pytest
from helpers import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _execute_module():
    spec = importlib.util.spec_from_file_location("notebook_execute", ROOT / "notebooks" / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute = _execute_module()


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return nbformat.read(request.param, as_version=4)


def test_three_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["corpus_exploration.ipynb", "interview_assessment.ipynb",
                                           "quickstart.ipynb"]


def test_stored_with_outputs_in_order(notebook):
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "run make notebooks"
    kinds = {o.output_type for c in code for o in c.outputs}
    assert "error" not in kinds
    shown = {m for c in code for o in c.outputs for m in o.get("data", {})}
    assert {"image/png", "text/html"} <= shown, "a notebook shows at least one chart and one table"


def test_outputs_are_current(notebook):
    stamp = notebook.metadata.get(execute.STAMP)
    assert stamp, "not executed by make notebooks"
    assert stamp["code_sha256"] == execute.code_hash(notebook), "code cells changed since: run make notebooks"
    assert stamp["package_sha256"] == execute.package_hash(), "the package changed since: run make notebooks"


def test_public_api_only(notebook):
    """Notebooks teach the public API: ``meeting_analytics`` itself, and ``evaluation.synth`` for test audio."""
    allowed = {"meeting_analytics", "meeting_analytics.evaluation.synth"}
    for cell in notebook.cells:
        for line in cell.source.splitlines() if cell.cell_type == "code" else []:
            words = line.split()
            if words[:1] in (["import"], ["from"]) and words[1].startswith("meeting_analytics"):
                assert words[1] in allowed, line
