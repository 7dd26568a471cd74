"""EDSR-baseline encoder (Lim et al., CVPR-W 2017) without its upsampler, as LIIF uses it.

Layout and parameter names follow the official LIIF checkpoints: ``head.0`` (3→C conv),
``body.N.body.{0,2}`` (residual blocks conv–ReLU–conv), ``body.<n_blocks>`` (the conv closing the body),
and a global skip ``head + body``. No input mean shift is applied (LIIF comments it out).
"""

from __future__ import annotations

from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, res_scale: float = 1.0):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(channels, channels, 3, padding=1),
        )
        self.res_scale = res_scale

    def forward(self, x):
        return x + self.body(x) * self.res_scale


class EDSREncoder(nn.Module):
    """Maps a normalised image (B, 3, h, w) to a latent grid (B, channels, h, w).

    Every layer is a zero-padded 3×3 convolution, so a latent code depends on the input pixels
    within ``receptive_radius`` of its own pixel (Chebyshev distance).
    """

    def __init__(self, n_resblocks: int = 16, channels: int = 64, res_scale: float = 1.0, in_channels: int = 3):
        super().__init__()
        if n_resblocks < 0 or channels < 1:
            raise ValueError(f"encoder needs n_resblocks >= 0 and channels >= 1, got {n_resblocks}, {channels}")
        self.n_resblocks = n_resblocks
        self.out_dim = channels
        self.head = nn.Sequential(nn.Conv2d(in_channels, channels, 3, padding=1))
        blocks = [ResidualBlock(channels, res_scale) for _ in range(n_resblocks)]
        self.body = nn.Sequential(*blocks, nn.Conv2d(channels, channels, 3, padding=1))

    @property
    def receptive_radius(self) -> int:
        """Chebyshev radius in input pixels of one output code: one per 3×3 convolution."""
        return 1 + 2 * self.n_resblocks + 1

    def forward(self, x):
        head = self.head(x)
        return head + self.body(head)
