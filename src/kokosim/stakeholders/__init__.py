"""Actor maps (Akteurslandkarten) for conflict analysis: build, analyse, draw, exchange, edit.

Only the data model is imported eagerly; the other parts load on first use so that
``import kokosim.stakeholders`` stays fast.
"""
