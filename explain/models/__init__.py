"""LIIF model parts: encoder | ensemble | decoder, the LIIF wrapper, checkpoints and the name registry."""

from __future__ import annotations

from pathlib import Path

import torch

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
    import os

    device = _checked_device(device)
    if isinstance(path_or_name, LIIF):
        return path_or_name.to(device) if device is not None else path_or_name
    if not isinstance(path_or_name, (str, os.PathLike)):
        raise TypeError(f"load_model takes a shipped name {SHIPPED}, a checkpoint path or a LIIF model, "
                        f"got {type(path_or_name).__name__}")
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
        try:
            found = path.is_file()
        except OSError:  # e.g. a name longer than the file system allows
            found = False
        if not found:
            raise ValueError(f"no checkpoint file {name!r} and no shipped model of that name (shipped: {SHIPPED})")
    if card and card.get("sha256"):
        digest = sha256_of(path)
        if digest != card["sha256"]:
            raise CheckpointError(f"{path} has sha256 {digest}, its model card says {card['sha256']}")
    model, meta = model_from_checkpoint_dict(read_checkpoint(path), str(path))
    model.meta = meta
    model.name = name
    return model.to(device) if device is not None else model


def _checked_device(device):
    """``device`` as a torch.device (None stays None); ValueError for a name torch or this machine cannot use."""
    if device is None:
        return None
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device {device!r} is not a torch device name (e.g. 'cpu', 'cuda:0')") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {str(device)!r} was asked for, but this torch build sees no CUDA GPU")
    return device


__all__ = ["LIIF", "LIIFConfig", "LatentGrid", "QueryInternals", "load_model", "save_model", "CheckpointError",
           "SHIPPED"]
