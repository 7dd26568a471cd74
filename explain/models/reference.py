"""A straightforward evaluation of LIIF in the style of the official code, for tests and benchmarks.

It unfolds the whole latent grid (9·C channels per pixel), samples codes with ``grid_sample(nearest)``
and runs the full MLP on each 580-dimensional query vector. Slow and memory hungry on purpose: it is
the yardstick that :meth:`LIIF.query` must match.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .coords import make_coord_grid
from .ensemble import SHIFTS


@torch.no_grad()
def reference_query(model, lr: torch.Tensor, coords: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
    """(B, Q, 3) output of ``model`` for ``lr`` (B, 3, h, w) in [0, 1] at ``coords``/``cells`` (B, Q, 2)."""
    image = (lr - 0.5) / 0.5
    return reference_query_features(model, model.encoder(image), image, coords, cells)


@torch.no_grad()
def reference_query_features(model, feat: torch.Tensor, image: torch.Tensor, coords: torch.Tensor,
                             cells: torch.Tensor) -> torch.Tensor:
    """Like :func:`reference_query` from an already encoded grid ``feat`` of the normalised ``image``.

    As in the official code, the whole grid is unfolded on every call.
    """
    cfg = model.config
    b, c, h, w = feat.shape
    if cfg.feat_unfold:
        feat = F.unfold(feat, 3, padding=1).view(b, c * 9, h, w)
    centres = make_coord_grid(h, w, device=feat.device, dtype=feat.dtype).permute(2, 0, 1)
    centres = centres.unsqueeze(0).expand(b, 2, h, w)
    shifts = SHIFTS if cfg.local_ensemble else ((0, 0),)
    eps = 1e-6 if cfg.local_ensemble else 0.0
    preds, areas = [], []
    for dr, dc in shifts:
        shifted = coords.clone()
        shifted[..., 0] += dr / h + eps
        shifted[..., 1] += dc / w + eps
        shifted.clamp_(-1 + 1e-6, 1 - 1e-6)
        grid = shifted.flip(-1).unsqueeze(1)
        code = F.grid_sample(feat, grid, mode="nearest", align_corners=False)[:, :, 0, :].permute(0, 2, 1)
        centre = F.grid_sample(centres, grid, mode="nearest", align_corners=False)[:, :, 0, :].permute(0, 2, 1)
        rel = (coords - centre) * coords.new_tensor([float(h), float(w)])
        parts = [code, rel]
        if cfg.cell_decode:
            parts.append(cells * cells.new_tensor([float(h), float(w)]))
        x = torch.cat(parts, dim=-1)
        preds.append(model.imnet(x.reshape(b * x.shape[1], -1)).view(b, x.shape[1], -1))
        areas.append((rel[..., 0] * rel[..., 1]).abs() + 1e-9)
    total = torch.stack(areas).sum(0)
    if cfg.local_ensemble:
        areas = areas[::-1]
    out = sum(p * (a / total).unsqueeze(-1) for p, a in zip(preds, areas))
    if cfg.skip == "bicubic":
        up = F.grid_sample(image, coords.flip(-1).unsqueeze(1), mode="bicubic", padding_mode="border",
                           align_corners=False)
        out = out + up[:, :, 0, :].permute(0, 2, 1)
    return out * 0.5 + 0.5
