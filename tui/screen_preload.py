"""Section screens made ready before their first open: their modules imported, their CSS files read."""

from __future__ import annotations

import contextlib
import inspect
import threading
from pathlib import Path

from textual._path import _css_path_type_as_list
from textual.app import App
from textual.screen import Screen

from .sections import SECTIONS


def import_screens() -> None:
    """Import every section's screen module (numpy, plotext, the charts and widgets: ~0.5 s of CPU in all).

    A section opened meanwhile waits on Python's import lock for the module being imported, as it
    would have imported it itself. A module that fails here fails again, with its message, when its
    section is opened.
    """
    for section in SECTIONS:
        try:
            section.screen_class()
        except Exception:  # noqa: BLE001  (see above)
            continue


def warm_highlighting() -> None:
    """Import pygments' Python lexer and compile its rules (0.1-0.2 s, once per process): an Exercise tab's
    first showing highlighted the course's solution with it, and paid for that. Then compile the editor's
    tree-sitter query (~30 ms), which the tab's editor needs at its first showing too."""
    from textual.highlight import highlight

    from .widgets.code_area import python_highlighting

    highlight("x = 1", language="python")
    python_highlighting()


def css_paths(screen_class: type[Screen]) -> list[Path]:
    """The files a screen class's CSS_PATH names, resolved as Textual's Screen.__init__ resolves them."""
    base = Path(inspect.getfile(screen_class)).parent
    return [(base / path).resolve() for path in _css_path_type_as_list(screen_class.CSS_PATH or [])]


def read_screen_css(app: App) -> None:
    """Read every imported section screen's CSS files into the app's stylesheet, once.

    Textual reads a screen's CSS_PATH when the screen is first pushed, then parses every source of
    the stylesheet anew and restyles every node of the app (~0.1 s per first open of a section); here
    the files are read once, for them all, and the app restyled once. Runs on the UI thread (the
    stylesheet is the UI's).
    """
    stylesheet = app.stylesheet
    new = []
    for section in SECTIONS:
        try:
            paths = css_paths(section.screen_class())
        except Exception:  # noqa: BLE001  (not importable: its open says why)
            continue
        new += [path for path in paths if not stylesheet.has_source(str(path), "")]
    if not new:
        return
    for path in new:
        stylesheet.read(path)
    # Parsed at the next use, each source once: reparse(), as App._load_screen_css calls it, would parse
    # every source again in a new Stylesheet and leave this one's cache of parsed sources behind.
    stylesheet.update(app)


def prepare_screens(app: App) -> threading.Thread:
    """Import the screens on a thread (the UI keeps answering keys), then read their CSS on the UI thread."""

    def run() -> None:
        import_screens()
        warm_highlighting()
        with contextlib.suppress(RuntimeError):  # the app ended meanwhile
            app.call_from_thread(read_screen_css, app)

    thread = threading.Thread(target=run, name="prepare-screens", daemon=True)
    thread.start()
    return thread
