"""Image I/O and resampling.

Every image in this package is a float32 numpy array of shape (H, W, 3) with values in [0, 1]
(row-major: H rows, W columns, RGB). Default images come from scikit-image so nothing needs a download.
"""

from __future__ import annotations

import math
import numbers
import os
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

# Colour photographs that scikit-image ships (all offline, inside the package's data folder).
DEFAULT_IMAGES = ("astronaut", "coffee", "chelsea", "rocket", "camera", "cat", "immunohistochemistry")
DEFAULT_IMAGE = "astronaut"


def load_image(source) -> np.ndarray:
    """Any image → float32 RGB (H, W, 3) in [0, 1].

    source: a default image name (see ``DEFAULT_IMAGES``), a file path, a PIL image, a numpy array
    (uint8, uint16, bool or float in [0, 1]; (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)) or a torch tensor
    ((3, H, W), (1, 3, H, W) or any of the numpy layouts; a 3-D tensor whose first dimension is 1, 3 or 4 is
    read as (C, H, W)). Grayscale is replicated to RGB; RGBA is
    composited over white; palette images are expanded. Raises ValueError/TypeError naming the problem.
    """
    if isinstance(source, (str, os.PathLike)):
        return _load_named_or_path(source)
    if isinstance(source, Image.Image):
        return _from_pil(source)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        torch = None
    if torch is not None and isinstance(source, torch.Tensor):
        t = source.detach().cpu()
        if t.ndim == 4:
            if t.shape[0] != 1:
                raise ValueError(f"a 4-D tensor must hold one image (1, C, H, W), got shape {tuple(t.shape)}")
            t = t[0]
        if t.ndim == 3 and t.shape[0] in (1, 3, 4):  # torch's (C, H, W), also when W happens to be 1, 3 or 4
            t = t.permute(1, 2, 0)
        if t.dtype == torch.bfloat16:  # numpy has no bfloat16
            t = t.float()
        return _from_array(t.numpy())
    if isinstance(source, np.ndarray):
        return _from_array(source)
    raise TypeError(f"cannot load an image from {type(source).__name__}; pass a name, path, PIL image, "
                    "numpy array or torch tensor")


def _load_named_or_path(source) -> np.ndarray:
    text = os.fspath(source)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text.strip():
        raise ValueError("no such image file or default image name: an empty string")
    if text in DEFAULT_IMAGES or (not os.path.exists(text) and _is_skimage_name(text)):
        import skimage.data

        try:
            data = getattr(skimage.data, text)()
        except Exception as exc:  # e.g. a data set that needs a download (pooch) or an argument
            raise ValueError(f"cannot load scikit-image data {text!r}: {exc}") from None
        if not isinstance(data, np.ndarray):
            raise ValueError(f"scikit-image data {text!r} is not an image (got {type(data).__name__})")
        return _from_array(data)
    path = Path(text)
    if not os.path.exists(text):  # False (not an error) for names the file system refuses, e.g. too long
        raise ValueError(f"no such image file or default image name: {text!r} "
                         f"(default images: {', '.join(DEFAULT_IMAGES)})")
    if path.is_dir():
        raise ValueError(f"{text!r} is a directory, not an image file")
    try:
        with Image.open(path) as im:
            im.load()
            return _from_pil(im)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"cannot read {text!r} as an image: {exc}") from None


def _is_skimage_name(name: str) -> bool:
    import skimage.data

    return name.isidentifier() and not name.startswith("_") and callable(getattr(skimage.data, name, None)) \
        and name not in ("download_all", "lazy_load", "data_dir")


def _from_pil(im: Image.Image) -> np.ndarray:
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode == "F":  # 32-bit float pixels: taken as values in [0, 1], checked like a float array
        return _from_array(np.asarray(im))
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        return _from_array(np.asarray(im).astype(np.uint16 if im.mode.startswith("I;16") else np.int64))
    if im.mode not in ("RGB", "RGBA", "L", "LA"):
        im = im.convert("RGBA" if "A" in im.mode else "RGB")
    return _from_array(np.asarray(im))


def _from_array(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr)
    if arr.size == 0:
        raise ValueError(f"image is empty (shape {arr.shape})")
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (2, 3, 4)):
        raise ValueError(f"image must be (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); got shape {arr.shape}")
    if arr.dtype == np.bool_:
        x = arr.astype(np.float32)
    elif arr.dtype == np.uint8:
        x = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        x = arr.astype(np.float32) / 65535.0
    elif np.issubdtype(arr.dtype, np.integer):
        if arr.min() < 0 or arr.max() > 65535:
            raise ValueError(f"integer image values must lie in [0, 65535], got [{arr.min()}, {arr.max()}]")
        x = arr.astype(np.float32) / (255.0 if arr.max() <= 255 else 65535.0)
    elif np.issubdtype(arr.dtype, np.floating):
        if not np.isfinite(arr).all():
            raise ValueError("image contains NaN or infinite values")
        lo, hi = float(arr.min()), float(arr.max())
        if lo < -1e-6 or hi > 1 + 1e-6:
            raise ValueError(f"float image values must lie in [0, 1], got [{lo:.4g}, {hi:.4g}]")
        x = np.clip(arr, 0, 1).astype(np.float32)
    else:
        raise TypeError(f"unsupported image dtype {arr.dtype}")
    if x.ndim == 2:
        x = np.repeat(x[..., None], 3, axis=-1)
    elif x.shape[-1] == 2:  # gray + alpha
        x = _over_white(np.repeat(x[..., :1], 3, axis=-1), x[..., 1:])
    elif x.shape[-1] == 4:
        x = _over_white(x[..., :3], x[..., 3:])
    return np.ascontiguousarray(x, dtype=np.float32)


