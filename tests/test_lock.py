"""The install is reproducible: `./dev setup` installs requirements.lock by hash, so the lock must
name every dependency pyproject.toml asks for, within its range, and this environment must be
exactly what the lock says (`./dev lock` after changing a dependency)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins() -> dict[str, tuple[str, str | None]]:
    found = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = PIN.match(line)
        if m:
            found[canonicalize_name(m.group(1).split("[")[0])] = (m.group(2), m.group(3))
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def test_the_lock_pins_every_dependency_within_its_range():
    locked = pins()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is in pyproject.toml but not in requirements.lock: run ./dev lock"
        assert req.specifier.contains(locked[name][0], prereleases=True), (
            f"requirements.lock pins {req.name}=={locked[name][0]}, outside {req.specifier}: run ./dev lock"
        )


def test_the_lock_is_checked_by_hash():
    lines = (ROOT / "requirements.lock").read_text().splitlines()
    for i, line in enumerate(lines):
        if PIN.match(line):
            assert lines[i + 1].strip().startswith("--hash=sha256:"), f"no hash for {line}"


def test_this_environment_is_the_lock():
    wrong = []
    for name, (pinned, marker) in pins().items():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            wrong.append(f"{name} missing (lock: {pinned})")
            continue
        if installed != pinned:
            wrong.append(f"{name} {installed} (lock: {pinned})")
    assert not wrong, "installed packages differ from requirements.lock (./dev setup): " + ", ".join(wrong)
