"""The lock files: every dependency pinned to one version with its hashes, inside pyproject.toml's ranges.

A fresh install reads the lock files (`make run`, `make test`), so a release upstream cannot change what a
school's server or CI gets overnight; these tests keep the lock and the declared ranges from drifting apart.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^ \\;]+)")


def _pins(lock: Path) -> dict[str, tuple[Version, int]]:
    """Each locked package with its version and how many hashes it carries."""
    pins: dict[str, tuple[Version, int]] = {}
    current = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match[1])
            pins[current] = (Version(match[2]), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif line and not line.startswith(" "):
            current = None
    return pins


def _declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(("lock", "extra"), [("requirements.txt", None), ("requirements-test.txt", "test")])
def test_every_declared_dependency_is_locked_inside_its_range(lock, extra):
    pins = _pins(ROOT / lock)
    for requirement in _declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in {lock}: run `make lock`"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {requirement.name}=={version}, outside {requirement.specifier}: run `make lock`")
        assert hashes > 0, f"{requirement.name} has no hash in {lock}"


def test_every_locked_package_carries_hashes():
    for lock in ("requirements.txt", "requirements-test.txt"):
        unhashed = [name for name, (_version, hashes) in _pins(ROOT / lock).items() if hashes == 0]
        assert unhashed == [], f"{lock}: pinned without hashes: {unhashed}"


def test_the_test_lock_agrees_with_the_runtime_lock():
    runtime, test = _pins(ROOT / "requirements.txt"), _pins(ROOT / "requirements-test.txt")
    differing = {name: (version, test[name][0]) for name, (version, _h) in runtime.items()
                 if name in test and test[name][0] != version}
    assert differing == {}
    assert runtime.keys() <= test.keys()


def test_the_build_backend_is_locked_too():
    """The project is installed without build isolation, from the locked setuptools."""
    backend = Requirement(tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"][0])
    version, _hashes = _pins(ROOT / "requirements.txt")[canonicalize_name(backend.name)]
    assert backend.specifier.contains(version)


def test_make_installs_from_the_lock_files():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes -r $(LOCK)" in makefile
    assert "--require-hashes -r $(TEST_LOCK)" in makefile
    assert not re.search(r"pip install[^\n]*(-e \.\[|--upgrade)", makefile)
