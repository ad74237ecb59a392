"""Sweeps beyond one process: compare() and sensitivity() on a real dask.distributed cluster,
and the global sensitivity analysis itself."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

from kokosim.neighbourhood import compare, plot_sensitivity, sensitivity
from kokosim.neighbourhood import runcache

SMALL = {"width": 12, "height": 12}
SCREEN = dict(fixed=SMALL, steps=12, seeds=(0,), trajectories=3, progress=False)


@pytest.fixture(scope="module")
def dask_executor():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client.get_executor()


@pytest.fixture()
def fresh_memo(monkeypatch):
    monkeypatch.setattr(runcache, "_memory", type(runcache._memory)())


def test_compare_on_a_dask_cluster_equals_the_local_run(dask_executor, fresh_memo, capsys):
    arguments = dict(scenarios=["neue_unterkunft", "ausgebautes_kms"], seeds=[3, 4], steps=15,
                     **SMALL)
    remote = compare(**arguments, executor=dask_executor)
    assert "Simulationsläufe" in capsys.readouterr().err  # progress bar on the cluster path
    runcache._memory.clear()
    local = compare(**arguments, processes=1)
    assert "Simulationsläufe" in capsys.readouterr().err
    pd.testing.assert_frame_equal(remote, local, check_exact=True)
    assert remote["scenario"].unique().tolist() == ["neue_unterkunft", "ausgebautes_kms"]


def test_sensitivity_is_the_same_on_a_dask_cluster(dask_executor):
    parameters = ["dispute_rate", "mediator_cost", "conflict_managers"]
    local = sensitivity("neue_unterkunft", "incidents", parameters=parameters, processes=1,
                        **SCREEN)
    remote = sensitivity("neue_unterkunft", "incidents", parameters=parameters,
                         executor=dask_executor, **SCREEN)
    pd.testing.assert_frame_equal(local, remote, check_exact=True)


def test_morris_finds_real_levers_and_ignores_a_pure_cost_parameter():
    table = sensitivity("neue_unterkunft", "n_disputes",
                        parameters=["dispute_rate", "mediator_cost", "contact_effect"],
                        processes=1, **SCREEN)
    by_name = table.set_index("parameter")
    assert table["parameter"].iloc[0] == "dispute_rate"
    assert by_name.loc["mediator_cost", "mu_star"] == 0.0  # fees change no dispute
    assert by_name.loc["dispute_rate", "mu_star"] > 0
    assert set(table.columns) >= {"label", "mu_star", "mu_star_conf", "sigma", "output"}
    assert by_name.loc["dispute_rate", "label"] == "Streitanlässe"


def test_morris_screens_every_kind_of_parameter():
    table = sensitivity("neue_unterkunft", "staff_hours",
                        parameters=["prevention_plan", "intervention_rule", "case_capacity",
                                    "early_warning_coverage"], processes=1, **SCREEN)
    assert len(table) == 4 and table["mu_star"].notna().all()


def test_sobol_indices_for_a_few_parameters():
    table = sensitivity("neue_unterkunft", "n_disputes", method="sobol",
                        parameters=["dispute_rate", "mediator_cost"], samples=8,
                        fixed=SMALL, steps=10, seeds=(0,), processes=1, progress=False)
    by_name = table.set_index("parameter")
    assert table["parameter"].iloc[0] == "dispute_rate"
    assert by_name.loc["dispute_rate", "ST"] > 0.5
    assert abs(by_name.loc["mediator_cost", "ST"]) < 1e-9


def test_sensitivity_rejects_bad_input_naming_it():
    with pytest.raises(ValueError, match="method='zufall'"):
        sensitivity(method="zufall")
    with pytest.raises(ValueError, match="output='laune'"):
        sensitivity(output="laune")
    with pytest.raises(ValueError, match="mediatoren"):
        sensitivity(parameters=["mediatoren"])
    with pytest.raises(ValueError, match="width=2"):
        sensitivity(fixed={"width": 2})


def test_plot_has_german_labels():
    matplotlib.use("Agg")
    table = sensitivity("neue_unterkunft", "incidents", parameters=["dispute_rate",
                        "police_response"], processes=1, **SCREEN)
    axes = plot_sensitivity(table).axes[0]
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert set(labels) == {"Streitanlässe", "Eingreifen von Polizei und Justiz"}
    assert "Vorfälle" in axes.get_title()
