"""Command-line wiring shared by the study subcommands: their ``--images`` / ``--models`` values, and what a
finished study prints (its Markdown, then the files written)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..evaluate import parse_model_arg


def images_from_args(images):
    """The ``--images`` CLI value as the studies take it: None (defaults), one name/folder, or a list."""
    if not images:
        return None
    return images[0] if len(images) == 1 else images


def parse_models(texts) -> dict[str, str]:
    """CLI ``--models`` entries (NAME, PATH or LABEL=PATH) → {label: source}."""
    return dict(parse_model_arg(t) for t in (texts or []))


def print_report(markdown: str, paths: Mapping[str, Path]) -> None:
    """Print a study's Markdown and the paths of the files it wrote (one line, comma-separated)."""
    print(markdown)
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
