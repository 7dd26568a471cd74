"""The contract every implicit super-resolution family meets, written down once.

An implicit SR model works in two steps (LIIF, Chen et al. 2021; LTE, Lee & Jin 2022, and their kin):

* ``latents = model.encode(lr)``: ``lr`` is a (B, 3, h, w) float tensor in [0, 1]; the result is a
  :class:`LatentGrid` (or a subclass) whose ``features`` are (B, C, h, w), one C-vector per LR pixel, with
  ``C == model.latent_channels``;
* ``model.query(latents, coords, cells, return_internals=False)``: ``coords`` (B, Q, 2) or (Q, 2) are
  (row, col) pixel-centre coordinates in (−1, 1) of the *encoded* image (pixel i of n has its centre at
  −1 + (2i + 1)/n, see :mod:`explain.models.coords`); ``cells`` the same shape, the query pixel size
  (2/H_out, 2/W_out) in those units. Returns (B, Q, 3) RGB in image units (about [0, 1], not clamped) and,
  when asked and declared (``capabilities.internals``), a :class:`QueryInternals`.

Two radii make crop-local evaluation exact (see :mod:`explain.models.local`), both in LR pixels, Chebyshev:

* ``receptive_radius``: the input a latent code a query reads depends on (the encoder's receptive field, plus
  whatever mixing of neighbouring codes the family does before decoding, e.g. LIIF's 3×3 unfolding); so
  ``features`` at a pixel never depend on input further away than this;
* ``query_radius``: the input a query's output depends on, around the LR pixel that holds the query.

Each model has a ``config`` with a class-level ``family`` name (the name it is registered under, see
:mod:`explain.models.registry`) and ``to_dict()`` (JSON-able fields that rebuild it: ``Config(**d)``).

Optional abilities are declared by the model in :attr:`ImplicitSRModel.capabilities`, never assumed by the
probes: ensemble internals (which codes each query blends, with what weights), feature unfolding
(``model.unfold(features)``), and ablations (``model.ablated(name)``: a variant with one mechanism off).
A probe that needs one calls :func:`require` and fails with a clear :class:`CapabilityError` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol, runtime_checkable

import torch
from torch import nn


@dataclass
class LatentGrid:
    """What ``encode`` returns: the latent codes and the (normalised) input they came from.

    features: (B, C, h, w) latent codes, one per input pixel.
    image:    (B, 3, h, w) the input as the model normalised it (LIIF: (x − 0.5) / 0.5; used by skips).
    Families that need more per-image state subclass this (the probes read only ``features`` and ``size``).
    """

    features: torch.Tensor
    image: torch.Tensor
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def size(self) -> tuple[int, int]:
        """(h, w) of the latent grid (= of the encoded image)."""
        return tuple(self.features.shape[-2:])


@dataclass
class QueryInternals:
    """The local ensemble behind each query (K codes: LIIF's 4 with the ensemble on, else 1).

    indices:     (B, Q, K, 2) long (row, col) of the latent codes used, on the encoded grid.
    rel_coord:   (B, Q, K, 2) query minus code centre, one latent cell spans 2.
    weights:     (B, Q, K) blend weights (sum to 1 over K).
    predictions: (B, Q, K, 3) each code's prediction in image units; the output is
                 ``(weights[..., None] * predictions).sum(2)``.
    """

    indices: torch.Tensor
    rel_coord: torch.Tensor
    weights: torch.Tensor
    predictions: torch.Tensor


@dataclass(frozen=True)
class Capabilities:
    """What a model offers beyond encode / query (all off by default).

    internals: ``query(..., return_internals=True)`` returns ``(output, QueryInternals)``.
    unfold:    ``model.unfold(features)`` maps (B, C, h, w) to the codes the decoder reads, (B, C', h, w).
    ablations: (name, one-line note) of each variant ``model.ablated(name)`` can build now.
    """

    internals: bool = False
    unfold: bool = False
    ablations: tuple[tuple[str, str], ...] = ()


CAPABILITY_WORDS = {
    "internals": "ensemble internals (query(..., return_internals=True))",
    "unfold": "feature unfolding (model.unfold)",
    "ablations": "ablated variants (model.ablated)",
}


class CapabilityError(ValueError):
    """A probe asked a model for an ability its family does not declare."""


@runtime_checkable
class ModelConfig(Protocol):
    """A family's architecture: ``family`` (class attribute) and ``to_dict()`` (fields that rebuild it)."""

    family: ClassVar[str]

    def to_dict(self) -> dict: ...


@runtime_checkable
class ImplicitSR(Protocol):
    """The structural contract (see the module docstring for shapes, ranges and coordinates)."""

    config: ModelConfig

    @property
    def receptive_radius(self) -> int: ...

    @property
    def query_radius(self) -> int: ...

    @property
    def latent_channels(self) -> int: ...

    @property
    def capabilities(self) -> Capabilities: ...

    def encode(self, lr: torch.Tensor) -> LatentGrid: ...

    def query(self, latents: LatentGrid, coords: torch.Tensor, cells: torch.Tensor | None = None,
              return_internals: bool = False): ...


class ImplicitSRModel(nn.Module):
    """Convenience base of a family's model class: the parts every family shares.

    A subclass sets ``self.config`` in ``__init__(config)`` and writes ``encode``, ``query``,
    ``receptive_radius``, ``query_radius`` and ``latent_channels``; it overrides :attr:`capabilities` to
    declare optional abilities. It gets ``forward`` (training), :meth:`num_parameters` and :meth:`describe`.
    """

    config: ModelConfig

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    @property
    def family(self) -> str:
        return self.config.family

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def describe(self) -> str:
        """A few words on the architecture (reports and cards)."""
        return f"{self.family}, {self.num_parameters() / 1e6:.2f} M parameters"

    def forward(self, lr: torch.Tensor, coords: torch.Tensor, cells: torch.Tensor | None = None):
        """``query(encode(lr), coords, cells)``: (B, 3, h, w) in [0, 1] and (B, Q, 2) → (B, Q, 3) (training)."""
        return self.query(self.encode(lr), coords, cells)


_MEMBERS = ("encode", "query", "receptive_radius", "query_radius", "latent_channels")


def _missing(obj) -> list[str]:
    missing = [m for m in _MEMBERS if not hasattr(obj, m)]
    missing += [m for m in ("encode", "query") if m not in missing and not callable(getattr(obj, m))]
    config = getattr(obj, "config", None)
    if not isinstance(getattr(type(config), "family", None), str):
        missing.append("config.family")
    if not callable(getattr(config, "to_dict", None)):
        missing.append("config.to_dict")
    return missing


def is_model(obj) -> bool:
    """True for a torch module that meets the contract (encode, query, radii, latent_channels, a family config)."""
    return isinstance(obj, nn.Module) and not _missing(obj)


def check_model(obj, name: str = "model"):
    """``obj`` when it meets the contract; TypeError otherwise (names what is missing)."""
    if is_model(obj):
        return obj
    if isinstance(obj, nn.Module):
        missing = _missing(obj)
        raise TypeError(f"{name} ({type(obj).__name__}) does not meet the implicit SR model contract "
                        f"(explain.models.base): it lacks {', '.join(missing)}")
    raise TypeError(f"{name} must be an implicit SR model such as LIIF (explain.models.base), "
                    f"got {type(obj).__name__}")


def capabilities_of(model) -> Capabilities:
    """The model's declared capabilities (none for a model that declares nothing)."""
    caps = getattr(model, "capabilities", None)
    return caps if isinstance(caps, Capabilities) else Capabilities()


def require(model, capability: str, needed_by: str) -> None:
    """CapabilityError (a ValueError) unless ``model`` declares ``capability`` ("internals", "unfold", "ablations")."""
    if capability not in CAPABILITY_WORDS:
        raise ValueError(f"unknown capability {capability!r}; known: {sorted(CAPABILITY_WORDS)}")
    if not getattr(capabilities_of(model), capability):
        family = getattr(getattr(model, "config", None), "family", type(model).__name__)
        raise CapabilityError(f"{needed_by} needs {CAPABILITY_WORDS[capability]}, which the {family!r} model "
                              "family does not declare (see its capabilities)")


def check_latent_grid(latents, model, name: str = "latents") -> LatentGrid:
    """``latents`` if it is a LatentGrid with the model's channel count; TypeError / ValueError otherwise."""
    if not isinstance(latents, LatentGrid):
        raise TypeError(f"{name} must be the LatentGrid returned by model.encode(lr), got {type(latents).__name__}")
    if latents.features.shape[1] != model.latent_channels:
        raise ValueError(f"{name} hold {latents.features.shape[1]} channels but the model's encoder makes "
                         f"{model.latent_channels}: they were encoded by another model")
    return latents
