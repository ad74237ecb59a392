"""Flags and grading records per trainee and module, stored in ``WORKDIR/flags.json``.

The file is rewritten atomically after every graded trainee, so an interrupted run never
loses the records of trainees already graded. A new grading run of a trainee replaces that
trainee's record for the module; other trainees' records stay as they are.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from kokosim._atomic import atomic_write

__all__ = ["FLAGS_FILE", "Flag", "load_records", "record_grading", "blocking_flags"]

FLAGS_FILE = "flags.json"


@dataclass(frozen=True)
class Flag:
    """Something a person must look at (``blocking``) or should know (note).

    Attributes
    ----------
    code : str
        ``zeitlimit``, ``zeitlimit_gesamt``, ``kernel_abbruch``, ``speicher``, ``fehler``
        (blocking) or ``testzelle_veraendert``, ``testzelle_geloescht`` (notes).
    text : str
        German description with notebook and cell.
    blocking : bool
        Whether the pass/fail decision waits for a person.

    Examples
    --------
    >>> Flag("zeitlimit", "a.ipynb, Zelle 3").as_dict()["blocking"]
    True
    """

    code: str
    text: str
    blocking: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return asdict(self)


def load_records(workdir: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Read ``flags.json``: ``{module: {student: record}}`` (empty if nothing was graded).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> class W:
    ...     root = pathlib.Path(tempfile.mkdtemp())
    ...     def path(self, *p): return self.root.joinpath(*p)
    >>> load_records(W())
    {}
    """
    path = workdir.path(FLAGS_FILE)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record_grading(workdir: Any, module: str, result: dict[str, Any]) -> None:
    """Store one trainee's grading result (flags, seconds, sandbox) atomically."""
    records = load_records(workdir)
    records.setdefault(module, {})[result["student"]] = result
    atomic_write(workdir.path(FLAGS_FILE), json.dumps(records, indent=1, ensure_ascii=False))


def blocking_flags(record: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The blocking flags of one record (``None``: not graded, no flags).

    Examples
    --------
    >>> blocking_flags({"flags": [{"code": "zeitlimit", "text": "", "blocking": True},
    ...                           {"code": "testzelle_geloescht", "text": "", "blocking": False}]})
    [{'code': 'zeitlimit', 'text': '', 'blocking': True}]
    """
    return [f for f in (record or {}).get("flags", []) if f["blocking"]]
