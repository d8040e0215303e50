"""Section 5's Real landscape tab: a real (small) job drawn as log10(loss) with contours, keys, progress and Escape."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.contracts.nonconvex_landscape import LandscapeJob
from engine.sections import nonconvex_landscape as L
from tui.screens.nonconvex import NonConvexScreen
from tui.widgets.heatmap import HeatMap
from tui.widgets.real_landscape import RealLandscape

from .fakes import held, text_of
from .snap import SIZE_IDS, SIZES, make_app, settle, wait_for

SMALL = LandscapeJob(hidden=((10,), (100, 100)), grid=21, steps=30)  # both networks, in about two seconds


@pytest.fixture(autouse=True)
def small_job(monkeypatch):
    monkeypatch.setattr(NonConvexScreen, "LANDSCAPE_JOB", SMALL)


async def open_real(pilot) -> RealLandscape:
    await pilot.app.screen.show_pane("real")
    await settle(pilot)
    return pilot.app.screen.query_one(RealLandscape)


async def test_the_job_is_drawn_and_m_and_v_switch_network_and_plane(subset):
    app = make_app(section="nonconvex")
    async with app.run_test(size=(100, 30)) as pilot:
        view = await open_real(pilot)
        screen = app.screen
        assert screen.focused.id == "real-landscape" and not screen.running
        grids = {(e.model, e.plane): e for e in L.landscape_events(SMALL, *subset) if hasattr(e, "plane")}
        assert set(view.grids) == set(grids) == {(m, p) for m in (0, 1) for p in ("random", "pca")}
        hm = view.query_one("#rl-map", HeatMap)
        np.testing.assert_allclose(hm.z, np.log10(np.array(grids[(0, "random")].loss)), atol=1e-5)  # the real numbers
        assert len(hm.contour_levels) == 6 and (hm.contour_grid() >= 0).any()
        assert "MLP [10], random plane: log10(loss)" in text_of(view, "#rl-title")
        assert "filter-normalised" in text_of(view, "#rl-axes")
        compare = text_of(view, "#rl-compare")
        assert "[10]" in compare and "[100, 100]" in compare and "→" in compare
        await pilot.press("v")
        assert "path plane (PCA)" in text_of(view, "#rl-title")
        path = view.paths[0]
        assert f"PCA 1, {path.explained[0]:.1%} of the path's variance" in text_of(view, "#rl-axes")
        assert [ov.char for ov in hm.overlays] == ["•", "●", "★"] and len(hm.overlays[0].xs) == SMALL.steps + 1
        await pilot.press("m")
        assert "MLP [100, 100], path plane (PCA)" in text_of(view, "#rl-title")
        np.testing.assert_allclose(hm.z, np.log10(np.array(grids[(1, "pca")].loss)), atol=1e-5)
        await pilot.press("m", "v")
        assert "MLP [10], random plane" in text_of(view, "#rl-title")
        assert "done in" in text_of(view, "#rl-status")


async def test_progress_shows_while_it_computes_and_escape_stops_it(monkeypatch):
    gate, computes = threading.Event(), L.landscape_events
    monkeypatch.setattr(L, "landscape_events", held(computes, gate, after=1))  # its start, then held
    app = make_app(section="nonconvex")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.show_pane("real")
        view, screen = app.screen.query_one(RealLandscape), app.screen
        try:
            assert await wait_for(pilot, lambda: view.starts, 60)  # the data loads first
            assert screen.busy("real") and "…" in text_of(view, "#rl-status")
            await pilot.press("escape")
        finally:
            gate.set()  # what it computes after the Escape is dropped
        await settle(pilot)
        assert not screen.running and "stopped: r runs again" in text_of(view, "#rl-status")
        assert screen.query_one("#tabs").active == "real"  # Escape stopped the run, it did not leave
        monkeypatch.setattr(L, "landscape_events", computes)
        await pilot.press("r")
        await settle(pilot)
        assert len(view.grids) == 4 and "done in" in text_of(view, "#rl-status")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_real_landscape_snapshot(snap_compare, size):
    """The small job's narrow network on its random plane: log10(loss) in viridis with six white contour
    lines, the trained weights ★ at the centre, axis ticks -1 … 1, the loss colour bar; on the left its
    parameters, the axes' meaning, both networks' start → trained loss, the keys and 'done'."""

    async def run_before(pilot):
        await open_real(pilot)
        view = pilot.app.screen.query_one(RealLandscape)
        view.query_one("#rl-status").update("done")  # the time it took is not reproducible

    assert snap_compare(make_app(section="nonconvex"), terminal_size=size, run_before=run_before)
