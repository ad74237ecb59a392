"""kokosim.kmsdesign: the provided helpers of notebooks 3.3 and 3.4 (designs, cost, simulator)."""

from __future__ import annotations

import ast
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from kokosim import kmsdesign as kd
from kokosim.neighbourhood import PARAMETERS, SCENARIOS, run_scenario

SMALL = {"width": 12, "height": 12}
START = {"stellen": 2, "pool": 4, "netz": 0.1, "meldeverzug": 2, "schwelle": 3,
         "verfahrenswahl": "stufengerecht", "begegnung": 0.0, "praeventionsplan": "nein"}


# --------------------------------------------------------------------------------------------
# Settings and the design space


def test_the_course_settings():
    assert kd.GRID == {"width": 40, "height": 40}
    assert kd.WEEKS == 104
    assert kd.SEEDS == (0, 1, 2, 3, 4)
    assert kd.KMS_PARAMETERS == tuple(name for name, p in PARAMETERS.items()
                                      if p.group == "Konfliktmanagement")


def test_every_control_is_a_kms_parameter_within_its_range():
    for key, (parameter, label, *span) in kd.CONTROLS.items():
        assert parameter in kd.KMS_PARAMETERS, key
        assert label and key == key.lower()
        record = PARAMETERS[parameter]
        if isinstance(span[0], tuple):
            assert record.type in ("choice", "bool"), key
        else:
            low, high, step = span
            assert record.min <= low < high <= record.max, key
            assert isinstance(step, int) == (record.type == "int"), key


def test_no_kms_is_a_valid_design_that_costs_nothing():
    assert set(kd.NO_KMS) <= set(kd.KMS_PARAMETERS)
    assert kd.cost(kd.NO_KMS) == 0.0


# --------------------------------------------------------------------------------------------
# incidents and mean_band


def test_incidents_are_the_last_totals_of_memoised_runs():
    design = {"conflict_managers": 1, "reporting_delay": 0}
    counts = kd.incidents(design, "extremereignis", seeds=[3, 1], weeks=40, grid=SMALL)
    assert counts.name == "Vorfälle" and counts.index.name == "Startwert"
    assert counts.index.tolist() == [3, 1]
    for seed in (3, 1):
        run = run_scenario("extremereignis", seed, 40, **SMALL, **design)
        assert counts[seed] == run["incidents_total"].iloc[-1]


def test_incidents_default_to_the_course_settings():
    def fake(scenario, seed, weeks, **overrides):
        return pd.DataFrame({"incidents_total": [0, seed + overrides["width"] + weeks]})

    with mock.patch.object(kd, "run_scenario", side_effect=fake) as runs:
        counts = kd.incidents({"mediators": 3}, "geruechtewelle")
    assert counts.tolist() == [40 + 104 + seed for seed in kd.SEEDS]
    assert runs.call_args.kwargs == {"width": 40, "height": 40, "mediators": 3}


def test_incidents_reject_a_design_that_overrides_the_grid():
    with pytest.raises(TypeError):
        kd.incidents({"width": 10}, "ruhiges_quartier", seeds=[0], weeks=1)


def test_mean_band_is_the_rough_95_percent_band_of_the_mean():
    values = pd.Series([10.0, 14.0, 12.0, 20.0])
    low, high = kd.mean_band(values)
    half = 1.96 * values.std(ddof=1) / 2
    assert (low, high) == pytest.approx((14.0 - half, 14.0 + half))
    assert isinstance(low, float) and isinstance(high, float)
    assert kd.mean_band(pd.Series([5.0, 5.0, 5.0])) == (5.0, 5.0)
    wide = kd.mean_band(pd.Series([0.0, 28.0, 12.0, 16.0]))
    assert wide[1] - wide[0] > high - low  # more spread, wider band


# --------------------------------------------------------------------------------------------
# The cost model


