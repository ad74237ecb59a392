"""The shared answer checks (issue 13): forgiving input, German hints, partial credit that
nbgrader really awards, and no check ever shows the expected answer."""

from __future__ import annotations

import contextlib
import io

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbgrader.utils import determine_grade

from kokosim.answers import (
    choice,
    mapping,
    normalise,
    number,
    ranking,
    same_set,
    share_correct,
    share_selected,
    stage,
)

LETTERS = "ABCD"
METHODS = ["Moderation", "Mediation", "Schlichtung", "Bürgerdialog", "Runder Tisch"]
WORDS = {1: "eins", 2: "zwei", 3: "drei", 4: "vier", 5: "fünf", 6: "sechs", 7: "sieben",
         8: "acht", 9: "neun"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII", 8: "VIII", 9: "IX"}
SPELLINGS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe",
                           "Ü": "Ue"})


def quiet(function, *args, **kwargs):
    """Call and return (result, printed text)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = function(*args, **kwargs)
    return result, out.getvalue()


@st.composite
def variant(draw, text: str) -> str:
    """``text`` as a trainee might type it: case, spaces, umlauts spelled out, - and _."""
    text = draw(st.sampled_from([text, text.translate(SPELLINGS)]))
    text = "".join(draw(st.sampled_from([c.lower(), c.upper()])) if c.isalpha() else c
                   for c in text)
    text = text.replace(" ", draw(st.sampled_from([" ", "  ", "-", "_", " - "])))
    return draw(st.sampled_from(["", " ", "  ", "\t"])) + text + draw(
        st.sampled_from(["", " ", ".", "!", "  "]))


# --- normalisation ----------------------------------------------------------------------------

@given(st.text())
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


@given(st.sampled_from(METHODS + ["Große Öffentlichkeit", "Eskalationsstufe sieben"]).flatmap(
    lambda text: st.tuples(st.just(text), variant(text))))
def test_normalise_ignores_case_spaces_umlauts_and_dashes(pair):
    text, typed = pair
    assert normalise(typed) == normalise(text)


# --- single choice ----------------------------------------------------------------------------

@given(st.sampled_from(LETTERS), st.sampled_from(LETTERS),
       st.sampled_from(["{}", " {} ", "{})", "({})", "Option {}", "Antwort: {}", "{}."]),
       st.booleans())
def test_choice_accepts_any_spelling_and_compares_content(letter, right, form, lower):
    answer = form.format(letter.lower() if lower else letter)
    assert choice(answer, LETTERS, task="Aufgabe 1") is True
    assert choice(answer, LETTERS, right, task="Aufgabe 1") is (letter == right)


@given(st.text(max_size=8).filter(lambda t: normalise(t) not in {"a", "b", "c", "d", ""}),
       st.sampled_from(LETTERS))
def test_choice_hints_at_the_form_and_never_at_the_answer(answer, right):
    if normalise(answer).removeprefix("option ").removeprefix("antwort ") in set("abcd"):
        return
    messages = set()
    for expected in (None, *LETTERS):
        with pytest.raises(AssertionError) as error:
            choice(answer, LETTERS, expected, task="Aufgabe 3a")
        messages.add(str(error.value))
    assert len(messages) == 1  # the same hint whatever the right answer is
    message = messages.pop()
    assert message.startswith("Aufgabe 3a: ") and "Optionen A–D" in message


@given(st.sampled_from(METHODS).flatmap(lambda text: st.tuples(st.just(text), variant(text))))
def test_choice_among_named_options(pair):
    text, typed = pair
    assert choice(typed, METHODS, text, task="Aufgabe 4")
    other = METHODS[(METHODS.index(text) + 1) % len(METHODS)]
    assert choice(typed, METHODS, other, task="Aufgabe 4") is False


def test_choice_missing_or_several_answers_and_author_errors():
    for empty in (None, ..., ""):
        with pytest.raises(AssertionError, match="Aufgabe 2: Noch keine Antwort. Bitte eine "
                                                 "der Optionen A–D eintragen."):
            choice(empty, LETTERS, task="Aufgabe 2")
    with pytest.raises(AssertionError, match="genau eine der Optionen A–D"):
        choice({"A", "B"}, LETTERS, "A", task="Aufgabe 2")
    with pytest.raises(ValueError, match="value is not shown"):
        choice("A", LETTERS, "E", task="Aufgabe 2")
    with pytest.raises(AssertionError, match="„Moderation“, „Mediation“, „Schlichtung“, "
                                             "„Bürgerdialog“ oder „Runder Tisch“"):
        choice("Mediaton", METHODS, task="Aufgabe 4")


# --- stages and numbers -----------------------------------------------------------------------

@given(st.integers(1, 9), st.sampled_from(["{n}", "Stufe {n}", "stufe{n}", "STUFE  {n}.",
                                            "Eskalationsstufe {n}", "{w}", "Stufe {w}",
                                            "{r}", "Stufe {r}", "int", "float"]))
def test_stage_any_usual_spelling(n, form):
    answer = {"int": n, "float": float(n)}.get(form) or form.format(n=n, w=WORDS[n], r=ROMAN[n])
    assert stage(answer, task="Szene A") == n


@pytest.mark.parametrize("answer", [0, 10, "Stufe 10", 4.5, "4,5", True, "hoch", [4], None])
def test_stage_out_of_range_or_no_stage_gives_a_hint(answer):
    with pytest.raises(AssertionError, match=r"^Szene B: .*Stufe als ganze Zahl von 1 bis 9"):
        stage(answer, task="Szene B")


@given(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from(["python", "komma", "prozent"]))
def test_number_in_german_and_python_notation(value, form):
    text = f"{value:.4f}"
    typed = {"python": text, "komma": text.replace(".", ","), "prozent": f"{text} %"}[form]
    assert number(typed, float(text), 1e-9, task="Aufgabe 5")
    assert not number(typed, float(text) + 1, 0.5, task="Aufgabe 5")


def test_number_thousands_and_ambiguity():
    assert number("1.234.567,5", 1234567.5, task="A") and number("12.500,0", 12500, task="A")
    assert number("−3", -3, task="A") and number("2 500 €", 2500, task="A")
    with pytest.raises(AssertionError, match="mehrdeutig"):
        number("1.000", 1000, task="A")
    with pytest.raises(AssertionError, match=r"^Aufgabe 5: Bitte eine Zahl eintragen"):
        number("viel", 7, task="Aufgabe 5")


@given(st.floats(-100, 100), st.floats(0, 5))
def test_number_never_names_the_expected_value(expected, tolerance):
    with pytest.raises(AssertionError) as error:
        number("keine Ahnung", expected, tolerance, task="A")
    assert str(error.value) == ("A: Bitte eine Zahl eintragen (z. B. 12 oder 12,5), nicht "
                                "'keine Ahnung'.")


# --- sets, rankings, mappings -----------------------------------------------------------------

@given(st.lists(st.sampled_from(METHODS), min_size=1, unique=True), st.randoms())
def test_same_set_ignores_order_and_spelling(items, random):
    typed = [item.translate(SPELLINGS).upper() for item in items]
    random.shuffle(typed)
    assert same_set(typed, set(items), options=METHODS, task="A")
    assert same_set(tuple(typed), items, task="A")
    others = [m for m in METHODS if m not in items]
    if others:
        assert not same_set(typed, set(items) | {others[0]}, task="A")


def test_same_set_forms():
    assert same_set("B, d ;e", {"B", "D", "E"}, options="ABCDE", task="A")
    with pytest.raises(AssertionError, match="A: Die Antwort ist noch leer"):
        same_set(set(), options="ABCDE", task="A")
    with pytest.raises(AssertionError, match="A: Erlaubt sind nur A–E, nicht 'F'"):
        same_set(["A", "F"], {"A"}, options="ABCDE", task="A")
    with pytest.raises(AssertionError, match="als Menge oder Liste"):
        same_set({"A": 1}, task="A")


@given(st.permutations(METHODS))
def test_ranking_is_order_sensitive(order):
    typed = [normalise(item).upper() for item in order]
    assert ranking(typed, list(order), options=METHODS, task="A")
    assert ranking(typed, METHODS, options=METHODS, task="A") is (list(order) == METHODS)


def test_ranking_forms():
    with pytest.raises(AssertionError, match="A: Bitte eine Liste in der richtigen Reihenfolge"):
        ranking({"Dialog", "Mediation"}, task="A")
    with pytest.raises(AssertionError, match="jede der Optionen A–C genau einmal"):
        ranking(["A", "B", "B"], options="ABC", task="A")


def test_mapping_forms_and_content():
    answer = {"s1": "Mikro", "S2": "MESO", "S-3": "makro"}
    assert mapping(answer, keys=["S1", "S2", "S3"], options=["mikro", "meso", "makro"],
                   task="A")
    assert mapping(answer, {"S1": "mikro", "S2": "meso", "S3": "makro"}, task="A")
    assert not mapping(answer, {"S1": "mikro", "S2": "meso", "S3": "meso"}, task="A")
    with pytest.raises(AssertionError, match="es fehlt: S3"):
        mapping({"S1": 1, "S2": 2}, keys=["S1", "S2", "S3"], task="A")
    with pytest.raises(AssertionError, match="nicht 'X'"):
        mapping({"S1": 1, "X": 2}, keys=["S1"], task="A")
    with pytest.raises(AssertionError, match="Erlaubt sind nur „heiß“ und „kalt“"):
        mapping({"H1": "lau"}, options=["heiß", "kalt"], task="A")
    assert mapping({"H1": "HEISS"}, options=["heiß", "kalt"], task="A")


# --- partial credit ---------------------------------------------------------------------------

SECRETS = [f"geheim{n}" for n in range(8)]


@given(st.lists(st.booleans(), min_size=1, max_size=8), st.sampled_from([1, 2, 3.5, 4]))
def test_share_correct_counts_without_saying_which(right, points):
    keys = [f"Fall {n}" for n in range(len(right))]
    expected = dict(zip(keys, SECRETS))
    answers = {key.upper(): (value.upper() if ok else "falsch")
               for key, value, ok in zip(keys, SECRETS, right)}
    value, printed = quiet(share_correct, answers, expected, points=points, task="Aufgabe 7")
    k, n = sum(right), len(right)
    assert value == pytest.approx(points * k / n) and 0 <= value <= points
    verb = "stimmt" if k == 1 else "stimmen"
    assert printed == f"Aufgabe 7: {k} von {n} Zuordnungen {verb}.\n"
    assert not any(secret in printed.casefold() for secret in SECRETS)


def test_share_correct_forms_and_values():
    assert quiet(share_correct, {"A": "Stufe 4", "B": {"x", "Y"}, "c": ["1", 2]},
                 {"a": 4, "b": {"y", "x"}, "C": [1, 2]})[0] == 1.0
    assert quiet(share_correct, {}, {"A": 1}, points=2)[0] == 0.0
    with pytest.raises(AssertionError, match="Aufgabe 2: Bitte die Zuordnung als Wörterbuch"):
        share_correct(["A"], {"A": 1}, task="Aufgabe 2")
    with pytest.raises(ValueError):
        share_correct({"A": 1}, {})
    with pytest.raises(ValueError):
        share_correct({"A": 1}, {"A": 1}, points=0)


def _test_cell(source: str, points: float, outputs: list) -> nbformat.NotebookNode:
    """An autograded test cell as nbgrader stores it (``grade`` without ``solution``)."""
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True,
                                 "grade_id": "test_zuordnung", "points": points,
                                 "schema_version": 3, "task": False}
    cell.outputs = outputs
    return cell


HIDDEN_CELL = """from kokosim.answers import mapping, share_correct
assert mapping(zuordnung, keys=["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"], task="Aufgabe 2")
### BEGIN HIDDEN TESTS
share_correct(zuordnung, LOESUNG, points=POINTS, task="Aufgabe 2")
### END HIDDEN TESTS
"""
SOLUTION = {f"S{n}": value for n, value in enumerate(
    ["mikro", "meso", "makro", "mikro", "meso", "makro", "mikro", "meso"], start=1)}
#: Three of eight right (S1, S2, S3); the others are wrong.
TRAINEE = {"s1": "Mikro", "S2": "MESO ", "S3": "makro", "S4": "makro", "S5": "mikro",
           "S6": "meso", "S7": "meso", "S8": "mikro"}


def test_nbgrader_takes_the_last_expression_as_points_built_cell():
    """The cell as nbgrader's autograder leaves it: printed line, then the execute_result."""
    value, printed = quiet(share_correct, TRAINEE, SOLUTION, points=4, task="Aufgabe 2")
    cell = _test_cell(HIDDEN_CELL.replace("POINTS", "4"), 4, [
        nbformat.v4.new_output("stream", name="stdout", text=printed),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(value)},
                               execution_count=1)])
    assert determine_grade(cell) == (1.5, 4.0)
    # Without points= the share (0.375) would be taken as 0.375 of 4 points.
    share, _ = quiet(share_correct, TRAINEE, SOLUTION)
    cell.outputs[1]["data"]["text/plain"] = repr(share)
    assert determine_grade(cell) == (0.375, 4.0)


