"""The course's seed is written once (engine.contracts.base.COURSE_SEED): no other module holds the number."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "engine" / "contracts" / "base.py"


def test_the_course_seed_is_a_literal_in_one_module_only():
    copies = []
    for path in sorted([*ROOT.glob("engine/**/*.py"), *ROOT.glob("tui/**/*.py")]):
        if path == HOME:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) is int and node.value == 2021:
                copies.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not copies, f"use COURSE_SEED (engine.contracts.base) or seeding.SEED instead of 2021 in {copies}"
