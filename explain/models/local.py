"""Crop-local evaluation of an implicit SR model: the one home of input → tensor, eval mode, crops with a
receptive margin and queries of a region, used by tiled upscaling, the probes and the widget cache.

Why a crop is exact: a query's output depends only on the LR input within ``model.query_radius`` (Chebyshev,
LR pixels) of the LR pixel holding the query (:mod:`explain.models.base`). Encoding an LR crop that covers
the queries plus that margin, and re-expressing the queries in the crop's own (−1, 1) frame, gives the output
of the whole image to float rounding, at a cost set by the probed region rather than by the image.

Conventions:

* *LR positions* are in LR pixel units: an axis of n pixels spans [0, n], pixel i covers [i, i + 1) and has
  its centre at i + ½. The (−1, 1) coordinate of position p on that axis is ``2 p / n − 1``.
* *Output pixels*: output pixel i of an axis of N pixels over n LR pixels sits at LR position (i + ½)·n/N.
* Coordinates passed to ``model.query`` are (row, col) in the (−1, 1) pixel-centre frame of the *encoded*
  tensor (the crop); cells are query pixel sizes in the same units.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ..images import load_image
from . import load_model
from .base import check_model, require
from .coords import crop_frame_coords

CHUNK = 65536  # queries per model call in query_positions
# Extra reach (LR px) when locating an output region's own LR pixels: covers float rounding of floor(u) and LIIF's
# ensemble tie-break shift, so a crop never misses a pixel the full-image computation would read.
FOOTPRINT_EPS = 1e-3


# --------------------------------------------------------------------------------------------- inputs
def model_device(model) -> tuple[torch.dtype, torch.device]:
    """(dtype, device) of the model's parameters (float32 on CPU for a model without parameters)."""
    param = next(iter(model.parameters()), None)
    if param is None:
        return torch.float32, torch.device("cpu")
    return param.dtype, param.device


