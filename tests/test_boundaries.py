"""Layer boundaries: the engine needs no UI, and the app shows its first screen without torch."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_every_engine_module_loads_no_ui_library():
    out = run_python("""
        import importlib, pkgutil, sys
        import engine
        for info in pkgutil.walk_packages(engine.__path__, "engine."):
            importlib.import_module(info.name)
        ui = sorted(m for m in sys.modules if m.split(".")[0] in {"textual", "textual_plotext", "plotext", "rich"})
        print("UI:", ui)
    """)
    assert "UI: []" in out


def test_the_ui_process_never_imports_torch_from_first_screen_to_a_finished_demo():
    out = run_python("""
        import asyncio, sys, time

        class Watch:  # fails the import itself, so a lazy import anywhere in the UI would show up
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("torch", "torchvision"):
                    raise ImportError(f"the UI process imported {name}")
                return None

        sys.meta_path.insert(0, Watch())
        from tui.app import OptCourseApp
        from tui.config import AppConfig

        async def main():
            app = OptCourseApp(AppConfig(device="cpu", warm_up=True, section="conditioning"))
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                print("first screen:", type(app.screen).__name__)
                await pilot.press("right_square_bracket")
                deadline = time.monotonic() + 90
                while app.screen.shown is None and time.monotonic() < deadline:
                    await pilot.pause(0.1)
                print("demo shown:", app.screen.shown)
                print("device:", app.runner.device_label)
                print("engine pid differs:", app.runner.executor.pid not in (None, __import__("os").getpid()))
                # Every section's screen module is imported in the background (tui.screen_preload), and the
                # Python highlighter, none of them with torch (the Watch above fails such an import).
                from tui.sections import SECTIONS
                modules = {s.screen.partition(":")[0] for s in SECTIONS} | {"pygments.lexers.python"}
                while not modules <= set(sys.modules) and time.monotonic() < deadline:
                    await pilot.pause(0.1)
                print("screens not imported:", sorted(modules - set(sys.modules)))

        asyncio.run(main())
        print("torch in UI:", "torch" in sys.modules)
    """)
    lines = dict(line.split(":", 1) for line in out.strip().splitlines() if ":" in line)
    assert lines["first screen"].strip() == "ConditioningScreen"
    assert lines["demo shown"].strip().startswith("(300,")
    assert lines["device"].strip().startswith("cpu")
    assert lines["engine pid differs"].strip() == "True"
    assert lines["torch in UI"].strip() == "False"
    assert lines["screens not imported"].strip() == "[]"


def test_test_modules_share_helpers_through_helper_modules_not_each_other():
    """A helper two test modules need lives in a helper module (tests/tui/fakes.py, tests/engine/helpers.py...):
    importing a test module from another runs its module-level setup twice and hides where the helper lives."""
    import ast
    from pathlib import Path

    tests = Path(__file__).parent
    found = []
    for path in sorted(tests.rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").rpartition(".")[2].startswith("test_"):
                found.append(f"{path.relative_to(tests)}:{node.lineno} imports {node.module}")
    assert not found, "\n".join(found)