def test_the_standard_kms_costs_what_the_rates_say():
    defaults = {name: PARAMETERS[name].default for name in kd.KMS_PARAMETERS}
    rates = kd.COST_RATES
    expected = (rates["stelle"] * defaults["conflict_managers"]
                + rates["mediator"] * defaults["mediators"]
                + rates["frueherkennung_je_0_1"] * defaults["early_warning_coverage"] / 0.1
                + rates["meldeweg_je_woche"] * (4 - defaults["reporting_delay"])
                + rates["erkennung_je_stufe"] * (4 - defaults["detection_threshold"])
                + rates["verfahrenswahl"] * (defaults["intervention_rule"] == "ladder"))
    assert defaults["case_capacity"] == 4 and defaults["contact_programme"] == 0
    assert defaults["prevention_plan"] is False
    assert kd.cost({}) == round(expected, 1) == 241.0


@pytest.mark.parametrize(("change", "extra"), [
    ({"conflict_managers": 3}, 80),
    ({"case_capacity": 6}, 2 * 2 * 10),
    ({"mediators": 5}, 5),
    ({"early_warning_coverage": 0.45}, 20),
    ({"reporting_delay": 0}, 16),
    ({"reporting_delay": 8}, -16),  # no refund below zero: longer than 4 weeks costs nothing
    ({"detection_threshold": 1}, 20),
    ({"intervention_rule": "uniform"}, -10),
    ({"contact_programme": 0.03}, 45),
    ({"prevention_plan": True}, 20),
])
def test_each_rate_prices_its_own_parameter(change, extra):
    assert kd.cost(change) - kd.cost({}) == pytest.approx(extra)


def test_cost_takes_other_rates_and_checks_the_design():
    dearer = {**kd.COST_RATES, "stelle": 100}
    assert kd.cost({"conflict_managers": 1}, dearer) == kd.cost({"conflict_managers": 1}) + 20
    with pytest.raises(ValueError):
        kd.cost({"conflict_managers": -1})
    with pytest.raises(ValueError):
        kd.cost({"no_such_parameter": 1})


# --------------------------------------------------------------------------------------------
# Answers: model_values and answer_line


def test_model_values_translate_every_control():
    values = kd.model_values(START)
    assert values == {"conflict_managers": 2, "mediators": 4, "early_warning_coverage": 0.1,
                      "reporting_delay": 2, "detection_threshold": 3, "intervention_rule": "ladder",
                      "contact_programme": 0.0, "prevention_plan": False}
    assert isinstance(values["conflict_managers"], int)
    assert isinstance(values["contact_programme"], float)


def test_model_values_forgive_the_form():
    answer = {"Stellen": "2", "POOL": 4.0, "netz": "0,1", "Meldeverzug": " 2 ", "schwelle": 3,
              "Verfahrenswahl": "Einheitlich", "begegnung": 0, "Präventionsplan": "Ja"}
    values = kd.model_values(answer)
    assert values["conflict_managers"] == 2 and values["mediators"] == 4
    assert values["early_warning_coverage"] == 0.1
    assert values["intervention_rule"] == "uniform" and values["prevention_plan"] is True
    assert kd.model_values(START | {"praeventionsplan": "true"})["prevention_plan"] is True


@pytest.mark.parametrize(("change", "hint"), [
    ({"schwelle": 2.5}, 'Aufgabe 6: Bei "schwelle" bitte eine ganze Zahl eintragen, nicht 2.5.'),
    ({"pool": "viele"}, "Aufgabe 6: Bei \"pool\" bitte eine Zahl eintragen, nicht 'viele'."),
    ({"pool": True}, 'Aufgabe 6: Bei "pool" bitte eine Zahl eintragen, nicht True.'),
    ({"netz": 2}, 'Aufgabe 6: "netz" muss zwischen 0 und 1 liegen, nicht 2.'),
    ({"verfahrenswahl": "mediation"},
     'Aufgabe 6: Bei "verfahrenswahl" bitte "stufengerecht" oder "einheitlich" eintragen, '
     "nicht 'mediation'."),
    ({"praeventionsplan": "vielleicht"},
     "Aufgabe 6: Bei \"praeventionsplan\" bitte \"ja\" oder \"nein\" eintragen, "
     "nicht 'vielleicht'."),
])
def test_model_values_explain_a_wrong_value_in_german(change, hint):
    with pytest.raises(AssertionError) as error:
        kd.model_values(START | change, task="Aufgabe 6")
    assert str(error.value) == hint


