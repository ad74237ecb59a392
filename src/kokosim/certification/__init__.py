"""Certification pipeline: intake, sandboxed autograding, leak-free feedback, export, certificates.

Built on nbgrader's Python API; the command line is ``kokosim-cert``
(:mod:`~kokosim.certification.cli`). Where each step lives:

==================  ===========================================================================
``init``            :mod:`.workdir` (work directory, settings, nbgrader config, trainee import)
``intake``          :mod:`.intake` (checks zip/ipynb files, matches notebooks by cell ids,
                    restores nbgrader metadata, archives earlier submissions)
``release``,        :mod:`.exchange` (nbgrader's exchange folder on the course JupyterHub:
``collect``         publish a module or feedback; take submissions through ``intake``'s checks)
gradebook URL       :mod:`.database` (PostgreSQL: driver, password file, connection check)
``grade``           :mod:`.grading` (cohort, worker processes, ``flags.json``) →
                    :mod:`.warmup` (run cache from the masters) →
                    :mod:`.worker` (one trainee: nbgrader autograde, flags) →
                    :mod:`.launcher` (kernelspec command of every grading kernel) →
                    :mod:`.starter` (warm kernel starter, forks kernels) →
                    :mod:`.sandbox` (limits, prlimit + bubblewrap command, kernelspec);
                    :mod:`.cellcpu` (CPU limit per cell, inside the kernel);
                    :mod:`.kernelwarnings` (warnings to stdout, inside the kernel)
``feedback``        :mod:`.feedback` (HTML without hidden tests)
``export``          :mod:`.export` (results and pass/fail per trainee and module, grades CSV);
                    :mod:`.lms` (``--format moodle|moodle-bewertung|ilias``)
``certificates``    :mod:`.certificates` (PDF certificates, cohort overview);
                    :mod:`.verification` (verification codes, registry)
``verify``          :mod:`.verification`
``status``          :mod:`.status`
records             :mod:`.records` (typed flags, grading records, states, decisions;
                    ``flags.json``)
nbgrader fixes      :mod:`kokosim._nbgrader` (gradebook lock, explicit kernel environment, ...)
==================  ===========================================================================

Imports run one way, down the grading chain: cli → grading → worker → launcher → starter →
sandbox (the worker and the launcher are separate processes started by module name).
"""

from kokosim._nbgrader import defer_iri_grammar

__all__: list[str] = []

# Before any module of the pipeline imports nbformat: saves 0.9 s of CPU per process.
defer_iri_grammar()
