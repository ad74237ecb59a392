"""Sandboxed Jupyter kernel for autograding: resource limits (prlimit) plus bubblewrap.

The bottom of the grading chain (cli → grading → worker → launcher → starter → sandbox): this
module builds command lines and the kernelspec; it starts nothing itself and imports no other
grading module. nbgrader executes submissions with the user's own rights and has no sandbox of
its own. Here the kernel is started through a launcher
(``python -m kokosim.certification.launcher``, :mod:`kokosim.certification.launcher`) that is
the first word of a dedicated kernelspec (:func:`write_kernelspec`). The launcher

* applies rlimits with ``prlimit``: address space (memory), CPU seconds per kernel, file size,
  no core files (:func:`rlimit_prefix`);
* where Debian's ``bubblewrap`` (``bwrap``) is installed, starts the kernel in new namespaces
  (no network, own PID namespace, all capabilities dropped) that see only an allow-list,
  read-only: the operating system (``/usr``, ``/etc``, ...) and the Python installation. The
  course repository (masters, git history), the work directory (gradebook, other trainees'
  work), home directories and ``/tmp`` do not exist in there. Only the trainee's own autograde
  directory (the kernel's working directory; the notebooks nbgrader put there, which contain
  the hidden tests, appear empty) and the kernel's private runtime folder are writable
  (:func:`sandbox_prefix`, :func:`sandbox_command`).

Measured pitfalls handled here: the kernelspec needs ``"interrupt_mode": "message"`` (signals
cannot reach a kernel behind bwrap's PID namespace), the connection file must be bound
read-write (with ``ipc`` transport: in a new network namespace TCP on localhost is not
reachable from outside, so the grader puts connection file and sockets in a private folder),
and ``JPY_PARENT_PID`` must be unset with ``--unshare-pid`` (else the kernel sees
no parent and quits).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import kokosim
from kokosim._atomic import atomic_write
from kokosim._validate import check_integer

__all__ = [
    "FONT_CACHE",
    "KERNEL_NAME",
    "MPL_DIR",
    "RUN_CACHE",
    "SandboxLimits",
    "bwrap_available",
    "kernel_arguments",
    "rlimit_prefix",
    "sandbox_command",
    "sandbox_mode",
    "sandbox_prefix",
    "socket_folder",
    "write_kernelspec",
]

#: Name of the kernelspec the grader uses (written into the work directory, never globally).
KERNEL_NAME = "kokosim-sandbox"

#: matplotlib's configuration folder inside the sandbox.
MPL_DIR = "/tmp/.matplotlib"
#: Folder (inside the work directory) with the prebuilt matplotlib font list.
FONT_CACHE = "cache/matplotlib-kernel"

#: Run cache of the work directory (see :mod:`kokosim.neighbourhood.runcache`), read-only in the sandbox.
RUN_CACHE = "cache/laeufe"
#: Environment of every sandboxed kernel. One BLAS thread: graders already run one kernel per core.
KERNEL_ENV = {"HOME": "/tmp", "TMPDIR": "/tmp", "MPLCONFIGDIR": MPL_DIR,
              "IPYTHONDIR": "/tmp/.ipython", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}

#: Parts of the operating system that are visible (read-only) inside the sandbox.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one grading kernel.

    Parameters
    ----------
    cell_timeout : int
        Wall-clock seconds per cell, and CPU seconds per cell
        (:mod:`kokosim.certification.cellcpu`); beyond either the cell is interrupted and
        flagged, and the notebook goes on.
    cpu_seconds : int
        CPU seconds for the whole kernel (RLIMIT_CPU); a kernel that exceeds it is killed
        and the trainee is flagged.
    memory_mb : int
        Address-space limit of the kernel in MiB (RLIMIT_AS); allocations beyond it fail
        with ``MemoryError`` (flagged) or kill the kernel (flagged).
    file_mb : int
        Largest file the kernel may write, in MiB (RLIMIT_FSIZE).
    hide : tuple of str
        Extra absolute paths to hide even if they lie below a visible directory.
    filesystem : bool
        Use bubblewrap if it is installed. ``False`` keeps only the rlimits.
    warm_kernels : bool
        With bubblewrap: start kernels from a warm starter per grading process that has
        imported the course's libraries once (:mod:`kokosim.certification.starter`); every
        notebook still gets a fresh kernel process. ``False`` starts every kernel from scratch.
    figures : bool
        Render figures (PNG) in grading kernels. ``False`` (default) keeps only their text
        form: figures are never graded, and drawing them is most of a course notebook's CPU time
        in grading. The feedback then shows ``<Figure ...>`` instead of the picture.

    Examples
    --------
    >>> SandboxLimits(cell_timeout=5).cell_timeout
    5
    >>> SandboxLimits(memory_mb=0)
    Traceback (most recent call last):
    ...
    ValueError: memory_mb=0 is out of range: expected 64 <= memory_mb
    """

    cell_timeout: int = 30
    cpu_seconds: int = 300
    memory_mb: int = 2048
    file_mb: int = 64
    hide: tuple[str, ...] = field(default_factory=tuple)
    filesystem: bool = True
    warm_kernels: bool = True
    figures: bool = False

    def __post_init__(self) -> None:
        for name, low in (("cell_timeout", 1), ("cpu_seconds", 1), ("memory_mb", 64),
                          ("file_mb", 1)):
            check_integer(name, getattr(self, name), low)
        for path in self.hide:
            if not os.path.isabs(path):
                raise ValueError(f"hide={path!r} is not an absolute path")

    def to_dict(self) -> dict[str, Any]:
        """JSON form (settings file of the work directory, kernelspec).

        Examples
        --------
        >>> SandboxLimits.from_dict(SandboxLimits(hide=("/srv",)).to_dict()).hide
        ('/srv',)
        """
        return {**asdict(self), "hide": list(self.hide)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SandboxLimits:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**data, "hide": tuple(data.get("hide", ()))})


