"""Memoised model runs (kokosim.neighbourhood.runcache): same frames, fewer simulations, safe cache files."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from kokosim.neighbourhood import run_scenario, runs
from kokosim.neighbourhood import runcache as _runcache

ARGS = {"scenario": "neue_unterkunft", "seed": 3, "steps": 4, "width": 12, "height": 12}


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """Empty memory cache; the cache folder is ``tmp_path/cache`` (read-write)."""
    monkeypatch.setattr(_runcache, "_memory", type(_runcache._memory)())
    monkeypatch.setenv(_runcache.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(_runcache.READONLY_ENV, raising=False)
    return tmp_path / "cache"


def forbid_simulation(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("simulated although the run was cached")

    monkeypatch.setattr(runs, "Neighbourhood", refuse)


def run() -> pd.DataFrame:
    return run_scenario(ARGS["scenario"], ARGS["seed"], ARGS["steps"],
                        width=ARGS["width"], height=ARGS["height"])


def test_memory_cache_returns_equal_independent_copies(fresh, monkeypatch):
    monkeypatch.delenv(_runcache.CACHE_ENV)
    first = run()
    forbid_simulation(monkeypatch)
    first.loc[0, "n_disputes"] = -1
    second = run()
    assert second.loc[0, "n_disputes"] != -1
    assert not any(fresh.parent.glob("cache/**/*.npz"))  # no folder configured, none written


def test_cache_folder_round_trip_is_exact(fresh, monkeypatch):
    computed = run()
    files = list(fresh.glob("*/*.npz"))
    assert len(files) == 1
    monkeypatch.setattr(_runcache, "_memory", type(_runcache._memory)())
    forbid_simulation(monkeypatch)
    pd.testing.assert_frame_equal(run(), computed)


def test_read_only_folder_is_used_but_never_written(fresh, monkeypatch):
    monkeypatch.setenv(_runcache.READONLY_ENV, "1")
    run()
    assert not fresh.exists()


def test_broken_cache_file_is_recomputed(fresh, monkeypatch):
    computed = run()
    (path,) = fresh.glob("*/*.npz")
    path.write_bytes(b"kein npz")
    monkeypatch.setattr(_runcache, "_memory", type(_runcache._memory)())
    pd.testing.assert_frame_equal(run(), computed)


def test_unwritable_folder_warns_and_still_returns_the_run(fresh, monkeypatch):
    fresh.parent.joinpath("datei").write_text("x")
    monkeypatch.setenv(_runcache.CACHE_ENV, str(fresh.parent / "datei"))
    with pytest.warns(RuntimeWarning, match="nicht beschreibbar"):
        frame = run()
    assert len(frame) == ARGS["steps"] + 1


def test_key_changes_with_every_input_and_the_code(monkeypatch):
    base = _runcache.run_key("neue_unterkunft", 1, 10, {"width": 20})
    assert base != _runcache.run_key("neue_unterkunft", 1, 10, {"width": 21})
    assert base != _runcache.run_key("neue_unterkunft", 1, 11, {"width": 20})
    assert base != _runcache.run_key("geruechtewelle", 1, 10, {"width": 20})
    monkeypatch.setattr(_runcache, "fingerprint", lambda: "anderer Code")
    assert base != _runcache.run_key("neue_unterkunft", 1, 10, {"width": 20})


def test_importing_the_cache_loads_neither_mesa_nor_pandas_nor_numpy():
    # The grading launcher imports this module at every kernel start.
    code = ("import sys, kokosim.neighbourhood.runcache\n"
            "print(sorted(m for m in ('mesa', 'pandas', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
