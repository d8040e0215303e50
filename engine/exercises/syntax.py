"""`ast.parse` that is safe to call from several threads at once.

CPython 3.11 keeps the depth counter of its C-to-Python AST conversion in state shared by all
threads; when the GIL passes to another thread mid-conversion (a garbage collection running
Python code is enough) a concurrent parse raises "SystemError: AST constructor recursion depth
mismatch" (python/cpython#106905, fixed in 3.12). Checks and the editor read the learner's file
from worker threads, so every parse in the engine goes through one lock.
"""

from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """ast.parse(source, filename), one thread at a time; raises SyntaxError as ast.parse does."""
    with _LOCK:
        return ast.parse(source, filename=filename)
