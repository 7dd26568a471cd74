"""What a photo file says about its own JPEG coding, and where its 8×8 grid lies in the pixels.

:func:`read_photo` opens an image file as a user hands it over (no ground truth, no re-encoding) and returns
the pixels as the package's float RGB array together with :class:`JpegFacts`:

* **quality**, estimated from the file's quantization tables by inverting libjpeg's (IJG) quality scaling
  against the example tables of ITU-T T.81 Annex K (Tables K.1 luminance, K.2 chrominance): libjpeg's
  ``jpeg_quality_scaling`` maps quality q to a percentage s = 5000/q (q < 50) or 200 − 2q (q ≥ 50), and each
  table entry is clamp(⌊(K·s + 50) / 100⌋, 1, 255). The estimate is the integer q whose scaled tables match the
  file's best (in mean |log ratio|); files from other encoders (Photoshop, cameras) get the nearest IJG quality
  and ``tables_standard = False``;
* chroma **subsampling** (from the components' sampling factors, Pillow's ``JpegImagePlugin.get_sampling``),
  baseline / **progressive** coding, component count and colour model, file size and bits per pixel;
* the **grid phase seen in the pixels** (:func:`detect_grid`): the blockiness of all 64 placements of an 8×8
  grid, so a JPEG that was cropped (and perhaps saved again, even as PNG) still shows where its blocks are.

Non-JPEG files get the same pixel grid search; when no grid stands out the facts say there is no JPEG grid,
and every probe can still run on the nominal grid at phase (0, 0).

Grid convention (as :mod:`explain.probes.stats` and :mod:`explain.metrics`): phase (pr, pc) puts block
boundaries between pixel rows r − 1 and r for every r ≡ pr (mod 8), and likewise for columns; a JPEG decoded
from its own top-left corner has phase (0, 0); cropping k rows off its top gives phase (−k) mod 8.

Conversions that :func:`read_photo` makes (each recorded in ``JpegFacts.notes``): EXIF orientation applied
(coordinates are those of the image as viewers show it; the file's grid moves accordingly), CMYK → RGB
(Pillow's conversion, no colour management), grayscale → RGB (three equal channels), 16-bit samples → [0, 1]
(16-bit colour PNGs are read by Pillow with 8 bits per channel), alpha composited over white.
Refused with a ValueError naming the problem: a missing or unreadable file, a truncated image, an image of
more than :data:`MAX_PIXELS` pixels (checked from the header, before decoding: decompression bombs), and
images smaller than ``min_side`` pixels.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, JpegImagePlugin, UnidentifiedImageError

from .images import DEFAULT_IMAGES, load_image

BLOCK = 8
# The coding process a frame header (SOFn marker, ITU-T T.81 Table B.1) declares.
CODING_PROCESS = {0xC0: "baseline", 0xC1: "extended sequential", 0xC2: "progressive", 0xC3: "lossless",
                  0xC5: "differential sequential", 0xC6: "differential progressive", 0xC7: "differential lossless",
                  0xC9: "extended sequential arithmetic-coded", 0xCA: "progressive arithmetic-coded",
                  0xCB: "lossless arithmetic-coded", 0xCD: "differential sequential arithmetic-coded",
                  0xCE: "differential progressive arithmetic-coded", 0xCF: "differential lossless arithmetic-coded"}
MAX_PIXELS = 50_000_000  # 50 MP: far above the 1–4 MP photos explain is made for; larger headers are refused

# ITU-T T.81 Annex K, Table K.1 (luminance) and K.2 (chrominance), natural (row-major) order: row = vertical
# frequency v, column = horizontal frequency u.
ANNEX_K_LUMA = np.array([
    [16, 11, 10, 16, 24, 40, 51, 61],
    [12, 12, 14, 19, 26, 58, 60, 55],
    [14, 13, 16, 24, 40, 57, 69, 56],
    [14, 17, 22, 29, 51, 87, 80, 62],
    [18, 22, 37, 56, 68, 109, 103, 77],
    [24, 35, 55, 64, 81, 104, 113, 92],
    [49, 64, 78, 87, 103, 121, 120, 101],
    [72, 92, 95, 98, 112, 100, 103, 99]], dtype=np.int64)
ANNEX_K_CHROMA = np.array([
    [17, 18, 24, 47, 99, 99, 99, 99],
    [18, 21, 26, 66, 99, 99, 99, 99],
    [24, 26, 56, 99, 99, 99, 99, 99],
    [47, 66, 99, 99, 99, 99, 99, 99],
    [99, 99, 99, 99, 99, 99, 99, 99],
    [99, 99, 99, 99, 99, 99, 99, 99],
    [99, 99, 99, 99, 99, 99, 99, 99],
    [99, 99, 99, 99, 99, 99, 99, 99]], dtype=np.int64)

# A grid counts as seen in the pixels when, along both axes, the mean |step| across the best-placed boundaries
# exceeds the median over the other 7 placements by GRID_CONTRAST (measured on scikit-image's photographs:
# uncompressed ones stay below 0.06 on at least one axis, libjpeg at quality 75 gives 0.08–0.2, at quality 20
# 0.5–0.9; quality 90 and above hides in the noise), and the best placement stands clear of the second best by
# at least GRID_UNIQUE of its lead over the median (a ×2-downscaled JPEG has two equal peaks 4 apart: no grid).
GRID_CONTRAST = 0.07
GRID_UNIQUE = 0.5


# ----------------------------------------------------------------------------------------- IJG quality
def ijg_scale(quality: int) -> int:
    """libjpeg's ``jpeg_quality_scaling``: the percentage the Annex K tables are scaled by at ``quality``."""
    q = int(quality)
    if not 1 <= q <= 100:
        raise ValueError(f"JPEG quality must be an integer in 1..100, got {quality!r}")
    return 5000 // q if q < 50 else 200 - 2 * q


