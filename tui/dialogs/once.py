"""Modal screens closed once: a second dismiss, from keys queued before the first closed them, is ignored."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.await_complete import AwaitComplete

if TYPE_CHECKING:
    from textual.screen import Screen

    _Mixin = Screen
else:
    _Mixin = object  # not a DOMNode: Textual takes CSS, bindings and component classes from the first DOMNode base


class DismissedOnce(_Mixin):
    """Mix in before ModalScreen: dismiss() acts only while this screen is the one on top.

    Textual 8.2.8's Screen.dismiss pops whatever screen is on top: two closing keys typed at once
    (Enter Enter in the palette, Esc q in the help) reached the dialog before the first had closed
    it, and the second popped the section below, then the home screen ("Can't pop screen",
    "No screens on stack", IndexError in switch_screen), ending the app.
    """

    def dismiss(self, result=None) -> AwaitComplete:
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)
