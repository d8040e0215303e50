"""Section screens made ready at start (tui/screen_preload.py): a first open parses no stylesheet anew."""

from __future__ import annotations

import re
import re._compiler

import pytest
import textual.css.stylesheet as stylesheet_module
from markdown_it import MarkdownIt

from engine.paths import assets_dir
from tui.screen_preload import (
    css_paths,
    import_screens,
    keep_parsed_css,
    parse_default_css,
    read_screen_css,
    warm_markdown,
)
from tui.screens.section import SectionScreen
from tui.sections import SECTIONS

from .snap import make_app, wait_for

# What an app parses itself, as a learner's does: not the suite's shared parses (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("own_css_parses")


async def test_a_section_opened_after_its_css_was_read_at_start_parses_no_stylesheet_anew(monkeypatch):
    """Textual read a screen's CSS files at its first push, then parsed every source of the stylesheet again
    and restyled the whole app: ~0.1 s of each section's first open. And it parsed the DEFAULT_CSS of each
    widget class mounted for the first time (the lesson's Markdown blocks, the steppers): 20-60 ms more."""
    import_screens()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        tokens = read_screen_css(app)
        keep_parsed_css(app, tokens, parse_default_css(tokens))
        paths = [path for s in SECTIONS for path in css_paths(s.screen_class())]
        assert len(paths) >= 6 and all(app.stylesheet.has_source(str(path)) for path in paths)
        reparsed, parsed = [], []
        reparse, parse = app.stylesheet.reparse, stylesheet_module.parse
        app.stylesheet.reparse = lambda: reparsed.append(1) or reparse()  # type: ignore[method-assign]
        monkeypatch.setattr(stylesheet_module, "parse", lambda *a, **k: parsed.append(a[2]) or parse(*a, **k))
        app.open_section("nonconvex")
        assert await wait_for(pilot, lambda: isinstance(app.screen, SectionScreen) and app.screen.is_mounted)
        await pilot.pause()
        assert reparsed == [] and parsed == []


def test_css_parsed_for_other_variables_is_not_kept():
    """A theme changed while the preload parsed: its rules carry the old colours, and Textual's parse stays."""
    app = make_app()
    tokens = app.stylesheet._variable_tokens
    parsed = parse_default_css(tokens)
    app.stylesheet.set_variables({**app.stylesheet._variables, "primary": "#123456"})
    keep_parsed_css(app, tokens, parsed)
    assert all(app.stylesheet._parse_cache.get(key) is None for key in parsed)


def test_after_the_markdown_warm_up_no_course_text_compiles_a_regular_expression(monkeypatch):
    """The first Markdown parse in a process compiled ~20 regular expressions (linkify's): ~40 ms of the first
    section opened, on the thread Textual parses in while the open waits for it."""
    texts = [path.read_text(encoding="utf-8") for path in sorted((assets_dir() / "lessons").glob("*.md"))]
    assert len(texts) >= 9
    re.purge()
    warm_markdown()
    compiled = []
    compile_ = re._compiler.compile
    monkeypatch.setattr(re._compiler, "compile", lambda *a, **k: compiled.append(a[0]) or compile_(*a, **k))
    for text in texts:
        MarkdownIt("gfm-like").parse(text)
    assert compiled == []
