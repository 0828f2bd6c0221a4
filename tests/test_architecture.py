"""The layout's rules, read from the code (ast): imports flow one way, no import circles, and nothing
but the command line's own modules imports the command line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT


PKG = ROOT / "meeting_analytics"
# lowest first; a module may import its own layer and those below
LAYERS = [
    {"errors", "_version", "options", "files", "progress", "transcript", "audio", "weights", "nltk_offline",
     "heap", "events", "runinfo", "prompts", "devices", "catalog"},
    {"stages", "analytics", "redaction"},
    {"pipeline", "decode", "enrolment", "report", "evaluation"},
    {"batch"},
    {"cli", "web", "__main__", "__init__"},
]
# reaching a higher layer from inside a method, for notebook display and charts of a report (each says so)
LAZY_UPWARD = {("transcript", "report.html"), ("analytics.meeting", "report.charts"),
               ("analytics.meeting", "report.html"), ("analytics.corpus", "report.charts"),
               ("analytics.corpus", "report.html")}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


def _exists(mod: str) -> bool:
    base = PKG.joinpath(*mod.split(".")) if mod else PKG
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module inside the package, at module level?) for every import in ``path``."""
    me = module_name(path)
    is_pkg = path.name == "__init__.py"
    here = [] if me == "__init__" else me.split(".")
    here = here if is_pkg else here[:-1]
    found = []

    def visit(node, top: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                continue
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = here[: len(here) - (child.level - 1)] + (child.module.split(".") if child.module else [])
                elif child.module and child.module.split(".")[0] == "meeting_analytics":
                    base = child.module.split(".")[1:]
                else:
                    continue
                for alias in child.names:
                    sub = ".".join(base + [alias.name])
                    found.append((sub if _exists(sub) else ".".join(base) or "__init__", top))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.split(".")[0] == "meeting_analytics":
                        found.append((".".join(alias.name.split(".")[1:]) or "__init__", top))
            visit(child, inner)

    visit(ast.parse(path.read_text()), True)
    return found


def graph(module_level_only: bool) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in PKG.rglob("*.py"):
        me = module_name(path)
        edges.setdefault(me, set())
        for target, top in imports(path):
            if target != me and (top or not module_level_only):
                edges[me].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def walk(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            walk(node)
    return found


def layer(mod: str) -> int:
    top = mod.split(".")[0]
    return next(i for i, names in enumerate(LAYERS) if top in names or mod in names)


def test_every_module_belongs_to_a_layer():
    for path in PKG.rglob("*.py"):
        layer(module_name(path))


def test_no_import_circle_at_module_level():
    assert cycles(graph(module_level_only=True)) == []


def test_no_import_circle_even_through_function_level_imports_except_the_lazy_upward_ones():
    edges = graph(module_level_only=False)
    for source, target in LAZY_UPWARD:
        edges[source].discard(target)
    assert cycles(edges) == []


def test_imports_flow_down_the_layers():
    upward = []
    for path in PKG.rglob("*.py"):
        me = module_name(path)
        for target, _ in imports(path):
            if layer(target) > layer(me) and (me, target) not in LAZY_UPWARD:
                upward.append((me, target))
    assert upward == []


@pytest.mark.parametrize("source, target", sorted(LAZY_UPWARD))
def test_each_lazy_upward_import_is_inside_a_method_and_says_why(source, target):
    path = PKG.joinpath(*source.split(".")).with_suffix(".py")
    assert (target, False) in imports(path) and (target, True) not in imports(path)
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith(f"from {'.' * (source.count('.') + 1)}{target} import"):
            assert "upward, lazy" in lines[i - 1], (source, line)


def test_only_the_command_line_imports_the_command_line():
    offenders = [module_name(p) for p in PKG.rglob("*.py") if module_name(p) not in ("cli", "__main__")
                 and any(t == "cli" for t, _ in imports(p))]
    assert offenders == []


def test_the_rules_catch_what_they_forbid(tmp_path):
    """The checks above can fail: a made-up circle and a made-up upward import are found."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert layer("stages.asr") < layer("pipeline") < layer("batch.run") < layer("cli")
    probe = PKG / "stages" / "_probe_for_test.py"
    probe.write_text("from ..cli import main\n\ndef f():\n    from ..batch.run import run_batch\n")
    try:
        found = imports(probe)
        assert ("cli", True) in found and ("batch.run", False) in found
    finally:
        probe.unlink()


def test_dotted_names_in_shipped_configs_resolve():
    """A config names classes by import path (pyannote's Pipeline.from_pretrained imports them): a module
    that moves must take its config along."""
    import importlib
    import re

    for config in PKG.rglob("*.yaml"):
        for dotted in re.findall(r"\bmeeting_analytics(?:\.\w+)+", config.read_text()):
            module, _, name = dotted.rpartition(".")
            assert hasattr(importlib.import_module(module), name), (config.name, dotted)
