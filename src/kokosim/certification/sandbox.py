"""Sandboxed Jupyter kernel for autograding: resource limits (prlimit) plus bubblewrap.

nbgrader executes submissions with the user's own rights and has no sandbox of its own. Here
the kernel is started through a launcher (``python -m kokosim.certification.sandbox``) that is
the first word of a dedicated kernelspec. The launcher

* applies rlimits with ``prlimit``: address space (memory), CPU seconds per kernel, file size,
  no core files;
* where Debian's ``bubblewrap`` (``bwrap``) is installed, starts the kernel in new namespaces
  (no network, own PID namespace, all capabilities dropped) that see only an allow-list,
  read-only: the operating system (``/usr``, ``/etc``, ...) and the Python installation. The
  course repository (masters, git history), the work directory (gradebook, other trainees'
  work), home directories and ``/tmp`` do not exist in there. Only the trainee's own autograde
  directory (the kernel's working directory; the notebooks nbgrader put there, which contain
  the hidden tests, appear empty) and the kernel's private runtime folder are writable.

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
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kokosim._atomic import atomic_write
from kokosim._validate import check_integer

__all__ = [
    "FONT_CACHE",
    "KERNEL_NAME",
    "MPL_DIR",
    "SandboxLimits",
    "bwrap_available",
    "sandbox_command",
    "write_kernelspec",
    "main",
]

#: Name of the kernelspec the grader uses (written into the work directory, never globally).
KERNEL_NAME = "kokosim-sandbox"

#: matplotlib's configuration folder inside the sandbox.
MPL_DIR = "/tmp/.matplotlib"
#: Folder (inside the work directory) with the prebuilt matplotlib font list.
FONT_CACHE = "cache/matplotlib-kernel"

#: Parts of the operating system that are visible (read-only) inside the sandbox.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc")


@dataclass(frozen=True)
class SandboxLimits:
    """Limits for one grading kernel.

    Parameters
    ----------
    cell_timeout : int
        Wall-clock seconds per cell; after that the cell is interrupted and flagged.
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

    def __post_init__(self) -> None:
        for name, low in (("cell_timeout", 1), ("cpu_seconds", 1), ("memory_mb", 64),
                          ("file_mb", 1)):
            check_integer(name, getattr(self, name), low)
        for path in self.hide:
            if not os.path.isabs(path):
                raise ValueError(f"hide={path!r} is not an absolute path")


def bwrap_available() -> str | None:
    """Return the path of ``bwrap`` if bubblewrap is installed, else ``None``.

    Examples
    --------
    >>> bwrap_available() is None or bwrap_available().endswith("bwrap")
    True
    """
    return shutil.which("bwrap")


def _python_roots() -> list[str]:
    """Directories the kernel needs to see: the venv, the base Python and kokosim's source."""
    package_root = Path(__file__).resolve().parents[2]  # .../src (editable) or site-packages
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
    mib = 1024 * 1024
    runtime = os.path.dirname(connection_file)
    command = [
        "prlimit",
        f"--as={limits.memory_mb * mib}",
        f"--cpu={limits.cpu_seconds}:{limits.cpu_seconds + 5}",
        f"--fsize={limits.file_mb * mib}",
        "--core=0",
        "--",
    ]
    if bwrap is None:
        return command + list(kernel_argv)
    command += [bwrap, "--die-with-parent", "--unshare-all", "--cap-drop", "ALL",
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
    command += ["--bind", cwd, cwd]
    # nbgrader writes the sanitised notebook, hidden tests included, into the kernel's working
    # directory before running it: the kernel sees empty files in its place.
    empty = os.path.join(runtime, "leer")
    for name in sorted(os.listdir(cwd)) if os.path.isdir(cwd) else []:
        if name.endswith(".ipynb"):
            if not os.path.exists(empty):
                open(empty, "w").close()  # noqa: SIM115 - an empty file to mount
            command += ["--ro-bind", empty, os.path.join(cwd, name)]
    command += [
        "--bind", runtime, runtime,
        "--chdir", cwd,
        "--unsetenv", "JPY_PARENT_PID",
        "--setenv", "HOME", "/tmp",
        "--setenv", "TMPDIR", "/tmp",
        "--setenv", "MPLCONFIGDIR", MPL_DIR,
        "--setenv", "IPYTHONDIR", "/tmp/.ipython",
        "--",
    ]
    return command + list(kernel_argv)


def write_kernelspec(jupyter_dir: str | os.PathLike[str], *, limits: SandboxLimits,
                     workdir: str, course_root: str) -> Path:
    """Write the sandbox kernelspec ``kokosim-sandbox`` under ``jupyter_dir/kernels``.

    The grader sets ``JUPYTER_PATH`` to ``jupyter_dir`` so that only its own processes see it.

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
    settings = {"limits": {**asdict(SandboxLimits()), **asdict(limits)},
                "workdir": os.path.realpath(workdir), "course_root": os.path.realpath(course_root)}
    spec = {
        "argv": [sys.executable, "-m", "kokosim.certification.sandbox",
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


def main(argv: Sequence[str] | None = None) -> None:
    """Launcher used by the kernelspec: ``SETTINGS_JSON CONNECTION_FILE [kernel args...]``.

    Replaces itself (``exec``) with prlimit + bubblewrap + ipykernel, so the kernel manager's
    process handle is the sandbox.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    settings = json.loads(args[0])
    connection_file, extra = os.path.realpath(args[1]), args[2:]
    limits = SandboxLimits(**{**settings["limits"], "hide": tuple(settings["limits"]["hide"])})
    bwrap = bwrap_available() if limits.filesystem else None
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, *extra]
    command = sandbox_command(kernel, limits=limits, workdir=settings["workdir"],
                              course_root=settings["course_root"], cwd=os.getcwd(),
                              connection_file=connection_file, bwrap=bwrap,
                              font_cache=os.path.join(settings["workdir"], FONT_CACHE))
    os.execvp(command[0], command)


if __name__ == "__main__":  # pragma: no cover - exercised through the kernelspec
    main()
