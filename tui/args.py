"""The app's command-line flags, checked before anything starts (shared by `optcourse-tui` and each served tab)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from . import sections


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="optcourse-tui",
        description="Learn optimization for deep learning by running it: the Neuromatch Academy "
        "W1D5 unit as live terminal demos, computed by PyTorch.",
        epilog="optcourse-tui serve [--port N] [flags]: the app in a web browser (see optcourse-tui serve --help).",
    )
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="where computations run; auto = CUDA when present (default: auto)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="a folder with MNIST in torchvision layout (DIR/MNIST/raw); "
        "default: $OPTCOURSE_DATA, else the bundled copy",
    )
    parser.add_argument("--section", metavar="N", help="open at a section: 1-8, S (summary), B (bonus) or its name")
    parser.add_argument(
        "--workspace", type=Path, metavar="DIR", help="folder for your exercise file (default: your user data folder)"
    )
    parser.add_argument(
        "--reset-progress",
        action="store_true",
        help="clear your progress and answers (asks first; your exercise file is kept unless you confirm separately)",
    )
    args = parser.parse_args(argv)
    if args.section is not None:
        try:
            args.section = sections.find(args.section).key
        except KeyError:
            choices = ", ".join(s.number for s in sections.SECTIONS)
            parser.error(f"unknown section {args.section!r}; choose one of {choices} or a section name")
    from engine.mnist_files import DataError, resolve_source  # torch-free: only looks for the files
    from engine.typed_paths import PathError, check_lengths, folder_to_use, shown

    for name in ("OPTCOURSE_HOME", "OPTCOURSE_CACHE"):  # the data and cache folders (engine.paths)
        value = os.environ.get(name)
        try:
            if value:
                check_lengths(Path(value))
        except PathError as exc:  # raised at the first look at a file in it (OSError: File name too long)
            parser.error(f"{name}={shown(value or '')}: {exc}")

    try:
        resolve_source(args.data_dir)  # a folder without MNIST is refused here, not after the UI starts
    except DataError as exc:
        parser.error(str(exc))
    if args.workspace is not None:
        try:  # the exercise file's folder: one the app may write in (or make), never a system folder
            args.workspace = folder_to_use(args.workspace)
        except PathError as exc:
            parser.error(f"--workspace {shown(args.workspace)}: {exc}")
    return args
