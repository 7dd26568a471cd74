"""LIIF model parts: encoder | ensemble | decoder, the LIIF wrapper, checkpoints and the name registry."""

from __future__ import annotations

from pathlib import Path

from .checkpoint import CheckpointError, model_from_checkpoint_dict, read_checkpoint, save_model, sha256_of
from .liif import LIIF, LatentGrid, LIIFConfig, QueryInternals

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SHIPPED = ("liif-clean", "liif-jpeg")


def load_model(path_or_name, device=None) -> LIIF:
    """Load a shipped model by name (``"liif-clean"``, ``"liif-jpeg"``) or any checkpoint file.

    Shipped weights are checked against the sha256 recorded in their model card. The model is returned
    in eval mode on ``device`` (default CPU).
    """
    import json

    if isinstance(path_or_name, LIIF):
        return path_or_name
    name = str(path_or_name)
    card = None
    if name in SHIPPED:
        path = ASSETS / f"{name}.pt"
        card_path = ASSETS / f"{name}.json"
        if not path.exists():
            raise ValueError(f"shipped model {name!r} is missing ({path}); the package install is incomplete")
        if card_path.exists():
            card = json.loads(card_path.read_text())
    else:
        path = Path(name)
        if not path.exists():
            raise ValueError(f"no checkpoint file {name!r} and no shipped model of that name (shipped: {SHIPPED})")
    if card and card.get("sha256"):
        digest = sha256_of(path)
        if digest != card["sha256"]:
            raise CheckpointError(f"{path} has sha256 {digest}, its model card says {card['sha256']}")
    model, meta = model_from_checkpoint_dict(read_checkpoint(path), str(path))
    model.meta = meta
    model.name = name
    return model.to(device) if device is not None else model


__all__ = ["LIIF", "LIIFConfig", "LatentGrid", "QueryInternals", "load_model", "save_model", "CheckpointError",
           "SHIPPED"]
