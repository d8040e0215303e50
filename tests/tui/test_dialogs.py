"""The modal dialogs as a learner sees them, at both sizes: unsaved edits on quit, a file path, a yes/no question."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tui.dialogs.choice import ChoiceDialog
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.path import PathDialog

from .bonus_fakes import bonus_app, open_tab, runs, seed_history  # noqa: F401  (runs: a fixture)
from .exercise_app import edit_here, make_app
from .snap import SIZE_IDS, SIZES, no_blink, settle


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_quit_with_unsaved_edits_snapshot(snap_compare, size):
    """q with an edit not saved in the in-app editor: save and quit, quit without saving, or keep editing."""

    async def run_before(pilot) -> None:
        await edit_here(pilot.app, pilot)
        await pilot.press(*"# kept", "escape", "q")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChoiceDialog)
        no_blink(pilot.app)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_path_dialog_snapshot(snap_compare, size):
    """o on the Bonus's Train tab: the file to evaluate, its help line, the path typed (the default is
    the learner's data folder, which differs per machine)."""

    async def run_before(pilot) -> None:
        await open_tab(pilot)
        await pilot.press("o")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PathDialog)
        dialog.query_one("#path", Input).value = "~/models/my_model.pt"
        no_blink(pilot.app)
        await settle(pilot)

    assert snap_compare(bonus_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_confirm_dialog_snapshot(snap_compare, size, runs):  # noqa: F811
    """d on the Runs tab: deleting the best run asks first (y / Enter, n / Escape)."""
    seed_history(runs)

    async def run_before(pilot) -> None:
        await open_tab(pilot, "runs")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)

    assert snap_compare(bonus_app(), terminal_size=size, run_before=run_before)
