"""What an SR model makes of the simplest inputs: one raised LR pixel, and one 8×8 DCT basis function.

HyRA (Deng et al., ICML 2024, arXiv 2405.07919) measures an SR network's answer to a single bright pixel on a
flat field: a sinc-like pattern whose negative lobes show only before clamping. :func:`impulse_response` measures
that answer for any model of the contract (:mod:`explain.models.base`: encode once, then query) and for the
bicubic reference (:data:`BICUBIC`, PIL's kernel evaluated on float values, so nothing clips).
:func:`dct_basis_response` does the same with JPEG's own atom: one 8×8 DCT basis function added to one block.

Conventions. Responses are in image units (an (H, W, 3) difference of RGB outputs in [0, 1], *not clamped*), at
output pixels (H, W) = (scale·h, scale·w) of an (h, w) LR field. Output pixel i of an axis covers LR positions
[i/scale, (i + 1)/scale); LR pixel j covers [j, j + 1). DCT frequencies: ``u`` horizontal (columns), ``v``
vertical (rows), coefficients in JPEG's 8-bit units (:mod:`explain.probes.frequency`). A block grid of phase
(py, px) has blocks starting at LR rows ≡ py and columns ≡ px (mod 8), as in :mod:`explain.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ..jpeg_facts import ijg_table
from ..models import load_model
from ..models.base import check_model
from ..models.local import CropFrame, evaluating, model_input, query_output_region
from .frequency import BLOCK, JFIF_INV, dct_matrix

BICUBIC = "bicubic"  # the model name of the reference: PIL's bicubic kernel (a = −0.5) on float values
KINDS = ("bright", "dark", "cb", "cr")  # the impulses: ±amplitude on all channels, or +amplitude of Cb / Cr
BICUBIC_PAD = 4  # LR pixels around a window that PIL's enlarging bicubic reads (2 each side) with room to spare


# ------------------------------------------------------------------------------------------------ checks
def check_number(value, name: str, lo: float | None = None, hi: float | None = None, *, open_lo: bool = False):
    """``value`` as a float, checked finite and within [lo, hi] (lo excluded when ``open_lo``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    v = float(value)
    if lo is not None and (v <= lo if open_lo else v < lo) or hi is not None and v > hi:
        low = "" if lo is None else f"{'>' if open_lo else '>='} {lo:g}"
        high = "" if hi is None else f"<= {hi:g}"
        raise ValueError(f"{name} must be {' and '.join(p for p in (low, high) if p)}, got {value!r}")
    return v


def check_int(value, name: str, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo \
            or (hi is not None and value > hi):
        span = f"in {lo}..{hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be an integer {span}, got {value!r}")
    return int(value)


def check_scale(scale) -> int:
    """An integer output scale ≥ 1 (the probes lay the output on whole output pixels per LR pixel)."""
    if isinstance(scale, (float, np.floating)) and float(scale).is_integer():
        scale = int(scale)
    return check_int(scale, "scale (an integer, output pixels per LR pixel)", 1, 16)


def check_pair(value, name: str, lo: int, hi: int) -> tuple[int, int]:
    """An int or a (row, col) pair of ints, each in lo..hi."""
    pair = (value, value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        a, b = pair
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer or a (row, col) pair of integers, got {value!r}") from None
    return check_int(a, name, lo, hi), check_int(b, name, lo, hi)


def check_field(field: np.ndarray, what: str) -> np.ndarray:
    if field.min() < 0 or field.max() > 1:
        raise ValueError(f"{what} leaves [0, 1] (min {field.min():.3f}, max {field.max():.3f}): lower the amplitude "
                         "or move the background away from 0 and 1")
    return field.astype(np.float32)


# ---------------------------------------------------------------------------------------- unclamped output
def is_bicubic(model) -> bool:
    return isinstance(model, str) and model.strip().lower() == BICUBIC


def _bicubic_float(image: np.ndarray, out_size) -> np.ndarray:
    """PIL bicubic on float32 planes (mode "F": no 8-bit rounding, no clamping): (h, w, 3) → (H, W, 3)."""
    H, W = out_size
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(image[..., ch], dtype=np.float32), mode="F")
                         .resize((int(W), int(H)), Image.BICUBIC)) for ch in range(image.shape[-1])]
    return np.stack(planes, axis=-1).astype(np.float32)


