"""The paradigm model of Strauss & Corbin as data (codebooks/paradigma.yaml): the roles a
category can play around a phenomenon, and the preset relation types of a new project."""

from __future__ import annotations

from pathlib import Path

from research.config import CODEBOOKS_DIR, shipped_yaml

PARADIGM = CODEBOOKS_DIR / "paradigma.yaml"
STAGES = {"open": "Open", "axiaal": "Axiaal", "selectief": "Selectief"}


def _spec(path: Path = PARADIGM) -> dict:
    return shipped_yaml(path)


def roles() -> dict[str, str]:
    """Paradigm role id -> Dutch name, in the model's order (phenomenon first)."""
    return dict(_spec()["rollen"])


def preset_relation_types() -> list[dict]:
    """The relation types every project starts with, as rows for `relation_types`."""
    return [{"name": r["naam"], "directed": int(bool(r.get("gericht", True))),
             "paradigm_role": r.get("rol")} for r in _spec()["relaties"]]
