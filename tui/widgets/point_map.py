"""A focusable HeatMap whose arrow keys move a chosen point (shift for bigger moves)."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message

from .heatmap import HeatMap


class PointMap(HeatMap, can_focus=True):
    """Arrows post Moved(dx, dy) in steps of `step` data units (shift: `big_step`); the owner moves the point."""

    BINDINGS = [
        Binding("left", "move(-1, 0)", "move start", key_display="←↑↓→"),
        Binding("right", "move(1, 0)", "move start", show=False),
        Binding("up", "move(0, 1)", "move start", show=False),
        Binding("down", "move(0, -1)", "move start", show=False),
        Binding("shift+left", "move(-1, 0, True)", "big move", key_display="shift+arrows"),
        Binding("shift+right", "move(1, 0, True)", "big move", show=False),
        Binding("shift+up", "move(0, 1, True)", "big move", show=False),
        Binding("shift+down", "move(0, -1, True)", "big move", show=False),
    ]
    DEFAULT_CSS = """
    PointMap { border: round $primary 30%; }
    PointMap:focus { border: round $accent; }
    """

    class Moved(Message):
        """The learner asked to move the point by (dx, dy) data units."""

        def __init__(self, point_map: PointMap, dx: float, dy: float) -> None:
            super().__init__()
            self.point_map, self.dx, self.dy = point_map, dx, dy

        @property
        def control(self) -> PointMap:
            return self.point_map

    def __init__(self, *, step: float = 0.1, big_step: float = 0.5, **kwargs) -> None:
        super().__init__(**kwargs)
        self.step, self.big_step = step, big_step

    def action_move(self, dx: int, dy: int, big: bool = False) -> None:
        size = self.big_step if big else self.step
        self.post_message(self.Moved(self, dx * size, dy * size))