def unclamped_output(model, lr, scale: int, window=None) -> np.ndarray:
    """The output of ``model`` (a contract model, name or path, or :data:`BICUBIC`) over an LR window, not clamped.

    lr:     anything :func:`explain.load_image` takes, (h, w, 3) in [0, 1]; scale: integer output scale.
    window: (row, col, height, width) in LR pixels (default: the whole image). Model outputs are computed on the
            LR crop the window's queries read (``query_radius`` around it), so they equal the whole image's upscale
            to float rounding. Returns float32 (height·scale, width·scale, 3), image units.
    """
    scale = check_scale(scale)
    if is_bicubic(model):
        from ..images import load_image

        image = load_image(lr)
    else:
        model, image, x = model_input(model, lr)
    h, w = image.shape[:2]
    r, c, hh, ww = (0, 0, h, w) if window is None else (int(v) for v in window)
    if not (0 <= r and 0 <= c and hh >= 1 and ww >= 1 and r + hh <= h and c + ww <= w):
        raise ValueError(f"window {window!r} must be (row, col, height, width) inside the {h}×{w} LR image")
    H, W = h * scale, w * scale
    rows, cols = (r * scale, (r + hh) * scale), (c * scale, (c + ww) * scale)
    if is_bicubic(model):
        a0, a1 = max(0, r - BICUBIC_PAD), min(h, r + hh + BICUBIC_PAD)
        b0, b1 = max(0, c - BICUBIC_PAD), min(w, c + ww + BICUBIC_PAD)
        big = _bicubic_float(image[a0:a1, b0:b1], ((a1 - a0) * scale, (b1 - b0) * scale))
        return big[(r - a0) * scale:(r - a0 + hh) * scale, (c - b0) * scale:(c - b0 + ww) * scale]
    frame = CropFrame.around_output((h, w), (H, W), rows, cols, int(model.query_radius))
    with evaluating(model):
        out = query_output_region(model, x, frame, rows, cols, (H, W))
    return out.float().cpu().numpy()


def output_block_grid(out_len: int, scale: int, phase: int, block: int = BLOCK) -> np.ndarray:
    """(out_len,) in-block LR offset (0..block−1) of each output pixel of one axis (grid phase ``phase``)."""
    lr_index = np.arange(out_len) // scale
    return (lr_index - phase) % block


# ------------------------------------------------------------------------------------------------ spectra
def amplitude_spectrum(gain: np.ndarray, scale: int):
    """(|FFT|, fftshifted, (H, W); frequency of each row and column in cycles per LR pixel (H,), (W,))."""
    H, W = gain.shape
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(gain)))
    fy = np.fft.fftshift(np.fft.fftfreq(H)) * scale
    fx = np.fft.fftshift(np.fft.fftfreq(W)) * scale
    return spectrum.astype(np.float32), fy.astype(np.float32), fx.astype(np.float32)


def radial_profile(spectrum: np.ndarray, fy: np.ndarray, fx: np.ndarray, step: float):
    """Mean amplitude over rings of width ``step`` (cycles per LR pixel): (centres (n,), means (n,))."""
    radius = np.hypot(fy[:, None], fx[None, :])
    idx = np.floor(radius / step + 0.5).astype(int)
    n = int(idx.max()) + 1
    sums = np.bincount(idx.ravel(), weights=spectrum.ravel().astype(np.float64), minlength=n)
    counts = np.bincount(idx.ravel(), minlength=n)
    keep = counts > 0
    return (np.arange(n)[keep] * step).astype(np.float32), (sums[keep] / counts[keep]).astype(np.float32)


def share_beyond_nyquist(spectrum: np.ndarray, fy: np.ndarray, fx: np.ndarray) -> float:
    """Share of the spectral energy at frequencies the LR grid cannot hold (|f_row| or |f_col| > ½ cycle/LR px)."""
    beyond = np.maximum(np.abs(fy)[:, None], np.abs(fx)[None, :]) > 0.5 + 1e-9
    energy = spectrum.astype(np.float64) ** 2
    total = energy.sum()
    return float(energy[beyond].sum() / total) if total > 0 else float("nan")


