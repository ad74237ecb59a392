"""Ready-made maps: the fictional case "Musterstadt-Nord: neue Unterkunft" and a small example.

All names are fictional; no real persons or organisations are meant.
"""

from __future__ import annotations

from importlib import resources

from kokosim.stakeholders.exchange import StakeholderMap, read_csv

__all__ = ["CASE_MAP_TITLE", "load_case_map", "example_map"]

#: Title of the shipped case map.
CASE_MAP_TITLE = "Musterstadt-Nord: neue Unterkunft"

_CASE_FILES = ("musterstadt_nord_akteure.csv", "musterstadt_nord_beziehungen.csv")


def load_case_map() -> StakeholderMap:
    """The fictional case map "Musterstadt-Nord: neue Unterkunft" (module 2, workshops).

    A district debates a new shelter for refugees. The map has the KMS coordination as "self",
    an issue node, shadow parties, alliances, conflicts with Glasl stages, a broken relationship,
    poorly connected actors, brokers and a group of influential actors without any path to the
    coordination. The data are two CSV tables with German headers in ``kokosim/data``.

    Returns
    -------
    StakeholderMap
        A fresh copy on every call.

    Examples
    --------
    >>> karte = load_case_map()
    >>> 15 <= len(karte) <= 30, karte.self_actor
    (True, 'KMS-Koordination (ich)')
    """
    folder = resources.files("kokosim") / "data"
    with resources.as_file(folder / _CASE_FILES[0]) as actors, \
            resources.as_file(folder / _CASE_FILES[1]) as relations:
        return read_csv(actors, relations)


def example_map() -> StakeholderMap:
    """A small map for examples and exercises (7 actors and an issue node).

    It contains one of everything the analyses look for: the "self" actor ``KMS``, a broker,
    an articulation point (``Verein``), an isolated influential actor without a path to the
    coordination (``Investor``), two conflicts of ``Amt`` (stages 4 and 5), an unbalanced triad
    and camps without a cooperative link (pro and contra).

    Examples
    --------
    >>> example_map()
    StakeholderMap(8 Akteure, 11 Beziehungen)
    """
    karte = StakeholderMap()
    actors = (
        ("KMS", "Verwaltung", 2, "neutral", 4, 9, {"is_self": True}),
        ("Amt", "Verwaltung", 4, "pro", 8, 7, {}),
        ("Verein", "Zivilgesellschaft", 3, "contra", 3, 8, {}),
        ("Initiative", "Bewohnerschaft", 2, "contra", 2, 9, {}),
        ("Presse", "Medien", 3, "neutral", 4, 3, {}),
        ("Investor", "Wirtschaft", 5, "pro", 9, 2, {"is_shadow": True}),
        ("Moscheegemeinde", "Religionsgemeinschaft", 1, "pro", 2, 6, {}),
    )
    for name, sector, influence, stance, power, interest, flags in actors:
        karte.add_actor(name, sector=sector, influence=influence, stance=stance, power=power,
                        interest=interest, **flags)
    karte.add_actor("Standort Unterkunft", is_issue=True, influence=0)
    for source, target, kind, extra in (
        ("KMS", "Amt", "kooperation", {}),
        ("KMS", "Verein", "informell", {}),
        ("Verein", "Initiative", "allianz", {}),
        ("Presse", "Amt", "kooperation", {}),
        ("Presse", "Verein", "kooperation", {}),
        ("Presse", "Initiative", "einfluss", {}),
        ("Verein", "Moscheegemeinde", "informell", {}),
        ("Amt", "Verein", "konflikt", {"stage": 4}),
        ("Amt", "Initiative", "konflikt", {"stage": 5}),
        ("Investor", "Standort Unterkunft", "einfluss", {}),
        ("Amt", "Standort Unterkunft", "einfluss", {}),
    ):
        karte.add_relation(source, target, kind, **extra)
    return karte
