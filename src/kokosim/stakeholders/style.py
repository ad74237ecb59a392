"""Colours and German labels shared by the drawing, the GEXF export and the workshop editor.

Sector colours are the Okabe-Ito palette (safe for the common forms of colour blindness) plus
grey and white, which differ from the others and from each other in lightness.
"""

from __future__ import annotations

from kokosim.stakeholders.model import RELATION_KINDS, SECTORS

__all__ = ["SECTOR_COLOURS", "KIND_LABELS", "QUADRANTS", "hex_to_rgb"]

#: Fill colour of each sector (Okabe-Ito, then grey and white).
SECTOR_COLOURS: dict[str, str] = dict(zip(SECTORS, (
    "#0072B2",  # Verwaltung: blue
    "#D55E00",  # Politik: vermillion
    "#009E73",  # Zivilgesellschaft: bluish green
    "#E69F00",  # Migrantenselbstorganisation: orange
    "#000000",  # Polizei/Ordnung: black
    "#CC79A7",  # Medien: reddish purple
    "#F0E442",  # Wirtschaft: yellow
    "#56B4E9",  # Religionsgemeinschaft: sky blue
    "#999999",  # Bewohnerschaft: grey
    "#FFFFFF",  # Sonstige: white
), strict=True))

#: German legend text of each relation kind (Fisher notation in brackets).
KIND_LABELS: dict[str, str] = dict(zip(RELATION_KINDS, (
    "Kooperation, enge Beziehung (Linie)",
    "Allianz (Doppellinie)",
    "informell/unregelmäßig (gepunktet)",
    "Einfluss (Pfeil)",
    "Konflikt mit Glasl-Stufe (Zickzack)",
    "unterbrochene Beziehung (durchgestrichen)",
), strict=True))

#: Mendelow quadrants: (high power, high interest) -> German strategy.
QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, True): "eng einbinden",
    (True, False): "zufriedenstellen",
    (False, True): "informiert halten",
    (False, False): "beobachten",
}


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#RRGGBB"`` as three integers 0..255.

    Examples
    --------
    >>> hex_to_rgb(SECTOR_COLOURS["Verwaltung"])
    (0, 114, 178)
    """
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)
