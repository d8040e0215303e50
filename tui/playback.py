"""Play, pause and step through the iterations of a computed or streaming run: a frame index that a timer advances."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual.binding import Binding
from textual.widgets import Input, TextArea

SPEEDS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, math.inf)  # iterations per second
DEFAULT_SPEED = 100.0  # a 300-step run plays in 3 s
# The timer's period while playing: the frame rate asked of the screen. 20 frames a second moves a curve and a
# dot as smoothly as the eye follows a terminal's cells, at two thirds of 30's cost (8-10 ms of the UI's core a
# frame: 17-18% of a core instead of 25-30% while Sections 4 and 7 play; issue 23).
FRAME_SECONDS = 1 / 20
# Steppers on a screen with a player leave it Home, End, '.' and '-' (digits and Enter still type a value).
PLAYER_STEPPER: dict[str, Any] = {"edit_chars": "0123456789", "jump_keys": False}
KEYS_HINT = "space play/pause · ,/. step · -/+ speed · Home/End"
SHORT_HINT = "space ▶/‖ · ,/. step · -/+ speed"  # for a narrow column

PLAYER_BINDINGS = [
    Binding("space", "play_toggle", "play/pause"),
    Binding("full_stop", "play_step(1)", "step", key_display=".", show=False),
    Binding("comma", "play_step(-1)", "step back", key_display=",", show=False),
    Binding("plus,equals_sign", "play_speed(1)", "faster", key_display="+", show=False),
    Binding("minus", "play_speed(-1)", "slower", key_display="-", show=False),
    Binding("home", "play_jump(0)", "start", show=False),
    Binding("end", "play_jump(1)", "end", show=False),
]
# For a screen whose focused widgets keep Home, End, '.' and '-' for themselves (Section 7's steppers):
# the player's keys are taken first, except while an entry box is open (PlayerKeys.check_action).
PRIORITY_PLAYER_BINDINGS = [
    Binding(b.key, b.action, b.description, show=b.show, key_display=b.key_display, priority=True)
    for b in PLAYER_BINDINGS
]


def starting_speed(app) -> float:
    """The speed a new player starts at (app: the OptCourseApp): the config's when it names one; else
    instant where the learner turned Textual's animations off (TEXTUAL_ANIMATIONS=none, e.g. over a
    slow SSH link, where every frame is a redraw sent), else DEFAULT_SPEED. The learner can still
    slow an instant player down with - and play the run with space."""
    if app.config.player_speed is not None:
        return app.config.player_speed
    return math.inf if app.animation_level == "none" else DEFAULT_SPEED


def speed_label(speed: float) -> str:
    return "instant" if math.isinf(speed) else f"{speed:g} it/s"


class Playback:
    """Which iteration of a run is shown, and whether it moves on by itself.

    Iterations 0 .. length-1 are available; while `complete` is False more may come (a streaming
    run: the playhead waits at the newest one). While `playing`, a timer (see `attach`) moves the
    playhead at `speed` iterations per second and stops it at the last iteration of a complete
    run; speed inf ("instant") shows every new run at its end. `on_frame(frame)` is called each
    time the iteration shown or the playing state changes, and when a run is loaded. `clock` is
    injectable so tests need no sleeps.
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
        self._pos = 0.0  # the playhead in iterations, fractional between frames
        self._last: float | None = None  # the clock at the last advance
        self._timer = None
        self._node = None  # what the timer runs on: told when the playing state changes (the key bar's Esc says pause)

    # -- the run ---------------------------------------------------------------------------
    def load(self, length: int, *, total: int | None = None, complete: bool = True, play: bool = True) -> None:
        """A new run: from iteration 0, playing (at once at its end when play is False or the speed is instant)."""
        self.length, self.complete = max(0, int(length)), complete
        self.total = max(self.length, total or 0)
        at_end = not play or math.isinf(self.speed)
        self._pos = float(self.last if at_end else 0)
        self.frame = int(self._pos)
        self._last = self.clock()
        self._set_playing(not at_end or not complete)
        self._show()

    def extend(self, length: int, *, complete: bool | None = None) -> None:
        """A streaming run has more iterations (and, with complete=True, no more to come)."""
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

    def clear(self) -> None:
        self.length = self.total = self.frame = 0
        self._pos = 0.0
        self._set_playing(False)

    @property
    def last(self) -> int:
        return max(0, self.length - 1)

    @property
    def at_end(self) -> bool:
        return self.complete and self.frame >= self.last

    # -- the learner's keys ----------------------------------------------------------------
    def toggle(self) -> None:
        """Pause; or play on (from the start when it stands at the end of a complete run)."""
        if self.playing:
            self.pause()
            return
        if self.at_end:
            self.seek(0)
        self.play()

    def play(self) -> None:
        if self.length:
            self._set_playing(True)
            self._show()  # the status says "playing"

    def pause(self) -> None:
        self._set_playing(False)
        self._show()

    def step(self, n: int) -> None:
        """Pause and move n iterations (back when negative), kept within the run."""
        self._set_playing(False)
        self.seek(self.frame + n, force=True)

    def jump(self, end: bool) -> None:
        """End: pause at the last iteration (the final picture); Home: back to iteration 0, still playing if it was."""
        if end:
            self._set_playing(False)
        self.seek(self.last if end else 0, force=True)

    def change_speed(self, direction: int) -> None:
        """The next speed up or down the SPEEDS ladder; instant jumps to the end at once."""
        below = [s for s in SPEEDS if s < self.speed]
        above = [s for s in SPEEDS if s > self.speed]
        if direction > 0 and above:
            self.speed = above[0]
        elif direction < 0 and below:
            self.speed = below[-1]
        if math.isinf(self.speed) and self.complete:
            self.jump(True)
        elif math.isinf(self.speed):
            self.seek(self.last, force=True)  # a streaming run: follow the newest, still playing
        else:
            self._show()

    def seek(self, frame: int, *, force: bool = False) -> None:
        frame = min(max(0, int(frame)), self.last)
        self._pos, self._last = float(frame), self.clock()
        if frame != self.frame or force:
            self.frame = frame
            self._show()

    # -- the timer -------------------------------------------------------------------------
    def attach(self, node) -> None:
        """Drive the playhead from a Textual timer of `node` (paused while not playing, so idle costs nothing)."""
        self._timer = node.set_interval(FRAME_SECONDS, self.tick, pause=not self.playing)
        self._node = node

    def tick(self) -> None:
        """Move the playhead by speed x the time since the last advance; stop at the end of a complete run."""
        now = self.clock()
        if not self.playing or self._last is None:
            self._last = now
            return
        step = self.speed * (now - self._last) if math.isfinite(self.speed) else math.inf  # inf x 0 is nan
        self._pos = min(self._pos + step, float(self.last))
        self._last = now
        frame = int(self._pos + 1e-9)  # 9 + 100 x 0.2 is 28.999...: no frame lost to rounding
        if self.complete and frame >= self.last:
            self._set_playing(False)
            self.frame = self.last
            self._show()
        elif frame != self.frame:
            self.frame = frame
            self._show()

    def _set_playing(self, playing: bool) -> None:
        playing = playing and (self.length > 0 or not self.complete)  # a stream plays once its data comes
        if playing and not self.playing:
            self._last = self.clock()
        changed, self.playing = playing != self.playing, playing
        if self._timer is not None:
            self._timer.resume() if playing else self._timer.pause()
        if changed and self._node is not None:
            self._node.refresh_bindings()  # Esc pauses a play, or goes home: the key bar says which

    def _show(self) -> None:
        if self.length:
            self.on_frame(self.frame)

    # -- what the status line says ---------------------------------------------------------
    def label(self, *, of_total: bool = True) -> str:
        """E.g. "▶ iteration 57 of 300 · 100 it/s" (iterations count from 0, as the charts' x axes).

        ▶ playing, ‖ paused, ■ at the end of a complete run (glyphs most terminal fonts have).
        """
        mark = "▶" if self.playing else "■" if self.at_end else "‖"
        total = f" of {self.total}" if of_total else ""
        return f"{mark} iteration {self.frame}{total} · {speed_label(self.speed)}"


