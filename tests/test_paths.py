"""Resource paths come from explain.paths (package data, the checkout), never from a module's own file."""

import ast
from pathlib import Path

import pytest

from explain import notebook_cli, paths

REPO = Path(__file__).resolve().parents[1]


def test_no_module_but_paths_computes_paths_from_its_own_file():
    users = []
    for path in sorted((REPO / "explain").rglob("*.py")):
        names = {n.id for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Name)}
        if "__file__" in names:
            users.append(path.relative_to(REPO).as_posix())
    assert users == ["explain/paths.py"]


def test_notebooks_in_a_checkout_and_none_in_an_installed_copy(monkeypatch, tmp_path):
    assert paths.notebooks_dir() == REPO / "notebooks" == notebook_cli.NOTEBOOKS
    assert notebook_cli.resolve_notebook("00").parent == REPO / "notebooks"
    monkeypatch.setattr(paths, "_PACKAGE_DIR", tmp_path / "site-packages" / "explain")
    assert paths.notebooks_dir() is None
    assert notebook_cli.notebook_names(None) == []
    with pytest.raises(ValueError, match="installed copy.*checkout"):
        notebook_cli.resolve_notebook("00", folder=None)
