"""LIIF's implicit decoder: a plain ReLU MLP (``imnet`` in the official code).

Parameter names ``layers.K.weight`` match the official checkpoints (Linear layers at even K).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MLPDecoder(nn.Module):
    def __init__(self, in_dim: int, out_dim: int = 3, hidden: tuple[int, ...] = (256, 256, 256, 256)):
        super().__init__()
        layers: list[nn.Module] = []
        last = in_dim
        for width in hidden:
            layers += [nn.Linear(last, width), nn.ReLU(inplace=True)]
            last = width
        layers.append(nn.Linear(last, out_dim))
        self.layers = nn.Sequential(*layers)
        self.in_dim, self.out_dim, self.hidden = in_dim, out_dim, tuple(hidden)

    @property
    def first(self) -> nn.Linear:
        return self.layers[0]

    def forward(self, x):
        return self.layers(x)

    def forward_after_first(self, first_pre_activation: torch.Tensor) -> torch.Tensor:
        """Run the MLP from the first layer's pre-activation (its affine output, (..., hidden[0])) onwards:
        (..., out_dim).

        The layers run on one contiguous (rows, width) matrix, so every Linear is a single GEMM and every ReLU
        acts on a whole tensor, not a view: in place when no gradient is being recorded, out of place otherwise
        (an in-place ReLU on a reshaped view makes autograd copy the whole activation back in the backward pass).
        Modules other than plain Linear / ReLU (e.g. quantised layers, :mod:`explain.models.surgery`) are called
        as they are.
        """
        lead = first_pre_activation.shape[:-1]
        x = first_pre_activation.reshape(-1, first_pre_activation.shape[-1])
        in_place = not (torch.is_grad_enabled() and x.requires_grad)
        fresh = False  # whether x is this function's own tensor (safe to overwrite)
        for layer in self.layers[1:]:
            if type(layer) is nn.ReLU:
                x = x.relu_() if in_place and fresh else torch.relu(x)
            elif type(layer) is nn.Linear:
                x = F.linear(x, layer.weight, layer.bias)
            else:
                x = layer(x)
            fresh = True
        return x.reshape(*lead, x.shape[-1])
