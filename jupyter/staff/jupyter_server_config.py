"""Authors and certification staff (`make autor`, the hub's staff role): the common settings."""

from pathlib import Path

load_subconfig(str(Path(__file__).resolve().parents[1] / "common_config.py"))  # noqa: F821
