"""The closed word lists of actor maps: sectors, roles, stances and relation kinds.

The bottom of :mod:`kokosim.stakeholders`: it imports nothing from the package, and the model,
the file formats, the palette and the editor all take their vocabulary from here (conventions:
``shared/domain.md``, "Actor / stakeholder mapping conventions").

Examples
--------
>>> SECTORS[0], SECTORS[-1]
('Verwaltung', 'Sonstige')
>>> sorted(DIRECTED_KINDS), "konflikt" in SYMMETRIC_KINDS
(['einfluss'], True)
"""

from __future__ import annotations

__all__ = [
    "SECTORS",
    "ROLES",
    "STANCES",
    "RELATION_KINDS",
    "DIRECTED_KINDS",
    "SYMMETRIC_KINDS",
]

#: Sectors of an actor; anything else is ``"Sonstige"`` (the last one).
SECTORS: tuple[str, ...] = (
    "Verwaltung", "Politik", "Zivilgesellschaft", "Migrantenselbstorganisation",
    "Polizei/Ordnung", "Medien", "Wirtschaft", "Religionsgemeinschaft", "Bewohnerschaft",
    "Sonstige",
)
#: Roles of an actor; the empty role means "not assessed".
ROLES: tuple[str, ...] = ("Schlüsselakteur", "Primärakteur", "Sekundärakteur", "Veto-Player")
#: Goal camps; an actor may hold several.
STANCES: tuple[str, ...] = ("pro", "contra", "neutral")
#: Relation kinds (Fisher notation), in legend order.
RELATION_KINDS: tuple[str, ...] = (
    "kooperation", "allianz", "informell", "einfluss", "konflikt", "unterbrochen",
)
#: Relation kinds with a direction (source acts on target).
DIRECTED_KINDS: frozenset[str] = frozenset({"einfluss"})
#: Mutual relation kinds, stored once per pair.
SYMMETRIC_KINDS: frozenset[str] = frozenset(RELATION_KINDS) - DIRECTED_KINDS
