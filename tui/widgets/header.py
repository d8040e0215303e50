"""The app's header: the screen's title, then as much of the device line as fits whole (never cut with "…")."""

from __future__ import annotations

from textual.content import Content
from textual.events import Mount
from textual.widget import Widget
from textual.widgets import Header
from textual.widgets._header import HeaderTitle

SIDES = 18  # columns of the header taken by the icon (8) and the clock space (10) beside the title
DASH = " — "


def device_variants(sub_title: str) -> list[str]:
    """The sub-title, then shorter forms: "device cpu: AMD EPYC (2 threads)" -> "cpu: AMD EPYC (2 threads)" -> "cpu"."""
    variants = [sub_title]
    bare = sub_title.removeprefix("device ")
    if bare != sub_title:
        variants.append(bare)
    kind = bare.split(":", 1)[0].strip()
    if kind and kind != bare:
        variants.append(kind)
    return variants


def fitted_title(title: str, sub_title: str, room: int) -> tuple[str, str]:
    """(title, sub-title) where the sub-title is its longest form that fits in `room` columns beside the title."""
    for sub in device_variants(sub_title) if sub_title else []:
        if len(title) + len(DASH) + len(sub) <= room:
            return title, sub
    return title, ""


class CourseHeader(Header):
    """Header whose sub-title (the device) shortens to fit the width instead of being cut at its end."""

    def format_title(self) -> Content:
        room = (self.size.width or self.app.size.width) - SIDES
        title, sub = fitted_title(self.screen_title, self.screen_sub_title, room)
        return self.app.format_title(title, sub)

    def _on_mount(self, event: Mount) -> None:
        # Textual 8.2's Header._on_mount watches the four titles with a coroutine that query_one()s its
        # HeaderTitle: run late, by the app or the screen, for a header whose screen was already being
        # taken down (a section opened and left in one burst of keys), it raised NoMatches and ended the
        # app. The same watches here, synchronous and quiet when the title is gone.
        event.prevent_default()  # not Header's own
        Widget._on_mount(self, event)
        for node in (self.app, self.screen):
            self.watch(node, "title", self._show_title)
            self.watch(node, "sub_title", self._show_title)

    def _show_title(self) -> None:
        for title in self.query(HeaderTitle):
            title.update(self.format_title())

    def on_resize(self) -> None:
        self._show_title()