def test_nbgrader_awards_partial_points_for_an_executed_cell():
    """Run the cells in a real kernel, then grade with nbgrader's own ``determine_grade``."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"zuordnung = {TRAINEE!r}\nLOESUNG = {SOLUTION!r}"),
                _test_cell(HIDDEN_CELL.replace("POINTS", "4"), 4, []),
                _test_cell(HIDDEN_CELL.replace("POINTS", "4").replace(
                    "assert mapping(zuordnung", "assert mapping({'S1': 'x'}"), 4, [])]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    partial, failed = nb.cells[1], nb.cells[2]
    assert determine_grade(partial) == (1.5, 4.0)
    text = "".join(out.get("text", "") for out in partial.outputs)
    assert text == "Aufgabe 2: 3 von 8 Zuordnungen stimmen.\n"
    assert determine_grade(failed) == (0, 4.0)  # the visible form check: no credit
    error = next(out for out in failed.outputs if out.output_type == "error")
    assert error.ename == "AssertionError" and "es fehlt: S2, S3" in error.evalue


@settings(max_examples=30)
@given(st.permutations(list(SOLUTION)))
def test_the_feedback_line_depends_only_on_the_count(order):
    # Move the three right answers to other items: the printed line stays the same.
    answers = {key: SOLUTION[key] if key in order[:3] else "falsch" for key in SOLUTION}
    assert quiet(share_correct, answers, SOLUTION, points=4)[1] == \
        "3 von 8 Zuordnungen stimmen.\n"


def test_an_open_item_costs_only_its_share_when_the_visible_check_allows_it():
    answer = dict.fromkeys(SOLUTION)
    with pytest.raises(AssertionError, match="Noch keine Antwort"):
        mapping(answer, keys=list(SOLUTION), complete=False, task="Aufgabe 2")
    answer["S1"] = SOLUTION["S1"]
    ok, printed = quiet(mapping, answer, keys=list(SOLUTION), complete=False, task="Aufgabe 2")
    assert ok and printed == "Aufgabe 2: 7 von 8 noch offen.\n"
    with pytest.raises(AssertionError, match="es fehlt"):  # a complete answer is still demanded
        mapping(answer, keys=list(SOLUTION), task="Aufgabe 2")
    with pytest.raises(AssertionError, match="Erlaubt sind nur"):  # filled items keep their form
        mapping({**answer, "S2": "quer"}, keys=list(SOLUTION), options=set(SOLUTION.values()),
                complete=False, task="Aufgabe 2")
    assert quiet(share_correct, answer, SOLUTION, points=4)[0] == 0.5


def test_share_selected_counts_every_option_once_and_names_none():
    options, right = "ABCDEF", {"B", "D"}
    assert quiet(share_selected, ["B", "D"], right, options=options, points=3)[0] == 3.0
    assert quiet(share_selected, list(options), right, options=options, points=3)[0] == 1.0
    value, printed = quiet(share_selected, "b, c", right, options=options, points=3, task="A")
    assert value == 2.0 and printed == "A: 4 von 6 Optionen richtig entschieden.\n"
    with pytest.raises(AssertionError, match="Erlaubt sind nur A–F"):
        share_selected(["G"], right, options=options, task="A")


def test_a_kernel_with_hints_answers_typing_slips_in_german():
    """In a real kernel: unquoted text and an open quotation mark get a German hint on top."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("from kokosim.answers import install_hints\n"
                                          "install_hints()"),
                nbformat.v4.new_code_cell("verfahren = mediation"),
                nbformat.v4.new_code_cell('verfahren = "mediation'),
                nbformat.v4.new_code_cell("1 / 0")]
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute()
    assert nb.cells[0].outputs == []
    unquoted, unclosed, other = (cell.outputs[0] for cell in nb.cells[1:])
    assert unquoted.output_type == "error" and unquoted.ename == "NameError"
    assert unquoted.traceback[0] == ("Hinweis: „mediation“ ist hier kein bekannter Begriff. Ein "
                                     'Text gehört in Anführungszeichen, z. B. "mediation". Stammt '
                                     "der Name aus einer früheren Zelle, führen Sie diese zuerst "
                                     "aus.")
    assert unclosed.output_type == "error" and unclosed.ename == "SyntaxError"
    assert unclosed.traceback[0].startswith("Hinweis: Zeile 1 ist so nicht lesbar.")
    assert other.ename == "ZeroDivisionError"
    assert not any("Hinweis" in line for line in other.traceback)
