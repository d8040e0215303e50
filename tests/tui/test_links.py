"""The course's videos and slides: hyperlinks on each lesson, and a QR code that decodes back to the address."""

from __future__ import annotations

import numpy as np
import pytest
from rich.style import Style
from textual.geometry import Region

from tui import course_links
from tui.course_links import links_for, parse
from tui.screens.help import HelpScreen
from tui.screens.links_dialog import LinksDialog
from tui.sections import SECTIONS
from tui.widgets.links_line import LinksLine
from tui.widgets.qr import QRCode, half_blocks, qr_matrix

from .exercise_app import make_app
from .snap import SIZE_IDS, SIZES, settle

# The course's video ids (W1D5 Tutorial 1), copied here independently of assets/links.toml.
VIDEOS = {
    "intro": ("zm9oekdkJbQ", "BV1VB4y1K7Vr"),
    "casestudy": ("pJc2ENhYbqA", "BV1GB4y1K7Ha"),
    "search": ("aSJTRdjRvvw", "BV1aL411H7Ce"),
    "conditioning": ("3ES5O58Y_2M", "BV1NL411H71t"),
    "nonconvex": ("7vUpUEKKl5o", "BV16h41167Jr"),
    "minibatch": ("hbqUxpNBUGk", "BV1ty4y1T7Uh"),
    "adaptive": ("Zr6r2kfmQUM", "BV1eq4y1W7JG"),
    "ethics": ("0EthSI0cknI", "BV1TU4y1G7Je"),
    "bonus": ("DP9c13vLiOM", "BV1MK4y1u7u2"),
}
SLIDES = "https://osf.io/download/ft2sz/"


def test_every_section_has_its_video_and_the_slides():
    assert course_links.load().problems == ()
    for section in SECTIONS:
        urls = [link.url for link in links_for(section.key)]
        assert urls[-1] == SLIDES, section.key
        if section.key in VIDEOS:
            youtube, bilibili = VIDEOS[section.key]
            assert urls[:2] == [f"https://youtube.com/watch?v={youtube}", f"https://www.bilibili.com/video/{bilibili}"]
        else:
            assert urls == [SLIDES]
    assert "https://losslandscape.com/explorer" in [link.url for link in links_for("nonconvex")]


def test_a_bad_entry_is_left_out_and_named():
    parsed = parse(
        {
            "course": {"links": [{"name": "Slides", "url": SLIDES}]},
            "sections": {
                "x": {
                    "title": "T",
                    "links": [
                        {"name": "plain", "url": "http://example.org/"},
                        {"name": "escape", "url": "https://example.org/\x1b]8;;\x07"},
                        {"url": "https://example.org/noname"},
                        "not a table",
                        {"name": "ok", "url": "https://example.org/a?b=c"},
                    ],
                }
            },
        }
    )
    assert [link.url for link in parsed.by_section["x"]] == ["https://example.org/a?b=c", SLIDES]
    assert len(parsed.problems) == 4
    assert parse({}).by_section == {} and parse({"sections": "nonsense"}).problems == ()
    # A [course] that is not a table (course = "x" in the TOML) is ignored, not an AttributeError.
    assert parse({"course": "x", "sections": {"y": {"links": []}}}).by_section == {"y": ()}


def decode_drawn(widget: QRCode) -> str:
    """Rebuild the picture from the cells as drawn (character, ink and paper colours), then decode it."""
    import zxingcpp
    from PIL import Image

    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    rows: list[list[bool]] = [[], []]
    picture: list[list[bool]] = []
    for strip in strips:
        rows = [[], []]
        for segment in strip:
            style: Style = segment.style
            ink = style.color.get_truecolor() if style.color else None
            paper = style.bgcolor.get_truecolor() if style.bgcolor else None
            for char in segment.text:
                top = ink if char in "█▀" else paper
                bottom = ink if char in "█▄" else paper
                rows[0].append(sum(top) < 384)  # dark
                rows[1].append(sum(bottom) < 384)
        picture += rows
    pixels = np.kron(~np.array(picture, dtype=bool), np.ones((8, 8), dtype=bool)).astype(np.uint8) * 255
    found = zxingcpp.read_barcodes(
        Image.fromarray(pixels), formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False, try_rotate=False
    )
    assert len(found) == 1, f"{len(found)} codes found"
    return found[0].text


def test_half_blocks_hold_two_modules_per_cell():
    matrix = qr_matrix("https://youtube.com/watch?v=3ES5O58Y_2M")
    assert len(matrix) == len(matrix[0]) == 29 + 2 * 2  # version 3 and a quiet zone of 2
    lines = half_blocks(matrix)
    assert len(lines) == 17 and {len(line) for line in lines} == {33}
    assert lines[0] == " " * 33  # the quiet zone is light
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            below = matrix[2 * y + 1][x] if 2 * y + 1 < len(matrix) else False
            assert char == {(1, 1): "█", (1, 0): "▀", (0, 1): "▄", (0, 0): " "}[matrix[2 * y][x], below]


@pytest.mark.parametrize("section", ["nonconvex", "summary"])
async def test_the_code_drawn_decodes_back_to_each_chosen_link(section):
    app = make_app(section)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, LinksDialog)
        qr = dialog.query_one(QRCode)
        for i, link in enumerate(links_for(section)):
            if i:
                await pilot.press("down")
                await pilot.pause()
            assert qr.display and qr.data == link.url
            assert qr.region.height <= 17 and dialog.region.contains_region(qr.region)  # whole, at 80x24
            assert decode_drawn(qr) == link.url
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LinksDialog)


async def test_the_lesson_line_is_osc8_hyperlinks():
    app = make_app("conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        line = app.screen.query_one(LinksLine)
        strips = line.render_lines(Region(0, 0, line.size.width, line.size.height))
        linked = {seg.text: seg.style.link for strip in strips for seg in strip if seg.style and seg.style.link}
        youtube, bilibili = VIDEOS["conditioning"]
        assert linked == {
            "YouTube": f"https://youtube.com/watch?v={youtube}",
            "Bilibili": f"https://www.bilibili.com/video/{bilibili}",
            "Slides": SLIDES,
        }
        ansi = "".join(strip.render(app.console) for strip in strips)
        assert "\x1b]8;id=" in ansi and f";{SLIDES}\x1b\\" in ansi  # what the terminal receives


async def test_the_app_never_opens_a_link_itself(monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda *a, **k: opened.append(a))
    app = make_app("nonconvex")
    monkeypatch.setattr(app, "open_url", lambda *a, **k: opened.append(a))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.click(LinksLine, offset=(40, 0))
        await pilot.press("u")
        await pilot.pause()
        await pilot.press("enter", "down", "enter")
        await pilot.click("#links-url")
        await pilot.pause()
        assert opened == [] and app.clipboard == links_for("nonconvex")[1].url  # Enter copies instead


async def test_u_is_listed_in_the_help():
    app = make_app("search")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("u", "videos & links (QR codes)") in app.screen.keys


async def test_a_terminal_too_small_for_the_code_says_so():
    app = make_app("intro")
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        assert not app.screen.query_one(QRCode).display
        assert "at least" in str(app.screen.query_one("#links-small").render())


# -- snapshots ----------------------------------------------------------------------------------------
async def _dialog(pilot) -> None:
    await pilot.press("u", "down")  # the Bilibili link
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_links_dialog_snapshot(snap_compare, size):
    """Section 4's links: the QR code of the Bilibili video (black on white, quiet zone) left of the
    list of three links with the second highlighted, its address, and the keys."""
    assert snap_compare(make_app("conditioning"), terminal_size=size, run_before=_dialog)
