"""Saving and loading checkpoints, safely (``torch.load(weights_only=True)``).

Two formats are read:

* the project's own: ``{'format': 'liif-explain/1', 'family': 'liif', 'config': {...}, 'state_dict': {...},
  'meta': {...}}``; ``family`` names the registered model family (:mod:`explain.models.registry`) whose config
  class reads ``config``; files written before families existed have no ``family`` and are LIIF;
* a family's official training checkpoints: ``{'model': {'name': 'liif', 'args': {...}, 'sd': {...}}, ...}``,
  read by the family registered under that name with an :class:`~explain.models.registry.OfficialFormat`
  (for LIIF, :mod:`explain.models.official`: keys ``encoder.head.0.weight``, ``encoder.body.N…``,
  ``imnet.layers.K…``; the EDSR mean-shift keys are ignored, LIIF never applies them).
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import torch

from ..fileio import atomic_path
from . import liif as _liif  # noqa: F401  (registers the "liif" family, which files without a family are)
from .registry import family, family_of, make_config, official_family

FORMAT = "liif-explain/1"
DEFAULT_FAMILY = "liif"  # the family of files that do not name one


class CheckpointError(ValueError):
    """A checkpoint file that cannot be turned into a model (wrong format, keys or shapes)."""


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_checkpoint(path) -> dict:
    """Load a checkpoint file with weights_only=True; errors name the file and the cause."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    kind = _file_kind(path)
    if kind != "torch":
        raise CheckpointError(f"{str(path)!r} is not a PyTorch checkpoint ({kind})")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for corrupt files (RuntimeError, KeyError, EOFError, …)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"cannot read checkpoint {str(path)!r} (truncated or corrupt): {first}") from None
    if not isinstance(obj, dict):
        raise CheckpointError(f"checkpoint {str(path)!r} holds a {type(obj).__name__}, not a dict")
    return obj


def _file_kind(path: Path) -> str:
    """``"torch"`` for what may be a torch.save file (a zip archive with a ``data.pkl``, a damaged zip, or a
    legacy pickle), else a few words on what the file is instead."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if not head:
        return "the file is empty"
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError):
            return "torch"  # a zip that does not open: most likely a truncated checkpoint; torch.load says why
        if not any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
            return "a zip archive without the data.pkl of a torch.save file"
        return "torch"
    if head[0] == 0x80:  # pickle protocol 2+: torch.save's legacy format
        return "torch"
    return "neither a torch.save zip archive nor a legacy pickle"


def model_from_checkpoint_dict(obj: dict, source: str = "checkpoint") -> tuple[torch.nn.Module, dict]:
    """Build and fill a model from a loaded checkpoint dict. Returns (model in eval mode, meta)."""
    if obj.get("format") == FORMAT:
        if not isinstance(obj.get("config"), dict) or not isinstance(obj.get("state_dict"), dict):
            raise CheckpointError(f"{source} says it is {FORMAT} but lacks a 'config' or 'state_dict' dict")
        name = obj.get("family", DEFAULT_FAMILY)
        try:
            fam = family(name)
            config = make_config(name, obj["config"])
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{source}: its model config cannot be read: {exc}") from None
        state, meta = obj["state_dict"], dict(obj.get("meta") or {})
    elif isinstance(obj.get("model"), dict) and "sd" in obj["model"]:
        spec = obj["model"]
        try:
            fam = official_family(spec.get("name"))
            config = make_config(fam.name, fam.official.fields(spec))
        except ValueError as exc:
            raise CheckpointError(f"{source}: {exc}") from None
        if not isinstance(spec["sd"], dict):
            raise CheckpointError(f"{source}: its 'sd' is a {type(spec['sd']).__name__}, not a state dict")
        ignored = fam.official.ignored_prefixes
        state = {k: v for k, v in spec["sd"].items() if not (ignored and k.startswith(ignored))}
        meta = {"origin": fam.official.origin, "epoch": obj.get("epoch")}
    else:
        raise CheckpointError(f"{source} is neither a liif-explain checkpoint nor an official LIIF checkpoint "
                              f"(top-level keys: {sorted(obj)[:10]})")
    model = fam.model(config)
    load_state_checked(model, state, source)
    return model.eval(), meta


def load_state_checked(model: torch.nn.Module, state: dict, source: str = "checkpoint") -> None:
    """load_state_dict that reports missing, unexpected and mis-shaped keys by name."""
    expected = model.state_dict()
    not_tensors = sorted(k for k, v in state.items() if not isinstance(v, torch.Tensor))
    if not_tensors:
        raise CheckpointError(f"{source}: entries {not_tensors[:8]} of its state dict are not tensors")
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [f"{k}: file {tuple(state[k].shape)} vs model {tuple(expected[k].shape)}"
              for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys {missing[:8]}{' …' if len(missing) > 8 else ''}")
        if unexpected:
            parts.append(f"unexpected keys {unexpected[:8]}{' …' if len(unexpected) > 8 else ''}")
        if shapes:
            parts.append(f"shape mismatches {shapes[:8]}")
        raise CheckpointError(f"{source} does not fit the model: " + "; ".join(parts))
    bad = sorted(k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all())
    if bad:
        raise CheckpointError(f"{source} holds NaN or infinite weights in {bad[:8]}")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()})


def atomic_save(obj, path) -> None:
    """torch.save to a temporary file, then rename: no partial checkpoint is ever left behind."""
    with atomic_path(path, suffix=".tmp") as tmp:
        torch.save(obj, tmp)


def save_model(model, path, meta: dict | None = None, half: bool = False) -> None:
    """Write the project's format for a model of any registered family (fp16 storage when ``half``)."""
    name = family_of(model)
    state = {k: (v.half() if half and v.is_floating_point() else v).detach().cpu().clone()
             for k, v in model.state_dict().items()}
    atomic_save({"format": FORMAT, "family": name, "config": model.config.to_dict(), "state_dict": state,
                 "meta": dict(meta or {})}, path)


def save_official(model, path) -> None:
    """Write a checkpoint in the family's official format (LIIF's; for interoperability tests and users)."""
    fam = family(family_of(model))
    if fam.official is None:
        raise ValueError(f"the {fam.name!r} family has no official checkpoint format")
    atomic_save({"model": {**fam.official.spec(model.config),
                           "sd": {k: v.detach().cpu() for k, v in model.state_dict().items()}}}, path)
