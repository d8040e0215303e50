"""Random key storms for Pilot tests: bursts typed as a fast terminal sends them, and a report to replay a crash.

A burst's keys are all queued before the app handles the first (Pilot's press() waits between
keys, which hides the faults of keys that arrive while a screen is still opening or closing).
"""

from __future__ import annotations

import asyncio
import random
import string
import threading
import unicodedata

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.screen import ModalScreen

from engine.events import Failed
from engine.exercises.report import CheckReport

from .fakes import IdleExecutor

# Keys that move around (sections, tabs, dialogs, help, palette) and keys that act on lists and text.
NAVIGATION = [
    *"nphqsbuwoxdecirt12345678",
    *["enter", "escape", "escape", "tab", "shift+tab", "question_mark", "f1", "ctrl+p", "space", "backspace"],
    *["left_square_bracket", "right_square_bracket", "ctrl+pageup", "ctrl+pagedown", "delete"],
    *["up", "down", "left", "right", "pageup", "pagedown", "home", "end", "shift+left", "shift+right"],
]
PRINTABLE = string.ascii_letters + string.digits + string.punctuation + " "
OTHERS = [f"f{i}" for i in range(2, 13)] + [f"ctrl+{c}" for c in "abdefghklnorstuvwxy"] + ["ctrl+home", "ctrl+end"]
BURST = (1, 8)  # keys in one burst
FREEZE_S = 60.0  # a burst the app has not handled in this long counts as a freeze


def key_name(character: str) -> str:
    return character if character.isalnum() else _character_to_key(character)


def key_event(ch: str) -> events.Key:
    """The Key event the terminal driver makes of one typed character."""
    return events.Key({"\t": "tab", "\r": "enter"}.get(ch) or key_name(ch), ch)


def random_burst(rng: random.Random, bound: list[str]) -> list[str]:
    """Keys of one burst: navigation keys, the keys bound on the screen now, and any printable or odd key."""
    keys = []
    for _ in range(rng.randint(*BURST)):
        r = rng.random()
        if r < 0.4:
            keys.append(rng.choice(NAVIGATION))
        elif r < 0.65 and bound:
            keys.append(rng.choice(bound))
        elif r < 0.9:
            keys.append(key_name(rng.choice(PRINTABLE)))
        else:
            keys.append(rng.choice(OTHERS))
    return keys


def type_at_once(app, keys: list[str]) -> None:
    """Queue every key as the terminal driver would, without waiting for the app between them."""
    for key in keys:
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


class StormExecutor(IdleExecutor):
    """The engine for a storm: a run stays in flight or fails at once (seeded), so both paths are taken cheaply."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def start(self, run) -> None:
        if self.rng.random() < 0.5:
            run.deliver([Failed("the storm's engine refused this run")], True)


def quick_check(path, exercise, *, cancel: threading.Event | None = None, **_) -> CheckReport:
    """The exercise check without its Python process: a moment, then a failed report (or stopped by Esc)."""
    if cancel is not None and cancel.wait(0.05):
        return CheckReport(exercise, "cancelled", "Check stopped.")
    return CheckReport(exercise, "failed", "The storm's checker found a mistake.")


class Storm:
    """Types bursts into a running app and fails, with the seed and the bursts, when it crashes or freezes."""

    def __init__(self, app, pilot, seed: int, where: str) -> None:
        self.app, self.pilot, self.seed, self.where = app, pilot, seed, where
        self.bursts: list[tuple[str, list[str]]] = []  # (where it was typed, keys)
        self.quits = 0

    def report(self, what: str) -> str:
        lines = [f"{what} (storm seed {self.seed}, {self.where}); the last bursts, each typed at once:"]
        lines += [f"  on {at}: {' '.join(keys)}" for at, keys in self.bursts[-6:]] or ["  (none)"]
        lines.append(f"Replay: OPTCOURSE_STORM_SEED={self.seed} pytest tests/tui/test_key_storm.py")
        return "\n".join(lines)

    def place(self) -> str:
        screen = self.app.screen
        name = type(screen).__name__
        tabs = screen.query("#tabs")
        return f"{name}/{tabs.first().active}" if tabs and not isinstance(screen, ModalScreen) else name

    async def burst(self, keys: list[str]) -> None:
        self.bursts.append((self.place(), keys))
        type_at_once(self.app, keys)
        try:
            await asyncio.wait_for(self.handled(), FREEZE_S)
        except TimeoutError:
            raise AssertionError(self.report(f"the app froze: a burst was not handled in {FREEZE_S:.0f} s")) from None
        self.check()

    async def handled(self) -> None:
        """Until the app has taken every key of the burst (tui.key_order holds keys back behind one in flight)."""
        await self.pilot.pause()
        while self.app._exception is None and (self.app._key_in_flight is not None or self.app._keys_waiting):
            await self.pilot.pause(0.01)

    def check(self) -> None:
        if self.app._exception is not None:
            error = self.app._exception
            self.app._exception = None  # reported here, with the keys, rather than re-raised by run_test bare
            raise AssertionError(self.report(f"the app crashed: {type(error).__name__}: {error}")) from error

    async def close_dialogs(self) -> None:
        while isinstance(self.app.screen, ModalScreen):
            self.app.pop_screen()
            await self.pilot.pause()
