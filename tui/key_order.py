"""Keys are handled in order: each goes to the widget that has the focus once the keys before it are done.

Textual routes a key to the focused widget when the app takes it from its queue, but what an
earlier key did to the focus is applied later: a binding runs only once the key has bubbled back
up to the app, `Widget.focus()` is a callback queued behind the keys already waiting, and a tab
bar tells its screen through messages. Typed quickly, or on a loaded machine where keys pile up,
the keys after a digit that opens a stepper's entry box, or after Tab, `]` or `e`, went to the
widget focused before: "1e-3" arrived as "1", and an `s` after `e` revealed the solution.

So a key that may move the focus holds the next ones back until it is done: handled where it was
sent and by every widget it bubbled through (a callback queued behind it on each in turn), then
by the app, and what it set off has travelled SETTLE_ROUNDS messages on. Text typed into a box,
and the keys that move a cursor or scroll, move no focus: they go on at once, so a burst of them
is drawn once, not once per key. A key whose path stalls is let go at once when the widget it
waits on has gone, else after KEY_LIMIT_S: a loaded machine makes the path slow, never cut short.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from textual import events
from textual.app import App
from textual.message_pump import MessagePump
from textual.widgets import Input, TextArea

from .typed_text import BoundedInput

KEY_CHECK_S = 0.5  # how often a key in flight checks that the widget it waits on is still there
KEY_LIMIT_S = 10.0  # the longest a key holds the next ones back
SETTLE_ROUNDS = 6  # a focus change set off by a key travels a few messages (a tab bar, its TabbedContent, the screen)
# Keys that move a cursor or scroll: they never move the focus, and holding one down must not wait for
# a picture per key (a stepper's arrow restarts a demo).
MOVING = frozenset({"up", "down", "left", "right", "home", "end", "pageup", "pagedown", "backspace", "delete"})


class KeysInOrder(App[None]):
    """The App part that holds keys back until the key before them is done (see the module)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._key_in_flight: events.Key | None = None
        self._key_check: asyncio.TimerHandle | None = None
        self._key_node: MessagePump | None = None  # where the key in flight is awaited
        self._key_since = 0.0
        self._keys_waiting: deque[events.Key] = deque()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self._key_in_flight is None:
                await self._route_keys(event)
            else:
                self._keys_waiting.append(event)
            return
        await super().on_event(event)

    async def _route_keys(self, key: events.Key | None) -> None:
        """Route `key`, then the keys waiting behind it, until one has to be followed to its end."""
        while key is not None:
            focused = self.focused
            if isinstance(focused, BoundedInput) and focused.refuses(key):
                # Text past a full box's bound (a paste arriving as keys): dropped before Textual looks up the
                # key's bindings along the focus chain, which cost ~0.3 ms a key (a megabyte took minutes).
                key = self._keys_waiting.popleft() if self._keys_waiting else None
                continue
            followed = self._moves_focus(key)
            self._key_in_flight = key
            await super().on_event(key)  # a priority binding, or on to the focused widget
            if followed or not key.is_forwarded:
                self._follow(key)
                return
            self._key_in_flight = None
            key = self._keys_waiting.popleft() if self._keys_waiting else None

    def _moves_focus(self, key: events.Key) -> bool:
        """Whether `key` may move the focus. Text typed into a box, and the keys that move a cursor or
        scroll, never do: the next key may go the same way at once (one picture for a burst, not one per key)."""
        if key.key.rpartition("+")[2] in MOVING:
            return False
        focused = self.focused
        return not (isinstance(focused, (Input, TextArea)) and focused.check_consume_key(key.key, key.character))

    def _follow(self, key: events.Key) -> None:
        self._key_since = time.monotonic()
        self._key_check = asyncio.get_running_loop().call_later(KEY_CHECK_S, self._check_stalled, key)
        self._after(key, (self.focused or self.screen) if key.is_forwarded else self)

    def _check_stalled(self, key: events.Key) -> None:
        """Let `key` go if the widget it waits on has gone, or it has waited KEY_LIMIT_S; else look again later."""
        if key is not self._key_in_flight:
            return
        node = self._key_node
        gone = node is not None and node is not self and (node._closing or node._closed or not node.is_attached)
        if gone or time.monotonic() - self._key_since > KEY_LIMIT_S:
            self.call_later(self._key_done, key)
        else:
            self._key_check = asyncio.get_running_loop().call_later(KEY_CHECK_S, self._check_stalled, key)

    def _after(self, key: events.Key, node: MessagePump) -> None:
        """Queue the next step behind `key` on `node`."""
        if key is not self._key_in_flight:
            return
        if node is self:
            self._queue(self, self._app_round, key)
        else:
            self._queue(node, self._handled_by, key, node)

    def _handled_by(self, key: events.Key, node: MessagePump) -> None:
        """`node` has handled `key`: follow it to where it bubbled, or finish where it stopped."""
        parent = node._parent
        if key._stop_propagation or parent is None:
            self._after(key, self)
        else:
            self._after(key, parent)

    def _app_round(self, key: events.Key) -> None:
        """The app has handled the key: now wait for what it set off elsewhere (see _settle)."""
        self._settle(key, SETTLE_ROUNDS)

    def _settle(self, key: events.Key, rounds: int) -> None:
        """Wait, `rounds` times at most, for every node with messages queued to have handled them.

        What the key set off travels as messages (a tab bar tells its TabbedContent, which tells the
        screen, which moves the focus): each round lets every busy node take what it has, so the
        focus is where it will be before the next key is routed.
        """
        if key is not self._key_in_flight:
            return
        busy = [n for n in (self, *self.screen.walk_children(with_self=True)) if not n._message_queue.empty()]
        if not busy or rounds == 0:
            self.call_later(self._key_done, key)
            return
        left = len(busy)

        def one_done() -> None:
            nonlocal left
            left -= 1
            if left == 0:
                self._settle(key, rounds - 1)

        for node in busy:
            if not node.call_later(one_done):
                one_done()

    def _queue(self, node: MessagePump, callback, *args) -> None:
        self._key_node = node
        if not node.call_later(callback, *args):  # closed: nothing more will run there
            self.call_later(self._key_done, args[0])

    async def _key_done(self, key: events.Key) -> None:
        if key is not self._key_in_flight:
            return
        if self._key_check is not None:
            self._key_check.cancel()
        self._key_in_flight = self._key_check = self._key_node = None
        if self._keys_waiting:
            await self._route_keys(self._keys_waiting.popleft())
