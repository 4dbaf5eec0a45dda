"""Imports run one way (README "Architecture"): world < bridge < skills < agent < brain < the command line,
and inside brain: model < data < training and evaluation, the referees below training. A module may import
from its own part or a lower one, never from a higher one; the module graph has no cycle. Function-level
imports count too."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("world", "bridge", "skills", "agent", "brain")

# What each part may not import (prefixes of module names).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "world": ("bridge", "skills", "agent", "brain", "run_agent"),
    "bridge": ("skills", "agent", "brain", "run_agent"),
    "skills": ("agent", "brain", "run_agent"),
    "agent": ("brain", "run_agent"),
    "brain.model": ("brain.data", "brain.training", "brain.evaluation", "brain.policy", "agent", "run_agent"),
    "brain.data": ("brain.training", "brain.evaluation", "brain.policy", "run_agent"),
    "brain.referee": ("brain.training", "brain.evaluation", "brain.policy", "run_agent"),
    "brain": ("run_agent",),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {"run_agent": ROOT / "run_agent.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "node_modules" not in path.parts:
                found[module_name(path)] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The project modules `path` imports anywhere in it (module level or inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(path, name, known) for name, path in modules.items()}


def rule_for(module: str) -> tuple[str, tuple[str, ...]] | None:
    """The most specific FORBIDDEN entry that covers `module`."""
    owners = [part for part in FORBIDDEN if module == part or module.startswith(part + ".")]
    return (max(owners, key=len), FORBIDDEN[max(owners, key=len)]) if owners else None


def violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(graph.items()):
        rule = rule_for(module)
        if rule is None:
            continue
        part, forbidden = rule
        for target in sorted(targets):
            if any(target == f or target.startswith(f + ".") for f in forbidden):
                found.append(f"{module} imports {target} ({part} may not import {', '.join(forbidden)})")
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the module graph as a list of modules (first == last), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_python_imports_run_one_way() -> None:
    assert violations(import_graph()) == []


def test_python_module_graph_has_no_cycle() -> None:
    assert find_cycle(import_graph()) is None


def test_the_checks_catch_a_wrong_way_import_and_a_cycle() -> None:
    graph = {"agent.play": {"brain.policy"}, "brain.policy": {"agent.play"}, "brain.model.larm": {"brain.data.x"}}
    assert violations(graph) == [
        "agent.play imports brain.policy (agent may not import brain, run_agent)",
        "brain.model.larm imports brain.data.x (brain.model may not import brain.data, brain.training, "
        "brain.evaluation, brain.policy, agent, run_agent)",
    ]
    assert find_cycle(graph) == ["agent.play", "brain.policy", "agent.play"]


REQUIRE = re.compile(r"""require(?:\.resolve)?\(\s*['"]([^'"]+)['"]""")
# Node: the world knows nothing of the bot or the skills, the skills nothing of the bot's bridge.
NODE_FORBIDDEN = {"world": ("larm-bridge", "larm-skills", "/bridge/", "/skills/"),
                  "skills": ("larm-bridge", "/bridge/", "/agent/", "/brain/"),
                  "bridge": ("/agent/", "/brain/")}


@pytest.mark.parametrize("part", sorted(NODE_FORBIDDEN))
def test_node_requires_run_one_way(part: str) -> None:
    bad = []
    for path in (ROOT / part).rglob("*.js"):
        if "node_modules" in path.parts:
            continue
        for target in REQUIRE.findall(path.read_text()):
            resolved = str((path.parent / target).resolve()) + "/" if target.startswith(".") else target
            if any(f in resolved if f.startswith("/") else resolved.startswith(f) for f in NODE_FORBIDDEN[part]):
                bad.append(f"{path.relative_to(ROOT)} requires {target}")
    assert bad == []
