"""A screen draws a change at its update timer's next tick, not at the tick after it."""

from __future__ import annotations

from asyncio import sleep

from textual import _time
from textual.timer import EventTargetGone, Timer, TimerCallback


class NextTickTimer(Timer):
    """Textual's Timer, except that a timer behind its schedule waits for its next tick.

    Textual's own (textual/timer.py, the `_skip` branch) aims at the tick after next: a screen's
    update timer that has been paused since its last frame, or whose last frame took longer than a
    tick (a chart built in it), made the next change wait 17-33 ms at 60 ticks a second, while a
    run streamed frames in, a key's picture too: over half of the 50 ms a key may take.
    """

    async def _run(self) -> None:
        count = 0
        _repeat = self._repeat
        _interval = self._interval
        await self._active.wait()
        start = _time.get_time()
        while _repeat is None or count <= _repeat:
            next_timer = start + ((count + 1) * _interval)
            now = _time.get_time()
            if self._skip and next_timer < now:
                count = int((now - start) / _interval)  # Textual adds one here: the tick after next
                continue
            await sleep(max(0, next_timer - _time.get_time()))
            count += 1
            await self._active.wait()
            if self._reset:
                start = _time.get_time()
                count = 0
                self._reset = False
                continue
            try:
                await self._tick(next_timer=next_timer, count=count)
            except EventTargetGone:
                break


class FramesOnTheNextTick:
    """A Screen mixin (put before Screen): its update timer is a NextTickTimer."""

    def set_interval(
        self,
        interval: float,
        callback: TimerCallback | None = None,
        *,
        name: str | None = None,
        repeat: int = 0,
        pause: bool = False,
    ) -> Timer:
        if name != "screen_update":  # Screen._update_timer's: the others as Textual makes them
            return super().set_interval(interval, callback, name=name, repeat=repeat, pause=pause)  # type: ignore[misc]
        timer = NextTickTimer(self, interval, name=name, callback=callback, repeat=repeat or None, pause=pause)  # type: ignore[arg-type]
        timer._start()
        self._timers.add(timer)  # type: ignore[attr-defined]
        return timer