# ------------------------------------------------------------------------------------------------ impulse
@dataclass
class ImpulseResponse:
    """A model's answer to one raised LR pixel on a flat field.

    lr:        (size, size, 3) the input: the flat field with the impulse (after the JPEG round trip when
               ``quality`` is set); flat: (H, W, 3) the output of the flat field alone, not clamped.
    response:  (H, W, 3) output(field with impulse) − output(flat field), not clamped; H = W = scale·size.
    gain:      (H, W) the response along the impulse's colour direction per unit of amplitude (1 where the
               output repeats the impulse; bright and dark: the mean over RGB / ±amplitude).
    spectrum:  (H, W) amplitude of the 2-D FFT of ``gain``, zero frequency at the centre; freq_rows (H,),
               freq_cols (W,): its frequencies in cycles per LR pixel (the LR grid holds |f| ≤ ½).
    radius, radial: (n,) ring centres (cycles per LR pixel) and the mean amplitude on each ring.
    centre:    (row, col) LR pixel of the impulse; offset: its position inside its 8×8 block (0..7, 0..7);
               grid_phase: where the blocks start (rows ≡ py, cols ≡ px mod 8).
    peak:      largest gain; negative_lobe: the most negative gain over the peak (0 when there is none);
    beyond_nyquist: share of the spectral energy above the LR grid's Nyquist frequency.
    """

    name: str
    kind: str
    lr: np.ndarray
    flat: np.ndarray
    response: np.ndarray
    gain: np.ndarray
    spectrum: np.ndarray
    freq_rows: np.ndarray
    freq_cols: np.ndarray
    radius: np.ndarray
    radial: np.ndarray
    centre: tuple[int, int]
    offset: tuple[int, int]
    grid_phase: tuple[int, int]
    scale: int
    amplitude: float
    background: float
    quality: int | None
    peak: float
    negative_lobe: float
    beyond_nyquist: float

    def summary(self) -> str:
        """One line with the figures of the response."""
        q = "" if self.quality is None else f", JPEG quality {self.quality}"
        return (f"{self.name}: {self.kind} impulse at block offset {self.offset}{q}: peak gain {self.peak:.3f}, "
                f"deepest negative lobe {100 * self.negative_lobe:.1f}% of the peak, "
                f"{100 * self.beyond_nyquist:.1f}% of the energy above the LR Nyquist frequency")


def impulse_direction(kind: str) -> np.ndarray:
    """(3,) RGB change per unit amplitude of an impulse ``kind`` (Cb/Cr: JFIF's inverse, ITU-T T.871)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return {"bright": np.ones(3), "dark": -np.ones(3), "cb": JFIF_INV[:, 1], "cr": JFIF_INV[:, 2]}[kind]


def _jpeg_field(field: np.ndarray, quality: int, grid_phase: tuple[int, int], background: float) -> np.ndarray:
    """The JPEG round trip of ``field`` with its block grid at ``grid_phase``: pad the top-left with the
    background so the coded image's blocks fall there, code, cut the padding off."""
    from ..codecs import compress

    pad = [(-p) % BLOCK for p in grid_phase]
    padded = np.pad(field, ((pad[0], 0), (pad[1], 0), (0, 0)), constant_values=background)
    decoded, _ = compress(padded, "jpeg", quality=int(quality))
    return decoded[pad[0]:, pad[1]:]


def model_name(model, name: str | None) -> str:
    if name is not None:
        return str(name)
    if isinstance(model, str):
        return model
    return getattr(getattr(model, "config", None), "family", type(model).__name__)