def test_model_values_need_every_key():
    incomplete = {key: value for key, value in START.items() if key != "pool"}
    with pytest.raises(AssertionError, match="Aufgabe 6"):
        kd.model_values(incomplete, task="Aufgabe 6")
    with pytest.raises(AssertionError, match="Entwurf"):
        kd.model_values(dict.fromkeys(START))  # the blank answer cell


def test_the_answer_line_is_a_literal_that_model_values_accept():
    selection = START | {"netz": 0.15000000000000002, "begegnung": 0.07}
    line = kd.answer_line(selection)
    assert line.startswith('{"stellen": 2, "pool": 4, "netz": 0.15, ')
    parsed = ast.literal_eval(line)
    assert parsed == START | {"netz": 0.15, "begegnung": 0.07}
    assert list(parsed) == list(START)
    assert kd.model_values(parsed)["early_warning_coverage"] == 0.15


# --------------------------------------------------------------------------------------------
# The simulator widget


@pytest.fixture
def simulator(capsys):
    """Build a simulator outside a kernel; return its widgets, the shown tables and a reader."""
    pytest.importorskip("ipywidgets")
    shown: list = []

    def build(**kwargs):
        with mock.patch("IPython.display.display", side_effect=shown.append):
            kd.kms_simulator(**kwargs)
        box = shown[0]
        return box, shown

    def printed():
        return capsys.readouterr().out

    return build, printed


def test_the_simulator_shows_controls_a_table_and_the_answer_line(simulator):
    build, printed = simulator
    box, shown = build(scenarios=["geruechtewelle"], start=START, name="mein_kms")
    *controls, button, output = box.children
    assert len(controls) == len(kd.CONTROLS)
    assert controls[0].description == "Stellen für Konfliktmanager:innen („stellen“)"
    assert {type(c).__name__ for c in controls} == {"IntSlider", "FloatSlider", "Dropdown"}
    assert button.description == "Im Modell testen"
    table = shown[1]
    without = kd.incidents(kd.NO_KMS, "geruechtewelle")
    with_design = kd.incidents(kd.model_values(START), "geruechtewelle")
    low, high = kd.mean_band(with_design)
    row = table.loc[SCENARIOS["geruechtewelle"].title]
    assert row["ohne KMS: Vorfälle (Mittel)"] == round(without.mean(), 1)
    assert row["Ihr Entwurf: Vorfälle (Mittel)"] == round(with_design.mean(), 1)
    assert row["Ihr Entwurf: Band"] == f"{low:.1f} bis {high:.1f}"
    assert row["Anteil an „ohne KMS“"] == f"{100 * with_design.mean() / without.mean():.0f} %"
    text = printed()
    assert "Kosten" not in text  # no budget, no cost line
    assert f"mein_kms = {kd.answer_line(START)}" in text


def test_the_button_tests_the_changed_design_against_the_budget(simulator):
    build, printed = simulator
    box, shown = build(scenarios=["neue_unterkunft", "extremereignis"], start=START,
                       name="empfehlung", budget=150)
    start_cost = kd.cost(kd.model_values(START))
    assert start_cost > 150
    assert f"{start_cost:g} T€ pro Jahr (ÜBER dem Budget von 150 T€)" in printed()
    assert list(shown[1].index) == [SCENARIOS[s].title for s in ("neue_unterkunft",
                                                                 "extremereignis")]
    controls = dict(zip(kd.CONTROLS, box.children))
    controls["stellen"].value = 1
    controls["pool"].value = 2
    controls["netz"].value = 0.15000000000000002
    box.children[-2].click()
    text = printed()
    changed = START | {"stellen": 1, "pool": 2, "netz": 0.15}
    cost = kd.cost(kd.model_values(changed))
    assert cost <= 150
    assert f"Kosten nach dem Kostenmodell: {cost:g} T€ pro Jahr (im Budget von 150 T€)" in text
    assert f"empfehlung = {kd.answer_line(changed)}" in text
    assert len(shown) == 3  # the box, the first table, the table after the click
    assert np.isfinite(shown[2].iloc[:, 0]).all()
