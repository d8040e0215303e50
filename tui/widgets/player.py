"""Play, pause and step through a computed or streaming run: an iteration index a timer advances, and its keys.

The API matches tui.playback (written for Sections 4 and 5 on another branch) so the two can be
one: Playback(on_frame).load / extend / toggle / step / jump / change_speed / attach, PLAYER_BINDINGS
and the PlayerKeys mixin with the play_* actions. The one difference: these bindings are priority
bindings, because a focused Stepper here still takes Home, End, '.' and '-' for itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from textual.binding import Binding
from textual.widgets import Input

SPEEDS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, math.inf)  # iterations per second
DEFAULT_SPEED = 100.0  # a 300-step run plays in 3 s
FRAME_SECONDS = 1 / 30  # the timer's period while playing; charts coalesce what they cannot draw

PLAYER_BINDINGS = [
    Binding("space", "play_toggle", "play/pause", priority=True),
    Binding("full_stop", "play_step(1)", "step", key_display=".", show=False, priority=True),
    Binding("comma", "play_step(-1)", "step back", key_display=",", show=False, priority=True),
    Binding("plus,equals_sign", "play_speed(1)", "faster", key_display="+", show=False, priority=True),
    Binding("minus", "play_speed(-1)", "slower", key_display="-", show=False, priority=True),
    Binding("home", "play_jump(0)", "start", show=False, priority=True),
    Binding("end", "play_jump(1)", "end", show=False, priority=True),
]


def speed_label(speed: float) -> str:
    return "instant" if math.isinf(speed) else f"{speed:g} it/s"


class Playback:
    """Which iteration of a run is shown (`frame`), and whether it moves on by itself (`playing`).

    Iterations 0 .. length-1 are available; while `complete` is False more may come (a streaming
    run: the playhead waits at the newest). While playing, a timer (`attach`) moves the playhead
    at `speed` iterations per second and stops it at the last iteration of a complete run; the
    speed inf ("instant") always shows the newest. `on_frame(frame)` is called whenever the
    iteration shown or the playing state changes. `clock` is injectable so tests need no sleeps.
    """

    def __init__(
        self,
        on_frame: Callable[[int], None],
        *,
        speed: float = DEFAULT_SPEED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.on_frame, self.speed, self.clock = on_frame, speed, clock
        self.length, self.total, self.complete = 0, 0, True
        self.frame, self.playing = 0, False
        self._pos = 0.0  # the playhead in iterations, fractional between two frames
        self._last: float | None = None  # the clock at the last advance
        self._timer = None

    # -- the run ----------------------------------------------------------------------------
    def load(self, length: int, *, total: int | None = None, complete: bool = True, play: bool = True) -> None:
        """A new run, shown from iteration 0 and playing (at its newest at once if not play, or instant)."""
        self.length, self.complete = max(0, int(length)), complete
        self.total = max(self.length, total or 0)
        newest = not play or math.isinf(self.speed)
        self._pos = float(self.last if newest else 0)
        self.frame = int(self._pos)
        self._last = self.clock()
        self._set_playing(play or not complete)
        self._show()

    def extend(self, length: int, *, complete: bool | None = None) -> None:
        """More iterations of a streaming run (complete=True: and no more to come)."""
        self.length = max(self.length, int(length))
        self.total = max(self.total, self.length)
        if complete is not None:
            self.complete = complete
        if self.playing and math.isinf(self.speed):
            self.seek(self.last)
        elif self.playing:
            self.tick()
        if complete:
            self._show()  # the status says the run is over

    @property
    def last(self) -> int:
        return max(0, self.length - 1)

    @property
    def at_end(self) -> bool:
        return self.complete and self.frame >= self.last

    # -- the learner's keys -----------------------------------------------------------------
    def toggle(self) -> None:
        """Pause; or play on (from iteration 0 when standing at the end of a complete run)."""
        if self.playing:
            self.pause()
            return
        if self.at_end:
            self.seek(0)
        self.play()

    def play(self) -> None:
        self._set_playing(True)
        self._show()

    def pause(self) -> None:
        self._set_playing(False)
        self._show()

    def step(self, n: int) -> None:
        """Pause and move n iterations (back when negative), within what is computed."""
        self._set_playing(False)
        self.seek(self.frame + n, force=True)

    def jump(self, end: bool) -> None:
        """End: the newest picture at once, paused; Home: back to iteration 0, still playing if it was."""
        if end:
            self._set_playing(False)
        self.seek(self.last if end else 0, force=True)

    def change_speed(self, direction: int) -> None:
        """One step up or down SPEEDS; instant shows the newest at once."""
        faster = [s for s in SPEEDS if s > self.speed]
        slower = [s for s in SPEEDS if s < self.speed]
        if direction > 0 and faster:
            self.speed = faster[0]
        elif direction < 0 and slower:
            self.speed = slower[-1]
        if math.isinf(self.speed):
            self.seek(self.last, force=True)
        else:
            self._show()

    def seek(self, frame: int, *, force: bool = False) -> None:
        frame = min(max(0, int(frame)), self.last)
        self._pos, self._last = float(frame), self.clock()
        if frame != self.frame or force:
            self.frame = frame
            self._show()

    # -- the timer --------------------------------------------------------------------------
    def attach(self, node) -> None:
        """Drive the playhead from a timer of the Textual `node`, paused while not playing (idle costs nothing)."""
        self._timer = node.set_interval(FRAME_SECONDS, self.tick, pause=not self.playing)

    def tick(self) -> None:
        """Move the playhead by speed x the time since the last advance; stop at the end of a complete run."""
        now = self.clock()
        if not self.playing or self._last is None:
            self._last = now
            return
        step = self.speed * (now - self._last) if math.isfinite(self.speed) else math.inf
        self._pos = min(self._pos + step, float(self.last))
        self._last = now
        frame = int(self._pos + 1e-9)  # 0.1 + 0.2 style sums must not lose a frame
        if self.complete and frame >= self.last:
            self.frame = self.last
            self._set_playing(False)
            self._show()
        elif frame != self.frame:
            self.frame = frame
            self._show()

    def _set_playing(self, playing: bool) -> None:
        if playing and not self.playing:
            self._last = self.clock()
        self.playing = playing
        if self._timer is not None:
            self._timer.resume() if playing else self._timer.pause()

    def _show(self) -> None:
        self.on_frame(self.frame)

    # -- what the status says ---------------------------------------------------------------
    def label(self) -> str:
        """E.g. "▶ iteration 57 · 100 it/s"; ‖ paused, ■ at the end of a complete run (glyphs most fonts have)."""
        mark = "▶" if self.playing else "■" if self.at_end else "‖"
        return f"{mark} iteration {self.frame} · {speed_label(self.speed)}"


class PlayerKeys:
    """Mixin for a Screen (before Screen in the bases): the player's keys act on `player()`.

    Where `player()` is None, or an entry box has the focus, the keys are not claimed
    (check_action is False), so they reach the focused widget as usual. Add PLAYER_BINDINGS to
    the screen's BINDINGS (Textual merges bindings of DOM classes only).
    """

    def player(self) -> Playback | None:
        return None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action.startswith("play_"):
            focused = self.focused  # type: ignore[attr-defined]
            return self.player() is not None and not isinstance(focused, Input)
        return super().check_action(action, parameters)  # type: ignore[misc]

    def action_play_toggle(self) -> None:
        if (p := self.player()) is not None:
            p.toggle()

    def action_play_step(self, n: int) -> None:
        if (p := self.player()) is not None:
            p.step(n)

    def action_play_speed(self, direction: int) -> None:
        if (p := self.player()) is not None:
            p.change_speed(direction)

    def action_play_jump(self, end: int) -> None:
        if (p := self.player()) is not None:
            p.jump(bool(end))
