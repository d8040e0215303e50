"""Section screens made ready before their first open: their modules imported, their CSS files read."""

from __future__ import annotations

import contextlib
import inspect
import threading
import types
from pathlib import Path

from markdown_it import MarkdownIt
from textual._path import _css_path_type_as_list
from textual.app import App
from textual.css.parse import parse
from textual.css.tokenize import Token
from textual.dom import DOMNode
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


# Every construct the lessons use: the first parse in a process compiles ~20 regular expressions (linkify's
# above all), ~40 ms of the first section opened; Python's re module keeps them compiled for the process.
MARKDOWN_SAMPLE = """# Title

Some *em*, **strong**, ~~struck~~ and `code` text, a [link](https://example.org) and www.example.org.

- one
  1. two

> quoted

| a | b |
|---|:-:|
| 1 | 2 |

```python
x = 1
```

---
"""


def warm_markdown() -> None:
    """Parse a sample with Textual's Markdown parser ("gfm-like"), as every course text is parsed."""
    MarkdownIt("gfm-like").parse(MARKDOWN_SAMPLE)


def _subclasses(cls: type[DOMNode]) -> list[type[DOMNode]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def parse_default_css(tokens: dict[str, list[Token]]) -> dict[tuple, list]:
    """Parse the DEFAULT_CSS of every widget class imported, as Stylesheet._parse_rules would key and parse it.

    Textual parses a class's DEFAULT_CSS when a widget of it is first mounted: 20-60 ms of a first
    open (the lesson's Markdown blocks, the steppers, the charts). `tokens` are the stylesheet's
    variables. A source that fails to parse is left out: it fails again, with its message, where Textual
    parses it.
    """
    parsed: dict[tuple, list] = {}
    for cls in _subclasses(DOMNode):
        try:  # DOMNode._get_default_css reads only _node_bases, the class's CSS bases
            sources = DOMNode._get_default_css(types.SimpleNamespace(_node_bases=cls._css_bases(cls)))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001  (a class Textual could not read either)
            continue
        for read_from, css, tie_breaker, scope in sources:
            key = (css, read_from, True, tie_breaker, scope)
            if key in parsed:
                continue
            try:
                parsed[key] = list(
                    parse(scope, css, read_from, variable_tokens=tokens, is_default_rules=True, tie_breaker=tie_breaker)
                )
            except Exception:  # noqa: BLE001  (see above)
                continue
    return parsed


def keep_parsed_css(app: App, tokens: dict[str, list[Token]], parsed: dict[tuple, list]) -> None:
    """Put the parsed sources in the stylesheet's cache of parsed sources, unless its variables changed meanwhile
    (a new theme: Textual emptied that cache and the parse was for the old values). On the UI thread."""
    stylesheet = app.stylesheet
    if stylesheet._variable_tokens is not tokens:
        return
    cache = stylesheet._parse_cache
    for key, rules in parsed.items():
        if cache.get(key) is None:
            cache[key] = rules


def css_paths(screen_class: type[Screen]) -> list[Path]:
    """The files a screen class's CSS_PATH names, resolved as Textual's Screen.__init__ resolves them."""
    base = Path(inspect.getfile(screen_class)).parent
    return [(base / path).resolve() for path in _css_path_type_as_list(screen_class.CSS_PATH or [])]


def read_screen_css(app: App) -> dict[str, list[Token]]:
    """Read every imported section screen's CSS files into the app's stylesheet, once.

    Textual reads a screen's CSS_PATH when the screen is first pushed, then parses every source of
    the stylesheet anew and restyles every node of the app (~0.1 s per first open of a section); here
    the files are read once, for them all, and the app restyled once. Runs on the UI thread (the
    stylesheet is the UI's). Returns the stylesheet's variables, as parse_default_css takes them.
    """
    stylesheet = app.stylesheet
    new = []
    for section in SECTIONS:
        try:
            paths = css_paths(section.screen_class())
        except Exception:  # noqa: BLE001  (not importable: its open says why)
            continue
        new += [path for path in paths if not stylesheet.has_source(str(path), "")]
    if new:
        for path in new:
            stylesheet.read(path)
        # Parsed at the next use, each source once: reparse(), as App._load_screen_css calls it, would parse
        # every source again in a new Stylesheet and leave this one's cache of parsed sources behind.
        stylesheet.update(app)
    return stylesheet._variable_tokens


def prepare_screens(app: App) -> threading.Thread:
    """Import the screens on a thread (the UI keeps answering keys), then read their CSS on the UI thread;
    parse every widget class's DEFAULT_CSS on the thread and hand it to the stylesheet on the UI thread."""

    def run() -> None:
        import_screens()
        warm_highlighting()
        warm_markdown()
        with contextlib.suppress(RuntimeError):  # the app ended meanwhile
            tokens = app.call_from_thread(read_screen_css, app)
            app.call_from_thread(keep_parsed_css, app, tokens, parse_default_css(tokens))

    thread = threading.Thread(target=run, name="prepare-screens", daemon=True)
    thread.start()
    return thread
