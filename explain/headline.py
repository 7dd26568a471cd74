"""One answer: the headline numbers of the tour, notebook 00 and the README, all from one computation.

The question — *what clues does the model use to rebuild an 8×8 block that JPEG damaged?* — is answered by
:func:`explain.report.explain_photo`: the clue taxonomy (:func:`explain.probes.clues.clues`) on the N blockiest
8×8 blocks of the JPEG (each with its 8 neighbours; :func:`explain.report.explain.blockiest_blocks`), with the
models of :data:`explain.models.names.DEFAULT_MODELS`, put in words by :mod:`explain.report.words`. This module
only builds the JPEG the tour and notebook 00 start from and lays the same numbers out as tables:

* :func:`jpeg_photo` encodes an LR image as a JPEG file's bytes and reads them back with
  :func:`explain.jpeg_facts.read_photo`, so the explanation sees the file's own facts (quality from the
  quantisation tables, chroma subsampling, grid phase from the pixels) exactly as ``liif-explain explain`` does;
* :func:`headline_scene` is the tour's image: ``image`` cropped to a multiple of 8·scale, PIL-bicubic downscaled
  ×scale, JPEG at ``quality`` with 4:2:0 chroma (notebook 00's :func:`explain.notebooks.make_scene` gives the
  same pixels, and :func:`scene_photo` the same file);
* :func:`explain_jpeg` is :func:`explain_photo` without a report folder;
* :func:`model_means` / :func:`numbers_table` give, per model, the means over the explained blocks that the
  words quote, under one name per quantity (:data:`QUANTITIES`, the names of the explain report's tables).

``liif-explain tour`` prints the answer for the default (astronaut, ×4, q=20); ``liif-explain explain FILE.jpg``
gives the same numbers for the JPEG the tour writes (``input_lr.jpg``).
"""

from __future__ import annotations

import copy
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .codecs import encode
from .images import DEFAULT_IMAGE, crop_to_multiple, downscale, load_image
from .jpeg_facts import Photo, read_photo

SUBSAMPLING = "4:2:0"

# key of model_means → (the name it has everywhere, kind): "share" in [0, 1], "ratio" (×), "index" (0–100).
QUANTITIES = {
    "own_block": ("own block", "share"),
    "neighbour_blocks": ("8 neighbouring blocks", "share"),
    "beyond": ("beyond", "share"),
    "block_edge_enrichment": ("block-edge enrichment", "ratio"),
    "di_whole_map": ("DI, whole map (as LAM)", "index"),
    "di_receptive_box": ("DI, receptive box", "index"),
    "neighbour_dc_low_ac": ("neighbours' DC + lowest AC (gradient × coefficient)", "share"),
    "ig_neighbour_blocks": ("8 neighbouring blocks (IG from the coarser JPEG)", "share"),
    "colour_from_luma": ("colour detail from luma", "share"),
}


@dataclass
class HeadlineScene:
    """The tour's image: ``hr`` the original (cropped to a multiple of 8·scale), ``lr_clean`` its ×scale PIL-bicubic
    downscale, ``data`` the JPEG bytes of ``lr_clean``, ``photo`` those bytes as read back (``photo.image`` is what
    the models see), ``description`` one line on how it was made."""

    hr: np.ndarray
    lr_clean: np.ndarray
    data: bytes
    photo: Photo
    scale: int
    quality: int
    description: str

    @property
    def lr(self) -> np.ndarray:
        return self.photo.image

    @property
    def bpp(self) -> float:
        h, w = self.lr.shape[:2]
        return 8.0 * len(self.data) / (h * w)


def jpeg_photo(lr, quality: int, subsampling: str = SUBSAMPLING, source: str | None = None) -> tuple[Photo, bytes]:
    """``lr`` encoded as a JPEG file (Pillow, ``quality``, ``subsampling``) and read back as that file.

    Returns (:class:`Photo` with the file's facts, the JPEG bytes). ``source`` names it in the facts (default: a
    description of the encoding); the temporary file is removed.
    """
    data = encode(lr, "jpeg", quality=int(quality), subsampling=subsampling)
    with tempfile.TemporaryDirectory(prefix="liif-explain-") as folder:
        path = Path(folder) / "input.jpg"
        path.write_bytes(data)
        photo = read_photo(path)
    photo.facts.source = source or f"JPEG q={int(quality)} {subsampling}"
    return photo, data


def headline_scene(image=DEFAULT_IMAGE, scale: int = 4, quality: int = 20) -> HeadlineScene:
    """The image the tour explains: ``image`` cropped to a multiple of 8·``scale``, downscaled ×``scale`` (PIL
    bicubic on 8-bit values) and JPEG-compressed at ``quality`` (4:2:0)."""
    if isinstance(scale, bool) or int(scale) != scale or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    if isinstance(quality, bool) or int(quality) != quality or not 1 <= quality <= 100:
        raise ValueError(f"JPEG quality must be an integer in 1..100, got {quality!r}")
    scale, quality = int(scale), int(quality)
    hr = crop_to_multiple(load_image(image), 8 * scale)
    lr_clean = downscale(hr, scale)
    name = image if isinstance(image, str) else (os.fspath(image) if isinstance(image, os.PathLike) else "image")
    description = f"{name}, ×{scale} PIL-bicubic downscale, JPEG q={quality} {SUBSAMPLING}"
    photo, data = jpeg_photo(lr_clean, quality, source=description)
    return HeadlineScene(hr, lr_clean, data, photo, scale, quality, description)