#: Longest path of a Unix socket (``sun_path`` holds 108 bytes including the final NUL).
SOCKET_PATH_MAX = 107


def socket_folder(preferred: Path, longest_name: int = 24) -> Path:
    """Create and return a private folder for Unix sockets: ``preferred`` if short enough.

    Kernels are reached over ``ipc`` sockets; when the work directory's path is too long for
    a socket address, a fresh folder in the system's ``/tmp`` (mode 0700) is used instead.
    The caller removes it when done.

    Examples
    --------
    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> socket_folder(base / "k") == base / "k"
    True
    >>> fallback = socket_folder(base / ("x" * 120))
    >>> str(fallback).startswith("/tmp/kokosim-")
    True
    >>> fallback.rmdir()
    """
    if len(os.fsencode(preferred.resolve())) + 1 + longest_name <= SOCKET_PATH_MAX:
        preferred.mkdir(parents=True, exist_ok=True)
        return preferred
    return Path(tempfile.mkdtemp(prefix="kokosim-", dir="/tmp"))


def bwrap_available() -> str | None:
    """Return the path of ``bwrap`` if bubblewrap is installed, else ``None``.

    Examples
    --------
    >>> bwrap_available() is None or bwrap_available().endswith("bwrap")
    True
    """
    return shutil.which("bwrap")


def sandbox_mode(limits: SandboxLimits) -> str:
    """Describe the sandbox in German as used in reports and ``status``.

    Examples
    --------
    >>> sandbox_mode(SandboxLimits(filesystem=False))
    'nur Ressourcengrenzen (Dateisystem-Sandbox aus)'
    """
    if limits.filesystem and bwrap_available():
        return "bubblewrap + Ressourcengrenzen"
    if limits.filesystem:
        return "nur Ressourcengrenzen (bubblewrap fehlt: Dateisystem-Sandbox aus)"
    return "nur Ressourcengrenzen (Dateisystem-Sandbox aus)"


