"""Text from learner code (prints, exception messages, reprs) made safe to show: every control character visible.

A terminal obeys the escape sequences in what it is sent: "\\x1b[2J" clears the screen, an OSC
sets the window title or writes the clipboard. Text the learner's code produced is shown with
each control character as its Unicode "control picture" (ESC as ␛, so "\\x1b[2J" reads "␛[2J"),
never passed on. Newlines and tabs stay; a carriage return, the C1 controls and the invisible
direction overrides (which reorder what a line appears to say) are shown too.
"""

from __future__ import annotations

_KEEP = "\n\t"
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}


def _picture(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟ (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\u27e8U+{code:04X}\u27e9"  # ⟨U+009B⟩: C1 controls and direction marks have no picture


_TABLE = {c: _picture(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0), *_BIDI) if chr(c) not in _KEEP}


def visible(text: str) -> str:
    """`text` with its control characters as visible symbols (idempotent: the symbols are plain text)."""
    return text.translate(_TABLE)
