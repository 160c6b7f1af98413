"""The benchmark is a tool beside the product: no product module imports it, and the product's
settings do not install it (bench.settings does, for `make bench`)."""

import ast
from pathlib import Path

from django.conf import settings

import bench.settings

ROOT = Path(__file__).resolve().parent.parent
PRODUCT = ("alliance", "accounts", "commitments", "reports", "jobs", "public", "webhooks", "idempotency")


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_product_module_imports_the_benchmark() -> None:
    files = [path for package in PRODUCT for path in sorted((ROOT / package).rglob("*.py"))]
    assert len(files) > 50  # the packages were found
    importing = [
        str(path.relative_to(ROOT))
        for path in files
        if any(module == "bench" or module.startswith("bench.") for module in _imported_modules(path))
    ]
    assert importing == []


def test_the_product_settings_do_not_install_the_benchmark() -> None:
    assert "bench" not in settings.INSTALLED_APPS
    assert settings.ROOT_URLCONF == "alliance.urls"
    assert bench.settings.INSTALLED_APPS[-1] == "bench"
    assert bench.settings.ROOT_URLCONF == "bench.urls"