def _python_roots() -> list[str]:
    """Directories the kernel needs to see: the venv, the base Python and kokosim's source."""
    # The folder the running ``kokosim`` package was imported from: ``src/`` of an editable
    # install, ``site-packages`` (or a --target folder) otherwise.
    package_root = Path(kokosim.__file__).resolve().parent.parent
    roots = {sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"], str(package_root)}
    return sorted(os.path.realpath(r) for r in roots)


def sandbox_command(kernel_argv: Sequence[str], *, limits: SandboxLimits, workdir: str,
                    course_root: str, cwd: str, connection_file: str,
                    bwrap: str | None, font_cache: str | None = None) -> list[str]:
    """Build the command line that starts ``kernel_argv`` inside the limits and the sandbox.

    Parameters
    ----------
    kernel_argv : sequence of str
        The kernel's own command (``python -m ipykernel_launcher -f ...``).
    limits : SandboxLimits
    workdir, course_root : str
        Absolute paths hidden from the kernel (gradebook, other trainees, masters).
    cwd : str
        The trainee's autograde directory, the only writable place besides ``/tmp``.
    connection_file : str
        The kernel's connection file. Its folder is bound read-write: it must be a private
        folder of this kernel that also holds the ``ipc`` sockets (the sandbox has its own
        network namespace, so the kernel is reached through Unix sockets, not TCP).
    bwrap : str or None
        Path of ``bwrap``; ``None`` runs the kernel with the rlimits only.
    font_cache : str, optional
        Folder with matplotlib's font list, built once outside; its files are placed read-only
        in the kernel's matplotlib folder (else every kernel rebuilds it, ~0.4 s CPU).

    Returns
    -------
    list of str

    Examples
    --------
    >>> cmd = sandbox_command(["python", "-m", "ipykernel_launcher"], limits=SandboxLimits(),
    ...                       workdir="/w", course_root="/r", cwd="/w/a/s/m",
    ...                       connection_file="/w/rt/k.json", bwrap=None)
    >>> cmd[:2], cmd[-3:]
    (['prlimit', '--as=2147483648'], ['python', '-m', 'ipykernel_launcher'])
    >>> cmd = sandbox_command(["python"], limits=SandboxLimits(), workdir="/w", course_root="/r",
    ...                       cwd="/w/a/s/m", connection_file="/w/rt/k.json",
    ...                       bwrap="/usr/bin/bwrap")
    >>> "--unshare-all" in cmd and cmd[cmd.index("--chdir") + 1]
    '/w/a/s/m'
    >>> "/w" in cmd  # the work directory is not on the allow-list, so it is not mounted
    False
    """
    runtime = os.path.dirname(connection_file)
    if bwrap is None:
        return rlimit_prefix(limits) + list(kernel_argv)
    mounts = ["--bind", cwd, cwd]
    # nbgrader writes the sanitised notebook, hidden tests included, into the kernel's working
    # directory before running it: the kernel sees empty files in its place.
    empty = os.path.join(runtime, "leer")
    for name in sorted(os.listdir(cwd)) if os.path.isdir(cwd) else []:
        if name.endswith(".ipynb"):
            if not os.path.exists(empty):
                open(empty, "w").close()  # noqa: SIM115 - an empty file to mount
            mounts += ["--ro-bind", empty, os.path.join(cwd, name)]
    mounts += ["--bind", runtime, runtime]
    return sandbox_prefix(limits, bwrap=bwrap, workdir=workdir, course_root=course_root,
                          mounts=mounts, chdir=cwd, font_cache=font_cache) + list(kernel_argv)


#: What grading kernels display when figures are off: everything except pictures.
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json",
              "application/javascript")


def kernel_arguments(limits: SandboxLimits) -> list[str]:
    """Extra ipykernel options for ``limits``.

    Grading kernels load the per-cell CPU limit, keep no input history (nobody reads it),
    and with figures off they compute no picture formats.

    Examples
    --------
    >>> len(kernel_arguments(SandboxLimits(figures=True)))
    2
    >>> kernel_arguments(SandboxLimits())[2]
    '--DisplayFormatter.active_types=text/plain'
    """
    options = ["--InteractiveShellApp.extensions=kokosim.certification.cellcpu",
               "--HistoryManager.enabled=False"]
    if not limits.figures:
        options += [f"--DisplayFormatter.active_types={kind}" for kind in TEXT_TYPES]
    return options


def rlimit_prefix(limits: SandboxLimits) -> list[str]:
    """``prlimit`` options for ``limits``, ending with ``--``.

    Examples
    --------
    >>> rlimit_prefix(SandboxLimits(cpu_seconds=10))[2]
    '--cpu=10:15'
    """
    mib = 1024 * 1024
    return ["prlimit", f"--as={limits.memory_mb * mib}",
            f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 5}",
            f"--fsize={limits.file_mb * mib}", "--core=0", "--"]


