"""The repository stands on its own: a clone into any folder, on a machine without the team's
shared folder beside it, has every file its code and tests read (issue 19)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A path of one machine (its home or work folders) or of the folder beside the repository.
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|home)/|(?<![\w.])/Users/(?!example\b)"
                          r"|\.\./shared\b"
                          r"|(?<![\w/])shared/(?:refi|data)\b")
# Files written by other tools, kept as they wrote them (their own paths included).
FOREIGN = ("tests/data/",)


def tracked_files() -> list[str]:
    """Every file git tracks (every file below the root, without git)."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                check=True).stdout.decode().split("\0")
        return [name for name in listed if name]
    except (OSError, subprocess.CalledProcessError):
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)]


def test_no_tracked_file_names_a_path_outside_the_repository():
    found = []
    for name in tracked_files():
        if name.startswith(FOREIGN) or name == "tests/test_repository.py":
            continue
        path = ROOT / name
        if not path.is_file():   # deleted in the working tree, not yet committed
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:   # binary
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert found == []


def test_the_pattern_knows_a_machine_path_from_a_relative_one():
    assert [bool(MACHINE_PATH.search(s)) for s in (
        "/work/shared/refi/samples", "../shared/data/x.csv", "/root/.cache", "/home/jan/a",
        "/Users/jan/Desktop", "tests/data/refi", "/usr/bin/chromium", "data/amsterdam",
        "/Users/example/ExternalMedia", "git/worktree/x")] == [
        True, True, True, True, True, False, False, False, False, False]
