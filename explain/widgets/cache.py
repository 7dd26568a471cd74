"""Encoder-feature cache shared by the widgets: moving a window or changing a display option never re-encodes.

:class:`FeatureCache` keeps ``model.encode(lr)`` of whole LR images keyed on (model id, image hash): the
model's ``id`` (guarded by a weak reference, so a recycled id of a dead model is never mistaken for it) and a
SHA-1 of the image's bytes, shape and dtype. It also upscales from those latents (any output size, or only a
region of it) and memoises other results (attributions, latent statistics) under caller-chosen keys.

The cache assumes a model's weights do not change while it is cached; call :meth:`FeatureCache.clear` after
training or editing a model in place. Images are float32 (h, w, 3) in [0, 1] (anything
:func:`explain.load_image` accepts); outputs are float32 (H, W, 3) clamped to [0, 1], as :func:`explain.upscale`.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np
import torch

from ..images import check_size, load_image
from ..models import LatentGrid, load_model
from ..models.base import check_model, is_model
from ..models.coords import pixel_centres
from ..models.local import evaluating, model_device, query_grid, to_model_tensor
from ..upscale import check_window as _check_output_window

CHUNK = 16384  # queries per MLP call when upscaling from cached latents


def image_hash(image) -> str:
    """SHA-1 hex digest of an image's float32 bytes, shape and dtype (equal images → equal keys)."""
    arr = np.ascontiguousarray(load_image(image), dtype=np.float32)
    digest = hashlib.sha1(str(arr.shape).encode())
    digest.update(arr.tobytes())
    return digest.hexdigest()


