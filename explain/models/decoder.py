"""LIIF's implicit decoder: a plain ReLU MLP (``imnet`` in the official code).

Parameter names ``layers.K.weight`` match the official checkpoints (Linear layers at even K).
"""

from __future__ import annotations

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

    def forward_after_first(self, first_pre_activation):
        """Run the MLP from the first layer's pre-activation (its affine output) onwards."""
        return self.layers[1:](first_pre_activation)
