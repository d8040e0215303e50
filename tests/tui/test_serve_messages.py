"""`serve`: a tab's message that its page never sends ends that session with one line in the log, never a traceback.

Before, textual-serve's reader raised on it (JSONDecodeError, an AssertionError, KeyError) and the server logged the
traceback, locals and all; a size of strings reached the app's driver (issue 25). No process is started here.
"""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from aiohttp import WSMsgType

from tui.serve_server import MAX_CELLS, BadMessage, CourseServer, Policy, cells, read_message

BAD = [
    ("not json at all", "not JSON: 'not json at all'"),
    ("[" * 100_000, "not JSON: '[[[["),  # nested past the parser's recursion limit
    ('{"stdin": "x"}', "not a [type, data] list"),
    ("[]", "not a [type, data] list"),
    ("[1, 2]", "not a [type, data] list"),
    ('["stdin", 5]', "keys that are not text"),
    ('["resize", {"width": "abc", "height": 24}]', "not two whole numbers from 1 to 1000"),
    ('["resize", {"width": 100000, "height": 100000}]', "not two whole numbers"),
    ('["resize", {"width": 80.5, "height": 24}]', "not two whole numbers"),
    ('["resize", {"width": true, "height": 24}]', "not two whole numbers"),
    ('["resize", [80, 24]]', "not two whole numbers"),
]


@pytest.mark.parametrize(("text", "words"), BAD, ids=[t[:30] for t, _ in BAD])
def test_a_message_the_page_never_sends_is_named_in_one_short_line(text, words):
    with pytest.raises(BadMessage) as err:
        read_message(text)
    said = str(err.value)
    assert words in said and "\n" not in said and len(said) < 120


def test_the_pages_own_messages_are_read():
    assert read_message('["stdin", "q\\u00e9"]') == ("stdin", "qé")
    assert read_message('["resize", {"width": 120, "height": 40}]') == ("resize", (120, 40))
    assert read_message('["ping", "1234"]') == ("ping", "1234")
    assert read_message('["blur"]') == ("blur", None) and read_message('["focus"]') == ("focus", None)
    assert read_message('["later", {}]') == ("later", {})  # a newer page's message: the caller ignores it
    assert cells("120", 80) == 120 and cells(str(MAX_CELLS + 1), 80) == 80 and cells("0", 24) == 24
    assert cells("x", 24) == 24 and cells(None, 24) == 24


class FakeSocket:
    def __init__(self, *texts: str) -> None:
        self.messages = [SimpleNamespace(type=WSMsgType.TEXT, data=t, json=lambda t=t: json.loads(t)) for t in texts]
        self.sent: list = []

    def __aiter__(self):
        return self._each()

    async def _each(self):
        for m in self.messages:
            yield m

    async def send_json(self, data) -> None:
        self.sent.append(data)


class FakeService:
    def __init__(self) -> None:
        self.calls: list = []

    async def send_bytes(self, data: bytes) -> None:
        self.calls.append(("stdin", data))

    async def set_terminal_size(self, width: int, height: int) -> None:
        self.calls.append(("resize", width, height))


async def test_a_bad_message_ends_the_session_with_one_logged_line_and_no_traceback(caplog):
    policy = Policy(max_sessions=1, env={}, quit_grace=1.0, refusal=lambda *a: "", full_page=lambda n: "")
    server = CourseServer("true", "127.0.0.1", 0, policy)
    socket = FakeSocket(
        json.dumps(["stdin", "a\ud800"]),  # a lone surrogate (valid JSON): sent as "?", not raised
        json.dumps(["resize", {"width": 90, "height": 30}]),
        json.dumps(["ping", "7"]),
        "}{ not json",
        json.dumps(["stdin", "never sent"]),
    )
    service = FakeService()
    with caplog.at_level(logging.INFO, logger="textual-serve"):
        await server._process_messages(socket, service)  # type: ignore[arg-type]
    assert service.calls == [("stdin", b"a?"), ("resize", 90, 30)] and socket.sent == [["pong", "7"]]
    [record] = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage() == "A tab sent a message that is not JSON: '}{ not json': its session is closed."