def ijg_table(quality: int, chroma: bool = False) -> np.ndarray:
    """The (8, 8) quantization table libjpeg writes at ``quality`` (baseline: entries clamped to 1..255)."""
    base = ANNEX_K_CHROMA if chroma else ANNEX_K_LUMA
    return np.clip((base * ijg_scale(quality) + 50) // 100, 1, 255)


@dataclass
class QualityEstimate:
    """IJG quality that reproduces a quantization table.

    quality:   the best integer quality (the middle one when several reproduce the table equally well,
               e.g. all-ones tables at quality ≥ 97).
    low, high: the range of qualities that fit equally well.
    exact:     the file's table is exactly libjpeg's table at ``quality``.
    log_error: mean |ln(file / IJG)| over the 64 entries at the best quality (0 when exact).
    continuous: the quality from inverting the scaling formula on the median per-entry scale (a real number;
               agrees with ``quality`` for libjpeg files, a rough reading otherwise).
    """

    quality: int
    low: int
    high: int
    exact: bool
    log_error: float
    continuous: float


def estimate_quality(table, chroma: bool = False) -> QualityEstimate:
    """Invert IJG scaling for one (8, 8) table in natural order (or 64 values), luma or chroma base table."""
    t = np.asarray(table, dtype=np.float64).reshape(-1)
    if t.size != 64 or not np.isfinite(t).all() or (t < 1).any():
        raise ValueError(f"a quantization table has 64 entries >= 1, got {t.size} values")
    t = t.reshape(8, 8)
    base = (ANNEX_K_CHROMA if chroma else ANNEX_K_LUMA).astype(np.float64)
    errors = np.array([np.abs(np.log(t) - np.log(ijg_table(q, chroma))).mean() for q in range(1, 101)])
    best = float(errors.min())
    tied = np.nonzero(errors <= best + 1e-12)[0] + 1
    low, high = int(tied.min()), int(tied.max())
    quality = int(tied[len(tied) // 2])
    # Continuous inversion: per-entry scale s ≈ 100·T/K, skipping entries pinned at the clamps 1 and 255.
    free = (t > 1) & (t < 255)
    if free.any():
        s = float(np.median(100.0 * t[free] / base[free]))
        cont = 5000.0 / s if s > 100 else (200.0 - s) / 2.0
    else:
        cont = 100.0 if (t <= 1).all() else 1.0
    return QualityEstimate(quality, low, high, bool(best == 0.0), best, float(np.clip(cont, 1.0, 100.0)))


# -------------------------------------------------------------------------------------------- the grid
@dataclass
class GridEstimate:
    """Where an 8×8 grid lies in the pixels.

    phase:       (row, col) placement with the highest blockiness (see the module's grid convention).
    blockiness:  (8, 8) for every phase (pr, pc): mean |luma step| across its boundaries minus the mean inside
                 its blocks (8-bit luma units; the absolute-difference form of Yim & Bovik's D_B − D_B^c).
    row_profile, col_profile: (8,) mean |luma step| across rows / columns r ≡ k (mod 8), k = 0..7.
    contrast:    (row, col) (best − median of the other 7) / median of the other 7, per axis.
    unique:      (row, col) (best − second best) / (best − median of the other 7), per axis.
    found:       both contrasts exceed :data:`GRID_CONTRAST` and both peaks are unique (:data:`GRID_UNIQUE`):
                 a JPEG grid is visible in the pixels.
    """

    phase: tuple[int, int]
    blockiness: np.ndarray
    row_profile: np.ndarray
    col_profile: np.ndarray
    contrast: tuple[float, float]
    unique: tuple[float, float]
    found: bool


def _luma255(image: np.ndarray) -> np.ndarray:
    """JFIF luma Y = 0.299 R + 0.587 G + 0.114 B in 8-bit units, as JPEG codes it."""
    return np.asarray(image, dtype=np.float64) @ np.array([0.299, 0.587, 0.114]) * 255.0


def detect_grid(image, block_size: int = BLOCK) -> GridEstimate:
    """Search the ``block_size`` × ``block_size`` placements of a block grid for the one the pixels show.

    image: (H, W, 3) float RGB in [0, 1] (anything :func:`explain.load_image` takes), at least two blocks in
    each direction. Steps between neighbouring pixels are grouped by where they fall modulo the block size; the
    separable sums give the blockiness of all placements at once.
    """
    img = load_image(image)
    h, w = img.shape[:2]
    if h < 2 * block_size or w < 2 * block_size:
        raise ValueError(f"a {h}×{w} image is too small to find a {block_size}×{block_size} grid "
                         f"(needs {2 * block_size}×{2 * block_size} pixels)")
    y = _luma255(img)
    dh = np.abs(np.diff(y, axis=1))  # pair (c, c+1): crosses a boundary at column c + 1
    dv = np.abs(np.diff(y, axis=0))
    k = np.arange(block_size)
    res_c = (np.arange(1, w) % block_size)
    res_r = (np.arange(1, h) % block_size)
    col_sum = np.array([dh[:, res_c == j].sum() for j in k])
    col_n = np.array([h * int((res_c == j).sum()) for j in k], dtype=np.float64)
    row_sum = np.array([dv[res_r == j].sum() for j in k])
    row_n = np.array([w * int((res_r == j).sum()) for j in k], dtype=np.float64)
    total, n_total = col_sum.sum() + row_sum.sum(), col_n.sum() + row_n.sum()
    s_b = row_sum[:, None] + col_sum[None, :]
    n_b = row_n[:, None] + col_n[None, :]
    blockiness = s_b / n_b - (total - s_b) / (n_total - n_b)
    pr, pc = np.unravel_index(int(np.argmax(blockiness)), blockiness.shape)
    row_profile, col_profile = row_sum / row_n, col_sum / col_n

    def peak(profile, best):
        others = np.delete(profile, best)
        median, second = float(np.median(others)), float(others.max())
        lead = float(profile[best]) - median
        contrast = lead / median if median > 0 else (float("inf") if lead > 0 else 0.0)
        unique = (float(profile[best]) - second) / lead if lead > 0 else 0.0
        return contrast, unique

    (c_r, u_r), (c_c, u_c) = peak(row_profile, pr), peak(col_profile, pc)
    found = c_r > GRID_CONTRAST and c_c > GRID_CONTRAST and u_r >= GRID_UNIQUE and u_c >= GRID_UNIQUE
    return GridEstimate((int(pr), int(pc)), blockiness, row_profile, col_profile, (c_r, c_c), (u_r, u_c),
                        bool(found))


# ------------------------------------------------------------------------------------------- the facts
@dataclass
class JpegFacts:
    """Everything :func:`read_photo` learnt about a file (plain data; ``to_dict`` gives JSON-safe values).

    source:         the path (or default image name) as given; ``format``: Pillow's format name or None.
    size:           (height, width) of the image as returned (after EXIF orientation); ``file_bytes``, ``bpp``
                    (8·bytes / pixels) of the file, None for non-files.
    is_jpeg:        the file is a JPEG stream. For JPEGs: ``quality`` (luma estimate, :class:`QualityEstimate`),
                    ``chroma_quality``, ``subsampling`` ("4:4:4", "4:2:2", "4:2:0", "4:4:0", "4:1:1",
                    "grayscale" or "other h×v"), ``progressive``, ``coding`` (the process its SOF marker
                    declares: "baseline", "progressive", "extended sequential arithmetic-coded", …, see
                    :data:`CODING_PROCESS`), ``sample_bits`` (8 or 12), ``components`` and ``colour_model``
                    ("YCbCr", "grayscale", "CMYK", "YCCK" or "RGB"), ``quant_tables`` {table id: (8, 8) natural
                    order}, ``header_phase`` (the file's own grid after the EXIF orientation).
    grid:           :class:`GridEstimate` from the pixels; ``grid_phase`` the phase every probe should use: the
                    pixel grid when found, else the file's own grid (JPEG) or (0, 0).
    has_grid:       a JPEG grid is in use: the file is a JPEG or its pixels show one.
    orientation:    the EXIF orientation tag (1 = as stored).
    notes:          sentences on conversions and doubts, for the report.
    """

    source: str
    format: str | None
    size: tuple[int, int]
    is_jpeg: bool
    grid: GridEstimate | None
    grid_phase: tuple[int, int]
    has_grid: bool
    file_bytes: int | None = None
    bpp: float | None = None
    quality: QualityEstimate | None = None
    chroma_quality: QualityEstimate | None = None
    tables_standard: bool | None = None
    subsampling: str | None = None
    progressive: bool | None = None
    components: int | None = None
    colour_model: str | None = None
    quant_tables: dict = field(default_factory=dict)
    header_phase: tuple[int, int] | None = None
    orientation: int = 1
    mode: str | None = None
    coding: str | None = None
    sample_bits: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def chroma_factor(self) -> tuple[int, int]:
        """(vertical, horizontal) chroma subsampling factors of the file (1, 1 when not subsampled or unknown)."""
        return {"4:2:0": (2, 2), "4:2:2": (1, 2), "4:4:0": (2, 1), "4:1:1": (1, 4)}.get(self.subsampling, (1, 1))

    def summary(self) -> str:
        """One sentence a person reads first."""
        h, w = self.size
        size = f"{w}×{h} pixels ({h * w / 1e6:.2f} MP)"
        if not self.is_jpeg:
            kind = f"a {self.format} image" if self.format else "an image"
            if self.has_grid:
                return (f"{kind}, {size}, that is not a JPEG file, but its pixels show an 8×8 JPEG grid at phase "
                        f"{self.grid_phase}: it was probably a JPEG once")
            return f"{kind}, {size}: not a JPEG, and no 8×8 JPEG grid shows in its pixels"
        q = self.quality
        qtext = (f"quality ≈ {q.quality}" + ("" if q.exact else " (nearest IJG quality; the tables are not "
                                               "libjpeg's)") if q is not None else "quality unknown")
        coding = self.coding or ("progressive" if self.progressive else "baseline")
        size_text = f", {self.file_bytes:,} bytes ({self.bpp:.2f} bits per pixel)" if self.file_bytes else ""
        grid = (f"grid seen in the pixels at phase {self.grid_phase}" if self.grid is not None and self.grid.found
                else f"grid too faint to see in the pixels, taken at the file's phase {self.grid_phase}")
        article = "an" if coding[0] in "aeiou" else "a"
        return f"{article} {coding} JPEG, {size}, {qtext}, chroma {self.subsampling}{size_text}; {grid}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["quant_tables"] = {str(k): np.asarray(v).tolist() for k, v in self.quant_tables.items()}
        if self.grid is not None:
            d["grid"] = {"phase": list(self.grid.phase), "blockiness": self.grid.blockiness.tolist(),
                         "row_profile": self.grid.row_profile.tolist(), "col_profile": self.grid.col_profile.tolist(),
                         "contrast": list(self.grid.contrast), "unique": list(self.grid.unique),
                         "found": self.grid.found}
        d["summary"] = self.summary()
        return _json_safe(d)


def frame_header(data: bytes) -> tuple[int, int] | None:
    """(SOFn marker, sample precision in bits) of a JPEG stream's first frame header, or None when ``data`` is not a
    JPEG stream or has none. Walks the marker segments from SOI (ITU-T T.81, Annex B)."""
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # no length
            i += 2
            continue
        length = int.from_bytes(data[i + 2: i + 4], "big")
        if marker in CODING_PROCESS:
            return (marker, data[i + 4]) if i + 4 < len(data) else None
        if marker == 0xDA or length < 2:  # scan data before any frame header: malformed
            return None
        i += 2 + length
    return None


def _file_frame_header(path: Path) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as fh:
            return frame_header(fh.read(1 << 20))
    except OSError:
        return None


def _json_safe(obj):
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


@dataclass
class Photo:
    """A photo as :func:`read_photo` returns it: ``image`` float32 (H, W, 3) in [0, 1] and its ``facts``."""

    image: np.ndarray
    facts: JpegFacts


_SAMPLING_NAMES = {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0", (4, 1): "4:1:1"}


def _subsampling(im) -> str:
    layers = getattr(im, "layer", None) or []
    if len(layers) == 1:
        return "grayscale"
    if len(layers) < 3:
        return "other"
    h0, v0 = layers[0][1], layers[0][2]
    rest = {(layer[1], layer[2]) for layer in layers[1:]}
    if len(rest) != 1:
        return "other"
    hc, vc = rest.pop()
    key = (h0 // hc, v0 // vc) if h0 % hc == 0 and v0 % vc == 0 else None
    name = _SAMPLING_NAMES.get(key)
    if name is None:
        return f"other {h0}×{v0}/{hc}×{vc}"
    # Pillow's own reading for the three common layouts (0, 1, 2 → 4:4:4, 4:2:2, 4:2:0); keep ours if it differs.
    pillow = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}.get(JpegImagePlugin.get_sampling(im))
    return pillow if pillow is not None and name in ("4:4:4", "4:2:2", "4:2:0") else name


def header_phase(orientation: int, stored_size: tuple[int, int], block_size: int = BLOCK) -> tuple[int, int]:
    """Phase of the file's own grid (phase (0, 0) in the stored pixels) after applying the EXIF orientation.

    stored_size: (height, width) as stored. A flip of an axis of n pixels moves its boundaries from k·8 to
    n − k·8, i.e. to phase n mod 8; a 90° turn swaps the axes.
    """
    hs, ws = stored_size
    fr, fc = hs % block_size, ws % block_size
    return {1: (0, 0), 2: (0, fc), 3: (fr, fc), 4: (fr, 0), 5: (0, 0), 6: (0, fr), 7: (fc, fr),
            8: (fc, 0)}.get(int(orientation), (0, 0))


def _png_bit_depth(path: Path) -> int | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(26)
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR":
        return head[24]
    return None


def read_photo(source, min_side: int = 24) -> Photo:
    """Open a photo as given and learn its JPEG facts (see the module docstring).

    source:   a file path, or a default image name (``DEFAULT_IMAGES``; no file facts then).
    min_side: the smallest height/width accepted (explain needs one block and its neighbours: 24 pixels).
    Raises ValueError naming the problem (missing file, not an image, truncated, too large, too small).
    """
    text = os.fspath(source) if isinstance(source, (str, os.PathLike)) else None
    if text is None:
        raise TypeError(f"read_photo takes a file path or a default image name, got {type(source).__name__}")
    if not text.strip():
        raise ValueError("no image file given (an empty name)")
    path = Path(text)
    if not path.exists():
        if text in DEFAULT_IMAGES:
            image = load_image(text)
            return _finish(Photo(image, JpegFacts(text, None, image.shape[:2], False, None, (0, 0), False,
                                                  mode="RGB")), min_side)
        raise ValueError(f"no such file: {text!r}")
    if path.is_dir():
        raise ValueError(f"{text!r} is a folder, not an image file")
    notes = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"{text!r} declares more pixels than is safe to decode (a decompression bomb?): "
                         f"{exc}") from None
    except UnidentifiedImageError:
        header = _file_frame_header(path)
        if header is not None and header[1] != 8:
            raise ValueError(f"{text!r} is a {header[1]}-bit JPEG ({CODING_PROCESS[header[0]]}), which Pillow cannot "
                             "decode: convert it to an 8-bit JPEG or a PNG first") from None
        raise ValueError(f"{text!r} is not an image file Pillow can read") from None
    except OSError as exc:
        raise ValueError(f"cannot open {text!r}: {exc}") from None
    with im:
        w0, h0 = im.size
        if w0 * h0 > MAX_PIXELS:
            raise ValueError(f"{text!r} declares {w0}×{h0} = {w0 * h0 / 1e6:.0f} MP, over explain's limit of "
                             f"{MAX_PIXELS / 1e6:.0f} MP (a decompression bomb, or crop/downscale it first)")
        fmt = im.format
        is_jpeg = fmt == "JPEG"
        facts = JpegFacts(text, fmt, (h0, w0), is_jpeg, None, (0, 0), False, mode=im.mode)
        facts.file_bytes = path.stat().st_size
        if is_jpeg:
            _jpeg_header_facts(im, facts, notes)
            header = _file_frame_header(path)
            if header is not None:
                facts.coding, facts.sample_bits = CODING_PROCESS[header[0]], int(header[1])
        try:
            orientation = int(im.getexif().get(0x0112, 1) or 1)
        except Exception:  # a damaged EXIF block: ignore it, as viewers do
            orientation = 1
            notes.append("the EXIF block is damaged and was ignored")
        try:
            im.load()
        except OSError as exc:
            msg = str(exc)
            if "truncated" in msg:
                raise ValueError(f"{text!r} is truncated: the file ends before the image data does ({msg})") from None
            header = _file_frame_header(path) if is_jpeg else None
            if header is not None and header[0] in (0xC3, 0xC7, 0xCB, 0xCF):
                raise ValueError(f"{text!r} is a {CODING_PROCESS[header[0]]} JPEG, which Pillow cannot decode: "
                                 "convert it to a PNG first") from None
            raise ValueError(f"cannot decode {text!r}: {msg}") from None
        except (SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ValueError(f"cannot decode {text!r}: {exc}") from None
        mode = im.mode
        if orientation not in (1, 0) and 1 <= orientation <= 8:
            from PIL import ImageOps

            im2 = ImageOps.exif_transpose(im)
            notes.append(f"the EXIF orientation tag is {orientation}: the image was turned/flipped as viewers show "
                         "it; pixel coordinates refer to that view")
        else:
            im2 = im
            orientation = 1
        facts.orientation = orientation
        if is_jpeg:
            facts.header_phase = header_phase(orientation, (h0, w0))
        if mode == "CMYK":
            notes.append("CMYK JPEG: converted to RGB by Pillow without colour management; the frequency and "
                         "channel clues use the RGB → YCbCr view, not the file's own C, M, Y, K components")
            im2 = im2.convert("RGB")
        elif mode in ("L", "LA", "I;16", "I;16B", "I;16L", "I", "1"):
            notes.append("grayscale image: given to the models as three equal channels; there is no colour "
                         "detail to explain")
        if mode.startswith("I;16") or mode == "I":
            notes.append("16-bit samples: scaled to [0, 1] without rounding to 8 bits")
        if fmt == "PNG" and _png_bit_depth(path) == 16 and mode in ("RGB", "RGBA"):
            notes.append("16-bit colour PNG: Pillow reads it with 8 bits per channel (the low byte is dropped)")
        if "A" in mode or (mode == "P" and "transparency" in im.info):
            notes.append("transparent pixels were composited over white")
        if mode == "1":
            im2 = im2.convert("L")
        image = load_image(im2)
    facts.size = image.shape[:2]
    h, w = facts.size
    facts.bpp = 8.0 * facts.file_bytes / (h * w)
    facts.notes = notes
    return _finish(Photo(image, facts), min_side)


def _jpeg_header_facts(im, facts: JpegFacts, notes: list) -> None:
    tables = {int(k): np.asarray(list(v), dtype=np.int64).reshape(8, 8) for k, v in
              (getattr(im, "quantization", None) or {}).items()}
    facts.quant_tables = tables
    layers = getattr(im, "layer", None) or []
    facts.components = len(layers) or None
    facts.subsampling = _subsampling(im)
    facts.progressive = bool(im.info.get("progressive") or im.info.get("progression"))
    adobe = im.info.get("adobe_transform")
    facts.colour_model = {1: "grayscale", 3: "YCbCr", 4: "CMYK"}.get(len(layers), "other")
    if len(layers) == 4 and adobe == 2:
        facts.colour_model = "YCCK"
    elif len(layers) == 3 and adobe == 0:
        facts.colour_model = "RGB"
        notes.append("the JPEG codes R, G, B directly (Adobe transform 0), not Y, Cb, Cr")
    if facts.progressive:
        notes.append("progressive JPEG: decoded to the same pixels a viewer shows; the scans only order the "
                     "coefficients")
    if not tables:
        notes.append("the JPEG has no quantization tables Pillow can read; quality unknown")
        return
    luma_id = layers[0][3] if layers else 0
    facts.quality = estimate_quality(tables[luma_id]) if luma_id in tables else None
    chroma_ids = {layer[3] for layer in layers[1:3]} if len(layers) >= 3 else set()
    chroma_id = next(iter(chroma_ids)) if len(chroma_ids) == 1 else None
    if chroma_id is not None and chroma_id in tables and chroma_id != luma_id:
        facts.chroma_quality = estimate_quality(tables[chroma_id], chroma=True)
    exact = [e.exact for e in (facts.quality, facts.chroma_quality) if e is not None]
    facts.tables_standard = bool(exact) and all(exact)
    if facts.quality is not None and facts.chroma_quality is not None and \
            abs(facts.quality.quality - facts.chroma_quality.quality) > 3:
        notes.append(f"the luma table reads as quality {facts.quality.quality}, the chroma table as "
                     f"{facts.chroma_quality.quality}: not a plain libjpeg encoder; the luma reading is used")


def _finish(photo: Photo, min_side: int) -> Photo:
    facts, image = photo.facts, photo.image
    h, w = image.shape[:2]
    if min(h, w) < min_side:
        raise ValueError(f"the image is {w}×{h} pixels; explain needs at least {min_side}×{min_side} (one 8×8 "
                         "block with its 8 neighbours)")
    grid = detect_grid(image)
    facts.grid = grid
    if grid.found:
        facts.grid_phase = grid.phase
        if facts.header_phase is not None and tuple(grid.phase) != tuple(facts.header_phase):
            facts.notes.append(f"the pixels show a grid at phase {grid.phase}, not at the file's own "
                               f"{facts.header_phase}: the image was cropped from an earlier JPEG (its old grid "
                               "is the one analysed)")
    else:
        facts.grid_phase = tuple(facts.header_phase) if facts.header_phase is not None else (0, 0)
    facts.has_grid = bool(facts.is_jpeg or grid.found)
    if not facts.has_grid:
        facts.notes.append("no JPEG grid: the block statistics below use a nominal 8×8 grid at phase (0, 0)")
    return photo
