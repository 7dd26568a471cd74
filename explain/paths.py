"""Where the package's files live: its assets (package data), and the source checkout when it runs from one.

An installed copy (``pip install .`` or a wheel) finds its weights and model cards as the package data
``explain.assets``; the repository keeps them in its top-level ``assets/`` folder, which the build maps onto that
package. Defaults that point beside the repository (``../shared/data``) or into it (``notebooks/``) exist only in a
source checkout. Every other module asks here instead of computing paths from its own file.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The repository folder when this package runs from a source checkout (editable install or ``PYTHONPATH=.``),
    else None (an installed copy)."""
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "assets").is_dir():
        return root
    return None


def assets_dir() -> Path:
    """The folder holding the packaged weights (``<name>.pt``) and their model cards (``<name>.json``)."""
    try:
        found = importlib.resources.files("explain.assets")
    except ModuleNotFoundError:  # run from a checkout without installing: the package data is not mapped
        found = None
    if isinstance(found, Path) and found.is_dir():
        return found
    root = checkout_root()
    # An install without its package data: where it should be, so that loading a packaged name says it is missing.
    return root / "assets" if root is not None else _PACKAGE_DIR / "assets"


def shared_data(*parts: str) -> Path | None:
    """``<checkout>/../shared/data/<parts>`` in a source checkout; None in an installed copy."""
    root = checkout_root()
    return root.parent.joinpath("shared", "data", *parts) if root is not None else None


def notebooks_dir() -> Path | None:
    """``<checkout>/notebooks`` (the numbered notebooks) in a source checkout; None in an installed copy, which
    ships no notebooks."""
    root = checkout_root()
    return root / "notebooks" if root is not None else None


def app_templates_dir() -> Path:
    """The Jupyter data folder holding the page's offline Voilà template (``voila/templates/liif-explain``), shipped
    inside the package (``explain/app/jupyter``)."""
    return _PACKAGE_DIR / "app" / "jupyter"
