"""Fail, naming the packages, when pyproject.toml and the lock files disagree: a dependency that
requirements.txt / requirements-dev.txt do not pin, or pin outside the range pyproject.toml asks
for. The fix is always `make lock`.

Usage: check_lock.py [PROJECT_DIR]   (default: this repository)
"""

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pinned_versions(lock: Path) -> dict[str, set[str]]:
    """name → versions pinned (a universal lock may pin one per Python version)."""
    pins: dict[str, set[str]] = {}
    for line in lock.read_text().splitlines():
        if match := PIN.match(line):
            pins.setdefault(canonicalize_name(match[1]), set()).add(match[2])
    return pins


def disagreements(requirements: list[str], lock: Path) -> list[str]:
    pins = pinned_versions(lock)
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker and not requirement.marker.evaluate():
            continue
        versions = pins.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{lock.name} does not pin {requirement.name}")
        elif not any(requirement.specifier.contains(v, prereleases=True) for v in versions):
            pinned = ", ".join(sorted(versions))
            problems.append(f"{lock.name} pins {requirement.name}=={pinned}, outside {text!r}")
    return problems


def main(root: Path) -> int:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    base = project["dependencies"]
    dev = base + project["optional-dependencies"]["dev"]
    problems = disagreements(base, root / "requirements.txt") + disagreements(
        dev, root / "requirements-dev.txt"
    )
    for problem in problems:
        print(f"pyproject.toml and the lock disagree: {problem}", file=sys.stderr)
    if problems:
        print("Run `make lock` and commit the lock files.", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    here = Path(__file__).resolve().parent.parent
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else here))