class FeatureCache:
    """LRU cache of latent grids ((model id, image hash) → LatentGrid) and of memoised results.

    max_latents: latent grids kept (a 128×128 grid of 64 channels is 4 MB).
    max_results: memoised results kept (see :meth:`memo`).
    max_tile_pixels: output pixels kept as SR tiles by :meth:`upscale` with ``tile`` (4 M pixels: 48 MB).
    ``encodes`` counts the encoder calls this cache made; ``hits`` the lookups it answered without one.
    """

    def __init__(self, max_latents: int = 16, max_results: int = 256, max_tile_pixels: int = 1 << 22):
        for name, value in (("max_latents", max_latents), ("max_results", max_results),
                            ("max_tile_pixels", max_tile_pixels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.max_latents = max_latents
        self.max_results = max_results
        self._latents: OrderedDict = OrderedDict()
        self._results: OrderedDict = OrderedDict()
        self._tiles: OrderedDict = OrderedDict()
        self._tile_pixels = 0
        self.max_tile_pixels = max_tile_pixels
        self._models: dict[int, weakref.ref] = {}
        self.encodes = 0
        self.hits = 0

    # ------------------------------------------------------------------------------------------ keys
    def model_key(self, model) -> int:
        """A key for ``model`` (any family of :mod:`explain.models.base`): its id, valid while the model lives
        (entries of a dead model are dropped)."""
        if not is_model(model):
            check_model(model)  # raises the TypeError that says what is wrong
        key = id(model)
        ref = self._models.get(key)
        if ref is None or ref() is not model:  # new model, or a dead model's recycled id
            self._drop_model(key)
            self._models[key] = weakref.ref(model, self._forget(key))
        return key

    def _forget(self, key: int):
        cache = weakref.ref(self)

        def callback(_ref):  # the model died: drop its entries (the cache may be gone already)
            live = cache()
            if live is not None and live._models.get(key) is _ref:
                live._drop_model(key)
                del live._models[key]

        return callback

    def _drop_model(self, key: int) -> None:
        for store in (self._latents, self._results, self._tiles):
            for k in [k for k in store if isinstance(k, tuple) and k and k[0] == key]:
                if store is self._tiles:
                    self._tile_pixels -= store[k].shape[0] * store[k].shape[1]
                del store[k]

    def key(self, model, image) -> tuple[int, str]:
        """(model key, image hash)."""
        return self.model_key(model), image_hash(image)

    # --------------------------------------------------------------------------------------- latents
    def latents(self, model, image) -> LatentGrid:
        """``model.encode`` of the whole image (batch 1), computed once per (model, image) in eval mode."""
        model = load_model(model)
        img = load_image(image)
        key = self.key(model, img)
        if key in self._latents:
            self._latents.move_to_end(key)
            self.hits += 1
            return self._latents[key]
        with evaluating(model):
            grid = model.encode(to_model_tensor(model, img))
        self.encodes += 1
        self._latents[key] = grid
        while len(self._latents) > self.max_latents:
            self._latents.popitem(last=False)
        return grid

    def upscale(self, model, image, size: tuple[int, int], region: tuple[int, int, int, int] | None = None,
                progress: bool = False, tile: int | None = None) -> np.ndarray:
        """Upscale ``image`` to ``size`` = (H, W) from its cached latents; only ``region`` = (row, col,
        height, width) of that output when given. Equals :func:`explain.upscale` (to float rounding).

        tile: assemble the region from memoised ``tile``×``tile`` output tiles on a grid anchored at (0, 0)
              (clipped at the image's edges), so that a moved region queries only the tiles it did not
              cover before (a view whose window moves by one 8×8 LR block re-queries one strip, not the
              panel). Every output pixel is one independent query, so tiling does not change the values.

        Returns float32 (height, width, 3) clamped to [0, 1].
        """
        model = load_model(model)
        img = load_image(image)
        H, W = check_output_size(size)
        r0, c0, hh, ww = (0, 0, H, W) if region is None else check_output_region(region, (H, W))
        if tile is not None:
            if isinstance(tile, bool) or not isinstance(tile, (int, np.integer)) or tile < 1:
                raise ValueError(f"tile must be a positive integer (output pixels), got {tile!r}")
            return self._upscale_tiled(model, img, (H, W), (r0, c0, hh, ww), int(tile), progress)
        key = (self.model_key(model), "upscale", image_hash(img), (H, W), (r0, c0, hh, ww))
        return self.memo(key, lambda: self._query_region(model, img, (H, W), (r0, c0, hh, ww), progress))

    def _upscale_tiled(self, model, img, size, region, tile: int, progress: bool) -> np.ndarray:
        H, W = size
        r0, c0, hh, ww = region
        mkey, ikey = self.model_key(model), image_hash(img)
        out = np.empty((hh, ww, 3), dtype=np.float32)
        latents = None
        for tr in range(r0 // tile * tile, r0 + hh, tile):
            for tc in range(c0 // tile * tile, c0 + ww, tile):
                th, tw = min(tile, H - tr), min(tile, W - tc)
                key = (mkey, "sr-tile", ikey, (H, W), (tr, tc, th, tw))
                if key in self._tiles:
                    self._tiles.move_to_end(key)
                    self.hits += 1
                    data = self._tiles[key]
                else:
                    latents = self.latents(model, img) if latents is None else latents
                    data = self._query_region(model, img, (H, W), (tr, tc, th, tw), progress, latents)
                    self._tiles[key] = data
                    self._tile_pixels += th * tw
                    while self._tile_pixels > self.max_tile_pixels and len(self._tiles) > 1:
                        _, old = self._tiles.popitem(last=False)
                        self._tile_pixels -= old.shape[0] * old.shape[1]
                # the part of this tile inside the region
                a0, a1 = max(tr, r0), min(tr + th, r0 + hh)
                b0, b1 = max(tc, c0), min(tc + tw, c0 + ww)
                out[a0 - r0: a1 - r0, b0 - c0: b1 - c0] = data[a0 - tr: a1 - tr, b0 - tc: b1 - tc]
        return out

    def _query_region(self, model, img, size, region, progress, latents=None) -> np.ndarray:
        latents = self.latents(model, img) if latents is None else latents
        H, W = size
        r0, c0, hh, ww = region
        dtype, device = model_device(model)
        rows = pixel_centres(H, dtype=torch.float64)[r0: r0 + hh].to(device=device, dtype=dtype)
        cols = pixel_centres(W, dtype=torch.float64)[c0: c0 + ww].to(device=device, dtype=dtype)
        with evaluating(model):
            out = query_grid(model, latents, rows, cols, (2.0 / H, 2.0 / W), CHUNK, progress).clamp_(0, 1)
        return out.float().cpu().numpy()

    # --------------------------------------------------------------------------------------- results
    def memo(self, key: Hashable, compute: Callable[[], object]):
        """The value stored under ``key``, computing and storing ``compute()`` on a miss (LRU).

        Start keys that depend on a model with :meth:`model_key` (then they are dropped with the model).
        """
        try:
            hash(key)
        except TypeError:
            raise TypeError(f"memo key must be hashable, got {key!r}") from None
        if key in self._results:
            self._results.move_to_end(key)
            self.hits += 1
            return self._results[key]
        value = compute()
        self._results[key] = value
        while len(self._results) > self.max_results:
            self._results.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything (e.g. after a model's weights changed)."""
        self._latents.clear()
        self._results.clear()
        self._tiles.clear()
        self._tile_pixels = 0
        self._models.clear()

    def __len__(self) -> int:
        return len(self._latents) + len(self._results) + len(self._tiles)


def check_output_size(size) -> tuple[int, int]:
    """Validate an output size (H, W) of positive integers."""
    return check_size(size)


def check_output_region(region, size) -> tuple[int, int, int, int]:
    """Validate (row, col, height, width) inside an output of ``size`` (H, W); returns plain ints."""
    return _check_output_window(region, size, "region")


_DEFAULT: FeatureCache | None = None


def default_cache() -> FeatureCache:
    """The process-wide cache the widgets share unless given their own."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = FeatureCache()
    return _DEFAULT
