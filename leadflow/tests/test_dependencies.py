"""Imports point one way: feature packages → leads core → billing → providers (CONTRIBUTING.md).

Read from the source with `ast`, so a new import that breaks the direction fails here before a
reviewer has to spot it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "billing", "leads", "providers", "leadflow")


def imports_of(app: str) -> list[tuple[str, str]]:
    """(module path, imported module) for every import in the app's non-test code."""
    found = []
    for path in (ROOT / app).rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
            elif isinstance(node, ast.Import):
                found.extend((str(path.relative_to(ROOT)), alias.name) for alias in node.names)
    return found


def allowed_for(module: str, allowed: set[str]) -> bool:
    if any(module == a or module.startswith(a + ".") for a in allowed):
        return True
    # billing may read any of leads' models (and so nothing that writes them): see CONTRIBUTING
    return "leads.models" in allowed and module.startswith("leads.") and module.endswith(".models")


def app_of(module: str) -> str | None:
    top = module.split(".")[0]
    return top if top in APPS else None


@pytest.mark.parametrize(
    ("app", "allowed"),
    [
        ("providers", {"providers"}),
        ("accounts", {"accounts", "leadflow.forms"}),
        ("billing", {"billing", "providers", "accounts", "leads.models", "leadflow"}),
    ],
)
def test_it_keeps_each_app_to_the_imports_it_may_make(app, allowed):
    wrong = [
        (path, module)
        for path, module in imports_of(app)
        if app_of(module) and not allowed_for(module, allowed)
    ]
    assert wrong == [], f"{app} may import only {sorted(allowed)}"


def test_it_never_imports_a_view_module_as_a_library():
    views = [
        (path, module)
        for app in APPS
        for path, module in imports_of(app)
        if module.rsplit(".", 1)[-1] in {"views", "api"} and not path.endswith("urls.py")
    ]
    assert views == []
