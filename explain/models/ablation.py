"""Ablated copies of a trained LIIF: the same weights with feature unfolding, local ensemble or cell decoding
switched off (or on), the MLP's first layer adapted where its input layout changes. The layout knowledge lives
here, beside the model, so probes never touch parameter names or column orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:  # the model is built as type(model)(config): no import of liif.py, which imports this module
    from .liif import LIIF, LIIFConfig

# variant name → (config switch turned off, how the variant is built), as LIIF declares them (LIIF.capabilities).
LIIF_ABLATIONS = {
    "ensemble off": ("local_ensemble", "same weights, nearest code only (exact ablation; not retrained)"),
    "unfold off": ("feat_unfold", "weight surgery, not retrained: first-layer weights summed over the 3×3 "
                                  "unfolding taps (each code's 8 neighbours replaced by the code itself)"),
    "cell off": ("cell_decode", "weight surgery, not retrained: first-layer cell columns dropped (cell input set "
                                "to 0)"),
}


def available_ablations(config: LIIFConfig) -> dict[str, str]:
    """name → note of the variants of :data:`LIIF_ABLATIONS` whose switch is on in ``config`` (table order)."""
    return {name: note for name, (switch, note) in LIIF_ABLATIONS.items() if getattr(config, switch)}


def ablation_variant(model: LIIF, name: str) -> LIIF:
    """The variant ``name`` (a key of :func:`available_ablations`) of ``model``: its switch turned off."""
    if name not in LIIF_ABLATIONS:
        raise ValueError(f"unknown LIIF ablation {name!r}; known: {sorted(LIIF_ABLATIONS)}")
    switch = LIIF_ABLATIONS[name][0]
    if not getattr(model.config, switch):
        raise ValueError(f"ablation {name!r} turns {switch} off, but this model has it off already")
    return ablated_model(model, **{switch: False})


def _adapt_first_layer(weight: torch.Tensor, src: LIIFConfig, dst: LIIFConfig) -> torch.Tensor:
    """Re-use an MLP first-layer weight (D, code | rel_coord(2) | cell(2)) for another input layout.

    The code part is channel-major c·9 + k when unfolded (see :meth:`LIIF.unfold`); k = 4 is the centre tap.
    """
    c = src.channels
    src_code = c * (9 if src.feat_unfold else 1)
    code, rel = weight[:, :src_code], weight[:, src_code: src_code + 2]
    cell = weight[:, src_code + 2: src_code + 4] if src.cell_decode else None
    if src.feat_unfold and not dst.feat_unfold:
        code = code.reshape(-1, c, 9).sum(-1)
    elif dst.feat_unfold and not src.feat_unfold:
        wide = code.new_zeros(code.shape[0], c, 9)
        wide[:, :, 4] = code
        code = wide.reshape(-1, c * 9)
    parts = [code, rel]
    if dst.cell_decode:
        parts.append(cell if cell is not None else weight.new_zeros(weight.shape[0], 2))
    return torch.cat(parts, dim=1)


def ablated_model(model: LIIF, **switches) -> LIIF:
    """A copy of ``model`` with config switches changed (e.g. ``local_ensemble=False``).

    Weights are copied; where a switch changes the MLP's input size (``feat_unfold``, ``cell_decode``) the
    first layer is adapted by :func:`_adapt_first_layer` — an intervention on a trained model, not a
    retrained ablation (pass your own trained models to :func:`ablation_seams` for that).
    """
    src = model.config
    dst = type(src)(**{**src.to_dict(), **switches})
    new = type(model)(dst)
    target = new.state_dict()
    state = {}
    for key, value in model.state_dict().items():
        if key not in target:
            raise ValueError(f"cannot build the ablation: parameter {key!r} has no counterpart")
        if value.shape != target[key].shape:
            if value.ndim != 2:
                raise ValueError(f"cannot adapt parameter {key!r} of shape {tuple(value.shape)}")
            value = _adapt_first_layer(value, src, dst)
            if value.shape != target[key].shape:
                raise ValueError(f"adapted {key!r} has shape {tuple(value.shape)}, expected {tuple(target[key].shape)}")
        state[key] = value
    new.load_state_dict(state)
    param = next(model.parameters())
    return new.to(device=param.device, dtype=param.dtype).train(model.training)