def scene_photo(sc) -> Photo:
    """The :class:`Photo` of a notebook :class:`explain.notebooks.Scene`: for a compressed scene its clean LR
    image encoded again with the scene's quality (the same bytes, so the same pixels as ``sc.lr``); for an image
    taken as is, the file read as it is, cut to the scene (its crop keeps the block grid: the origin is a multiple
    of 8 LR pixels)."""
    if sc.has_reference:
        photo, _ = jpeg_photo(sc.lr_clean, int(sc.quality), source=f"{sc.image}, ×{sc.scale} PIL-bicubic downscale, "
                                                                 f"JPEG q={sc.quality} {SUBSAMPLING}")
        if not np.array_equal(photo.image, sc.lr):  # pragma: no cover - Pillow decodes the same bytes the same way
            raise RuntimeError("the re-encoded JPEG does not decode to the scene's pixels")
        return photo
    path = Path(os.fspath(sc.image))
    photo = read_photo(path) if path.is_file() else read_photo(sc.image)
    r0, c0 = sc.origin[0] // sc.scale, sc.origin[1] // sc.scale
    h, w = sc.lr.shape[:2]
    if photo.image.shape[:2] != (h, w) or (r0, c0) != (0, 0):
        photo.image = np.ascontiguousarray(photo.image[r0:r0 + h, c0:c0 + w])
        facts = photo.facts
        facts.size = (h, w)
        facts.grid_phase = ((facts.grid_phase[0] - r0) % 8, (facts.grid_phase[1] - c0) % 8)
        facts.notes = [*facts.notes, f"explained on the {w}×{h} crop at LR pixel ({r0}, {c0}) of the file"]
    return photo


def named_models(models: dict) -> list:
    """label → model (a LIIF, a name or a checkpoint path) as a list of models named by their labels: each a
    shallow copy (the same weights), so the caller's objects are not renamed."""
    from .models import load_model

    out = []
    for label, spec in models.items():
        model = copy.copy(load_model(spec))
        model.name = str(label)
        out.append(model)
    return out


def explain_jpeg(photo, models=None, **settings):
    """:func:`explain.report.explain_photo` of ``photo`` with ``models`` (names, paths or LIIFs, or a dict label →
    model; default :data:`explain.models.names.DEFAULT_MODELS`) and ``settings`` (scale, windows, lam_steps,
    ig_steps, randomise, progress, …), computed only (no report folder). Returns the
    :class:`explain.report.ExplainReport`; its ``answer`` is the answer in words."""
    from .report import explain_photo

    if isinstance(models, dict):
        models = named_models(models)
    return explain_photo(photo, None, models=models, **settings)


def _finite_mean(values) -> float:
    v = np.array([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    return float(v.mean()) if v.size else float("nan")


def block_numbers(c) -> dict:
    """The :data:`QUANTITIES` of one :class:`explain.probes.clues.Clues` (one model, one block); a figure of a path
    method whose completeness gap stayed above the limit (:meth:`Clues.trusted`) is NaN ("n/a")."""
    h = c.headline()
    n = h["gxc_bands_neighbours"]
    nan = float("nan")
    lam, ig, ch = c.trusted("lam"), c.trusted("ig"), c.trusted("channel")
    return {"own_block": h["own_block"] if lam else nan, "neighbour_blocks": h["neighbour_blocks"] if lam else nan,
            "beyond": h["beyond"] if lam else nan,
            "block_edge_enrichment": h["block_edge_enrichment"] if lam else nan,
            "di_whole_map": h["di_whole_map"] if lam else nan,
            "di_receptive_box": h["di_receptive_box"] if lam else nan,
            "neighbour_dc_low_ac": n["dc"] + n["low_ac"],
            "ig_neighbour_blocks": h["ig_rings"]["neighbours"] if ig else nan,
            "colour_from_luma": h["colour_from_luma"] if ch else nan}


def model_means(report) -> dict[str, dict[str, float]]:
    """model → {quantity key: mean over the report's explained blocks} (keys of :data:`QUANTITIES`)."""
    out = {}
    for name in report.models:
        rows = [block_numbers(w.clues[name]) for w in report.windows]
        out[name] = {k: _finite_mean([r[k] for r in rows]) for k in QUANTITIES}
    return out


def format_value(key: str, value: float) -> str:
    """A quantity as the answer writes it: shares in whole per cent, ratios with ×, indices with one decimal."""
    if value is None or not np.isfinite(value):
        return "n/a"
    kind = QUANTITIES[key][1]
    if kind == "share":
        return f"{100 * value:.0f} %"
    if kind == "ratio":
        return f"{value:.1f}×"
    return f"{value:.1f}"


def numbers_table(report, markdown: bool = False) -> str:
    """The headline numbers per model (means over the explained blocks), one row per quantity, as plain text or
    a Markdown table."""
    means = model_means(report)
    names = list(means)
    header = [f"mean over {len(report.windows)} block(s)", *names]
    rows = [[QUANTITIES[k][0], *(format_value(k, means[n][k]) for n in names)] for k in QUANTITIES]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * len(names) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = [f"{{:<{widths[0]}}}"] + [f"{{:>{w}}}" for w in widths[1:]]
    return "\n".join("  ".join(f.format(v) for f, v in zip(fmt, r)) for r in [header, *rows])


__all__ = ["QUANTITIES", "SUBSAMPLING", "HeadlineScene", "jpeg_photo", "headline_scene", "scene_photo",
           "explain_jpeg", "named_models", "block_numbers", "model_means", "format_value", "numbers_table"]
