"""A one-line list of the section's videos and slides as terminal hyperlinks (OSC 8), for the top of a lesson."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from ..course_links import Link, links_for


def link_text(name: str, url: str) -> Text:
    """`name` as an OSC 8 hyperlink: clickable where the terminal supports it; the app itself opens nothing."""
    return Text(name, style=Style(link=url, underline=True))


def links_line(links: tuple[Link, ...], key_hint: str = "u") -> Text:
    """'▶ Video 4: Momentum: YouTube · Bilibili · Slides   u: QR codes' (each name a hyperlink)."""
    if not links:
        return Text("")
    names = Text(" · ").join(link_text(link.name, link.url) for link in links)
    return Text.assemble(("▶ ", "bold"), (f"{links[0].title}: ", "bold"), names, (f"   {key_hint}: QR codes", "dim"))


class LinksLine(Static):
    """The section's links in one (wrapping) line; nothing shown when there are none."""

    DEFAULT_CSS = "LinksLine { height: auto; margin: 0 0 1 0; color: $text-muted; }"

    def __init__(self, section: str, **kwargs):
        self.links = links_for(section)
        super().__init__(links_line(self.links), **kwargs)

    def on_mount(self) -> None:
        self.display = bool(self.links)
