"""Implicit SR models: the contract (:mod:`.base`), the family registry (:mod:`.registry`), crop-local
evaluation (:mod:`.local`), the LIIF family (encoder | ensemble | decoder, :mod:`.liif`), checkpoints and the
model names."""

from __future__ import annotations

from pathlib import Path

import torch

from ..paths import assets_dir
from .base import Capabilities, CapabilityError, ImplicitSR, ImplicitSRModel, LatentGrid, QueryInternals, is_model
from .checkpoint import CheckpointError, model_from_checkpoint_dict, read_checkpoint, save_model
from .liif import LIIF, LIIFConfig
from .registry import OfficialFormat, families, make_model, register_model
from .sources import accepted_names, present_packaged, resolve

# The folder of the packaged weights and model cards (package data; the checkout's assets/ in a source tree).
ASSETS = assets_dir()
# The packaged models present in this install (the official liif-edsr comes from the cache: see .weights).
SHIPPED = present_packaged()


def load_model(path_or_name, device=None) -> ImplicitSR:
    """Load a model by name (see :mod:`explain.models.names`) or any checkpoint file; a model object (any family
    of the contract, :mod:`explain.models.base`) is returned as it is (moved to ``device`` when given).

    ``"liif-edsr"`` is the official checkpoint, fetched into the user cache on first use (see
    :mod:`explain.models.weights`) and checked against the sha256 recorded there; packaged weights are checked
    against the sha256 of their model card. The model is returned in eval mode on ``device`` (default CPU).
    """
    import os

    device = _checked_device(device)
    if is_model(path_or_name):
        return path_or_name.to(device) if device is not None else path_or_name
    if not isinstance(path_or_name, (str, os.PathLike)):
        raise TypeError(f"load_model takes a model name {accepted_names()}, a checkpoint path or a model "
                        f"(LIIF or another registered family), got {type(path_or_name).__name__}")
    name = str(path_or_name)
    if name in accepted_names():
        path = resolve(name)
    else:
        path = Path(name)
        try:
            found = path.is_file()
        except OSError:  # e.g. a name longer than the file system allows
            found = False
        if not found:
            raise ValueError(f"no checkpoint file {name!r} and no model of that name "
                             f"(names: {', '.join(accepted_names())})")
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
           "SHIPPED", "ImplicitSR", "ImplicitSRModel", "Capabilities", "CapabilityError", "is_model", "register_model",
           "make_model", "families", "OfficialFormat"]
