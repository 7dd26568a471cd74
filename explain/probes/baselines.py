"""Reference inputs for path attribution: black, blurred, re-compressed and 8×8 block-mean images,
and the progressive Gaussian-blur path of LAM (Gu & Dong, CVPR 2021, Sec. 3.2).

Images here are float (h, w, 3) numpy arrays in [0, 1] or (B, 3, h, w) tensors; the block grid follows
:mod:`explain.probes.stats` (boundaries at rows ≡ phase_row and columns ≡ phase_col mod block size).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..codecs import jpeg_roundtrip_uint8
from ..images import load_image, to_uint8

BASELINES = ("zero", "blur", "jpeg", "block_mean")


# ------------------------------------------------------------------------------------------ Gaussian blur
def blur_radius(sigma: float) -> int:
    """Half-width of the Gaussian kernel used for ``sigma`` (LR pixels): ceil(3σ), 0 for σ = 0."""
    if not math.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma!r}")
    return int(math.ceil(3.0 * sigma - 1e-9)) if sigma > 0 else 0


def gaussian_kernels(sigmas, radius: int, dtype=torch.float32, device=None) -> torch.Tensor:
    """(S, 2·radius + 1) normalised 1-D Gaussian kernels on a common support; σ = 0 gives a unit impulse.

    All kernels share the support ``[−radius, radius]`` so that a whole blur path is one grouped
    convolution and the blur varies smoothly with σ.
    """
    sig = torch.as_tensor(sigmas, dtype=torch.float64).reshape(-1, 1)
    if (sig < 0).any() or not torch.isfinite(sig).all():
        raise ValueError("sigmas must be finite and >= 0")
    t = torch.arange(-radius, radius + 1, dtype=torch.float64).reshape(1, -1)
    safe = torch.where(sig > 0, sig, torch.ones_like(sig))
    k = torch.exp(-0.5 * (t / safe) ** 2)
    impulse = (t == 0).to(torch.float64).expand_as(k)
    k = torch.where(sig > 0, k, impulse)
    k = k / k.sum(dim=1, keepdim=True)
    return k.to(dtype=dtype, device=device)


MAX_BLUR_RADIUS_FACTOR = 4  # kernel radii beyond 4× the image side (+64 px) are refused


def gaussian_blur(x: torch.Tensor, sigmas, radius: int | None = None) -> torch.Tensor:
    """Separable Gaussian blur of (B, C, h, w) with one σ per image (or one for all), replicate padding.

    Replicate padding at the image border makes the blur of a crop equal to the blur of the whole image
    restricted to the crop, as long as the crop has ``radius`` extra pixels on every side that is not an
    image border.
    """
    if x.ndim != 4:
        raise ValueError(f"gaussian_blur expects (B, C, h, w), got shape {tuple(x.shape)}")
    b, c, h, w = x.shape
    sig = torch.as_tensor(sigmas, dtype=torch.float64).reshape(-1)
    if sig.numel() == 1:
        sig = sig.expand(b)
    if sig.numel() != b:
        raise ValueError(f"need one sigma or one per image ({b}), got {sig.numel()}")
    r = blur_radius(float(sig.max())) if radius is None else int(radius)
    if r > MAX_BLUR_RADIUS_FACTOR * max(h, w) + 64:  # such a kernel would only flatten the image, at huge cost
        raise ValueError(f"blur sigma {float(sig.max()):g} (kernel radius {r} px) is far wider than the {h}×{w} "
                         f"image; use a sigma of at most about {MAX_BLUR_RADIUS_FACTOR * max(h, w) // 3 + 21} px")
    if r == 0:
        return x.clone()
    k = gaussian_kernels(sig, r, x.dtype, x.device)  # (B, K)
    k = k.repeat_interleave(c, dim=0)  # (B·C, K) one kernel per channel of each image
    y = x.reshape(1, b * c, h, w)
    y = F.pad(y, (r, r, r, r), mode="replicate")
    y = F.conv2d(y, k.reshape(b * c, 1, -1, 1), groups=b * c)  # along rows
    y = F.conv2d(y, k.reshape(b * c, 1, 1, -1), groups=b * c)  # along columns
    return y.reshape(b, c, h, w)


def blur_path(x: torch.Tensor, sigma_max: float, alphas) -> torch.Tensor:
    """LAM's progressive blurring path γ(α) = blur(x, σ_max·(1 − α)): (S, C, h, w) for x (1, C, h, w).

    α = 0 is the fully blurred baseline, α = 1 the input itself.
    """
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(f"blur_path expects one image (1, C, h, w), got shape {tuple(x.shape)}")
    a = torch.as_tensor(alphas, dtype=torch.float64).reshape(-1)
    if ((a < 0) | (a > 1)).any():
        raise ValueError("alphas must lie in [0, 1]")
    sig = float(sigma_max) * (1.0 - a)
    return gaussian_blur(x.expand(a.numel(), -1, -1, -1), sig, blur_radius(float(sigma_max)))


# ---------------------------------------------------------------------------------- baseline images
def blur_baseline(image, sigma: float) -> np.ndarray:
    """The image blurred with σ (LR pixels), as LAM's baseline: float32 (h, w, 3)."""
    x = torch.from_numpy(load_image(image)).permute(2, 0, 1).unsqueeze(0)
    return gaussian_blur(x, float(sigma))[0].permute(1, 2, 0).numpy()


