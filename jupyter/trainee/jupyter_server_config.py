"""Trainees (``make lab``, Binder's ``start``, the hub's trainee role): the common settings."""

from pathlib import Path

load_subconfig(str(Path(__file__).resolve().parents[1] / "common_config.py"))  # noqa: F821
