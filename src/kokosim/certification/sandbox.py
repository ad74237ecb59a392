"""Sandboxed Jupyter kernel for autograding: resource limits (prlimit) plus bubblewrap.

The bottom of the grading chain (cli → grading → worker → launcher → starter → sandbox): this
module builds command lines and the kernelspec; it starts nothing itself and imports no other
grading module. nbgrader executes submissions with the user's own rights and has no sandbox of
its own. Here the kernel is started through a launcher
(``python -m kokosim.certification.launcher``, :mod:`kokosim.certification.launcher`) that is
the first word of a dedicated kernelspec (:func:`write_kernelspec`). The launcher

* applies rlimits with ``prlimit``: address space (memory), CPU seconds per kernel, file size,
  no core files (:func:`rlimit_prefix`); inside the sandbox a second ``prlimit`` caps the
  number of processes (:func:`inner_prefix`);
* starts the kernel with Debian's ``bubblewrap`` (``bwrap``) in new namespaces
  (no network, own PID namespace, all capabilities dropped) that see only an allow-list,
  read-only: the operating system (``/usr``, ``/etc``, ...) and the Python installation. The
  course repository (masters, git history), the work directory (gradebook, other trainees'
  work), home directories and ``/tmp`` do not exist in there. Only the trainee's own autograde
  directory (the kernel's working directory; the notebooks nbgrader put there, which contain
  the hidden tests, appear empty) and the kernel's private runtime folder are writable
  (:func:`sandbox_prefix`, :func:`sandbox_command`). ``/tmp`` is a tmpfs of at most
  :attr:`SandboxLimits.disk_mb`.

Grading never runs without bubblewrap unless a run is started explicitly without it
(``grade --ohne-sandbox-UNSICHER``): :func:`sandbox_problem` says what is missing, and the
launcher refuses a kernel whose settings ask for bubblewrap when it is not there.

Root: ``RLIMIT_NPROC`` is not enforced for uid 0, not even in a user namespace that maps the
kernel's uid to root outside. When the grader runs as root, bubblewrap therefore runs without a
user namespace and ``setpriv`` drops the kernel to an unprivileged uid of its own
(:func:`sandbox_uid`: :data:`UID_BASE` plus a process id, unique while the sandbox lives), so the
process limit counts only that sandbox's processes. The launcher hands the kernel's folders
and connection file to that uid (:func:`hand_over`).

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
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import suppress
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
    "hand_over",
    "inner_prefix",
    "kernel_arguments",
    "rlimit_prefix",
    "sandbox_command",
    "sandbox_mode",
    "UNSAFE_MODE",
    "sandbox_prefix",
    "sandbox_problem",
    "sandbox_uid",
    "socket_folder",
    "write_kernelspec",
    "LIMIT_NOTES_ENV",
    "disk_usage",
    "read_limit_notes",
    "reclaim",
    "write_limit_note",
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

#: First uid of the unprivileged users grading kernels run as when the grader is root.
UID_BASE = 1_500_000_000

#: How status, records and exports name a run without the file-system sandbox.
UNSAFE_MODE = "UNSICHER: ohne Dateisystem-Sandbox (nur Ressourcengrenzen)"
#: How they name a normal run.
SAFE_MODE = "bubblewrap + Ressourcengrenzen"

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
    processes : int
        Processes and threads of one sandbox (kernel starter and kernel together; a kernel
        alone uses about 10). Beyond it ``fork`` fails; what is left is killed after the kernel.
    disk_mb : int
        Writable space of one kernel in MiB: the sandbox's ``/tmp`` (a tmpfs of this size) and,
        watched by the launcher, the kernel's folders on disk.
    cell_output_kb, notebook_output_kb : int
        Output kept per cell and per notebook in KiB; beyond it outputs are dropped with a
        German note (errors and the first standard-error output are always kept, so the score
        does not change). 512 KiB per cell leaves room for the course's largest figure (the
        model overview of 2.3: about 410 KiB as PNG in the notebook when figures are on).

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
    processes: int = 64
    disk_mb: int = 200
    cell_output_kb: int = 512
    notebook_output_kb: int = 2048

    def __post_init__(self) -> None:
        for name, low in (("cell_timeout", 1), ("cpu_seconds", 1), ("memory_mb", 64),
                          ("file_mb", 1), ("processes", 16), ("disk_mb", 16),
                          ("cell_output_kb", 1), ("notebook_output_kb", 1)):
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
    """Describe the sandbox of a run with ``limits`` in German (records, status, exports).

    Examples
    --------
    >>> sandbox_mode(SandboxLimits(filesystem=False))
    'UNSICHER: ohne Dateisystem-Sandbox (nur Ressourcengrenzen)'
    """
    return SAFE_MODE if limits.filesystem else UNSAFE_MODE


def reclaim(folder: str | os.PathLike[str]) -> None:
    """Give what sandbox uids own below ``folder`` back to this process's user (as root).

    The non-warm path binds the autograde folder into the sandbox and hands it over
    (:func:`hand_over`); afterwards it and the files a kernel wrote there belong to the grader
    again.
    """
    if os.geteuid() != 0 or not os.path.isdir(folder):
        return
    for root, dirs, names in os.walk(folder):
        for path in [root, *(os.path.join(root, n) for n in names + dirs)]:
            with suppress(OSError):
                info = os.lstat(path)
                if info.st_uid >= UID_BASE:
                    os.lchown(path, 0, 0)
                    if os.path.isdir(path) and not os.path.islink(path):
                        os.chmod(path, 0o755)


#: What staff read when the sandbox is missing (German; ``{problem}`` is the cause).
MISSING_SANDBOX = (
    "Bewertung abgebrochen: {problem}. Ohne Dateisystem-Sandbox kann eine Abgabe die "
    "Musterlösungen, das Notenbuch und fremde Abgaben lesen. Abhilfe: als root "
    "'apt-get install bubblewrap' oder im Kursordner 'make staff'. Nur für Probeläufe ohne echte "
    "Abgaben: 'kokosim-cert grade ... --ohne-sandbox-UNSICHER' (jede Note wird dann als "
    "unsicher vermerkt).")


def sandbox_problem(limits: SandboxLimits | None = None) -> str | None:
    """Why grading kernels cannot start in the sandbox here, in German; ``None`` if they can.

    Runs ``true`` once in the full sandbox (bubblewrap, process limit, and as root the switch
    to an unprivileged uid), so a bubblewrap that is installed but cannot create namespaces
    (some containers) is found before any trainee is graded.
    """
    limits = limits or SandboxLimits()
    bwrap = bwrap_available()
    if bwrap is None:
        return MISSING_SANDBOX.format(problem="bubblewrap (bwrap) ist nicht installiert")
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return MISSING_SANDBOX.format(problem="setpriv (util-linux) fehlt; als root braucht die "
                                      "Prozessgrenze einen unprivilegierten Benutzer")
    with tempfile.TemporaryDirectory(prefix="kokosim-probe-") as folder:
        hand_over([folder], sandbox_uid(os.getpid()))
        command = sandbox_prefix(limits, bwrap=bwrap, workdir=folder, course_root=folder,
                                 mounts=["--bind", folder, folder], chdir=folder, font_cache=None,
                                 uid=sandbox_uid(os.getpid())) + ["true"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60,
                                  check=False, env={"PATH": "/usr/bin:/bin"})
        except (OSError, subprocess.TimeoutExpired) as error:
            return MISSING_SANDBOX.format(problem=f"bubblewrap startet nicht ({error})")
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["ohne Meldung"])[-1]
        return MISSING_SANDBOX.format(problem=f"bubblewrap startet nicht ({reason})")
    return None


def sandbox_uid(key: int) -> int | None:
    """The unprivileged uid a sandbox runs its kernels as; ``None`` when the grader is not root.

    ``key`` is a process id of the grading side that lives as long as the sandbox (the grading
    worker for its kernel starter, the launcher for a single kernel), so no two live sandboxes
    share a uid and ``RLIMIT_NPROC`` counts each sandbox alone.

    Examples
    --------
    >>> uid = sandbox_uid(1234)
    >>> uid is None or uid == UID_BASE + 1234
    True
    """
    return UID_BASE + key if os.geteuid() == 0 else None


def hand_over(paths: Sequence[str | os.PathLike[str]], uid: int | None) -> None:
    """Give ``paths`` (folders the kernel writes, its connection file) to the sandbox ``uid``.

    Nothing to do when the grader is not root (``uid`` is ``None``): kernels then run as the
    grader's own user. Folders become ``0711``: bubblewrap, which enters the kernel's working
    folder as root without capabilities, must be able to pass through them.
    """
    if uid is None:
        return
    for path in paths:
        with suppress(FileNotFoundError):
            os.chown(path, uid, uid)
            if os.path.isdir(path):
                os.chmod(path, 0o711)


def _python_roots() -> list[str]:
    """Directories the kernel needs to see: the venv, the base Python and kokosim's source."""
    # The folder the running ``kokosim`` package was imported from: ``src/`` of an editable
    # install, ``site-packages`` (or a --target folder) otherwise.
    package_root = Path(kokosim.__file__).resolve().parent.parent
    roots = {sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"], str(package_root)}
    return sorted(os.path.realpath(r) for r in roots)


def sandbox_command(kernel_argv: Sequence[str], *, limits: SandboxLimits, workdir: str,
                    course_root: str, cwd: str, connection_file: str,
                    bwrap: str | None, font_cache: str | None = None,
                    uid: int | None = None) -> list[str]:
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
        Path of ``bwrap``; ``None`` runs the kernel with the rlimits only (an explicitly
        unsafe run).
    font_cache : str, optional
        Folder with matplotlib's font list, built once outside; its files are placed read-only
        in the kernel's matplotlib folder (else every kernel rebuilds it, ~0.4 s CPU).
    uid : int, optional
        Unprivileged uid of the kernel when the grader is root (:func:`sandbox_uid`).

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
    >>> "--die-with-parent" in cmd and cmd[cmd.index("--chdir") + 1]
    '/w/a/s/m'
    >>> sources = [cmd[i + 1] for i, word in enumerate(cmd) if word in ("--bind", "--ro-bind")]
    >>> "/w" in sources  # the work directory is not on the allow-list, so it is not mounted
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
                          mounts=mounts, chdir=cwd, font_cache=font_cache,
                          uid=uid) + list(kernel_argv)