class PlayerKeys:
    """Mixin for a Screen: the player's keys act on `player()`, the Playback of the tab on show.

    Where `player()` is None, or a text box (one line or many) has the focus, the keys are not claimed (check_action
    is False), so they reach the focused widget as usual. Put it before the Screen class in the
    bases and add PLAYER_BINDINGS (or PRIORITY_PLAYER_BINDINGS) to BINDINGS: Textual merges the
    bindings of DOM classes only.
    """

    def player(self) -> Playback | None:
        return None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action.startswith("play_"):
            focused = self.focused  # type: ignore[attr-defined]
            return self.player() is not None and not isinstance(focused, (Input, TextArea))
        return super().check_action(action, parameters)  # type: ignore[misc]

    def plays_alone(self) -> bool:
        """Whether the shown player plays with no run in flight: Esc then pauses it, as it stops a run."""
        p = self.player()
        return p is not None and p.playing and not self.running  # type: ignore[attr-defined]

    def action_escape(self) -> None:
        if self.plays_alone() and self._checking_exercise() is None:  # type: ignore[attr-defined]
            self.player().pause()  # type: ignore[union-attr]
            return
        super().action_escape()  # type: ignore[misc]

    def essential_keys(self) -> list:
        keys = super().essential_keys()  # type: ignore[misc]
        if self.plays_alone():
            keys = [replace(k, label="pause") if k.press == "escape" and k.label == "home" else k for k in keys]
        return keys

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
