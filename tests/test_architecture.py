"""The functional core stays pure: flows/ and content/ import nothing from telegram or bot/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("telegram", "bot", "aiosqlite", "sqlite3", "asyncio", "httpx")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["flows", "content"])
def test_core_imports_no_shell(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert top not in FORBIDDEN, f"{path.relative_to(ROOT)} imports {module}"


def test_content_does_not_import_flows() -> None:
    for path in sorted((ROOT / "content").rglob("*.py")):
        assert not any(m.split(".")[0] == "flows" for m in imported_modules(path)), path


# each driver, and the one package allowed to import it
BACKEND_DRIVERS = {
    ROOT / "bot" / "store" / "sqlite": ("sqlite3", "aiosqlite"),
    ROOT / "bot" / "store" / "postgres": ("asyncpg",),
}
DRIVERS = tuple(driver for drivers in BACKEND_DRIVERS.values() for driver in drivers)


def test_only_a_backend_imports_a_database_driver_and_only_its_own() -> None:
    """The store is closed: everything else talks to it through the protocols of bot/store/base.py.
    (tests/ and bench/ open database files directly to check or prepare them.)"""
    files = [p for package in ("bot", "flows", "content") for p in sorted((ROOT / package).rglob("*.py"))]

    def allowed(path: Path) -> tuple[str, ...]:
        return next((drivers for package, drivers in BACKEND_DRIVERS.items() if package in path.parents), ())

    assert len([p for p in files if not allowed(p)]) > 50
    assert all(any(allowed(p) == d for p in files) for d in BACKEND_DRIVERS.values()), "every backend has files"
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in imported_modules(path)
        if module.split(".")[0] in DRIVERS and module.split(".")[0] not in allowed(path)
    ]
    assert offenders == []
