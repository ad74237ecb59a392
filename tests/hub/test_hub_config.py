"""hub/jupyterhub_config.py loads in both login modes (PAM, LTI 1.3) without a running hub."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from traitlets.config import Config

CONFIG = Path(__file__).resolve().parents[2] / "hub" / "jupyterhub_config.py"


def load(monkeypatch, tmp_path, **env: str) -> Config:
    monkeypatch.setenv("KOKOSIM_HUB_STATE", str(tmp_path / "state"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Config()
    runpy.run_path(str(CONFIG), init_globals={"get_config": lambda: config})
    return config


def test_pam_mode_listens_on_loopback_only(monkeypatch, tmp_path):
    config = load(monkeypatch, tmp_path)
    assert config.JupyterHub.authenticator_class == "jupyterhub.auth.PAMAuthenticator"
    assert config.JupyterHub.ip == config.JupyterHub.hub_ip == config.Spawner.ip == "127.0.0.1"
    assert config.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")
    assert (tmp_path / "state").stat().st_mode & 0o077 == 0


def test_lti13_mode_creates_system_users(monkeypatch, tmp_path):
    pytest.importorskip("ltiauthenticator")
    config = load(monkeypatch, tmp_path, KOKOSIM_HUB_AUTH="lti13",
                  KOKOSIM_LTI_CLIENT_ID="abc")
    authenticator = config.JupyterHub.authenticator_class
    assert authenticator.__name__ == "LocalLTI13Authenticator"
    assert config.LocalLTI13Authenticator.create_system_users is True
    assert config.LocalLTI13Authenticator.username_key == "custom_kennung"