def jpeg_baseline(image, quality: int = 5, subsampling: str = "4:2:0", grid_phase=(0, 0),
                  block_size: int = 8) -> np.ndarray:
    """The image re-compressed at a (much lower) JPEG ``quality``, with its 8×8 grid at ``grid_phase``.

    The image is padded (edge replication) at the top/left so that the encoder's block grid lands on
    the given phase, compressed, decoded, and cropped back. Returns float32 (h, w, 3) in [0, 1].
    """
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= 100:
        raise ValueError(f"jpeg quality must be an integer in [1, 100], got {quality!r}")
    img = to_uint8(load_image(image))
    pad_r, pad_c = (-int(grid_phase[0])) % block_size, (-int(grid_phase[1])) % block_size
    padded = np.pad(img, ((pad_r, 0), (pad_c, 0), (0, 0)), mode="edge")
    decoded, _ = jpeg_roundtrip_uint8(padded, int(quality), subsampling)
    return decoded[pad_r:, pad_c:].astype(np.float32) / 255.0


def block_mean_baseline(image, block_size: int = 8, grid_phase=(0, 0)) -> np.ndarray:
    """Every pixel replaced by the mean of its block (per channel); partial border blocks average the pixels
    they have. What remains of an image when JPEG keeps only each block's DC coefficient. (h, w, 3) float32."""
    img = load_image(image).astype(np.float64)
    h, w, _ = img.shape
    br = np.floor_divide(np.arange(h) - grid_phase[0], block_size)
    bc = np.floor_divide(np.arange(w) - grid_phase[1], block_size)
    _, ri = np.unique(br, return_inverse=True)
    _, ci = np.unique(bc, return_inverse=True)
    labels = (ri[:, None] * (ci.max() + 1) + ci[None, :]).ravel()
    n = labels.max() + 1
    counts = np.bincount(labels, minlength=n)
    out = np.empty_like(img)
    for ch in range(3):
        sums = np.bincount(labels, weights=img[..., ch].ravel(), minlength=n)
        out[..., ch] = (sums / counts)[labels].reshape(h, w)
    return out.astype(np.float32)


def make_baseline(spec, image, *, sigma: float = 1.2, jpeg_quality: int = 5, subsampling: str = "4:2:0",
                  grid_phase=(0, 0), block_size: int = 8) -> np.ndarray:
    """A full-size baseline (h, w, 3) float32 for ``image`` (h, w, 3).

    spec: None or "zero" (black), a number (constant grey level in [0, 1]), "blur" (Gaussian σ),
    "jpeg" (re-compressed at ``jpeg_quality``), "block_mean" (8×8 block means at ``grid_phase``), or an
    explicit image of the same size (anything :func:`explain.load_image` takes).
    """
    img = load_image(image)
    if spec is None or (isinstance(spec, str) and spec == "zero"):
        return np.zeros_like(img)
    if isinstance(spec, str):
        if spec == "blur":
            return blur_baseline(img, sigma)
        if spec == "jpeg":
            return jpeg_baseline(img, jpeg_quality, subsampling, grid_phase, block_size)
        if spec == "block_mean":
            return block_mean_baseline(img, block_size, grid_phase)
        raise ValueError(f"unknown baseline {spec!r}; use one of {BASELINES}, a number or an image")
    if isinstance(spec, (int, float)) and not isinstance(spec, bool):
        if not 0 <= spec <= 1:
            raise ValueError(f"a constant baseline must lie in [0, 1], got {spec}")
        return np.full_like(img, float(spec))
    base = load_image(spec)
    if base.shape != img.shape:
        raise ValueError(f"baseline image has shape {base.shape}, the input has {img.shape}")
    return base
