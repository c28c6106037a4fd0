"""The lock files agree with pyproject.toml: every dependency is pinned, at a version it allows.

After adding or changing a dependency in pyproject.toml, regenerate them: `bash scripts/lock.sh`.
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PINNED = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def pyproject() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    build = [line for line in (ROOT / "requirements/build.in").read_text().splitlines() if line and line[0] != "#"]
    return {
        "run": project["dependencies"] + build,
        "dev": project["dependencies"] + build + project["optional-dependencies"]["dev"],
    }


ENVIRONMENT = {str(k): str(v) for k, v in default_environment().items()} | {
    "python_version": "3.11",
    "sys_platform": "linux",
}


def with_extras(requirement: Requirement) -> list[Requirement]:
    """The requirement and what its extras bring, as the installed package's metadata says."""
    brought = []
    for text in metadata.requires(requirement.name) or []:
        dependency = Requirement(text)
        marker = dependency.marker
        if marker is None or marker.evaluate(ENVIRONMENT | {"extra": ""}):
            continue  # the package needs it whatever extras are asked for
        if any(marker.evaluate(ENVIRONMENT | {"extra": extra}) for extra in requirement.extras):
            brought.append(dependency)
    return [requirement, *brought]


def locked(name: str) -> dict[str, str]:
    """Package -> version, for the entries that apply to Python 3.11 on Linux."""
    pins: dict[str, str] = {}
    for line in (ROOT / f"requirements/{name}.lock").read_text().splitlines():
        match = PINNED.match(line)
        if match is None:
            continue
        package, version, marker = match.groups()
        condition = Requirement(f"x; {marker}").marker if marker else None
        if condition is None or condition.evaluate(ENVIRONMENT):
            pins[canonicalize_name(package)] = version
    return pins


@pytest.mark.parametrize("name", ["run", "dev"])
def test_every_dependency_is_locked_at_a_version_pyproject_allows(name: str) -> None:
    pins = locked(name)
    wrong = []
    for requirement in (r for text in pyproject()[name] for r in with_extras(Requirement(text))):
        version = pins.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement}: locked {version}")
    assert wrong == [], f"requirements/{name}.lock disagrees with pyproject.toml: {wrong}; run bash scripts/lock.sh"


def test_the_run_lock_holds_no_extra_nothing_uses() -> None:
    assert "aiolimiter" not in locked("run"), "python-telegram-bot[rate-limiter] is not used"
    assert not {"pytest", "mypy", "ruff"} & set(locked("run")), "test tools belong in the dev lock"


def test_scripts_and_the_dockerfile_install_from_the_locks() -> None:
    assert "--require-hashes" in (ROOT / "scripts/setup-venv.sh").read_text()
    assert "requirements/run.lock" in (ROOT / "deploy/Dockerfile").read_text()
