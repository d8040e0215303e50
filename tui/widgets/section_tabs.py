"""The section screens' tabs: a pane's content is mounted the first time the pane is shown, not with the screen."""

from __future__ import annotations

from textual.await_complete import AwaitComplete
from textual.widget import AwaitMount, Widget
from textual.widgets import TabbedContent, TabPane


class SectionTabs(TabbedContent):
    """A TabbedContent that mounts only its first pane's content with the screen; `build(pane_id)` mounts another's.

    Opening a section used to mount every tab (110-170 widgets, each styled) before the first frame;
    most visits read the Lesson and one demo. Panes are composed as usual (`with TabPane(...)` and
    the widgets under it), so a screen's compose is unchanged: what a pane holds is kept, unmounted,
    until the pane is first shown (tui.screens.section.SectionScreen builds it before showing it).
    """

    def __init__(self, *titles, **kwargs) -> None:
        super().__init__(*titles, **kwargs)
        self._deferred: dict[str, list[Widget]] = {}  # pane id -> its content, not mounted yet
        self._mounting: dict[str, AwaitMount] = {}  # pane id -> the mount in progress

    def compose_add_child(self, widget: Widget) -> None:
        super().compose_add_child(widget)
        first = len(self._tab_content) == 1 if not self._initial else widget.id == self._initial
        if isinstance(widget, TabPane) and widget.id and not first:
            # What `with TabPane(...):` yielded waits in the pane's _pending_children until the pane
            # mounts (Textual 8.2, pinned in pyproject.toml); it is taken out and mounted by build().
            self._deferred[widget.id] = list(widget._pending_children)
            widget._pending_children.clear()

    def holds(self, kinds: tuple[type, ...]) -> bool:
        """Whether a pane not built yet was composed with a widget of one of these types (at any depth of
        what its compose yielded; not what those widgets will compose themselves once mounted)."""
        stack = [w for content in self._deferred.values() for w in content]
        while stack:
            widget = stack.pop()
            if isinstance(widget, kinds):
                return True
            stack.extend(widget._pending_children)
        return False

    @property
    def building(self) -> bool:
        """Whether a pane's content is being mounted now (its first-shown work follows at once)."""
        return bool(self._mounting)

    def is_ready(self, pane_id: str) -> bool:
        """Whether the pane's content is mounted (not deferred, not mounting); True for an unknown id."""
        return pane_id not in self._deferred and pane_id not in self._mounting

    def is_built(self, pane_id: str) -> bool:
        """Whether the pane's content is mounted (or mounting); True for an unknown id."""
        return pane_id not in self._deferred

    def build(self, pane_id: str) -> AwaitComplete:
        """Mount the pane's content if it is not yet; await it to have every widget of the pane mounted."""
        content = self._deferred.pop(pane_id, None)
        if content is not None:
            self._mounting[pane_id] = self.get_pane(pane_id).mount_all(content)
        mounting = self._mounting.get(pane_id)

        async def built() -> None:
            if mounting is not None:
                await mounting
                self._mounting.pop(pane_id, None)

        return AwaitComplete(built())
