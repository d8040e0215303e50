"""The optcourse-tui command: parse flags, then run the app (torch is imported later, off the UI thread)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import sections
from .config import AppConfig


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="optcourse-tui",
        description="Learn optimization for deep learning by running it: the Neuromatch Academy "
        "W1D5 unit as live terminal demos, computed by PyTorch.",
    )
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where computations run; auto = CUDA when present (default: auto)")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="a folder with MNIST in torchvision layout (DIR/MNIST/raw); "
                        "default: $OPTCOURSE_DATA, else the bundled copy")
    parser.add_argument("--section", metavar="N",
                        help="open at a section: 1-8, S (summary), B (bonus) or its name")
    parser.add_argument("--workspace", type=Path, metavar="DIR",
                        help="folder for your exercise file (default: your user data folder)")
    args = parser.parse_args(argv)
    if args.section is not None:
        try:
            args.section = sections.find(args.section).key
        except KeyError:
            choices = ", ".join(s.number for s in sections.SECTIONS)
            parser.error(f"unknown section {args.section!r}; choose one of {choices} or a section name")
    if args.data_dir is not None and not args.data_dir.expanduser().is_dir():
        parser.error(f"--data-dir {args.data_dir} is not a folder")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.device == "cuda":
        # Checked before the UI starts so the learner sees a plain message, not a broken screen.
        import torch

        if not torch.cuda.is_available():
            print("optcourse-tui: --device cuda was asked for, but PyTorch sees no CUDA GPU; "
                  "use --device cpu or --device auto", file=sys.stderr)
            return 2
    from .app import OptCourseApp

    config = AppConfig(device=args.device, data_dir=args.data_dir, section=args.section, workspace=args.workspace)
    OptCourseApp(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
