"""The app keeps every CSS source parsed: a widget class mounted for the first time parses its own alone."""

from __future__ import annotations

import pytest
import textual.css.stylesheet as stylesheet_module
from textual.widget import Widget

from tui.screen_preload import import_screens

from .snap import make_app

# What an app parses itself, as a learner's does: not the suite's shared parses (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("own_css_parses")


def _classes_with_css(cls: type) -> set[type]:
    found = {cls} if "DEFAULT_CSS" in cls.__dict__ else set()
    for sub in cls.__subclasses__():
        found |= _classes_with_css(sub)
    return found


def test_a_new_css_source_parses_itself_alone_however_many_the_app_has(monkeypatch):
    """Textual's cache of parsed sources held 64 and this app has ~150: each widget class mounted for the first
    time (the Bonus's Train tab, a section's first open) parsed every source again, 0.15-0.3 s of CPU."""
    import_screens()
    sources = len(_classes_with_css(Widget))  # every widget class imported, Textual's and the app's
    assert sources > 64
    sheet = make_app().stylesheet
    for n in range(sources):
        sheet.add_source(f"Kind{n} {{ color: red; }}", read_from=(f"kind{n}", ""), is_default_css=True)
    sheet.parse()
    parsed: list[str] = []
    parse = stylesheet_module.parse

    def counting(scope, css, read_from, **kwargs):
        parsed.append(read_from[0])
        return parse(scope, css, read_from, **kwargs)

    monkeypatch.setattr(stylesheet_module, "parse", counting)
    sheet.add_source("Newcomer { color: blue; }", read_from=("newcomer", ""), is_default_css=True)
    sheet.parse()
    assert parsed == ["newcomer"]
