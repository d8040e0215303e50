"""The optcourse-tui command: parse flags, then run the app (torch is imported later, off the UI thread)."""

from __future__ import annotations

import sys
from pathlib import Path

from .args import parse_args
from .config import AppConfig


def reset_progress(workspace: Path | None, ask=input, interactive: bool | None = None, out=sys.stdout) -> bool:
    """Ask on the terminal, then clear progress and answers; the exercise file only on a second yes.

    Returns False when nothing may be asked (no terminal) and the app should not start.
    """
    from engine import paths
    from engine.exercises import EXERCISE_IDS, recovery
    from engine.exercises import workspace as ws
    from engine.progress import clear_progress

    if interactive is None:
        interactive = sys.stdin.isatty()
    if not interactive:
        print(
            "optcourse-tui: --reset-progress asks for confirmation, but there is no terminal to ask on; "
            "run it in a terminal (nothing was cleared)",
            file=sys.stderr,
        )
        return False
    home = paths.data_dir()

    def yes(question: str) -> bool:
        try:
            return ask(question).strip().lower() in ("y", "yes")
        except EOFError:
            return False

    if yes(f"Clear your progress, answers to the questions and passed exercises (in {home})? [y/N] "):
        cleared, notices = clear_progress(home)
        for notice in notices:
            print(notice, file=out)
        print(f"Cleared {cleared} item(s)." if cleared else "There was no progress to clear.", file=out)
    else:
        print("Progress kept.", file=out)
    exercise_file = ws.workspace_file(workspace)
    if exercise_file.exists():
        if yes(
            f"Also start your exercise file {exercise_file} afresh from the stubs? Your version is kept "
            "as a .bak copy. [y/N] "
        ):
            backup = exercise_file.with_name(f"{exercise_file.name}.bak")
            exercise_file.replace(backup)
            for exercise in EXERCISE_IDS:  # unsaved edits of the old file are not offered for the fresh one
                recovery.remove(exercise_file, exercise)
            print(f"Your old file is now {backup}; a fresh one is made when you open an exercise.", file=out)
        else:
            print(f"Your exercise file {exercise_file} was kept.", file=out)
    return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        from .serve import main as serve

        return serve(argv[1:])
    args = parse_args(argv)
    if args.reset_progress and not reset_progress(args.workspace):
        return 2
    config = AppConfig(device=args.device, data_dir=args.data_dir, section=args.section, workspace=args.workspace)
    from .app import OptCourseApp
    from .garbage import tune_gc
    from .serve import watch_server
    from .signals import run_app

    watch_server()  # in a browser tab's app: exit if the server that started it is gone

    app = OptCourseApp(config)
    tune_gc()
    if args.device == "cuda":
        # Asked of the engine before the UI starts, so the learner sees a plain message, not a broken screen.
        _, error = app.runner.executor.wait_ready()
        if error:
            app.runner.shutdown()
            print(f"optcourse-tui: {error}", file=sys.stderr)
            return 2
    return run_app(app)  # TERM/HUP restore the terminal (143/129); a crash exits non-zero


if __name__ == "__main__":
    sys.exit(main())