def impulse_response(model, *, scale: int = 4, size: int = 17, background: float = 0.5, amplitude: float = 0.25,
                     kind: str = "bright", offset=None, quality: int | None = None,
                     name: str | None = None) -> ImpulseResponse:
    """The unclamped response of ``model`` to one LR pixel raised by ``amplitude`` on a flat field (HyRA's probe).

    model:     a contract model (or name / checkpoint path), or :data:`BICUBIC` for the bicubic kernel.
    size:      side of the flat LR field (odd, ≥ 5); the impulse sits at its centre pixel (size // 2, size // 2).
    background, amplitude: the field's grey level and the impulse's height (image units); ``kind``: "bright"
               (+amplitude on all channels), "dark" (−amplitude), "cb" or "cr" (+amplitude of one JFIF chroma
               component). The field must stay in [0, 1].
    offset:    where the impulse pixel sits inside its 8×8 block, (row, col) or one int for both (0..7); default
               (size // 2) mod 8 (the grid starting at the field's corner). It matters only through the input: with
               ``quality`` (a JPEG quality) both fields go through a JPEG round trip with that grid, so the model
               sees the impulse as a JPEG delivers it at that position.
    Returns an :class:`ImpulseResponse` (numpy arrays; output size scale·size per side).
    """
    scale = check_scale(scale)
    size = check_int(size, "size (LR pixels per side of the field)", 5, 255)
    if size % 2 == 0:
        raise ValueError(f"size must be odd so that the impulse has a centre pixel, got {size}")
    background = check_number(background, "background", 0, 1)
    amplitude = check_number(amplitude, "amplitude", 0, 1, open_lo=True)
    direction = impulse_direction(kind)
    c = size // 2
    offset = (c % BLOCK, c % BLOCK) if offset is None else check_pair(offset, "offset", 0, BLOCK - 1)
    grid_phase = ((c - offset[0]) % BLOCK, (c - offset[1]) % BLOCK)
    if quality is not None:
        quality = check_int(quality, "quality (a JPEG quality)", 1, 100)
    flat = np.full((size, size, 3), background, dtype=np.float64)
    field = flat.copy()
    field[c, c] += amplitude * direction
    field = check_field(field, f"the {kind} impulse of amplitude {amplitude:g} on background {background:g}")
    flat = flat.astype(np.float32)
    if quality is not None:
        field = _jpeg_field(field, quality, grid_phase, background)
        flat = _jpeg_field(flat, quality, grid_phase, background)
    out_flat = unclamped_output(model, flat, scale)
    response = unclamped_output(model, field, scale) - out_flat
    gain = (response.astype(np.float64) @ direction / (amplitude * direction @ direction)).astype(np.float32)
    spectrum, fy, fx = amplitude_spectrum(gain, scale)
    radius, radial = radial_profile(spectrum, fy, fx, 1.0 / size)
    peak = float(gain.max())
    lobe = float(min(gain.min(), 0.0) / peak) if peak > 0 else float("nan")
    return ImpulseResponse(
        name=model_name(model, name), kind=kind, lr=field, flat=out_flat, response=response.astype(np.float32),
        gain=gain, spectrum=spectrum, freq_rows=fy, freq_cols=fx, radius=radius, radial=radial, centre=(c, c),
        offset=tuple(offset), grid_phase=grid_phase, scale=scale, amplitude=amplitude, background=background,
        quality=quality, peak=peak, negative_lobe=lobe, beyond_nyquist=share_beyond_nyquist(spectrum, fy, fx),
    )


# ---------------------------------------------------------------------------------------------- DCT basis
def dct_basis(u: int, v: int) -> np.ndarray:
    """The (8, 8) orthonormal 2-D DCT-II basis function of frequency u (columns) and v (rows), indexed [y, x]."""
    d = dct_matrix(BLOCK)
    return np.outer(d[v], d[u])


@dataclass
class DctBasisResponse:
    """A model's answer to one 8×8 DCT basis function added to one block of a flat field.

    lr:        (h, w, 3) the input (flat field + basis on the luma of one block); added: (8, 8) the pixel change
               (image units, equal on R, G and B).
    response:  (H, W, 3) output(field) − output(flat field), not clamped; gain: (H, W) its mean over RGB.
    block:     (row, col) of the block in the field's block grid (phase (0, 0)); box: its output pixels
               (row, col, height, width).
    inside, outside: energy Σ gain² over the block's output pixels and over the rest;
    inside_share: inside / (inside + outside): 1 when nothing spills across the block's edges.
    """

    name: str
    u: int
    v: int
    coefficient: float
    lr: np.ndarray
    added: np.ndarray
    response: np.ndarray
    gain: np.ndarray
    block: tuple[int, int]
    box: tuple[int, int, int, int]
    scale: int
    inside: float
    outside: float

    @property
    def inside_share(self) -> float:
        total = self.inside + self.outside
        return float(self.inside / total) if total > 0 else float("nan")


