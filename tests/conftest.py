"""Shared fixtures of the whole test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

#: Debian's Chromium: browsers cannot be downloaded by test tools here (``make test`` installs it).
CHROMIUM = Path("/usr/bin/chromium")
#: Headless as root, and no traffic beyond loopback (background services stay off).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def chromium() -> dict[str, object]:
    """Playwright launch options for Debian's headless Chromium; skips where it is missing."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium fehlt: `make test` installiert es als root "
                    "(apt-get install chromium); ohne Browser läuft dieser Test nicht")
    pytest.importorskip("playwright.sync_api", reason="Python-Paket playwright fehlt")
    return {"executable_path": str(CHROMIUM), "args": list(CHROMIUM_ARGS)}
