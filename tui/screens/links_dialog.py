"""The section's videos, slides and sites as a list, with the chosen one's QR code for a phone to scan.

Offline or over SSH the learner watches on another device: the dialog never opens a link
itself (not even on Enter, which only copies the address to the clipboard where the terminal
allows it); each address is also an OSC 8 hyperlink that a capable terminal can open.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..course_links import Link
from ..dialogs.once import DismissedOnce
from ..widgets.links_line import link_text
from ..widgets.qr import QRCode


class LinksDialog(DismissedOnce, ModalScreen[None]):
    """↑/↓ choose a link; its QR code is drawn on the left; Esc, q or u closes."""

    BINDINGS = [Binding("escape,q,u", "dismiss", "close")]
    CSS_PATH = "links_dialog.tcss"

    def __init__(self, links: tuple[Link, ...], where: str):
        super().__init__()
        self.links, self.where = links, where

    def compose(self) -> ComposeResult:
        first = self.links[0].url if self.links else ""
        with Horizontal(id="links-box") as box:
            box.border_title = f"Videos and links — {self.where}"
            yield QRCode(first, id="links-qr")
            with Vertical(id="links-side"):
                yield Static("Scan the code with your phone", id="links-title")
                if self.links:
                    yield OptionList(*(Option(Text(link.label), id=str(i)) for i, link in enumerate(self.links)))
                else:
                    yield Static("This section has no links (assets/links.toml is missing or has none).")
                yield Static("", id="links-url")
                yield Static("", id="links-small")
                yield Static(
                    "↑/↓ choose · Enter copies the address · Esc closes. The app never opens a link itself.",
                    id="links-hint",
                )

    def on_mount(self) -> None:
        self._show(0)
        if self.links:
            self.query_one(OptionList).focus()

    def on_resize(self) -> None:
        self._fit()

    @property
    def chosen(self) -> Link | None:
        lists = self.query(OptionList)
        index = lists.first().highlighted if lists else None
        return self.links[index or 0] if self.links else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_copy()  # Enter: copy, never open

    def _show(self, index: int) -> None:
        if not self.links:
            self.query_one(QRCode).display = False
            return
        link = self.links[index]
        self.query_one(QRCode).data = link.url
        self.query_one("#links-url", Static).update(link_text(link.url, link.url))
        self._fit()

    def _fit(self) -> None:
        """Hide the code when the terminal is too small to draw it whole (a cut code does not scan)."""
        qr = self.query_one(QRCode)
        if not self.links:
            return
        need_h, need_w = len(qr.lines) + 2, len(qr.lines[0]) + 4 + 20
        fits = self.size.height >= need_h and self.size.width >= need_w
        qr.display = fits
        small = self.query_one("#links-small", Static)
        small.update("" if fits else f"Make the terminal at least {need_w}x{need_h} to show the QR code.")

    def action_copy(self) -> None:
        link = self.chosen
        if link is not None:
            self.app.copy_to_clipboard(link.url)
            self.query_one("#links-small", Static).update("Address copied (where your terminal allows it).")
