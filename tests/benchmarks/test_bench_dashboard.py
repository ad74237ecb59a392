"""Frame cost of the live dashboard at a 100 x 100 Stadtteil (`make bench`; never asserts timings).

One frame = one week of the model plus the redraw (map, time series, readout, PNG). Compared in
the same process with re-creating the figure for every frame (what a renderer without in-place
updates does), and split into model step and picture.
"""

from __future__ import annotations

import time

import pytest

from kokosim.dashboard import Dashboard, LiveFigure

pytestmark = pytest.mark.bench

SIZE = dict(width=100, height=100)
WARM_UP = 20
FRAMES = 30


def _ms_per_call(action, calls: int) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds per call (CPU time is less affected by other load)."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        action()
    return ((time.perf_counter() - wall) / calls * 1000,
            (time.process_time() - cpu) / calls * 1000)


def test_bench_dashboard_frame_100x100() -> None:
    board = Dashboard("neue_unterkunft", seed=1, **SIZE)
    board.step(WARM_UP)  # disputes exist, axes have settled
    frame = _ms_per_call(board.step, FRAMES)
    model_step = _ms_per_call(board.model.step, FRAMES)
    picture = _ms_per_call(board.picture.render, FRAMES)
    recreated = _ms_per_call(lambda: LiveFigure(board.model).render(), FRAMES // 3)
    print(f"\nDashboard, {board.model.n_residents} Bewohner:innen (100 x 100), "
          f"Woche {WARM_UP}-{board.model.steps}:")
    print("                            wall ms   CPU ms")
    for label, (wall, cpu) in (("step + redraw (in place)", frame), ("  model step", model_step),
                               ("  picture + PNG (blitted)", picture),
                               ("picture re-created", recreated)):
        print(f"  {label:<25} {wall:8.1f} {cpu:8.1f}")
    print(f"  target: step + redraw <= 100 ms; re-created / blitted picture: "
          f"{recreated[0] / picture[0]:.1f} x (wall), {recreated[1] / picture[1]:.1f} x (CPU)")
    print(f"  full redraws so far: {board.picture.full_redraws}")
