"""A Static for text that changes many times a second (status, progress, player lines) without layout passes."""

from __future__ import annotations

from rich.console import RenderableType
from textual.widget import Widget
from textual.widgets import Static


class StatusLine(Static):
    """`show(text)` repaints only when the text changed, and asks for a layout pass of the screen only
    when the new text needs another height (auto height) or could need another width (auto width).

    Why: a layout of a whole section screen costs tens of milliseconds of the UI's core, which on a
    2-core machine is the engine's other core; a status that changes ten times a second while a run
    trains must not cost ten layouts a second.
    """

    _shown: RenderableType | None = None

    def show(self, content: RenderableType) -> None:
        if self._shown is not None and content == self._shown:
            return
        self._shown = content
        styles = self.styles
        # No width in the CSS fills the container (Textual's box model), as 1fr does; auto follows the text.
        if (styles.width is not None and styles.width.is_auto) or not self.is_mounted or not self.size.width:
            self.update(content)  # its width follows the text, or it has no size yet: let Textual lay it out
            return
        self.update(content, layout=False)
        if styles.height is not None and styles.height.is_auto:
            width = self.content_region.width
            container = self.parent.size if isinstance(self.parent, Widget) else self.screen.size
            if self.get_content_height(container, self.screen.size, width) != self.content_region.height:
                self.refresh(layout=True)