def dct_basis_response(model, u: int, v: int, *, block=(1, 1), blocks: int = 3, scale: int = 4,
                       background: float = 0.5, coefficient: float | None = None, quality: int = 30,
                       name: str | None = None) -> DctBasisResponse:
    """Add DCT basis function (u, v) to one block of a flat field and measure the unclamped response.

    u, v:       horizontal and vertical frequency, 0..7.
    block:      (row, col) of the block, counted in blocks of the field (blocks × blocks of 8×8 LR pixels,
                grid phase (0, 0)); default the centre block of a 3 × 3 field.
    coefficient: the DCT coefficient added to the luma, in JPEG's 8-bit units; default one quantisation step of
                the IJG luma table at ``quality`` (the smallest non-zero value a JPEG at that quality can code
                for this frequency). Luma alone changes R, G and B equally (JFIF).
    Returns a :class:`DctBasisResponse` (energy inside the block's output pixels and spilled outside).
    """
    u, v = check_int(u, "u (horizontal DCT frequency)", 0, BLOCK - 1), check_int(v, "v (vertical DCT frequency)", 0,
                                                                                 BLOCK - 1)
    blocks = check_int(blocks, "blocks (blocks per side of the field)", 1, 16)
    br, bc = check_pair(block, "block", 0, blocks - 1)
    scale = check_scale(scale)
    background = check_number(background, "background", 0, 1)
    if coefficient is None:
        coefficient = float(ijg_table(check_int(quality, "quality (a JPEG quality)", 1, 100))[v, u])
    coefficient = check_number(coefficient, "coefficient (JPEG units)")
    added = (coefficient * dct_basis(u, v) / 255.0).astype(np.float32)
    n = blocks * BLOCK
    flat = np.full((n, n, 3), background, dtype=np.float32)
    field = flat.copy()
    field[br * BLOCK:(br + 1) * BLOCK, bc * BLOCK:(bc + 1) * BLOCK] += added[..., None]
    field = check_field(field, f"the DCT basis ({u}, {v}) at coefficient {coefficient:g} on background "
                               f"{background:g} (lower the coefficient)")
    response = unclamped_output(model, field, scale) - unclamped_output(model, flat, scale)
    gain = response.astype(np.float64).mean(axis=-1)
    side = BLOCK * scale
    box = (br * side, bc * side, side, side)
    mask = np.zeros(gain.shape, dtype=bool)
    mask[box[0]:box[0] + side, box[1]:box[1] + side] = True
    energy = gain ** 2
    return DctBasisResponse(
        name=model_name(model, name), u=u, v=v, coefficient=coefficient, lr=field, added=added,
        response=response.astype(np.float32), gain=gain.astype(np.float32), block=(br, bc), box=box, scale=scale,
        inside=float(energy[mask].sum()), outside=float(energy[~mask].sum()),
    )


@dataclass
class DctEnergyTable:
    """Energy kept inside the block, by DCT order u + v, per model.

    names:  (M,) model names; orders: (n,) the orders u + v measured; pairs: the (u, v) measured.
    inside_share: (M, n) mean over the basis functions of each order of inside / (inside + outside).
    per_pair: (M, P) the share of each measured pair (same order as ``pairs``).
    """

    names: list[str]
    orders: np.ndarray
    pairs: list[tuple[int, int]]
    inside_share: np.ndarray
    per_pair: np.ndarray
    scale: int

    def format(self) -> str:
        """A plain-text table: one row per order, one column per model (shares in %)."""
        width = max(10, *(len(n) + 2 for n in self.names))
        lines = ["energy kept inside the block (%), by DCT order u + v",
                 f"{'u + v':>6}" + "".join(f"{n:>{width}}" for n in self.names)]
        for j, order in enumerate(self.orders):
            lines.append(f"{int(order):>6}" + "".join(f"{100 * self.inside_share[i, j]:>{width}.1f}"
                                                       for i in range(len(self.names))))
        return "\n".join(lines)


def dct_energy_table(models, *, pairs=None, scale: int = 4, progress: bool = False, **kw) -> DctEnergyTable:
    """:func:`dct_basis_response` for every (u, v) of ``pairs`` (default all 64) and each model of ``models``
    (a dict name → model, name or :data:`BICUBIC`), averaged by order u + v. ``kw`` go to dct_basis_response."""
    from tqdm.auto import tqdm

    if not isinstance(models, dict) or not models:
        raise ValueError("models must be a non-empty dict name → model (or 'bicubic')")
    pairs = [(u, v) for v in range(BLOCK) for u in range(BLOCK)] if pairs is None else \
        [check_pair(p, "pairs entry (u, v)", 0, BLOCK - 1) for p in pairs]
    if not pairs:
        raise ValueError("pairs is empty; give at least one (u, v)")
    names = [str(k) for k in models]
    per_pair = np.zeros((len(names), len(pairs)))
    with tqdm(total=len(names) * len(pairs), desc="DCT basis", disable=not progress) as bar:
        for i, (nm, model) in enumerate(models.items()):
            model = model if is_bicubic(model) else check_model(load_model(model))  # load a name once
            for j, (u, v) in enumerate(pairs):
                per_pair[i, j] = dct_basis_response(model, u, v, scale=scale, name=nm, **kw).inside_share
                bar.update(1)
    order_of = np.array([u + v for u, v in pairs])
    orders = np.unique(order_of)
    inside = np.stack([per_pair[:, order_of == o].mean(axis=1) for o in orders], axis=1)
    return DctEnergyTable(names, orders, pairs, inside, per_pair, scale)


__all__ = ["BICUBIC", "KINDS", "ImpulseResponse", "impulse_response", "DctBasisResponse", "dct_basis_response",
           "DctEnergyTable", "dct_energy_table", "dct_basis", "unclamped_output"]
