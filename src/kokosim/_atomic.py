"""Atomic file writes: a crash or an error while writing never leaves a half-written file.

Data are written to a temporary file in the target's directory, flushed and ``fsync``-ed, then
moved over the target with :func:`os.replace` (atomic on POSIX and Windows). If anything fails
before the move, the temporary file is removed and the previous file stays as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_open", "atomic_write"]


def _default_mode() -> int:
    """Permission bits a new file would get from ``open`` under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX only; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8",
                newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file that replaces ``path`` when the ``with`` block ends without error.

    Parameters
    ----------
    path : str or path-like
        The file to (re)write. Its directory must exist.
    mode : {"w", "wb"}
        Text or binary writing.
    encoding : str or None, default "utf-8"
        Text encoding (ignored in binary mode).
    newline : str or None
        Passed to :func:`open` in text mode (use ``""`` for the :mod:`csv` module).

    Yields
    ------
    file object
        Write to it; on normal exit it is flushed, synced and moved over ``path``. If the block
        raises, the temporary file is deleted, ``path`` is untouched and the error propagates.

    Raises
    ------
    ValueError
        If ``mode`` is not ``"w"`` or ``"wb"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notiz.txt"
    >>> with atomic_open(target) as fh:
    ...     _ = fh.write("Grüße")
    >>> target.read_text(encoding="utf-8")
    'Grüße'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode={mode!r} is not supported: expected 'w' or 'wb'")
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    binary = mode == "wb"
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chmod(tmp_name, os.stat(target).st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp_name, _default_mode())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(directory)


def atomic_write(path: str | os.PathLike[str], data: str | bytes, encoding: str = "utf-8") -> None:
    """Write ``data`` (text or bytes) to ``path`` atomically.

    Parameters
    ----------
    path : str or path-like
        Target file; its directory must exist.
    data : str or bytes
        Text is encoded with ``encoding``; bytes are written as they are.
    encoding : str, default "utf-8"

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "karte.json"
    >>> atomic_write(target, '{"a": 1}')
    >>> atomic_write(target, b"\\x00\\x01")
    >>> target.read_bytes()
    b'\\x00\\x01'
    """
    if isinstance(data, bytes):
        with atomic_open(path, "wb") as handle:
            handle.write(data)
    else:
        with atomic_open(path, "w", encoding=encoding, newline="") as handle:
            handle.write(data)