def sandbox_prefix(limits: SandboxLimits, *, bwrap: str, workdir: str, course_root: str,
                   mounts: Sequence[str], chdir: str, font_cache: str | None) -> list[str]:
    """prlimit + bubblewrap options up to ``--``: the allow-list plus the extra ``mounts``.

    Shared by single kernels (:func:`sandbox_command`) and the warm kernel starter
    (:mod:`kokosim.certification.starter`). The run cache of the work directory
    (``cache/laeufe``) is mounted read-only when it exists.

    Examples
    --------
    >>> cmd = sandbox_prefix(SandboxLimits(), bwrap="/usr/bin/bwrap", workdir="/w",
    ...                      course_root="/r", mounts=["--bind", "/k", "/k"], chdir="/tmp",
    ...                      font_cache=None)
    >>> cmd[-1], cmd[cmd.index("--chdir") + 1], "--unshare-all" in cmd
    ('--', '/tmp', True)
    """
    command = rlimit_prefix(limits) + [
        bwrap, "--die-with-parent", "--unshare-all", "--cap-drop", "ALL",
        "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    # Allow-list: the operating system and the Python installation, read-only. Everything
    # else (/work, /home, /root, /srv, /mnt, /opt, /var, ...) does not exist in the sandbox.
    for top in SYSTEM_DIRS:
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
    visible = [*SYSTEM_DIRS, *_python_roots()]
    for root in _python_roots():
        command += ["--ro-bind", root, root]
    # Hide the course and the work directory even if they lie below a visible root.
    for secret in sorted({os.path.realpath(p) for p in (course_root, workdir, *limits.hide)}):
        if any(secret == v or secret.startswith(v.rstrip(os.sep) + os.sep) for v in visible):
            command += ["--tmpfs", secret]
    for name in sorted(os.listdir(font_cache)) if font_cache and os.path.isdir(font_cache) else []:
        if name.startswith("fontlist") and name.endswith(".json"):
            command += ["--ro-bind", os.path.join(font_cache, name), f"{MPL_DIR}/{name}"]
    cache = os.path.join(os.path.realpath(workdir), RUN_CACHE)
    if os.path.isdir(cache):
        # Imported here: the package of the run cache loads the model, which a kernel launcher
        # that hands its kernel to the warm starter never needs.
        from kokosim.neighbourhood.runcache import cache_environment

        command += ["--ro-bind", cache, cache]
        for name, value in cache_environment(cache, readonly=True).items():
            command += ["--setenv", name, value]
    command += list(mounts)
    command += ["--chdir", chdir, "--unsetenv", "JPY_PARENT_PID"]
    for name, value in KERNEL_ENV.items():
        command += ["--setenv", name, value]
    return command + ["--"]


def write_kernelspec(jupyter_dir: str | os.PathLike[str], *, limits: SandboxLimits,
                     workdir: str, course_root: str) -> Path:
    """Write the sandbox kernelspec ``kokosim-sandbox`` under ``jupyter_dir/kernels``.

    Grading workers look kernelspecs up only in ``jupyter_dir/kernels``
    (:func:`kokosim._nbgrader.kernel_config`), so no other Jupyter process sees this one.

    Returns
    -------
    pathlib.Path
        The ``kernel.json`` written.

    Examples
    --------
    >>> import tempfile, json
    >>> d = tempfile.mkdtemp()
    >>> spec = write_kernelspec(d, limits=SandboxLimits(), workdir=d, course_root=d)
    >>> json.loads(spec.read_text())["interrupt_mode"]
    'message'
    """
    settings = {"limits": limits.to_dict(),
                "workdir": os.path.realpath(workdir), "course_root": os.path.realpath(course_root)}
    spec = {
        "argv": [sys.executable, "-m", "kokosim.certification.launcher",
                 json.dumps(settings), "{connection_file}"],
        "display_name": "kokosim Sandbox (Bewertung)",
        "language": "python",
        "interrupt_mode": "message",
        "metadata": {"debugger": False},
    }
    target = Path(jupyter_dir) / "kernels" / KERNEL_NAME
    target.mkdir(parents=True, exist_ok=True)
    atomic_write(target / "kernel.json", json.dumps(spec, indent=1))
    return target / "kernel.json"
