"""The toy 2-D landscape: analytic gradient against finite differences, its minima, and descents into them."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from engine.contracts.base import SettingError
from engine.contracts.nonconvex import MAP_CELLS, DescentJob, ToySurface
from engine.events import Diverged, Done
from engine.jobs import RunEnv, run_job
from engine.sections.landscape import EXTENT, DescentPath, descend, descent_events, gradient, grid, minima, value


def test_gradient_matches_central_differences():
    rng = np.random.default_rng(0)
    pts = rng.uniform(-4, 4, size=(200, 2))
    gx, gy = gradient(pts[:, 0], pts[:, 1])
    h = 1e-6
    fx = (value(pts[:, 0] + h, pts[:, 1]) - value(pts[:, 0] - h, pts[:, 1])) / (2 * h)
    fy = (value(pts[:, 0], pts[:, 1] + h) - value(pts[:, 0], pts[:, 1] - h)) / (2 * h)
    np.testing.assert_allclose(gx, fx, atol=1e-7)
    np.testing.assert_allclose(gy, fy, atol=1e-7)


def test_at_least_three_minima_of_different_depths():
    ms = minima()
    assert len(ms) >= 3
    depths = [m.value for m in ms]
    assert depths == sorted(depths) and min(np.diff(depths)) > 0.2  # clearly different depths
    for m in ms:
        assert math.hypot(*gradient(m.x, m.y)) < 1e-9
        # a strict local minimum: higher on a small circle around it
        angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        assert (value(m.x + 0.05 * np.cos(angles), m.y + 0.05 * np.sin(angles)) > m.value).all()
        assert EXTENT[0] < m.x < EXTENT[1] and EXTENT[2] < m.y < EXTENT[3]


def test_the_deepest_minimum_is_the_global_one_on_a_fine_grid():
    z = grid(401, 401)
    assert minima()[0].value <= z.min() + 1e-12
    assert minima()[0].value == pytest.approx(z.min(), abs=1e-3)


def test_each_minimum_is_reached_from_a_start_next_to_it():
    for i, m in enumerate(minima()):
        path = descend(m.x + 0.3, m.y - 0.2, lr=0.2)
        assert path.reached == i
        assert path.values[-1] == pytest.approx(m.value, abs=1e-6)


def test_where_you_start_decides_where_you_end():
    reached = {descend(x, y, lr=0.3).reached for x, y in [(-3, 3), (3, 3), (0, -3.5), (-3, -3)]}
    assert len(reached) == 4


def test_plain_gd_matches_the_update_rule():
    path = descend(1.0, 1.0, lr=0.1, max_steps=3)
    p = np.array([1.0, 1.0])
    for k in range(3):
        p = p - 0.1 * np.array(gradient(*p))
        assert (path.xs[k + 1], path.ys[k + 1]) == pytest.approx(tuple(p))


def test_huge_learning_rate_diverges_as_an_event():
    events = list(descent_events(3.0, 3.0, lr=100.0, momentum=0.9))
    assert isinstance(events[0], DescentPath) and events[0].reached is None
    assert any(isinstance(e, Diverged) for e in events) and events[-1] == Done("diverged")


def test_the_job_sends_the_surface_once_asked_then_the_path():
    first = list(run_job(DescentJob(3.0, 3.0, 0.3, with_surface=True), RunEnv(None)))
    surface, path = first[0], first[1]
    assert isinstance(surface, ToySurface) and surface.minima == minima() and surface.extent == EXTENT
    assert np.array_equal(np.array(surface.z), grid(MAP_CELLS, MAP_CELLS))
    assert isinstance(path, DescentPath) and path.reached == 2 and first[-1] == Done("completed")
    assert path.values[0] == pytest.approx(float(value(3.0, 3.0)))
    again = list(run_job(DescentJob(3.0, 3.0, 0.3), RunEnv(None)))
    assert again == first[1:]  # without the surface; a path is the same every time
    assert pickle.loads(pickle.dumps(surface)) == surface and pickle.loads(pickle.dumps(DescentJob())) == DescentJob()


def test_the_job_refuses_a_start_off_the_map_and_settings_off_the_controls():
    for settings, words in [
        (dict(x=4.5), "x must be between -4 and 4"),
        (dict(y=float("nan")), "must be a number"),
        (dict(lr=100.0), "between 0.01 and 30"),
        (dict(momentum=1.0), "between 0 and 0.99"),
    ]:
        with pytest.raises(SettingError, match=words):
            DescentJob(**settings)
