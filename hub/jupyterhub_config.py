"""JupyterHub for a kokosim cohort on one machine (JupyterHub 5/6, nbgrader 0.9 exchange).

Start as root from the kokosim venv: ``jupyterhub -f hub/jupyterhub_config.py`` (see
hub/README.md, in German, for the provider's admin). Every setting below that differs between
installations is read from an environment variable, so this file is used unchanged in
production and in the tests (tests/hub/):

====================  ==========================  ============================================
variable              default                     meaning
====================  ==========================  ============================================
KOKOSIM_HUB_IP        127.0.0.1                   address of the public proxy (put TLS in
                                                  front, e.g. nginx, or set a public address
                                                  and KOKOSIM_HUB_SSL_CERT/_KEY)
KOKOSIM_HUB_PORT      8000                        its port
KOKOSIM_HUB_API_PORT  8081                        the hub's internal API (127.0.0.1 only)
KOKOSIM_PROXY_API     8001                        the proxy's REST API (127.0.0.1 only)
KOKOSIM_HUB_STATE     /srv/kokosim/hub            hub database, cookie secret, proxy token
KOKOSIM_EXCHANGE      /srv/nbgrader/exchange      nbgrader's exchange folder (mode 1777)
KOKOSIM_KURS          /srv/kokosim/kurs           course copy without masters (read-only)
KOKOSIM_COURSE_ID     kokosim                     nbgrader course id (course/nbgrader_config.py)
KOKOSIM_STAFF_GROUP   kokosim-staff               system group of certification staff
KOKOSIM_TRAINEE_GROUP kokosim-tn                  system group of the trainees
KOKOSIM_HUB_ADMINS    (none)                      comma-separated hub admins (user management)
KOKOSIM_WORKDIR       (none)                      certification work dir shown in formgrader
KOKOSIM_HUB_AUTH      pam                         ``pam`` (system accounts) or ``lti13``
KOKOSIM_CHP           found on PATH / .venv/node  configurable-http-proxy executable
KOKOSIM_USER_PYTHON   this hub's Python           interpreter of the users' servers (every
                                                  user must be able to run it: install
                                                  kokosim's venv world-readable, e.g. /opt)
====================  ==========================  ============================================

Roles: members of the staff group get nbgrader's formgrader; trainees get the Assignments tab
(fetch, validate, submit, fetch feedback) and no instructor tools. Each user's server runs as
that user's system account (LocalProcessSpawner), so the exchange's file permissions separate
the trainees. Nothing here listens beyond 127.0.0.1 unless KOKOSIM_HUB_IP says so.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by JupyterHub)

HERE = Path(__file__).resolve().parent
#: Jupyter settings per role, the same folders `make lab` and Binder use (jupyter/README.md).
ROLE_SETTINGS = HERE.parent / "jupyter"
VENV_BIN = Path(sys.executable).parent
USER_PYTHON = Path(os.environ.get("KOKOSIM_USER_PYTHON", sys.executable))
env = os.environ.get

STATE = Path(env("KOKOSIM_HUB_STATE", "/srv/kokosim/hub"))
EXCHANGE = env("KOKOSIM_EXCHANGE", "/srv/nbgrader/exchange")
KURS = env("KOKOSIM_KURS", "/srv/kokosim/kurs")
COURSE_ID = env("KOKOSIM_COURSE_ID", "kokosim")
STAFF_GROUP = env("KOKOSIM_STAFF_GROUP", "kokosim-staff")
TRAINEE_GROUP = env("KOKOSIM_TRAINEE_GROUP", "kokosim-tn")

# --- network: the proxy is the only public socket --------------------------------------------
c.JupyterHub.ip = env("KOKOSIM_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(env("KOKOSIM_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("KOKOSIM_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env('KOKOSIM_PROXY_API', '8001')}"
if env("KOKOSIM_HUB_SSL_CERT"):
    c.JupyterHub.ssl_cert = env("KOKOSIM_HUB_SSL_CERT")
    c.JupyterHub.ssl_key = env("KOKOSIM_HUB_SSL_KEY")
_chp = env("KOKOSIM_CHP") or shutil.which("configurable-http-proxy") or str(
    VENV_BIN.parent / "node" / "node_modules" / ".bin" / "configurable-http-proxy")
c.ConfigurableHTTPProxy.command = [_chp]
c.ConfigurableHTTPProxy.should_start = True

# --- state (database, secrets) outside the repository ----------------------------------------
STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# --- who may log in --------------------------------------------------------------------------
if env("KOKOSIM_HUB_AUTH", "pam") == "lti13":
    # LTI 1.3 from Moodle (hub/README.md, "Anmeldung über Moodle"). Users must also exist as
    # system accounts (each server runs as its user): LocalAuthenticator creates them.
    from jupyterhub.auth import LocalAuthenticator
    from ltiauthenticator.lti13.auth import LTI13Authenticator

    class LocalLTI13Authenticator(LocalAuthenticator, LTI13Authenticator):
        """LTI 1.3 login whose users become system accounts (group kokosim-tn)."""

    c.JupyterHub.authenticator_class = LocalLTI13Authenticator
    c.LocalLTI13Authenticator.create_system_users = True
    c.LocalLTI13Authenticator.issuer = env("KOKOSIM_LTI_ISSUER", "https://moodle.example.org")
    c.LocalLTI13Authenticator.authorize_url = env(
        "KOKOSIM_LTI_AUTHORIZE_URL", "https://moodle.example.org/mod/lti/auth.php")
    c.LocalLTI13Authenticator.jwks_endpoint = env(
        "KOKOSIM_LTI_JWKS", "https://moodle.example.org/mod/lti/certs.php")
    c.LocalLTI13Authenticator.client_id = [env("KOKOSIM_LTI_CLIENT_ID", "")]
    # Moodle's user name, sent as the custom parameter "kennung=$User.username" (hub/README.md),
    # becomes the account name; it must be the trainee id of the kokosim-cert trainee list.
    c.LocalLTI13Authenticator.username_key = env("KOKOSIM_LTI_USERNAME_KEY", "custom_kennung")
    c.LocalLTI13Authenticator.allow_all = True
else:
    # System accounts (PAM): the same accounts own the exchange's files.
    c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"
    c.PAMAuthenticator.allowed_groups = {STAFF_GROUP, TRAINEE_GROUP}
    c.PAMAuthenticator.open_sessions = False
admins = {name.strip() for name in env("KOKOSIM_HUB_ADMINS", "").split(",") if name.strip()}
if admins:
    c.Authenticator.admin_users = admins


def is_staff(name: str) -> bool:
    """Whether ``name`` is in the staff group (as a member or as its primary group)."""
    try:
        group = grp.getgrnam(STAFF_GROUP)
        return name in group.gr_mem or pwd.getpwnam(name).pw_gid == group.gr_gid
    except KeyError:
        return False


# --- each user's server: runs as that user, on 127.0.0.1 -------------------------------------
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(USER_PYTHON), "-m", "jupyterhub.singleuser"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Idle servers are not culled here (optional: jupyterhub-idle-culler, hub/README.md).


def pre_spawn_hook(spawner) -> None:  # noqa: ANN001
    """Role-dependent Jupyter settings; a read-only link ``~/kurs`` to the course."""
    name = spawner.user.name
    role = "staff" if is_staff(name) else "trainee"
    spawner.environment.update({
        # nbgrader calls `alembic`; kokosim's tools come from the venv.
        "PATH": f"{USER_PYTHON.parent}:{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        # The hub's additions for the role (exchange; trainees: the Assignments tab), then the
        # role's settings shared with `make lab`/`make autor` and Binder (jupyter/<role>: German,
        # trainees without instructor tools), then the kokosim venv's (extensions, JupyterLab).
        "JUPYTER_CONFIG_PATH": f"{HERE / 'singleuser' / role}:{ROLE_SETTINGS / role}"
                               f":{sys.prefix}/etc/jupyter",
        "JUPYTER_PATH": f"{sys.prefix}/share/jupyter",
        "JUPYTERLAB_DIR": f"{sys.prefix}/share/jupyter/lab",
        "KOKOSIM_EXCHANGE": EXCHANGE,
        "KOKOSIM_COURSE_ID": COURSE_ID,
        "KOKOSIM_ROLE": role,
    })
    if role == "staff" and env("KOKOSIM_WORKDIR"):
        spawner.environment["KOKOSIM_WORKDIR"] = env("KOKOSIM_WORKDIR")
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        return
    # Homes hold each trainee's work: never readable by other trainees (useradd's default
    # HOME_MODE follows UMASK 022 on Debian, i.e. 0755).
    home = Path(account.pw_dir)
    if home.is_dir() and home.stat().st_mode & 0o077:
        home.chmod(0o700)
    link = Path(account.pw_dir) / "kurs"
    if Path(KURS).is_dir() and not link.exists() and not link.is_symlink():
        link.symlink_to(KURS)
        os.lchown(link, account.pw_uid, account.pw_gid)


c.Spawner.pre_spawn_hook = pre_spawn_hook
