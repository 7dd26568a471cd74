"""The frequency clue: attribution expressed in the JPEG's own domain, per 8×8 block, DCT coefficient and component.

JPEG (ITU-T T.81, Annex A.3) codes each component of the JFIF YCbCr image (ITU-T T.871, Sec. 7) in 8×8 blocks:
level shift by 128, then the orthonormal 2-D DCT-II

    X[v, u] = ¼ C(u) C(v) Σ_{y,x} Z[y, x] cos((2x + 1)uπ/16) cos((2y + 1)vπ/16),   C(0) = 1/√2, C(k>0) = 1,

and quantisation of X by the table entry Q[v, u]. Here ``u`` is the horizontal frequency (columns) and ``v`` the
vertical one (rows); arrays are indexed ``[..., v, u]``, the natural order of the quantisation tables. Coefficients
are in JPEG's units (8-bit sample scale), so they compare directly with the file's tables.

The map x (RGB in [0, 1]) → X is affine and invertible, so the gradient of a window target F with respect to a
coefficient is ∂F/∂X = D · ((1/255) M⁻ᵀ ∂F/∂x) · Dᵀ blockwise (D the 8-point DCT matrix, M the JFIF RGB → YCbCr
matrix), and

* **gradient × coefficient**: A[c, block, v, u] = ∂F/∂X · X (Shrikumar et al. 2016's input × gradient, taken in
  the coefficient domain, where "zero" is a flat mid-grey block: every coefficient is measured against its absence);
* **integrated gradients** along the coefficient path X₀ + α(X − X₀), α ∈ [0, 1], from a baseline X₀ that drops
  every coefficient a coarser quantiser would zero (|X| < Q_coarse/2, IJG tables at ``baseline_quality``): only
  the dropped coefficients carry attribution, and the total equals F(x) − F(x₀) up to quadrature error.

Chroma is analysed at full resolution on the same pixel grid as luma. A 4:2:0 file codes chroma at half
resolution (8×8 chroma blocks span 16×16 pixels); in the full-resolution DCT its chroma can only hold frequencies
u, v < 4, which is what :meth:`CoefficientMap.chroma_above` measures.

Partial blocks at the image border are completed by edge replication (as encoders do); pixels outside the image
carry no gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..jpeg_facts import ijg_table

BLOCK = 8
COMPONENTS = ("Y", "Cb", "Cr")
LOW_AC_MAX_ORDER = 2  # "low AC": 1 ≤ u + v ≤ 2, the five coefficients after DC in zigzag order
BANDS = ("dc", "low_ac", "high_ac")

# JFIF (T.871) RGB → YCbCr, rows Y, Cb, Cr; applied to samples in 0..255 with +128 on Cb and Cr.
JFIF = np.array([[0.299, 0.587, 0.114],
                 [-0.168736, -0.331264, 0.5],
                 [0.5, -0.418688, -0.081312]], dtype=np.float64)
JFIF_INV = np.linalg.inv(JFIF)
# After JPEG's level shift by 128, the centred components are 255·M·rgb + LEVEL (Cb/Cr's +128 cancels it).
LEVEL = np.array([-128.0, 0.0, 0.0])


def dct_matrix(n: int = BLOCK) -> np.ndarray:
    """Orthonormal DCT-II matrix D (n, n): D[k, i] = c(k) cos((2i + 1)kπ / 2n), c(0) = √(1/n), c(k) = √(2/n)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.cos((2 * i + 1) * k * np.pi / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d


_D = dct_matrix()


def band_masks(n: int = BLOCK) -> dict[str, np.ndarray]:
    """(n, n) bool masks of the DC, low-AC (1 ≤ u + v ≤ 2) and high-AC (u + v ≥ 3) coefficients, indexed [v, u]."""
    order = np.add.outer(np.arange(n), np.arange(n))
    return {"dc": order == 0, "low_ac": (order >= 1) & (order <= LOW_AC_MAX_ORDER), "high_ac": order > LOW_AC_MAX_ORDER}


# ------------------------------------------------------------------------------------------ block regions
def block_region(box, grid_phase, block_size: int = BLOCK) -> tuple[tuple[int, int], tuple[int, int]]:
    """The block-aligned pixel rows/cols ((R0, R1), (C0, C1)) covering an LR ``box`` (may reach outside the image).

    Blocks start at rows ≡ grid_phase[0] and columns ≡ grid_phase[1] (mod block_size).
    """
    out = []
    for (a0, a1), p in zip(box, grid_phase):
        i0 = (a0 - p) // block_size
        i1 = (a1 - 1 - p) // block_size + 1
        out.append((p + block_size * i0, p + block_size * i1))
    return out[0], out[1]


def _padded(array: np.ndarray, region) -> np.ndarray:
    """``array[..., R0:R1, C0:C1]`` of a (..., h, w) array, edge-replicated where the region leaves the array."""
    (r0, r1), (c0, c1) = region
    h, w = array.shape[-2:]
    core = array[..., max(r0, 0): min(r1, h), max(c0, 0): min(c1, w)]
    pad = [(0, 0)] * (array.ndim - 2) + [(max(0, -r0), max(0, r1 - h)), (max(0, -c0), max(0, c1 - w))]
    return np.pad(core, pad, mode="edge") if any(p != (0, 0) for p in pad) else core


def _blocks(planes: np.ndarray, n: int = BLOCK) -> np.ndarray:
    """(C, H, W) with H, W multiples of n → (C, H/n, W/n, n, n)."""
    c, hh, ww = planes.shape
    return planes.reshape(c, hh // n, n, ww // n, n).transpose(0, 1, 3, 2, 4)


def _unblocks(blocks: np.ndarray) -> np.ndarray:
    c, nr, nc, n, _ = blocks.shape
    return blocks.transpose(0, 1, 3, 2, 4).reshape(c, nr * n, nc * n)


def rgb_to_centred(rgb_chw: np.ndarray) -> np.ndarray:
    """(3, ...) RGB in [0, 1] → level-shifted JFIF Y, Cb, Cr in 8-bit units (what JPEG's DCT sees)."""
    return np.tensordot(255.0 * JFIF, rgb_chw, axes=1) + LEVEL.reshape((3,) + (1,) * (rgb_chw.ndim - 1))


def centred_to_rgb(z_chw: np.ndarray) -> np.ndarray:
    return np.tensordot(JFIF_INV / 255.0, z_chw - LEVEL.reshape((3,) + (1,) * (z_chw.ndim - 1)), axes=1)


def block_dct(planes: np.ndarray) -> np.ndarray:
    """(C, H, W) → (C, H/8, W/8, 8, 8) coefficients X = D·Z·Dᵀ per block, indexed [v, u]."""
    return _D @ _blocks(planes) @ _D.T


def block_idct(coefficients: np.ndarray) -> np.ndarray:
    return _unblocks(_D.T @ coefficients @ _D)


def coefficients_of(image: np.ndarray, region) -> np.ndarray:
    """DCT coefficients (3, nbr, nbc, 8, 8), JPEG units, of the Y, Cb, Cr blocks of an (h, w, 3) image in a
    block-aligned ``region`` (edge replication outside the image)."""
    rgb = _padded(np.asarray(image, dtype=np.float64).transpose(2, 0, 1), region)
    return block_dct(rgb_to_centred(rgb))


def gradient_to_coefficients(grad_rgb: np.ndarray) -> np.ndarray:
    """∂F/∂X (3, nbr, nbc, 8, 8) from ∂F/∂x (3, H, W) RGB on a block-aligned region (zero where no pixel)."""
    g_z = np.tensordot(JFIF_INV.T / 255.0, np.asarray(grad_rgb, dtype=np.float64), axes=1)
    return block_dct(g_z)


def dropped_mask(coefficients: np.ndarray, quality: int) -> np.ndarray:
    """Bool (3, …, 8, 8): coefficients an IJG quantiser at ``quality`` rounds to zero (|X| < Q/2; luma table for Y,
    chroma table for Cb and Cr)."""
    q = np.stack([ijg_table(quality), ijg_table(quality, chroma=True), ijg_table(quality, chroma=True)])
    q = q.reshape((3,) + (1,) * (coefficients.ndim - 3) + (BLOCK, BLOCK)).astype(np.float64)
    return np.abs(coefficients) < q / 2.0


def dropped_coefficient_baseline(image: np.ndarray, box, grid_phase, quality: int) -> np.ndarray:
    """The image with, in every block touching ``box``, the coefficients a quality-``quality`` quantiser would zero
    set to zero (others kept exactly); pixels elsewhere unchanged. (h, w, 3) float32, not clipped (the path must
    stay a straight line in coefficient space)."""
    image = np.asarray(image, dtype=np.float32)
    region = block_region(box, grid_phase)
    x = coefficients_of(image, region)
    x0 = np.where(dropped_mask(x, quality), 0.0, x)
    rgb0 = centred_to_rgb(block_idct(x0))  # (3, RH, RW)
    (r0, r1), (c0, c1) = region
    h, w = image.shape[:2]
    out = image.copy()
    rr0, rr1, cc0, cc1 = max(r0, 0), min(r1, h), max(c0, 0), min(c1, w)
    out[rr0:rr1, cc0:cc1] = rgb0[:, rr0 - r0: rr1 - r0, cc0 - c0: cc1 - c0].transpose(1, 2, 0)
    return out


def embed_crop(values: np.ndarray, box, region) -> np.ndarray:
    """Place a (C, hc, wc) array given on an LR ``box`` into zeros over a block-aligned ``region``."""
    (a0, a1), (b0, b1) = box
    (r0, r1), (c0, c1) = region
    out = np.zeros((values.shape[0], r1 - r0, c1 - c0), dtype=np.float64)
    out[:, a0 - r0: a1 - r0, b0 - c0: b1 - c0] = values
    return out


# ------------------------------------------------------------------------------------------------ result
@dataclass
class CoefficientMap:
    """Attribution of one window target on the DCT coefficients of the blocks around it.

    values:       (3, nbr, nbc, 8, 8) signed attribution (target units), [component Y/Cb/Cr, block row, block
                  col, v, u]; blocks outside the receptive box hold zeros.
    coefficients: (3, nbr, nbc, 8, 8) the input's coefficients (JPEG units); ``baseline`` those of the path's
                  start (integrated gradients only).
    block_rows, block_cols: (nbr,), (nbc,) grid indices of the blocks (block i starts at row phase + 8·i).
    own:          ((i0, i1), (j0, j1)) half-open block index ranges of the window's own block(s).
    method:       "gradient_x_coefficient" or "integrated_gradients"; ``baseline_quality`` for the latter.
    completeness_gap: |Σ values − (F(x) − F(x₀))| / |F(x) − F(x₀)| (integrated gradients), else None.
    """

    values: np.ndarray
    coefficients: np.ndarray
    block_rows: np.ndarray
    block_cols: np.ndarray
    own: tuple[tuple[int, int], tuple[int, int]]
    grid_phase: tuple[int, int]
    method: str
    baseline: np.ndarray | None = None
    baseline_quality: int | None = None
    completeness_gap: float | None = None
    target_change: float | None = None  # F(x) − F(x₀) for integrated gradients

    @property
    def magnitude(self) -> np.ndarray:
        return np.abs(self.values)

    def _total(self) -> float:
        return float(self.magnitude.sum())

    def ring(self) -> np.ndarray:
        """(nbr, nbc) Chebyshev distance in blocks from the own block(s) (0 = own, 1 = the 8 neighbours)."""
        (i0, i1), (j0, j1) = self.own
        di = np.maximum(0, np.maximum(i0 - self.block_rows, self.block_rows - (i1 - 1)))
        dj = np.maximum(0, np.maximum(j0 - self.block_cols, self.block_cols - (j1 - 1)))
        return np.maximum(di[:, None], dj[None, :])

    def _where(self, ring: str | None) -> np.ndarray:
        r = self.ring()
        if ring is None:
            return np.ones_like(r, dtype=bool)
        masks = {"own": r == 0, "neighbours": r == 1, "beyond": r >= 2}
        if ring not in masks:
            raise ValueError(f"ring must be one of {tuple(masks)} or None, got {ring!r}")
        return masks[ring]

    def frequency_shares(self, component: int | None = None, ring: str | None = None) -> np.ndarray:
        """(8, 8) share of the total |attribution| at each (v, u), over the blocks of ``ring`` (all by default)
        and one component (all by default). Shares of the whole total, so rings and components add up."""
        total = self._total()
        m = self.magnitude[:, self._where(ring)]  # (3, n_blocks, 8, 8)
        if component is not None:
            m = m[component: component + 1]
        return m.sum(axis=(0, 1)) / total if total > 0 else np.full((BLOCK, BLOCK), np.nan)

    def band_shares(self, ring: str | None = None, component: int | None = None) -> dict[str, float]:
        """Shares of DC / low AC / high AC *within* the selected blocks and component (they add up to 1)."""
        f = self.frequency_shares(component, ring)
        total = float(np.nansum(f))
        masks = band_masks()
        return {k: (float(f[m].sum() / total) if total > 0 else float("nan")) for k, m in masks.items()}

    def component_shares(self) -> dict[str, float]:
        total = self._total()
        return {name: (float(self.magnitude[c].sum() / total) if total > 0 else float("nan"))
                for c, name in enumerate(COMPONENTS)}

    def ring_shares(self) -> dict[str, float]:
        total = self._total()
        per_block = self.magnitude.sum(axis=(0, 3, 4))
        return {k: (float(per_block[self._where(k)].sum() / total) if total > 0 else float("nan"))
                for k in ("own", "neighbours", "beyond")}

    def chroma_above(self, factor: tuple[int, int]) -> float:
        """Share of the chroma (Cb + Cr) attribution at frequencies a chroma plane subsampled by ``factor``
        (vertical, horizontal) cannot hold: v ≥ 8/fv or u ≥ 8/fh. NaN without subsampling or chroma attribution."""
        fv, fh = factor
        if fv == 1 and fh == 1:
            return float("nan")
        chroma = self.magnitude[1:].sum(axis=(0, 1, 2))  # (8, 8)
        v, u = np.meshgrid(np.arange(BLOCK), np.arange(BLOCK), indexing="ij")
        above = (v >= BLOCK // fv) | (u >= BLOCK // fh)
        total = chroma.sum()
        return float(chroma[above].sum() / total) if total > 0 else float("nan")

    def neighbourhood(self, component: int | None = 0) -> np.ndarray:
        """(3, 3, 8, 8) shares of the total |attribution| in the own block (centre) and its 8 neighbours, offsets
        (−1, 0, 1) in block rows × block cols; the own block is the first own block when there are several.
        Blocks outside the analysed region are zero."""
        total = self._total()
        out = np.zeros((3, 3, BLOCK, BLOCK))
        i_own, j_own = self.own[0][0], self.own[1][0]
        m = self.magnitude if component is None else self.magnitude[component: component + 1]
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                ii = np.nonzero(self.block_rows == i_own + di)[0]
                jj = np.nonzero(self.block_cols == j_own + dj)[0]
                if ii.size and jj.size and total > 0:
                    out[di + 1, dj + 1] = m[:, ii[0], jj[0]].sum(0) / total
        return out

    def top_coefficients(self, k: int = 5, ring: str | None = None) -> list[dict]:
        """The ``k`` single coefficients carrying most |attribution|: block offset from the own block (rows,
        cols), component, (v, u), share of the total and the sign of the attribution."""
        total = self._total()
        mask = self._where(ring)
        m = np.where(mask[None, :, :, None, None], self.magnitude, -1.0)
        order = np.argsort(-m, axis=None, kind="stable")[:k]
        out = []
        for idx in order:
            c, i, j, v, u = np.unravel_index(idx, m.shape)
            if m[c, i, j, v, u] <= 0:
                break
            out.append({"block_offset": (int(self.block_rows[i] - self.own[0][0]),
                                         int(self.block_cols[j] - self.own[1][0])),
                        "component": COMPONENTS[c], "v": int(v), "u": int(u),
                        "share": float(self.magnitude[c, i, j, v, u] / total),
                        "sign": int(np.sign(self.values[c, i, j, v, u]))})
        return out

    def summary(self) -> dict:
        """Every headline number of this map (plain floats, JSON-safe)."""
        return {"method": self.method, "baseline_quality": self.baseline_quality,
                "completeness_gap": self.completeness_gap, "target_change": self.target_change,
                "bands": self.band_shares(), "bands_neighbours": self.band_shares("neighbours"),
                "bands_own": self.band_shares("own"), "components": self.component_shares(),
                "rings": self.ring_shares(), "top": self.top_coefficients(8),
                "top_neighbours": self.top_coefficients(5, "neighbours"),
                "per_frequency": {name: self.frequency_shares(c).tolist() for c, name in enumerate(COMPONENTS)}}


def coefficient_map(grad_rgb: np.ndarray, box, image: np.ndarray, grid_phase, own_box, *,
                    baseline_image: np.ndarray | None = None, baseline_quality: int | None = None,
                    target_change: float | None = None) -> CoefficientMap:
    """Build a :class:`CoefficientMap` from a pixel-domain gradient on an LR ``box``.

    grad_rgb:       (3, hc, wc) ∂F/∂x at the input (gradient × coefficient) or its mean along the straight path
                    from ``baseline_image`` (integrated gradients), on ``box`` = ((a0, a1), (b0, b1)).
    own_box:        LR rows/cols of the window's own pixels (the footprint); its blocks are the own blocks.
    """
    region = block_region(box, grid_phase)
    g_x = gradient_to_coefficients(embed_crop(grad_rgb, box, region))
    x = coefficients_of(image, region)
    nbr, nbc = x.shape[1:3]
    i_first = (region[0][0] - grid_phase[0]) // BLOCK
    j_first = (region[1][0] - grid_phase[1]) // BLOCK
    rows, cols = i_first + np.arange(nbr), j_first + np.arange(nbc)
    (f0, f1), (g0, g1) = own_box
    own = (((f0 - grid_phase[0]) // BLOCK, (f1 - 1 - grid_phase[0]) // BLOCK + 1),
           ((g0 - grid_phase[1]) // BLOCK, (g1 - 1 - grid_phase[1]) // BLOCK + 1))
    if baseline_image is None:
        values, method, x0, gap = g_x * x, "gradient_x_coefficient", None, None
    else:
        x0 = coefficients_of(baseline_image, region)
        values, method = g_x * (x - x0), "integrated_gradients"
        gap = None
        if target_change is not None:
            total = float(values.sum())
            gap = abs(total - target_change) / abs(target_change) if target_change != 0 else float("inf")
    return CoefficientMap(values.astype(np.float32), x.astype(np.float32), rows, cols, own,
                          tuple(int(p) for p in grid_phase), method,
                          None if x0 is None else x0.astype(np.float32), baseline_quality, gap, target_change)