def _over_white(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return rgb * alpha + (1.0 - alpha)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float [0, 1] (H, W, 3) → uint8 with rounding."""
    return np.clip(np.round(np.asarray(image) * 255.0), 0, 255).astype(np.uint8)


def save_image(image: np.ndarray, path) -> None:
    """Write an (H, W, 3) float [0, 1] image as an 8-bit file (format from the suffix)."""
    Image.fromarray(to_uint8(load_image(image))).save(path)


def resize_uint8(image_u8: np.ndarray, height: int, width: int) -> np.ndarray:
    """PIL bicubic resize of an 8-bit (H, W, 3) array, LIIF's way of making LR images."""
    return np.asarray(Image.fromarray(image_u8).resize((int(width), int(height)), Image.BICUBIC))


def downscale(image, scale: float | None = None, size: tuple[int, int] | None = None) -> np.ndarray:
    """Bicubic downscaling on 8-bit values (PIL), as LIIF makes its low-resolution inputs.

    Give ``scale`` (> 0; the output is (round(H/scale), round(W/scale))) or ``size`` = (height, width).
    Returns float32 (h, w, 3) in [0, 1] (quantised to 8 bits).
    """
    img = load_image(image)
    height, width = target_size(img.shape[:2], scale, size, shrink=True)
    return resize_uint8(to_uint8(img), height, width).astype(np.float32) / 255.0


def upscale_bicubic(image, scale: float | None = None, size: tuple[int, int] | None = None) -> np.ndarray:
    """Bicubic upscaling baseline (PIL on 8-bit values, as LIIF's benchmarks): float32 (H, W, 3) in [0, 1].

    Give ``scale`` (> 0; the output is (round(h·scale), round(w·scale))) or ``size`` = (height, width).
    """
    img = load_image(image)
    height, width = target_size(img.shape[:2], scale, size)
    return resize_uint8(to_uint8(img), height, width).astype(np.float32) / 255.0


def bicubic_window(image, window_lr, out_size, pad: int = 4) -> np.ndarray:
    """The output pixels over an LR window of :func:`upscale_bicubic` (image → ``out_size`` (H, W)), computed on
    the window's LR crop grown by ``pad`` pixels (PIL's bicubic reads 2 LR pixels on each side when enlarging, so
    the interior equals the whole-image upscale; exactly so when H/h and W/w are integers).

    window_lr: (row, col, height, width) in LR pixels of the (h, w, 3) ``image``. Returns float32
    (round((row + height)·H/h) − round(row·H/h), …, 3) in [0, 1].
    """
    img = load_image(image)
    r, c, hh, ww = (int(v) for v in window_lr)
    (h, w), (H, W) = img.shape[:2], out_size
    a0, a1, b0, b1 = max(0, r - pad), min(h, r + hh + pad), max(0, c - pad), min(w, c + ww + pad)
    sy, sx = H / h, W / w
    big = upscale_bicubic(img[a0:a1, b0:b1], size=(round((a1 - a0) * sy), round((b1 - b0) * sx)))
    R0, C0 = round((r - a0) * sy), round((c - b0) * sx)
    return big[R0: R0 + round((r + hh) * sy) - round(r * sy), C0: C0 + round((c + ww) * sx) - round(c * sx)]


# One image of more pixels than this (16,384² = 268 M; 3 GiB as float32 RGB) is taken for a mistaken scale or size.
MAX_PIXELS = 1 << 28


def check_size(size, name: str = "size") -> tuple[int, int]:
    """Validate an image size (height, width) of positive integers within :data:`MAX_PIXELS`; plain ints."""
    try:
        height, width = size
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be (height, width), got {size!r}") from None
    if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 for v in (height, width)):
        raise ValueError(f"{name} must be two positive integers (height, width), got {size!r}")
    height, width = int(height), int(width)
    if height * width > MAX_PIXELS:
        raise ValueError(f"{name} {height}×{width} is over the limit of {MAX_PIXELS:,} pixels for one image")
    return height, width


def target_size(shape, scale=None, size=None, shrink: bool = False) -> tuple[int, int]:
    """(height, width) of a resized image: ``size`` as given, else (round(H·s), round(W·s)) with s = ``scale``
    (1/``scale`` when ``shrink``). Exactly one of the two; ValueError naming the problem otherwise."""
    if (scale is None) == (size is None):
        raise ValueError("give exactly one of scale or size")
    if size is not None:
        return check_size(size)
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    factor = 1.0 / float(scale) if shrink else float(scale)
    if shape[0] * factor * shape[1] * factor > 2 * MAX_PIXELS:  # before rounding, which overflows for huge scales
        raise ValueError(f"scale {scale} makes a {shape[0]}×{shape[1]} image larger than the limit of "
                         f"{MAX_PIXELS:,} pixels")
    height, width = round(shape[0] * factor), round(shape[1] * factor)
    if height < 1 or width < 1:
        raise ValueError(f"scale {scale} turns a {shape[0]}×{shape[1]} image into an empty one")
    return check_size((height, width), name=f"the scale-{scale} size")


def crop_to_multiple(image: np.ndarray, multiple: int) -> np.ndarray:
    """Crop the bottom/right so that both sides are multiples of ``multiple`` (SR benchmark convention)."""
    h, w = image.shape[:2]
    return image[: h - h % multiple, : w - w % multiple]
