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
        # Built from parts, so that this file itself names no such path.
        "/".join(["", "work", "shared", "refi"]), "/".join(["..", "shared", "data", "x.csv"]),
        "/".join(["", "root", ".cache"]), "/".join(["", "home", "jan", "a"]),
        "/Users/jan/Desktop", "tests/data/refi", "/usr/bin/chromium", "data/amsterdam",
        "/Users/example/ExternalMedia", "git/worktree/x")] == [
        True, True, True, True, True, False, False, False, False, False]


def pins(path: Path) -> dict[str, str]:
    """name → version of every `name==version` line of a requirements or lock file."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return found


def test_the_locks_pin_what_the_requirements_ask_for():
    """Each lock holds every direct pin at its version (run `make lock` after changing one);
    the dev lock holds the runtime lock."""
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    asked = pins(ROOT / "requirements.txt")
    assert {name: runtime.get(name) for name in asked} == asked
    assert {name: dev.get(name) for name in asked} == asked
    dev_asked = pins(ROOT / "requirements-dev.txt")
    assert {name: dev.get(name) for name in dev_asked} == dev_asked
    assert {name: dev.get(name) for name in runtime} == runtime


def test_every_imported_package_is_declared():
    """A third-party module the code or the tests import comes from a package pinned in
    requirements.txt or requirements-dev.txt (numpy was imported but undeclared)."""
    import sys

    declared = set(pins(ROOT / "requirements.txt")) | set(pins(ROOT / "requirements-dev.txt"))
    # Import name → package name where they differ.
    package = {"argon2": "argon2-cffi", "dateutil": "python-dateutil", "docx": "python-docx",
               "re2": "google-re2", "sklearn": "scikit-learn", "yaml": "pyyaml"}
    own = {"research", "tests"} | {p.stem for p in (ROOT / "tests").glob("*.py")} | {
        p.name for p in (ROOT / "tests").iterdir() if p.is_dir()}
    imported = set()
    for name in tracked_files():
        if name.endswith(".py") and not name.startswith(FOREIGN):
            for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
                found = re.match(r"\s*(?:from\s+([A-Za-z_]\w*)[\w.]*\s+import\b"
                                 r"|import\s+([A-Za-z_]\w*))", line)
                if found:
                    imported.add(found.group(1) or found.group(2))
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m not in own
                   and m != "__future__"}
    assert sorted(package.get(m, m).lower() for m in third_party
                  if package.get(m, m).lower().replace("_", "-") not in declared) == []
