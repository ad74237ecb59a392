"""Parameter registry, validation, scenarios and the ODD table of the neighbourhood model."""

from __future__ import annotations

from pathlib import Path

import pytest

from kokosim.neighbourhood import PARAMETERS, SCENARIOS, Neighbourhood, get_scenario
from kokosim.neighbourhood.parameters import (GROUPS, TABLE_END, TABLE_START, parameter_table,
                                              validate)

ODD = Path(__file__).resolve().parents[2] / "simulations" / "ODD_Stadtteilmodell.md"
SMALL = {"width": 10, "height": 10}

KMS_PARAMETERS = ("conflict_managers", "case_capacity", "mediators", "early_warning_coverage",
                  "reporting_delay", "detection_threshold", "intervention_rule",
                  "standard_intervention", "intervention_effect", "contact_programme",
                  "prevention_plan", "shock_step", "shock_size")


def invalid_values(name: str) -> list[object]:
    """Values outside the registry record of ``name``: out of range, wrong type."""
    record = PARAMETERS[name]
    if record.type == "bool":
        return ["ja", 1, None]
    if record.type == "choice":
        return ["gibt_es_nicht", 3]
    wrong_type = [4.5, "3"] if record.type == "int" else ["0.3", None, float("nan")]
    return [record.min - (record.step or 1), record.max + (record.step or 1), *wrong_type]


def test_every_record_is_complete_and_german_labelled() -> None:
    for name, record in PARAMETERS.items():
        assert record.name == name
        assert record.label and record.help and record.unit
        assert record.group in GROUPS
        assert validate(name, record.default) == record.default
        if record.type in ("int", "float"):
            assert record.min <= record.default <= record.max and record.step > 0
        if record.type == "choice":
            assert record.default in record.choices


def test_kms_parameters_of_the_issue_are_registered() -> None:
    assert set(KMS_PARAMETERS) <= set(PARAMETERS)
    assert PARAMETERS["intervention_rule"].choices == ("ladder", "uniform")
    assert PARAMETERS["prevention_plan"].type == "bool"


def test_model_takes_every_parameter_as_attribute() -> None:
    model = Neighbourhood(seed=0, **SMALL)
    for name, record in PARAMETERS.items():
        expected = SMALL.get(name, record.default)
        assert getattr(model, name) == expected, name


@pytest.mark.parametrize("name", list(PARAMETERS))
def test_every_invalid_value_is_refused_naming_the_parameter(name: str) -> None:
    for value in invalid_values(name):
        with pytest.raises(ValueError, match=rf"^{name}="):
            Neighbourhood(seed=0, **{**SMALL, name: value})


def test_out_of_range_message_gives_value_and_range() -> None:
    with pytest.raises(ValueError, match=r"reporting_delay=60 is out of range: expected "
                                         r"0 <= reporting_delay <= 52"):
        Neighbourhood(reporting_delay=60, **SMALL)


def test_unknown_keyword_lists_valid_names() -> None:
    with pytest.raises(ValueError, match=r"unknown parameter 'managers'; valid parameters: "
                                         r"width, height, .*conflict_managers"):
        Neighbourhood(managers=3, **SMALL)


@pytest.mark.parametrize("name", [n for n, r in PARAMETERS.items() if r.live])
def test_set_parameter_validates_live_parameters_like_init(name: str) -> None:
    model = Neighbourhood(seed=0, **SMALL)
    for value in invalid_values(name):
        with pytest.raises(ValueError, match=rf"^{name}="):
            model.set_parameter(name, value)
    model.set_parameter(name, PARAMETERS[name].default)
    assert getattr(model, name) == PARAMETERS[name].default


def test_structural_parameters_cannot_change_during_a_run() -> None:
    model = Neighbourhood(seed=0, **SMALL)
    for name in ("width", "density", "newcomer_share", "online_degree", "shock_step"):
        with pytest.raises(ValueError, match=rf"{name} cannot change during a run"):
            model.set_parameter(name, PARAMETERS[name].default)
    with pytest.raises(ValueError, match="unknown parameter 'tempo'"):
        model.set_parameter("tempo", 1)


def test_scenarios_have_german_texts_and_valid_values() -> None:
    required = {"ruhiges_quartier", "neue_unterkunft", "geruechtewelle", "extremereignis",
                "praeventionsplan"}
    assert required <= set(SCENARIOS)
    for name, scenario in SCENARIOS.items():
        assert scenario.name == name and scenario.title and len(scenario.description) > 80
        for key, value in scenario.overrides.items():
            assert validate(key, value) == value


def test_scenario_values_reach_the_model_and_overrides_win() -> None:
    model = Neighbourhood("praeventionsplan", seed=0, conflict_managers=7, **SMALL)
    assert model.prevention_plan is True and model.shock_step == 30
    assert model.conflict_managers == 7


def test_unknown_scenario_lists_the_available_ones() -> None:
    with pytest.raises(ValueError, match="Verfügbar: ruhiges_quartier, neue_unterkunft"):
        Neighbourhood("krawall")
    with pytest.raises(ValueError, match="Unbekanntes Szenario 'krawall'"):
        get_scenario("krawall")


def test_odd_parameter_table_matches_registry() -> None:
    text = ODD.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    assert text[start:end].strip() == parameter_table()
    for name in PARAMETERS:
        assert f"| `{name}` |" in text
