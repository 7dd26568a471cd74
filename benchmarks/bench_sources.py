"""The images a benchmark runs over: the first ``count`` image files of a folder (sorted by name), or names of
images scikit-image ships when no folder is given."""

from __future__ import annotations

from pathlib import Path

SUFFIXES = (".png", ".jpg", ".bmp")


def image_sources(folder: str | None, count: int | None, default: tuple[str, ...]) -> list[str]:
    """Paths of the first ``count`` images in ``folder`` (all when None), else the names in ``default``."""
    if not folder:
        return list(default)
    paths = sorted(q for q in Path(folder).iterdir() if q.suffix.lower() in SUFFIXES)
    return [str(q) for q in paths[:count]]


def write_json(path: str | None, out: dict) -> None:
    """Write a benchmark's figures as JSON to ``path`` (its folder created), when a path is given."""
    if path:
        import json

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(out, indent=1))
