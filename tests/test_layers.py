"""The planning library stands alone: importing all of `optimizer` loads no web, database or server code."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
import types

import api
import optimizer
from tests.paths import ROOT

FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "httpx", "api", "backhaul")

IMPORT_ALL = """
import importlib, json, pkgutil, sys
import optimizer
names = [m.name for m in pkgutil.walk_packages(optimizer.__path__, "optimizer.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "loaded": sorted(sys.modules)}))
"""


def test_optimizer_imports_no_web_database_or_server_library() -> None:
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True, check=True, timeout=300)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(report["modules"]) > 30, "every module of the package was imported"
    leaked = sorted(name for name in report["loaded"] if name.split(".")[0] in FORBIDDEN)
    assert leaked == [], f"optimizer pulled in {leaked}"


def test_routes_reach_storage_only_through_the_service() -> None:
    routes = ROOT / "api" / "routes"
    for module in sorted(routes.glob("*.py")):
        imported = set()
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        storage = {name for name in imported if name.split(".")[0] in {"sqlalchemy", "alembic"} or name == "api.store"}
        assert storage == set(), f"{module.name} imports {sorted(storage)}"


def test_no_public_name_shadows_its_module() -> None:
    shadowed = []
    for package in (optimizer, api):
        for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            parent, _, leaf = found.name.rpartition(".")
            importlib.import_module(found.name)
            value = importlib.import_module(parent).__dict__.get(leaf)
            if value is not None and not isinstance(value, types.ModuleType):
                shadowed.append(found.name)
    assert shadowed == [], f"import these modules only through importlib: {shadowed}"
