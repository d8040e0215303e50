"""Section 4's Theory tab: the quadratic model beside the Demo's measurement, and the keys to its best settings."""

from __future__ import annotations

import pytest

from tui.widgets.stepper import Stepper

from .conditioning_app import open_demo, status
from .snap import SIZE_IDS, SIZES, make_app, settle


def theory_text(screen) -> str:
    return str(screen.query_one("#theory-text").render())


async def test_the_theory_beside_the_measurement_and_its_best_settings_by_key():
    app = make_app(section="conditioning")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.query_one("#tabs").active == "theory-tab" and screen.focused.id == "theory"
        th, text = screen.theory, theory_text(screen)
        assert th is not None and (th.lr, th.beta) == (pytest.approx(0.1), pytest.approx(0.9))
        assert "│ 0.0242  0.0022 │" in text and "λmin 0.0241  along the weight" in text
        assert "κ = λmax/λmin = 3.88" in text and "lr < 2/λmax = 21.4" in text
        gd, mom = th.methods
        assert f"{gd.predicted_at:,}" in text and f"{mom.predicted_at:,}" in text
        assert text.count("not within 300 steps") == 2  # measured by the Demo's run, beside the predictions
        assert "GD         lr 17 " in text and "lr 18.8, β 0.107" in text and "past the lr slider's end (5.01)" in text
        assert "At the Demo's settings lr 0.1, β 0.90:" in text  # as the Demo's steppers write them
        await pilot.press("b")  # the theory's best for momentum, beyond the slider: set as a typed value
        await settle(pilot)
        best = th.best[1]
        lr, beta = screen.query_one("#lr", Stepper), screen.query_one("#beta", Stepper)
        assert (lr.value, beta.value) == (18.8, 0.107) == (best.lr, best.beta) and lr.value > lr.maximum
        assert screen.shown == (300, 18.8, 0.107)
        # Both tabs write β alike: the Demo showed 0.106574 while the Theory said 0.107.
        assert beta.format_value(beta.value) == "0.107" and "At the Demo's settings lr 18.8, β 0.107:" in theory_text(
            screen
        )
        assert screen.trajs["Momentum"].converged_at == best.measured_at == 25
        assert f"Momentum   {best.rate:.4f}      {best.predicted_at:<29} 25" in theory_text(screen)
        await pilot.press("g")  # GD's best lr; β stays
        await settle(pilot)
        assert screen.shown == (300, 17.0, 0.107)
        assert screen.trajs["GD"].converged_at == th.best[0].measured_at == 37
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert "GD: within 1e-6 at iteration 37" in status(screen)


async def test_a_typed_lr_beyond_the_slider_runs_and_one_beyond_the_typed_range_is_refused():
    app = make_app(section="conditioning")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_demo(pilot)
        await pilot.press("1", "7", "enter")  # the lr has focus
        await settle(pilot)
        assert screen.shown[1] == 17.0 and screen.theory.lr == 17.0
        assert screen.trajs["GD"].converged_at == 37
        await pilot.press("1", "0", "1", "enter")
        await settle(pilot)
        assert "must be between 0.001 and 100" in str(screen.query_one("#lr .stepper--error").render())
        assert screen.shown[1] == 17.0 and not screen.running


async def on_theory_tab(pilot) -> None:
    await open_demo(pilot)
    await pilot.press("right_square_bracket")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_theory_snapshot(snap_compare, size):
    """The Theory tab at the course's defaults: the Hessian at the optimum, its eigenvalues along the weight
    and the bias, κ 3.88, each method's rate and predicted iteration beside the Demo's 'not within 300 steps',
    and the best settings (lr 17; lr 18.8, β 0.107) with their keys g and b, past the slider's end."""
    assert snap_compare(make_app(section="conditioning"), terminal_size=size, run_before=on_theory_tab)
