"""Rewrite the calibration table of the voters data card from fresh classroom data.

    python -m campaign_lab.datagen.card
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from campaign_lab import paths
from campaign_lab.datagen import DEFAULT_SEED, DEFAULT_VOTERS, MANIFEST, generate
from campaign_lab.datagen.calibration import refresh_card
from campaign_lab.profiles import available_profiles


def refresh_shipped_card() -> Path:
    """Regenerate the classroom data of every shipped profile and rewrite the voters card's table."""
    reports = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in available_profiles():
            out = generate(name, Path(folder) / name, voters=DEFAULT_VOTERS, seed=DEFAULT_SEED, csv=False)
            reports[name] = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["turnout_calibration"]["margins"]
    card = paths.datasets_dir() / "cards" / "voters.md"
    card.write_text(refresh_card(card.read_text(encoding="utf-8"), reports), encoding="utf-8")
    return card


if __name__ == "__main__":
    print(f"Rewrote the calibration table in {refresh_shipped_card()}.")
