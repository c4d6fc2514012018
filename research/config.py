"""Where things live: the database path and the tunable settings, read from the environment,
and the app's own YAML files in codebooks/."""

from __future__ import annotations

import copy
import functools
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CODEBOOKS_DIR = ROOT / "codebooks"
DATA_DIR = ROOT / "data"
DEFAULT_DB = DATA_DIR / "research.db"


def shipped_yaml(path: Path) -> Any:
    """A YAML file of the app's own (codebooks/, never a user's), parsed once per version of
    the file. The taxonomies and the workflow are read each time a server opens a database
    (each page test does) and on some clicks, and PyYAML's parser takes 5-9 ms a file.
    Each caller gets its own copy (hundredths of a millisecond), so a caller that changes it
    cannot change what the next one reads."""
    stat = path.stat()
    return copy.deepcopy(_parsed_yaml(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=32)
def _parsed_yaml(path: str, _mtime_ns: int, _size: int) -> Any:
    import yaml  # here: the command line's start-up needs no YAML

    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, else RESEARCH_DB, else data/research.db."""
    return Path(explicit or os.environ.get("RESEARCH_DB") or DEFAULT_DB)


def cache_dir() -> Path:
    """Where data derived from installed packages is cached (the lemma table): RESEARCH_CACHE,
    else inside the Python environment, since it belongs to what is installed there."""
    default = Path(sys.prefix) / "var" / "cache" / "research"
    return Path(os.environ.get("RESEARCH_CACHE") or default)


def session_timeout_minutes() -> int:
    """Minutes of inactivity after which a login session ends (RESEARCH_SESSION_MINUTES)."""
    return int(os.environ.get("RESEARCH_SESSION_MINUTES", "60"))


def session_max_hours() -> float:
    """Hours after which a login session ends however active it is (RESEARCH_SESSION_HOURS)."""
    return float(os.environ.get("RESEARCH_SESSION_HOURS", "12"))


def public_url() -> str:
    """The address residents reach the public pages at (printed as QR codes on the slips):
    RESEARCH_PUBLIC_URL, else the public door of `make run` on this machine."""
    return (os.environ.get("RESEARCH_PUBLIC_URL") or "http://localhost:8502").rstrip("/")
