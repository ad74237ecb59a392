"""Certification pipeline: intake, sandboxed autograding, leak-free feedback, export, certificates.

Built on nbgrader's Python API (:class:`nbgrader.apps.NbGraderAPI`,
:class:`nbgrader.api.Gradebook`); the command line is ``kokosim-cert``
(:mod:`kokosim.certification.cli`).
"""

__all__: list[str] = []
