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


def test_first_screen_appears_without_torch_and_torch_loads_off_the_ui_thread():
    out = run_python("""
        import asyncio, sys, threading
        importer = {}

        class Watch:
            def find_spec(self, name, path=None, target=None):
                if name == "torch" and "torch" not in importer:
                    importer["torch"] = threading.current_thread().name
                return None

        sys.meta_path.insert(0, Watch())
        from tui.app import OptCourseApp
        from tui.config import AppConfig

        async def main():
            app = OptCourseApp(AppConfig(device="cpu", warm_up=True))
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
                print("home shown, torch imported on:", importer.get("torch", "not yet"))
                await app.workers.wait_for_complete()
                await pilot.pause()
                print("after warm-up, torch imported on:", importer.get("torch"))
                print("main thread:", threading.main_thread().name)

        asyncio.run(main())
    """)
    lines = dict(line.split(":", 1) for line in out.strip().splitlines() if ":" in line)
    first = lines["home shown, torch imported on"].strip()
    assert first in ("not yet", lines["after warm-up, torch imported on"].strip())
    assert lines["after warm-up, torch imported on"].strip() not in ("", "None", lines["main thread"].strip())
