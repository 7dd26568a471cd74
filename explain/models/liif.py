"""LIIF: Local Implicit Image Function (Chen, Liu & Wang, CVPR 2021, arXiv 2012.09161).

Images enter and leave in [0, 1]; inside, LIIF works on (x − 0.5) / 0.5. Query coordinates are (row, col)
pixel-centre coordinates in (−1, 1) of the *input* image (see :mod:`explain.models.coords`); cells are the
query pixel sizes in the same units.

The first MLP layer applied to an unfolded code is a 3×3 convolution of the latent grid (the unfolding
is channel-major, c·9 + k, with zero padding, exactly the layout of a conv weight). We evaluate that
convolution once per latent pixel and gather it per query, which never builds the 576-channel unfolded
map and is mathematically identical to the reference evaluation.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .ablation import ablation_variant, available_ablations
from .base import Capabilities, ImplicitSRModel, LatentGrid, QueryInternals
from .decoder import MLPDecoder
from .encoder import EDSREncoder
from .ensemble import Neighbours, find_neighbours
from .official import LIIF_OFFICIAL
from .registry import register_model

SKIP_MODES = ("none", "bicubic")


@dataclass
class LIIFConfig:
    """Architecture. The defaults are the paper's LIIF with EDSR-baseline (1,567,299 parameters).

    ``skip="bicubic"`` adds a bicubic upsampling of the input to the output (as in LTE, Lee & Jin 2022),
    so the MLP predicts a residual: a documented departure that speeds up training.
    """

    n_resblocks: int = 16
    channels: int = 64
    hidden: tuple[int, ...] = (256, 256, 256, 256)
    feat_unfold: bool = True
    local_ensemble: bool = True
    cell_decode: bool = True
    skip: str = "none"

    family: ClassVar[str] = "liif"

    def __post_init__(self):
        def whole(value) -> bool:
            return isinstance(value, numbers.Integral) and not isinstance(value, bool)

        if isinstance(self.hidden, (str, bytes)) or not isinstance(self.hidden, Sequence) or \
                not all(whole(h) and h >= 1 for h in self.hidden) or not self.hidden:
            raise ValueError(f"hidden must be a non-empty sequence of positive integers (MLP widths), "
                             f"got {self.hidden!r}")
        self.hidden = tuple(int(h) for h in self.hidden)
        if not whole(self.n_resblocks) or self.n_resblocks < 0:
            raise ValueError(f"n_resblocks must be an integer >= 0, got {self.n_resblocks!r}")
        if not whole(self.channels) or self.channels < 1:
            raise ValueError(f"channels must be a positive integer, got {self.channels!r}")
        for name in ("feat_unfold", "local_ensemble", "cell_decode"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.skip not in SKIP_MODES:
            raise ValueError(f"skip must be one of {SKIP_MODES}, got {self.skip!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d


@register_model("liif", config=LIIFConfig, official=LIIF_OFFICIAL)
class LIIF(ImplicitSRModel):
    """Local Implicit Image Function (Chen, Liu & Wang, CVPR 2021): encoder → latent grid → MLP per query.

    Use it in two steps: :meth:`encode` an LR batch (B, 3, h, w) in [0, 1] once, then :meth:`query` the
    returned :class:`LatentGrid` at any (row, col) coordinates in (−1, 1) (pixel-centre convention of the
    input; pixel i of n has centre −1 + (2i + 1)/n) with cells (2/H_out, 2/W_out). ``LIIF(**fields)`` or
    ``LIIF(config, **overrides)`` builds the architecture of :class:`LIIFConfig`.

    It is the ``"liif"`` family of :mod:`explain.models.registry` and declares every optional capability of
    :mod:`explain.models.base`: ensemble internals, feature unfolding and the ablations of
    :mod:`explain.models.ablation` (one per switch that is on).
    """

    def __init__(self, config: LIIFConfig | None = None, **overrides):
        super().__init__()
        if config is None:
            config = LIIFConfig(**overrides)
        elif overrides:
            config = LIIFConfig(**{**config.to_dict(), **overrides})
        self.config = config
        self.encoder = EDSREncoder(config.n_resblocks, config.channels)
        code_dim = config.channels * (9 if config.feat_unfold else 1)
        in_dim = code_dim + 2 + (2 if config.cell_decode else 0)
        self.imnet = MLPDecoder(in_dim, 3, config.hidden)
        if config.skip == "bicubic":
            # Start as plain bicubic: the MLP predicts a residual that begins at zero.
            last = self.imnet.layers[-1]
            nn.init.zeros_(last.weight)
            nn.init.zeros_(last.bias)

    # ----------------------------------------------------------------- properties
    @property
    def code_dim(self) -> int:
        return self.config.channels * (9 if self.config.feat_unfold else 1)

    @property
    def receptive_radius(self) -> int:
        """Radius (LR pixels, Chebyshev) of the input that one (unfolded) latent code depends on."""
        return self.encoder.receptive_radius + (1 if self.config.feat_unfold else 0)

    @property
    def query_radius(self) -> int:
        """Radius (LR pixels) around a query's own LR pixel that its output can depend on.

        The ensemble reads codes at most one pixel away; the bicubic skip reads 2 pixels away.
        """
        r = self.receptive_radius + 1
        return max(r, 2) if self.config.skip == "bicubic" else r

    @property
    def latent_channels(self) -> int:
        """C of the (B, C, h, w) features :meth:`encode` returns."""
        return self.config.channels

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities(internals=True, unfold=True, ablations=tuple(available_ablations(self.config).items()))

    def ablated(self, name: str) -> LIIF:
        """The variant ``name`` of :attr:`capabilities` (e.g. ``"ensemble off"``), see :mod:`.ablation`."""
        return ablation_variant(self, name)

    def describe(self) -> str:
        return f"{self.config.n_resblocks} residual blocks, {self.num_parameters() / 1e6:.2f} M parameters"

    # ------------------------------------------------------------------ encoding
    def encode(self, lr: torch.Tensor) -> LatentGrid:
        """Latent grid of ``lr`` (B, 3, h, w) float in [0, 1]."""
        if not isinstance(lr, torch.Tensor):
            raise TypeError(f"encode expects a torch.Tensor (B, 3, h, w), got {type(lr).__name__}")
        if lr.ndim != 4 or lr.shape[1] != 3:
            raise ValueError(f"encode expects a (B, 3, h, w) tensor, got shape {tuple(lr.shape)}")
        if not lr.is_floating_point():
            raise TypeError(f"encode expects a floating-point tensor in [0, 1], got {lr.dtype}")
        image = (lr - 0.5) / 0.5
        return LatentGrid(self.encoder(image), image)

    def unfold(self, features: torch.Tensor) -> torch.Tensor:
        """3×3 unfolding (zero padded, channel-major c·9 + k): (B, C, h, w) → (B, 9C, h, w)."""
        b, c, h, w = features.shape
        return F.unfold(features, 3, padding=1).view(b, c * 9, h, w)

    def first_layer_map(self, latents: LatentGrid) -> torch.Tensor:
        """First MLP layer's code part evaluated on every latent pixel: (B, hidden[0], h, w).

        Equals ``W[:, :code_dim] @ unfold(features) + b`` at every pixel, computed as a convolution.
        Cached on ``latents`` when no gradient is being recorded.
        """
        cacheable = not (torch.is_grad_enabled() and latents.features.requires_grad)
        if cacheable and "first" in latents._cache:
            return latents._cache["first"]
        out = self._first_conv(latents)
        if cacheable:
            latents._cache["first"] = out
        return out

    def _first_conv(self, latents: LatentGrid) -> torch.Tensor:
        lin = self.imnet.first
        weight = lin.weight[:, : self.code_dim]
        c = self.config.channels
        k = 3 if self.config.feat_unfold else 1
        return F.conv2d(latents.features, weight.reshape(-1, c, k, k), lin.bias, padding=k // 2)

    def first_layer_rows(self, latents: LatentGrid) -> torch.Tensor:
        """:meth:`first_layer_map` laid out as (B·h·w, hidden[0]) contiguous rows (pixel-major), the layout the
        per-query gather reads; cached on ``latents`` when no gradient is being recorded."""
        cacheable = not (torch.is_grad_enabled() and latents.features.requires_grad)
        if cacheable and "first_rows" in latents._cache:
            return latents._cache["first_rows"]
        first = latents._cache["first"] if cacheable and "first" in latents._cache else self._first_conv(latents)
        rows = first.permute(0, 2, 3, 1).reshape(-1, first.shape[1])
        if cacheable:
            latents._cache["first_rows"] = rows
        return rows

    # ------------------------------------------------------------------- queries
    def neighbours(self, latents: LatentGrid, coords: torch.Tensor) -> Neighbours:
        """The latent codes a query at ``coords`` ((B, Q, 2) (row, col) in (−1, 1)) blends: the 4 nearest with
        the paper's local ensemble, else the single nearest."""
        h, w = latents.size
        return find_neighbours(coords, h, w, self.config.local_ensemble)

    def query(self, latents: LatentGrid, coords: torch.Tensor, cells: torch.Tensor | None = None,
              return_internals: bool = False):
        """RGB at query points.

        latents: from :meth:`encode`.
        coords:  (B, Q, 2) or (Q, 2) (row, col) in (−1, 1), pixel-centre convention of the input.
        cells:   same shape, query pixel size (2/H_out, 2/W_out); required when cell decoding is on.
        Returns (B, Q, 3) in image units (not clamped), and a :class:`QueryInternals` if requested.
        """
        if not isinstance(latents, LatentGrid):
            raise TypeError("query expects the LatentGrid returned by model.encode(lr)")
        if latents.features.shape[1] != self.config.channels:
            raise ValueError(f"latents hold {latents.features.shape[1]} channels but this model's encoder makes "
                             f"{self.config.channels}: they were encoded by another model")
        feats = latents.features
        b = feats.shape[0]
        coords = _batched(coords, b, "coords")
        if self.config.cell_decode:
            if cells is None:
                raise ValueError("this model decodes cell sizes: pass cells (B, Q, 2)")
            cells = _batched(cells, b, "cells")
            if cells.shape != coords.shape:
                raise ValueError(f"cells shape {tuple(cells.shape)} must match coords shape {tuple(coords.shape)}")
        h, w = latents.size
        nb = self.neighbours(latents, coords)
        q, k = nb.indices.shape[1], nb.indices.shape[2]

        rows = self.first_layer_rows(latents)  # (B·h·w, D): the first layer's code part, one row per latent pixel
        flat = nb.indices[..., 0] * w + nb.indices[..., 1]  # (B, Q, K) row of each code read
        if b > 1:
            flat = flat + torch.arange(b, device=flat.device).view(b, 1, 1) * (h * w)
        gathered = rows.index_select(0, flat.reshape(-1))  # (B·Q·K, D)
        weight = self.imnet.first.weight
        # the rest of the first layer, [rel_coord, rel_cell] @ W[:, code_dim:]ᵀ, added in one GEMM (LIIF Eq. 5 input)
        extra = nb.rel_coord
        if self.config.cell_decode:
            rel_cell = cells * cells.new_tensor([float(h), float(w)])
            extra = torch.cat([extra, rel_cell.unsqueeze(2).expand(b, q, k, 2)], dim=-1)
        pre = torch.addmm(gathered, extra.reshape(b * q * k, -1), weight[:, self.code_dim:].T)
        mlp_out = self.imnet.forward_after_first(pre).view(b, q, k, -1)  # (B, Q, K, 3), normalised units

        base = 0.5
        if self.config.skip == "bicubic":
            grid = coords.flip(-1).unsqueeze(1)  # grid_sample wants (x, y) = (col, row)
            up = F.grid_sample(latents.image, grid, mode="bicubic", padding_mode="border", align_corners=False)
            base = 0.5 + 0.5 * up[:, :, 0, :].transpose(1, 2).unsqueeze(2)  # (B, Q, 1, 3)
        predictions = base + 0.5 * mlp_out
        out = (nb.weights.unsqueeze(-1) * predictions).sum(2)
        if return_internals:
            return out, QueryInternals(nb.indices, nb.rel_coord, nb.weights, predictions)
        return out


def _batched(t: torch.Tensor, batch: int, name: str) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.ndim == 2:
        t = t.unsqueeze(0).expand(batch, -1, -1)
    if t.ndim != 3 or t.shape[-1] != 2 or t.shape[0] != batch:
        raise ValueError(f"{name} must have shape (B={batch}, Q, 2) or (Q, 2), got {tuple(t.shape)}")
    return t