def to_model_tensor(model, image: np.ndarray) -> torch.Tensor:
    """(h, w, 3) float array in [0, 1] → (1, 3, h, w) tensor on the model's device and dtype."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(f"expected an (h, w, 3) image, got shape {image.shape}")
    dtype, device = model_device(model)
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).unsqueeze(0).to(device=device, dtype=dtype)


def model_input(model, lr) -> tuple[object, np.ndarray, torch.Tensor]:
    """(model, image (h, w, 3) float32 in [0, 1], tensor (1, 3, h, w) on the model's device and dtype).

    ``model``: a model of any registered family, a model name or a checkpoint path (see
    :func:`explain.models.load_model`); ``lr``: anything :func:`explain.load_image` accepts.
    """
    model = check_model(load_model(model))
    image = load_image(lr)
    return model, image, to_model_tensor(model, image)


@contextmanager
def evaluating(model, grad: bool = False):
    """Eval mode for the duration, restoring the model's training flag. Without ``grad`` the block runs under
    ``torch.inference_mode`` (forward-only: no autograd bookkeeping; tensors made there are for reading, so copy
    before changing them in place outside the block); with ``grad`` gradients follow the caller's setting."""
    was_training = model.training
    model.eval()
    try:
        if grad:
            with torch.set_grad_enabled(torch.is_grad_enabled()):
                yield
        else:
            with torch.inference_mode():
                yield
    finally:
        model.train(was_training)


@contextmanager
def inputs_only(model):
    """Eval mode and every weight's ``requires_grad`` off for the duration, restored after: a probe's backward
    passes then compute gradients with respect to its inputs only — autograd neither forms the weights' gradients
    nor keeps the activations they would need. Nested use is fine."""
    params = list(model.parameters())
    flags = [p.requires_grad for p in params]
    was_training = model.training
    model.eval()
    for p in params:
        p.requires_grad_(False)
    try:
        yield model
    finally:
        for p, f in zip(params, flags):
            p.requires_grad_(f)
        model.train(was_training)


# ---------------------------------------------------------------------------------------------- crops
def encode_margin(model) -> int:
    """LR pixels of context a crop needs around the LR pixels holding its queries: ``query_radius + 1``."""
    return int(model.query_radius) + 1


def crop_range(lo: float, hi: float, n: int, margin: int) -> tuple[int, int]:
    """LR index range [a0, a1) covering LR positions in [lo, hi] (pixel units) plus ``margin`` pixels."""
    first = min(max(int(np.floor(lo)), 0), n - 1)
    last = min(max(int(np.floor(hi)), 0), n - 1)
    return max(0, first - margin), min(n, last + 1 + margin)


def lr_footprint(start: int, stop: int, out_len: int, lr_len: int, guard: float = 0.0) -> tuple[int, int]:
    """Along one axis: LR pixels [lo, hi) holding the centres of output pixels [start, stop) of an ``out_len``-pixel
    output over ``lr_len`` LR pixels; ``guard`` (LR px) widens the search."""
    u0 = (start + 0.5) * lr_len / out_len
    u1 = (stop - 0.5) * lr_len / out_len
    lo = int(np.floor(u0 - guard))
    hi = int(np.floor(u1 + guard)) + 1
    return max(0, lo), min(lr_len, hi)


def output_tiles(lr_len: int, out_len: int, tile: int, margin: int):
    """Along one axis, per LR tile of ``tile`` pixels: (output index range [i0, i1) whose pixel centres fall in the
    tile, LR crop range [a0, a1) = the tile grown by ``margin``). Tiles without output pixels are skipped."""
    centres = (np.arange(out_len) + 0.5) * lr_len / out_len  # output pixel centres in LR pixel units
    for start in range(0, lr_len, tile):
        stop = min(start + tile, lr_len)
        idx = np.nonzero((centres >= start) & (centres < stop))[0]
        if idx.size == 0:
            continue
        yield (int(idx[0]), int(idx[-1]) + 1), (max(0, start - margin), min(lr_len, stop + margin))


@dataclass(frozen=True)
class CropFrame:
    """An LR crop, rows [r0, r1) × cols [c0, c1) of an (h, w) image, and the (−1, 1) frame it defines.

    rows, cols: (start, stop) LR index ranges; lr_size: (h, w) of the whole image.
    """

    rows: tuple[int, int]
    cols: tuple[int, int]
    lr_size: tuple[int, int]

    def __post_init__(self):
        for name, (a0, a1), n in (("rows", self.rows, self.lr_size[0]), ("cols", self.cols, self.lr_size[1])):
            if not 0 <= a0 < a1 <= n:
                raise ValueError(f"crop {name} [{a0}, {a1}) must be a non-empty range inside [0, {n})")

    @classmethod
    def whole(cls, lr_size) -> CropFrame:
        h, w = (int(v) for v in lr_size)
        return cls((0, h), (0, w), (h, w))

    @classmethod
    def around_positions(cls, lr_size, positions: np.ndarray, margin: int) -> CropFrame:
        """The crop covering LR ``positions`` (Q, 2) (row, col, pixel units) plus ``margin`` pixels."""
        h, w = (int(v) for v in lr_size)
        positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
        return cls(crop_range(positions[:, 0].min(), positions[:, 0].max(), h, margin),
                   crop_range(positions[:, 1].min(), positions[:, 1].max(), w, margin), (h, w))

    @classmethod
    def around_output(cls, lr_size, out_size, out_rows: tuple[int, int], out_cols: tuple[int, int],
                      radius: int) -> CropFrame:
        """The crop that computes output rows [out_rows) × cols [out_cols) of an (H, W) output exactly: the LR
        pixels holding those output pixels' centres (found with :data:`FOOTPRINT_EPS` of guard) grown by
        ``radius`` (a model's ``query_radius``)."""
        (h, w), (H, W) = (tuple(int(v) for v in lr_size), tuple(int(v) for v in out_size))
        rows = lr_footprint(out_rows[0], out_rows[1], H, h, FOOTPRINT_EPS)
        cols = lr_footprint(out_cols[0], out_cols[1], W, w, FOOTPRINT_EPS)
        return cls((max(0, rows[0] - radius), min(h, rows[1] + radius)),
                   (max(0, cols[0] - radius), min(w, cols[1] + radius)), (h, w))

    @property
    def shape(self) -> tuple[int, int]:
        """(hc, wc) of the crop."""
        return self.rows[1] - self.rows[0], self.cols[1] - self.cols[0]

    @property
    def box(self) -> tuple[tuple[int, int], tuple[int, int]]:
        return self.rows, self.cols

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """(row0, row1, col0, col1)."""
        return (*self.rows, *self.cols)

    def cut(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (…, h, w) restricted to the crop: (…, hc, wc)."""
        return x[..., self.rows[0]: self.rows[1], self.cols[0]: self.cols[1]]

    def coords_of_positions(self, positions: np.ndarray) -> np.ndarray:
        """LR positions (..., 2) (pixel units of the whole image) → (row, col) in the crop's (−1, 1) frame."""
        origin = np.array([self.rows[0], self.cols[0]], dtype=np.float64)
        extent = np.array(self.shape, dtype=np.float64)
        return (np.asarray(positions, dtype=np.float64) - origin) * 2.0 / extent - 1.0

    def cells_of_pixels(self, cell_px: np.ndarray) -> np.ndarray:
        """Query cell sizes in LR pixels (..., 2) → the crop's (−1, 1) units."""
        return np.asarray(cell_px, dtype=np.float64) * 2.0 / np.array(self.shape, dtype=np.float64)

    def output_axes(self, out_rows: tuple[int, int], out_cols: tuple[int, int],
                    out_size: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Centres of output rows [out_rows) and cols [out_cols) of an (H, W) output, in the crop's frame
        (float64, shapes (n_rows,), (n_cols,))."""
        return (crop_frame_coords(out_rows, out_size[0], self.rows, self.lr_size[0]),
                crop_frame_coords(out_cols, out_size[1], self.cols, self.lr_size[1]))

    def output_cell(self, out_size: tuple[int, int]) -> tuple[float, float]:
        """One pixel of an (H, W) output in the crop's units: (2·h/H/hc, 2·w/W/wc)."""
        (h, w), (H, W), (hc, wc) = self.lr_size, out_size, self.shape
        return 2.0 * h / H / hc, 2.0 * w / W / wc

    def encode(self, model, x: torch.Tensor):
        """``model.encode`` of the crop of ``x`` (B, 3, h, w) in [0, 1] (the caller picks grad / eval mode)."""
        return model.encode(self.cut(x))


# -------------------------------------------------------------------------------------------- queries
def query_grid(model, latents, rows: torch.Tensor, cols: torch.Tensor, cell, chunk: int = 8192,
               progress: bool = False, workers: int = 1) -> torch.Tensor:
    """The model's output at every (row, col) of two 1-D coordinate vectors, in ``chunk``-query pieces.

    rows, cols: coordinates in the (−1, 1) pixel-centre frame of the image ``latents`` were encoded from.
    cell:       (cell_row, cell_col), the query pixel size in that frame.
    workers:    pieces computed side by side, one torch thread each (:func:`explain.parallel.run_side_by_side`);
                the first piece runs alone first, so whatever the model caches on ``latents`` is made once.
    Returns (len(rows), len(cols), 3) in image units, not clamped (call under ``torch.inference_mode`` to infer;
    the caller's grad / inference mode holds in every worker).
    """
    from ..parallel import run_side_by_side

    coords = torch.stack(torch.meshgrid(rows, cols, indexing="ij"), dim=-1).reshape(-1, 2)
    cells = coords.new_tensor(cell).expand_as(coords)
    starts = list(range(0, coords.shape[0], chunk))
    inference, grad = torch.is_inference_mode_enabled(), torch.is_grad_enabled()
    bar = tqdm(total=len(starts), desc="query", disable=not progress)

    def piece(s: int) -> torch.Tensor:
        with torch.inference_mode(inference), torch.set_grad_enabled(grad):  # both are per thread
            out = model.query(latents, coords[s: s + chunk].unsqueeze(0), cells[s: s + chunk].unsqueeze(0))[0]
        bar.update(1)
        return out

    try:
        pieces = [piece(starts[0])] + run_side_by_side(piece, starts[1:], workers)
    finally:
        bar.close()
    return torch.cat(pieces).view(len(rows), len(cols), 3)


def query_output_region(model, x: torch.Tensor, frame: CropFrame, out_rows: tuple[int, int],
                        out_cols: tuple[int, int], out_size: tuple[int, int], chunk: int = 8192,
                        latents=None, progress: bool = False, workers: int = 1) -> torch.Tensor:
    """Output pixels rows [out_rows) × cols [out_cols) of an (H, W) upscaling of ``x`` (1, 3, h, w), computed
    on ``frame`` (encoded here unless its ``latents`` are given). Returns (n_rows, n_cols, 3), not clamped."""
    rows, cols = frame.output_axes(out_rows, out_cols, out_size)
    rows, cols = rows.to(device=x.device, dtype=x.dtype), cols.to(device=x.device, dtype=x.dtype)
    if latents is None:
        latents = frame.encode(model, x)
    return query_grid(model, latents, rows, cols, frame.output_cell(out_size), chunk, progress, workers)


@dataclass
class LocalQuery:
    """Query results as numpy arrays; code indices are in the frame of the whole LR image.

    output:      (Q, 3) image units, not clamped.
    weights:     (Q, K) ensemble weights (K = 4 with LIIF's local ensemble, else 1).
    codes:       (Q, K, 2) int (row, col) of the latent codes read.
    rel_coords:  (Q, K, 2) query minus code centre, one latent cell spans 2.
    predictions: (Q, K, 3) each code's prediction in image units.
    crop:        (row0, row1, col0, col1) LR crop that was encoded.
    The four ensemble fields are None when queried with ``internals=False``.
    """

    output: np.ndarray
    weights: np.ndarray | None
    codes: np.ndarray | None
    rel_coords: np.ndarray | None
    predictions: np.ndarray | None
    crop: tuple[int, int, int, int]


def query_positions(model, x: torch.Tensor, positions: np.ndarray, cell_px: np.ndarray, latents=None,
                    internals: bool = True, chunk: int = CHUNK) -> LocalQuery:
    """Evaluate the model at LR positions.

    model:     a contract model (the caller sets eval mode / no_grad, e.g. with :func:`evaluating`).
    x:         (1, 3, h, w) LR tensor in [0, 1].
    positions: (Q, 2) (row, col) in LR pixel units, inside [0, h] × [0, w].
    cell_px:   (2,) or (Q, 2) query cell size in LR pixels (1/scale for an output at that scale).
    latents:   optional LatentGrid of the whole image; without it only the needed crop is encoded.
    internals: also return the ensemble internals (the model must declare them: ``capabilities.internals``).
    """
    if internals:
        require(model, "internals", "querying the ensemble internals")
    _, _, h, w = x.shape
    positions = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    cell_px = np.broadcast_to(np.asarray(cell_px, dtype=np.float64), positions.shape)
    if latents is None:
        frame = CropFrame.around_positions((h, w), positions, encode_margin(model))
        latents = frame.encode(model, x)
    else:
        frame = CropFrame.whole((h, w))
    coords = frame.coords_of_positions(positions)
    cells = frame.cells_of_pixels(cell_px)
    coords_t = torch.from_numpy(coords).to(dtype=x.dtype, device=x.device)
    cells_t = torch.from_numpy(np.ascontiguousarray(cells)).to(dtype=x.dtype, device=x.device)
    parts = []
    for s in range(0, coords_t.shape[0], chunk):
        c, e = coords_t[s: s + chunk].unsqueeze(0), cells_t[s: s + chunk].unsqueeze(0)
        if internals:
            out, inner = model.query(latents, c, e, return_internals=True)
            parts.append((out[0], inner.indices[0], inner.rel_coord[0], inner.weights[0], inner.predictions[0]))
        else:
            parts.append((model.query(latents, c, e)[0],))
    arrays = [torch.cat(p).detach().cpu().numpy() for p in zip(*parts)]
    if not internals:
        return LocalQuery(arrays[0].astype(np.float32), None, None, None, None, frame.bounds)
    out, idx, rel, wts, preds = arrays
    codes = idx.astype(np.int64) + np.array([frame.rows[0], frame.cols[0]], dtype=np.int64)
    return LocalQuery(out.astype(np.float32), wts.astype(np.float32), codes, rel.astype(np.float32),
                      preds.astype(np.float32), frame.bounds)
