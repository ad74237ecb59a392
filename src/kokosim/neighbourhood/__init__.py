"""The neighbourhood conflict model (Stadtteilmodell): residents as NumPy arrays, disputes and
conflict managers as Mesa agents. See ``simulations/ODD_Stadtteilmodell.md``."""

from kokosim.neighbourhood.agents import ConflictManager, Dispute
from kokosim.neighbourhood.model import LAYERS, OBSERVABLES, SUMMARY_LABELS, Neighbourhood
from kokosim.neighbourhood.parameters import PARAMETERS, Parameter

__all__ = ["Neighbourhood", "Dispute", "ConflictManager", "OBSERVABLES", "SUMMARY_LABELS",
           "LAYERS", "PARAMETERS", "Parameter"]