#: What grading kernels display when figures are off: everything except pictures.
TEXT_TYPES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json",
              "application/javascript")


def kernel_arguments(limits: SandboxLimits) -> list[str]:
    """Extra ipykernel options for ``limits``.

    Grading kernels load the per-cell CPU limit and the warning rule
    (:mod:`kokosim.certification.kernelwarnings`), keep no input history (nobody reads it),
    and with figures off they compute no picture formats.

    Examples
    --------
    >>> len(kernel_arguments(SandboxLimits(figures=True)))
    3
    >>> kernel_arguments(SandboxLimits())[3]
    '--DisplayFormatter.active_types=text/plain'
    """
    options = ["--InteractiveShellApp.extensions=kokosim.certification.cellcpu",
               "--InteractiveShellApp.extensions=kokosim.certification.kernelwarnings",
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


def _passable_parents(targets: Sequence[str]) -> list[str]:
    """``--dir`` options for the parents bubblewrap creates on the way to ``targets``.

    bubblewrap copies each parent's mode from outside (``/root`` is ``0700``, pytest's folders
    in ``/tmp`` too): a kernel running as another uid could not reach its own folders. Inside
    the sandbox these parents hold only what is mounted, so they are made ``0755``.

    Examples
    --------
    >>> _passable_parents(["/root/py/lib", "/usr/lib/x"])
    ['--perms', '0755', '--dir', '/root', '--perms', '0755', '--dir', '/root/py']
    """
    parents: set[str] = set()
    for target in targets:
        for parent in Path(target).parents:
            text = str(parent)
            if text in ("/", "/tmp", MPL_DIR) or any(
                    text == top or text.startswith(top + os.sep) for top in SYSTEM_DIRS):
                continue
            parents.add(text)
    options: list[str] = []
    for parent in sorted(parents, key=lambda p: (p.count(os.sep), p)):
        options += ["--perms", "0755", "--dir", parent]
    return options


def inner_prefix(limits: SandboxLimits, uid: int | None) -> list[str]:
    """Commands run first *inside* the sandbox: drop to ``uid`` (as root), cap the processes.

    The process limit is set inside: for a grader that is not root, bubblewrap's user
    namespace then counts only the sandbox's processes (set outside, the limit would count
    every process of the staff member's user).

    Examples
    --------
    >>> inner_prefix(SandboxLimits(processes=32), None)
    ['prlimit', '--nproc=32:32', '--']
    >>> inner_prefix(SandboxLimits(), 1500000007)[:2]
    ['setpriv', '--reuid=1500000007']
    """
    drop = [] if uid is None else [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--bounding-set=-all",
        "--inh-caps=-all", "--no-new-privs", "--"]
    return drop + ["prlimit", f"--nproc={limits.processes}:{limits.processes}", "--"]


def sandbox_prefix(limits: SandboxLimits, *, bwrap: str, workdir: str, course_root: str,
                   mounts: Sequence[str], chdir: str, font_cache: str | None,
                   uid: int | None = None) -> list[str]:
    """prlimit + bubblewrap options up to ``--`` and :func:`inner_prefix`: allow-list, mounts.

    Shared by single kernels (:func:`sandbox_command`) and the warm kernel starter
    (:mod:`kokosim.certification.starter`). The run cache of the work directory
    (``cache/laeufe``) is mounted read-only when it exists. With ``uid`` (grader is root)
    bubblewrap makes no user namespace (it would map the kernel to root outside) and keeps only
    the capabilities ``setpriv`` needs to switch to ``uid``, which then drops them all.

    Examples
    --------
    >>> cmd = sandbox_prefix(SandboxLimits(), bwrap="/usr/bin/bwrap", workdir="/w",
    ...                      course_root="/r", mounts=["--bind", "/k", "/k"], chdir="/tmp",
    ...                      font_cache=None)
    >>> cmd[-1], cmd[cmd.index("--chdir") + 1], "--die-with-parent" in cmd
    ('--', '/tmp', True)
    """
    if uid is None:
        namespaces = ["--unshare-all", "--cap-drop", "ALL"]
    else:
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                      "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
                      "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    command = rlimit_prefix(limits) + [
        bwrap, "--die-with-parent", *namespaces, "--dev", "/dev", "--proc", "/proc",
        "--perms", "1777", "--size", str(limits.disk_mb * 1024 * 1024), "--tmpfs", "/tmp",
        "--perms", "1777", "--dir", MPL_DIR]
    # Allow-list: the operating system and the Python installation, read-only. Everything
    # else (/work, /home, /root, /srv, /mnt, /opt, /var, ...) does not exist in the sandbox.
    for top in SYSTEM_DIRS:
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
    # Hide the course and the work directory where they lie below a system folder; the Python
    # roots are bound afterwards, so a venv or source folder inside a hidden checkout stays
    # visible while the rest of the checkout (masters, git history) does not.
    for secret in sorted({os.path.realpath(p) for p in (course_root, workdir, *limits.hide)}):
        if any(secret == v or secret.startswith(v.rstrip(os.sep) + os.sep) for v in SYSTEM_DIRS):
            command += ["--tmpfs", secret]
    roots = _python_roots()
    cache = os.path.join(os.path.realpath(workdir), RUN_CACHE)
    targets = [*roots, cache, *(mounts[i + 2] for i, word in enumerate(mounts)
                                if word in ("--bind", "--ro-bind"))]
    command += _passable_parents(targets)
    for root in roots:
        command += ["--ro-bind", root, root]
    for secret in sorted({os.path.realpath(p) for p in (course_root, workdir, *limits.hide)}):
        if any(secret.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
            command += ["--tmpfs", secret]
    for name in sorted(os.listdir(font_cache)) if font_cache and os.path.isdir(font_cache) else []:
        if name.startswith("fontlist") and name.endswith(".json"):
            command += ["--ro-bind", os.path.join(font_cache, name), f"{MPL_DIR}/{name}"]
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
    return command + ["--", *inner_prefix(limits, uid)]


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


#: Environment variable naming the file where launchers note limits a kernel overran (a file of
#: the grading worker outside the sandbox; the launcher removes the variable before the kernel
#: starts).
LIMIT_NOTES_ENV = "KOKOSIM_GRENZEN"


def disk_usage(folders: Sequence[str | os.PathLike[str]]) -> int:
    """Bytes of disk the files below ``folders`` occupy (sparse files count what they use).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _ = open(os.path.join(folder, "a"), "wb").write(b"x" * 10000)
    >>> disk_usage([folder]) >= 10000
    True
    """
    total = 0
    for folder in folders:
        for root, dirs, names in os.walk(folder):
            for name in names + dirs:
                with suppress(OSError):
                    total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def write_limit_note(path: str | None, kind: str, text: str) -> None:
    """Append one note ``kind<TAB>text`` (``kind`` a flag word of the records) to ``path``."""
    if path:
        with suppress(OSError), open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{kind}\t{text}\n")


def read_limit_notes(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """The notes :func:`write_limit_note` wrote, in order, without repeats.

    Examples
    --------
    >>> import tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "n.txt")
    >>> write_limit_note(path, "prozesse", "a"); write_limit_note(path, "prozesse", "a")
    >>> read_limit_notes(path)
    [('prozesse', 'a')]
    """
    if not os.path.isfile(path):
        return []
    notes: list[tuple[str, str]] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        kind, _, text = line.partition("\t")
        if text and (kind, text) not in notes:
            notes.append((kind, text))
    return notes
