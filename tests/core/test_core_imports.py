"""Core imports no area: what core shows of an area (template labels, the audit trail's sentences and
records) is registered by the area, so a new area edits no core module. Read from the source with `ast`,
imports inside functions included."""

from __future__ import annotations

import ast
from pathlib import Path

WORKSPACE = Path(__file__).resolve().parents[2] / "workspace"
CORE = WORKSPACE / "core"
# What core may import of the workspace: itself, the extensions and the settings.
ALLOWED = ("workspace.core", "workspace.extensions", "workspace.config")

EXCLUDED: set[str] = set()


def workspace_imports(path: Path) -> list[tuple[int, str]]:
    """Every module of the workspace that the file imports, at any depth, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "workspace.core" if node.level else node.module or ""  # a relative import stays in core
            # `from workspace import communities` names the area in the alias, not in the module.
            names = [f"{module}.{alias.name}" for alias in node.names] if module == "workspace" else [module]
            found += [(node.lineno, name) for name in names]
    return [(line, name) for line, name in found if name == "workspace" or name.startswith("workspace.")]


def area_imports(path: Path) -> list[str]:
    return [f"{path.relative_to(WORKSPACE.parent)}:{line} imports {name}" for line, name in workspace_imports(path)
            if not any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED)]


def test_core_imports_no_area():
    modules = sorted(path for path in CORE.rglob("*.py") if path.name not in EXCLUDED)
    assert len(modules) > 15
    assert [found for path in modules for found in area_imports(path)] == []


def test_the_check_sees_imports_inside_functions_and_through_the_package(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from workspace.core import audit\nfrom workspace import extensions, plans\n\n"
                      "def names():\n    from workspace.communities.models import School\n"
                      "    import workspace.auth.models\n", encoding="utf-8")
    found = [name for _line, name in workspace_imports(sample)]
    assert found == ["workspace.core", "workspace.extensions", "workspace.plans", "workspace.communities.models",
                     "workspace.auth.models"]
