"""compare(), the plot helpers and the command line `kokosim run` / `kokosim compare`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from kokosim.neighbourhood import OBSERVABLES, compare, plot_observable, plot_overview
from kokosim.neighbourhood import runcache as _runcache
from kokosim.neighbourhood.cli import main

matplotlib.use("Agg")
SMALL = {"width": 12, "height": 12}


def test_compare_is_tidy_ordered_and_independent_of_processes() -> None:
    kwargs = dict(scenarios=["extremereignis", "ruhiges_quartier"], seeds=[4, 2], steps=6,
                  progress=False, **SMALL)
    serial = compare(processes=1, **kwargs)
    parallel = compare(processes=2, **kwargs)
    pd.testing.assert_frame_equal(serial, parallel)
    assert list(serial.columns) == ["scenario", "seed", "step", *OBSERVABLES]
    assert len(serial) == 2 * 2 * 7
    assert serial["scenario"].unique().tolist() == ["extremereignis", "ruhiges_quartier"]
    assert serial.groupby("scenario")["seed"].unique().map(list).to_dict() == {
        "extremereignis": [2, 4], "ruhiges_quartier": [2, 4]}


def test_compare_is_reproducible(monkeypatch) -> None:
    first = compare(["neue_unterkunft"], seeds=2, steps=5, processes=1, progress=False, **SMALL)
    monkeypatch.setattr(_runcache, "_memory", type(_runcache._memory)())  # simulate again
    again = compare(["neue_unterkunft"], seeds=2, steps=5, processes=1, progress=False, **SMALL)
    pd.testing.assert_frame_equal(first, again)
    assert sorted(first["seed"].unique()) == [0, 1]


def test_compare_applies_overrides() -> None:
    frame = compare(["neue_unterkunft"], seeds=1, steps=20, processes=1, progress=False,
                    dispute_rate=0.0, **SMALL)
    assert frame["n_disputes"].max() == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    (dict(scenarios=["gibtsnicht"]), "Unbekanntes Szenario 'gibtsnicht'"),
    (dict(scenarios=[]), "scenarios=\\[\\] is empty"),
    (dict(seeds=0), "seeds=0 is out of range"),
    (dict(seeds=[1, -1]), "seed=-1 is out of range"),
    (dict(steps=-2), "steps=-2 is out of range"),
    (dict(processes=0), "processes=0 is out of range"),
    (dict(tempo=2), "unknown parameter 'tempo'"),
])
def test_compare_rejects_bad_input(kwargs: dict, message: str) -> None:
    arguments = dict(scenarios=["neue_unterkunft"], seeds=1, steps=1, progress=False)
    with pytest.raises(ValueError, match=message):
        compare(**{**arguments, **kwargs})


def test_plots_have_german_labels_and_a_band_per_scenario() -> None:
    frame = compare(["neue_unterkunft", "praeventionsplan"], seeds=3, steps=4, processes=1,
                    progress=False, **SMALL)
    ax = plot_observable(frame, "mean_threat")
    assert ax.get_xlabel() == "Woche" and ax.get_ylabel() == OBSERVABLES["mean_threat"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Neue Gemeinschaftsunterkunft", "Extremereignis mit Präventionsplan"]
    assert len(ax.collections) == 2 and len(ax.lines) == 2
    figure = plot_overview(frame)
    assert len(figure.axes) == 6 and figure.axes[0].get_legend() is not None
    with pytest.raises(ValueError, match="observable='laune' is unknown"):
        plot_observable(frame, "laune")
    matplotlib.pyplot.close("all")


def test_cli_run_writes_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lauf.csv"
    assert main(["run", "ruhiges_quartier", "--seed", "3", "--steps", "4", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert len(frame) == 5 and set(frame["seed"]) == {3}
    assert "Vorfälle" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_cli_compare_writes_csv_and_png(tmp_path: Path) -> None:
    target = tmp_path / "vergleich"
    code = main(["compare", "neue_unterkunft", "extremereignis", "--seeds", "2", "--steps", "3",
                 "--processes", "1", "--out", str(target)])
    assert code == 0
    frame = pd.read_csv(target / "vergleich.csv")
    assert set(frame["scenario"]) == {"neue_unterkunft", "extremereignis"}
    assert (target / "vergleich.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "chaos"], "Unbekanntes Szenario 'chaos'. Verfügbar: ruhiges_quartier"),
    (["run", "neue_unterkunft", "--steps", "-1"], "--steps muss mindestens 0 sein"),
    (["compare", "neue_unterkunft", "--seeds", "0"], "--seeds muss mindestens 1 sein"),
    (["run", "neue_unterkunft", "--out", "/nicht/da/lauf.csv"], "Der Ordner '/nicht/da'"),
    (["run", "neue_unterkunft", "--steps", "viele"], "ungültiger Wert (int): 'viele'"),
    (["tanzen"], "ungültige Auswahl: 'tanzen'"),
])
def test_cli_errors_exit_2_with_a_clear_message(argv: list[str], message: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_runs_as_module(tmp_path: Path) -> None:
    out = tmp_path / "lauf.csv"
    done = subprocess.run([sys.executable, "-m", "kokosim.neighbourhood.cli", "run", "neue_unterkunft",
                           "--steps", "2", "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.exists()
    failed = subprocess.run([sys.executable, "-m", "kokosim.neighbourhood.cli", "run", "nix"],
                            capture_output=True, text=True)
    assert failed.returncode == 2 and "Unbekanntes Szenario" in failed.stderr
