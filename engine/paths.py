"""Where shipped assets, caches and the learner's own files live."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "optcourse-tui"


def assets_dir() -> Path:
    """The shipped assets: next to the engine in a wheel, at the repository root in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_assets", here.parent / "assets"):
        if (candidate / "lessons").is_dir() or (candidate / "mnist").is_dir():
            return candidate
    raise FileNotFoundError(f"optcourse-tui assets not found next to {here}; reinstall the package (pip install .)")


def cache_dir() -> Path:
    """Derived data that can be rebuilt at any time (OPTCOURSE_CACHE overrides)."""
    env = os.environ.get("OPTCOURSE_CACHE")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME))


def data_dir() -> Path:
    """The learner's own files: progress, answers, workspace, run history (OPTCOURSE_HOME overrides)."""
    env = os.environ.get("OPTCOURSE_HOME")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))
