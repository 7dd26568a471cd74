"""The clue taxonomy: one call answers "what did the model use to rebuild this 8×8 block?" in plain data.

``clues(model, lr, block, scale=4, grid_phase=...)`` explains the output of one JPEG block (the HR window covering
the LR block that holds pixel ``block`` = (row, col)) with three kinds of clue, each with its faithfulness figures:

* **spatial** — LAM (Gu & Dong, CVPR 2021) of LAM's gradient detector (the detail rebuilt in the block), reusing
  :func:`explain.probes.attribute` and its :class:`AttributionResult` (block shares own / 8 neighbours / beyond,
  block-edge enrichment, Diffusion Index), plus the share of |attribution| per Chebyshev distance from the block
  (in LR pixels and in blocks) and the same block shares for integrated gradients from the coarser-JPEG baseline;
* **frequency** — the attribution in the JPEG's own domain (:mod:`explain.probes.frequency`): gradient ×
  coefficient and integrated gradients along the coefficient path from the baseline that drops what a coarser
  quantiser (``baseline_quality``) would remove; DC / low AC / high AC shares, which coefficients of which
  neighbouring blocks carry the evidence, 8×8 heat maps;
* **channel** — for the Y, Cb and Cr detail of the output block, the share of its attribution on the input Y, Cb
  and Cr planes (:mod:`explain.probes.channel`), on the same integrated-gradients path.

Faithfulness (:class:`ClueCheck`): the completeness gap of every path method, and the model-parameter randomisation
test of Adebayo et al. (NeurIPS 2018, Sec. 3.1): all weights are re-initialised (a copy; the model is untouched)
and every clue recomputed. A clue *passes* when it changes: a map-like clue when the Spearman rank correlation of
its magnitudes, on the union of both maps' 95 % cumulative-area sets (:func:`explain.probes.faithfulness.
core_spearman`), falls below :data:`RHO_PASS`; a headline share vector (own block / neighbours / beyond; DC / low
AC / high AC; the channel share rows on average) when it moves by a total-variation distance of at least
:data:`TV_PASS`. A map can fail while its shares pass (the random network follows the same edges, but spreads its
evidence differently over the blocks) and the reverse; the report says which. The randomised model's headline
numbers are kept too: a share a random network reproduces says more about the architecture than about what was
learnt.

Usage (the same numbers the ``explain`` report prints)::

    from explain.jpeg_facts import read_photo
    from explain.probes import clues
    photo = read_photo("my.jpg")                      # pixels + facts (grid phase, quality, subsampling)
    c = clues("liif-edsr-jpeg", photo.image, block=(row, col), scale=4, grid_phase=photo.facts.grid_phase,
              chroma_factor=photo.facts.chroma_factor)
    c.headline()      # {"own_block": 0.38, "neighbour_blocks": 0.55, "beyond": 0.07, "gxc_bands_neighbours": {...}, …}
    c.checks          # [ClueCheck("spatial (LAM)", completeness_gap, …, passes=True), …]
    c.to_dict()       # every number, JSON-safe

Headline fields (shares in [0, 1]): ``own_block`` / ``neighbour_blocks`` / ``beyond`` (|LAM| in the block, its 8
neighbours, farther), ``block_edge_enrichment`` (share on block-edge pixels / their area share), ``di_receptive_box``
("DI, receptive box") and ``di_whole_map`` ("DI, whole map (as LAM)"), ``gxc_bands`` / ``gxc_bands_neighbours``
(DC / low AC / high AC of gradient × coefficient, all blocks / the 8 neighbours), ``gxc_rings``, ``gxc_components``
(input Y / Cb / Cr), ``ig_bands``, ``ig_bands_neighbours``, ``ig_rings`` (the same for integrated gradients from the
coarser JPEG), ``top_neighbour_coefficients`` (block offset, component, v, u, share, sign), ``colour_from_luma``
(share of the Cb + Cr output detail's evidence on input Y), ``luma_from_luma``, ``chroma_above_subsampling``.

Coordinates: LR pixel (row, col), 0-based; blocks start at rows ≡ grid_phase[0] and columns ≡ grid_phase[1]
(mod 8). The model is used through ``model.encode`` / ``model.query`` only, queried at (row, col) in (−1, 1) in the
pixel-centre convention of the LR crop it encodes.

Cost: lam_steps + ig_steps + 1 forward passes and lam_steps + 4·ig_steps + 1 backward passes of the model on the
block's receptive crop (about 8 + 2·query_radius LR pixels a side), twice with ``randomise``: about 20 s for the
16-block EDSR-baseline LIIF on one busy x86 core at the default steps.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from ..images import load_image
from ..models import LIIF, is_model, load_model
from ..upscale import output_size
from . import stats
from ._lr_query import block_phase
from ._paths import path_gradients, refine_path_gradients
from .attribution import AttributionResult, attribute, make_target
from .channel import ChannelShares, ComponentDetail, channel_shares
from .faithfulness import core_spearman, parameter_groups
from .frequency import BLOCK, COMPONENTS, CoefficientMap, coefficient_map, dropped_coefficient_baseline

RHO_PASS = 0.5  # a map passes the randomisation test when its rank correlation with the random model's is below this
TV_PASS = 0.10  # channel shares pass when their rows move by at least this total-variation distance on average
GAP_LIMIT = 0.05  # a path method whose completeness gap exceeds this is refined, then kept out of the answer
REFINE_FACTOR = 2  # refinement doubles the path steps up to this many times the requested number


# ----------------------------------------------------------------------------------------------- results
@dataclass
class SpatialClue:
    """Where in the LR image the evidence lies.

    lam:             the :class:`AttributionResult` of LAM (its ``block_shares``, ``di``, ``di_receptive``, …).
    distance_px:     (D,) share of |LAM| at Chebyshev distance d = 0, 1, … LR pixels from the block (0 = inside).
    distance_blocks: (K,) share of |LAM| in block ring k = 0 (own), 1 (the 8 neighbours), 2, …
    ig_shares:       :func:`explain.probes.stats.block_shares` of |integrated gradients| from the coarser-JPEG
                     baseline, on the same block.
    """

    lam: AttributionResult
    distance_px: np.ndarray
    distance_blocks: np.ndarray
    ig_shares: dict

    def summary(self) -> dict:
        s = self.lam.block_shares
        return {"own_block": s["own"], "neighbour_blocks": s["neighbours"], "beyond": s["beyond"],
                "block_edge_share": s["boundary"], "block_edge_area": s["boundary_area"],
                "block_edge_enrichment": s["boundary_enrichment"],
                "di_whole_map": self.lam.di, "di_receptive_box": self.lam.di_receptive,
                "cumulative_area_95": self.lam.cumulative_area, "completeness_gap": self.lam.relative_delta,
                "distance_px": self.distance_px.tolist(), "distance_blocks": self.distance_blocks.tolist(),
                "ig_own_block": self.ig_shares["own"], "ig_neighbour_blocks": self.ig_shares["neighbours"],
                "ig_beyond": self.ig_shares["beyond"],
                "ig_block_edge_enrichment": self.ig_shares["boundary_enrichment"]}


@dataclass
class FrequencyClue:
    """Which DCT coefficients of which blocks carry the evidence (see :mod:`explain.probes.frequency`).

    gradient_x_coefficient, integrated_gradients: :class:`CoefficientMap` of the main target.
    chroma_factor: the file's chroma subsampling (vertical, horizontal), for ``chroma_above``.
    """

    gradient_x_coefficient: CoefficientMap
    integrated_gradients: CoefficientMap
    chroma_factor: tuple[int, int] = (1, 1)

    def summary(self) -> dict:
        out = {}
        for key, m in (("gradient_x_coefficient", self.gradient_x_coefficient),
                       ("integrated_gradients", self.integrated_gradients)):
            out[key] = {**m.summary(), "chroma_above_subsampling": m.chroma_above(self.chroma_factor),
                        "neighbourhood_Y": m.neighbourhood(0).tolist()}
        out["chroma_factor"] = list(self.chroma_factor)
        return out


@dataclass
class ClueCheck:
    """Faithfulness of one clue.

    clue:               maps: "spatial (LAM)", "frequency (gradient × coefficient)", "frequency (integrated
                        gradients)"; the headline shares of each: "spatial shares (LAM)" (own / neighbours / beyond),
                        "frequency bands (gradient × coefficient)", "frequency bands (integrated gradients)"
                        (DC / low AC / high AC); and "channel (integrated gradients)".
    completeness_gap:   relative gap |Σ attribution − ΔF| / |ΔF| of the path method (None for gradient × coefficient).
    randomisation:      the similarity of the clue before and after re-initialising every weight (``metric``).
    threshold:          what ``passes`` compares against (``randomisation < threshold`` for ρ, ``>=`` for TV).
    passes:             the clue changed enough (None when the randomisation was not run).
    trained, randomised: headline numbers of the clue for the trained and the randomised model.
    trustworthy:        False when the path method's completeness gap stayed above :data:`GAP_LIMIT` after
                        refinement: its numbers are kept out of the answer in words.
    """

    clue: str
    completeness_gap: float | None
    metric: str
    randomisation: float | None
    threshold: float
    passes: bool | None
    trained: dict = field(default_factory=dict)
    randomised: dict = field(default_factory=dict)
    trustworthy: bool = True


@dataclass
class Clues:
    """Every clue for one model on one block. See the module docstring; :meth:`to_dict` gives all the numbers.

    model:       the model's name (or "model").
    block:       (i, j) index of the block on the grid; ``block_box`` its LR rows/cols ((r0, r1), (c0, c1)).
    window:      the HR output window (row, col, height, width) explained; ``output_size`` (H, W); ``scale``.
    lr_size:     (h, w); ``grid_phase`` the block grid; ``target`` the window target ("gradient": the detail).
    spatial, frequency, channel: the clues; ``checks``: their :class:`ClueCheck` list.
    randomised:  the same clues for the randomised copy (None without ``randomise``).
    """

    model: str
    lr_size: tuple[int, int]
    output_size: tuple[int, int]
    scale: tuple[float, float]
    block: tuple[int, int]
    block_box: tuple[tuple[int, int], tuple[int, int]]
    window: tuple[int, int, int, int]
    grid_phase: tuple[int, int]
    target: str
    spatial: SpatialClue
    frequency: FrequencyClue
    channel: ChannelShares
    checks: list[ClueCheck] = field(default_factory=list)
    randomised: Clues | None = None
    params: dict = field(default_factory=dict)
    seconds: float = 0.0

    def trusted(self, method: str) -> bool:
        """Whether a path method's completeness gap is within :data:`GAP_LIMIT` (after refinement): "lam" (the
        spatial shares), "ig" (frequency integrated gradients, and the IG block shares) or "channel"."""
        gaps = {"lam": [self.spatial.lam.relative_delta],
                "ig": [self.frequency.integrated_gradients.completeness_gap],
                "channel": list(self.channel.completeness_gap)}[method]
        return all(g is None or (np.isfinite(g) and g <= GAP_LIMIT) for g in gaps)

    def headline(self) -> dict:
        """The numbers the answer in words is made of (plain floats; shares in [0, 1])."""
        s = self.spatial.summary()
        g = self.frequency.gradient_x_coefficient
        ig = self.frequency.integrated_gradients
        return {"own_block": s["own_block"], "neighbour_blocks": s["neighbour_blocks"], "beyond": s["beyond"],
                "block_edge_enrichment": s["block_edge_enrichment"], "di_receptive_box": s["di_receptive_box"],
                "di_whole_map": s["di_whole_map"],
                "gxc_bands": g.band_shares(), "gxc_bands_neighbours": g.band_shares("neighbours"),
                "gxc_rings": g.ring_shares(), "gxc_components": g.component_shares(),
                "ig_bands": ig.band_shares(), "ig_bands_neighbours": ig.band_shares("neighbours"),
                "ig_rings": ig.ring_shares(), "top_neighbour_coefficients": g.top_coefficients(3, "neighbours"),
                "colour_from_luma": self.channel.colour_from_luma, "luma_from_luma": self.channel.luma_from_luma,
                "chroma_above_subsampling": ig.chroma_above(self.frequency.chroma_factor)}

    def to_dict(self) -> dict:
        from ..jpeg_facts import _json_safe

        d = {"model": self.model, "lr_size": self.lr_size, "output_size": self.output_size, "scale": self.scale,
             "block": self.block, "block_box": self.block_box, "window_hr": self.window, "grid_phase": self.grid_phase,
             "target": self.target, "spatial": self.spatial.summary(), "frequency": self.frequency.summary(),
             "channel": self.channel.summary(), "headline": self.headline(), "params": self.params,
             "seconds": self.seconds,
             "checks": [{"clue": c.clue, "completeness_gap": c.completeness_gap, "metric": c.metric,
                         "randomisation": c.randomisation, "threshold": c.threshold, "passes": c.passes,
                         "trustworthy": c.trustworthy,
                         "trained": c.trained, "randomised": c.randomised} for c in self.checks]}
        if self.randomised is not None:
            d["randomised_model"] = {"spatial": self.randomised.spatial.summary(),
                                     "frequency": self.randomised.frequency.summary(),
                                     "channel": self.randomised.channel.summary(),
                                     "headline": self.randomised.headline()}
        return _json_safe(d)


# ------------------------------------------------------------------------------------------------ helpers
RANDOMISE_SEED_OFFSET = 0x5EED  # so that seed 0 never reproduces a model built right after torch.manual_seed(0)


def randomised_copy(model: LIIF, seed: int = 0) -> LIIF:
    """A deep copy of ``model`` with every weight re-initialised by its layer's default initialiser, seeded by
    ``seed`` + :data:`RANDOMISE_SEED_OFFSET` (torch's global generator, in a forked RNG state)."""
    rand = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed) + RANDOMISE_SEED_OFFSET)
        with torch.no_grad():
            for _, modules in parameter_groups(rand):
                for m in modules:
                    m.reset_parameters()
    rand.eval()
    rand.name = f"{getattr(model, 'name', 'model')} (randomised)"
    return rand


def coarser_quality(quality: int | None) -> int:
    """Default quality of the coarser-JPEG baseline: 5, or lower for files already at quality ≤ 15 (q // 3)."""
    if quality is None:
        return 5
    return int(max(1, min(5, int(quality) // 3)))


def block_of(pixel, grid_phase, lr_size, block_size: int = BLOCK):
    """(block index (i, j), LR box ((r0, r1), (c0, c1)) clipped to the image) of the block holding ``pixel``."""
    try:
        r, c = (int(v) for v in pixel)
    except (TypeError, ValueError):
        raise ValueError(f"block must be an LR pixel (row, col), got {pixel!r}") from None
    h, w = lr_size
    if not (0 <= r < h and 0 <= c < w):
        raise ValueError(f"pixel ({r}, {c}) is outside the {h}×{w} image (rows 0–{h - 1}, cols 0–{w - 1})")
    pr, pc = grid_phase
    i, j = (r - pr) // block_size, (c - pc) // block_size
    r0, c0 = pr + i * block_size, pc + j * block_size
    return (int(i), int(j)), ((max(0, r0), min(h, r0 + block_size)), (max(0, c0), min(w, c0 + block_size)))


def _hr_window(box, lr_size, out_size) -> tuple[int, int, int, int]:
    (r0, r1), (c0, c1) = box
    (h, w), (H, W) = lr_size, out_size
    R0, R1 = round(r0 * H / h), round(r1 * H / h)
    C0, C1 = round(c0 * W / w), round(c1 * W / w)
    return int(R0), int(C0), int(max(1, R1 - R0)), int(max(1, C1 - C0))


def _distance_profiles(abs_map: np.ndarray, footprint, box, grid_phase):
    (a0, a1), (b0, b1) = box
    (f0, f1), (g0, g1) = footprint
    m = abs_map[a0:a1, b0:b1].astype(np.float64)
    rows, cols = np.arange(a0, a1), np.arange(b0, b1)
    dr = np.maximum(0, np.maximum(f0 - rows, rows - (f1 - 1)))
    dc = np.maximum(0, np.maximum(g0 - cols, cols - (g1 - 1)))
    d = np.maximum(dr[:, None], dc[None, :])
    total = m.sum()
    px = np.bincount(d.ravel(), weights=m.ravel()) / total if total > 0 else np.zeros(int(d.max()) + 1)
    pr, pc = grid_phase
    bi = np.floor_divide(rows - pr, BLOCK)
    bj = np.floor_divide(cols - pc, BLOCK)
    oi = (np.floor_divide(f0 - pr, BLOCK), np.floor_divide(f1 - 1 - pr, BLOCK))
    oj = (np.floor_divide(g0 - pc, BLOCK), np.floor_divide(g1 - 1 - pc, BLOCK))
    ri = np.maximum(0, np.maximum(oi[0] - bi, bi - oi[1]))
    rj = np.maximum(0, np.maximum(oj[0] - bj, bj - oj[1]))
    ring = np.maximum(ri[:, None], rj[None, :])
    blocks = np.bincount(ring.ravel(), weights=m.ravel()) / total if total > 0 else np.zeros(int(ring.max()) + 1)
    return px, blocks


def _shares_on_crop(abs_crop: np.ndarray, box, footprint, grid_phase) -> dict:
    """:func:`stats.block_shares` of a map given on the LR crop ``box`` (the grid and footprint moved with it)."""
    (a0, _), (b0, _) = box
    phase = ((grid_phase[0] - a0) % BLOCK, (grid_phase[1] - b0) % BLOCK)
    (f0, f1), (g0, g1) = footprint
    return stats.block_shares(abs_crop, ((f0 - a0, f1 - a0), (g0 - b0, g1 - b0)), phase, BLOCK)


def _check_steps(value, name) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


# ------------------------------------------------------------------------------------------------- entry
def clues(model, lr, block, scale: float | None = 4, *, size: tuple[int, int] | None = None, grid_phase=(0, 0),
          target="gradient", lam_steps: int = 16, ig_steps: int = 8, baseline_quality: int | None = None,
          chroma_factor=(1, 1), randomise: bool | LIIF = True, seed: int = 0, bar=None,
          name: str | None = None, refine: bool = True) -> Clues:
    """Explain the output of one JPEG block with spatial, frequency and channel clues and their faithfulness.

    model:            a LIIF, a model name or a checkpoint path.
    lr:               the LR image as the model sees it (anything :func:`explain.load_image` takes).
    block:            any LR pixel (row, col) inside the block to explain (the block is found on ``grid_phase``).
    scale / size:     the output: (round(h·scale), round(w·scale)) or ``size`` = (H, W).
    grid_phase:       the 8×8 grid (e.g. :attr:`explain.jpeg_facts.JpegFacts.grid_phase`).
    target:           window target: "gradient" (LAM's detail detector, default), "mean" or a callable.
    lam_steps, ig_steps: path steps of LAM and of the integrated gradients (trapezoid intervals, ig_steps + 1 nodes).
    baseline_quality: quality whose quantiser defines the coarser-JPEG baseline (default 5,
                      :func:`coarser_quality` of the file's quality when the caller knows it).
    chroma_factor:    the file's chroma subsampling (vertical, horizontal) for the "chroma above subsampling" share.
    randomise:        True: also run the randomisation test on a re-initialised copy (seeded by ``seed``); a LIIF:
                      use that randomised copy (to share one across blocks); False: skip it (``passes`` is None).
    bar:              an optional tqdm bar advanced by the path points evaluated.
    refine:           a path method (LAM, each integrated-gradients target) whose completeness gap exceeds
                      :data:`GAP_LIMIT` is recomputed with twice the steps, up to :data:`REFINE_FACTOR` × the
                      requested ones; a gap still above the limit marks it untrustworthy (:meth:`Clues.trusted`).
    Returns :class:`Clues` (plain dataclasses of numpy arrays and floats).
    """
    t_start = time.perf_counter()
    model = load_model(model)
    image = load_image(lr)
    h, w = image.shape[:2]
    phase = block_phase(grid_phase)
    phase = (phase[0] % BLOCK, phase[1] % BLOCK)
    lam_steps, ig_steps = _check_steps(lam_steps, "lam_steps"), _check_steps(ig_steps, "ig_steps")
    quality = 5 if baseline_quality is None else baseline_quality
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= 100:
        raise ValueError(f"baseline_quality must be an integer in 1..100, got {baseline_quality!r}")
    out_size = output_size(image.shape, None if size is not None else scale, size)
    index, box = block_of(block, phase, (h, w))
    window = _hr_window(box, (h, w), out_size)
    tgt = make_target(target)
    label = name or getattr(model, "name", None) or "model"

    lam_used = lam_steps
    lam = attribute(model, image, window, size=out_size, method="lam", steps=lam_used, target=tgt, grid_phase=phase)
    while refine and _over(lam.relative_delta) and lam_used * 2 <= REFINE_FACTOR * lam_steps:  # refine: more path steps
        lam_used *= 2
        lam = attribute(model, image, window, size=out_size, method="lam", steps=lam_used, target=tgt,
                        grid_phase=phase)
    if bar is not None:
        bar.update(lam_steps)
    targets = [tgt, ComponentDetail(0), ComponentDetail(1), ComponentDetail(2)]
    # The receptive crop is the same for every target (all margins ≤ 1): build the baseline on the plan's box.
    from .locality import plan_window

    plan = plan_window((h, w), out_size, window, model.query_radius, max(t.margin for t in targets), True)
    base = dropped_coefficient_baseline(image, plan.box, phase, int(quality))
    paths = path_gradients(model, image, window, out_size, targets, base, steps=ig_steps, at_input=1, bar=bar)
    over = [k for k, g in enumerate(paths.completeness_gap) if _over(g)]
    while refine and over and paths.steps_used[over[0]] * 2 <= REFINE_FACTOR * ig_steps:
        # twice the trapezoid steps for the targets whose gap is over the limit only; the nodes nest, so only the
        # new midpoints are evaluated
        refine_path_gradients(model, paths, image, over)
        over = [k for k in over if _over(paths.completeness_gap[k])]
    ig_used = list(paths.steps_used)
    if paths.plan.box != plan.box:  # pragma: no cover - both plans come from the same inputs
        raise RuntimeError("the receptive crop of the path gradients differs from the baseline's")

    ig_main = paths.mean_grad[0]
    ig_abs = np.abs(ig_main * paths.delta).sum(0)
    dist_px, dist_blocks = _distance_profiles(lam.abs_map, lam.footprint, lam.receptive_box, phase)
    spatial = SpatialClue(lam, dist_px, dist_blocks, _shares_on_crop(ig_abs, plan.box, lam.footprint, phase))
    change = float(paths.f_input[0] - paths.f_baseline[0])
    gxc = coefficient_map(paths.grad_input[0], plan.box, image, phase, lam.footprint)
    igm = coefficient_map(ig_main, plan.box, image, phase, lam.footprint, baseline_image=base,
                          baseline_quality=int(quality), target_change=change)
    frequency = FrequencyClue(gxc, igm, tuple(int(f) for f in chroma_factor))
    channel = channel_shares(paths.mean_grad[1:], paths.delta, paths.f_input[1:], paths.f_baseline[1:])
    result = Clues(label, (h, w), out_size, (out_size[0] / h, out_size[1] / w), index, box, window, phase, tgt.name,
                   spatial, frequency, channel,
                   params={"lam_steps": lam_steps, "ig_steps": ig_steps, "lam_steps_used": lam_used,
                           "ig_steps_used": ig_used[0], "ig_steps_used_channel": ig_used[1:], "gap_limit": GAP_LIMIT,
                           "baseline_quality": int(quality),
                           "quadrature": paths.rule, "receptive_box": plan.box, "seed": int(seed),
                           "rho_pass": RHO_PASS, "tv_pass": TV_PASS})

    rand = None
    if randomise is not False and randomise is not None:
        rand_model = randomise if is_model(randomise) else randomised_copy(model, seed)
        rand = clues(rand_model, image, block, size=out_size, grid_phase=phase, target=tgt, lam_steps=lam_steps,
                     ig_steps=ig_steps, baseline_quality=int(quality), chroma_factor=chroma_factor, randomise=False,
                     bar=bar, name=f"{label} (randomised)", refine=False)
        result.randomised = rand
    result.checks = _checks(result, rand)
    for check in result.checks:
        method = ("lam" if check.clue.startswith("spatial") else "channel" if check.clue.startswith("channel")
                  else "ig" if "integrated" in check.clue else None)
        check.trustworthy = True if method is None else result.trusted(method)
    result.seconds = time.perf_counter() - t_start
    return result


def _over(gap) -> bool:
    """A completeness gap above :data:`GAP_LIMIT` (NaN / inf count as above; None, for no path method, does not)."""
    return gap is not None and not (np.isfinite(gap) and gap <= GAP_LIMIT)


def _rho(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.abs(np.asarray(a, dtype=np.float64)).ravel(), np.abs(np.asarray(b, dtype=np.float64)).ravel()
    if a.sum() <= 0 or b.sum() <= 0:
        return float("nan")
    return core_spearman(a, b)


def _checks(c: Clues, r: Clues | None) -> list[ClueCheck]:
    rho_metric = "Spearman ρ of |attribution| with the randomised model's, on both maps' 95 % cores"
    (a0, a1), (b0, b1) = c.spatial.lam.receptive_box
    checks = []

    def rho_check(name, gap, mine, theirs, head, head_r):
        value = None if theirs is None else _rho(mine, theirs)
        passes = None if value is None or not np.isfinite(value) else bool(value < RHO_PASS)
        checks.append(ClueCheck(name, gap, rho_metric, value, RHO_PASS, passes, head, head_r))

    def share_check(name, gap, mine: dict, theirs: dict | None, head, head_r):
        # The headline numbers themselves (Adebayo et al.'s question asked of the figure we quote): do the shares move
        # when the weights are randomised? Total-variation distance between the two share vectors.
        value = None
        if theirs is not None:
            a = np.array([mine[k] for k in mine], dtype=np.float64)
            b = np.array([theirs[k] for k in mine], dtype=np.float64)
            value = float(0.5 * np.abs(a - b).sum()) if np.all(np.isfinite(a)) and np.all(np.isfinite(b)) else None
        passes = None if value is None else bool(value >= TV_PASS)
        metric = f"total-variation distance between the trained and randomised {' / '.join(mine)} shares"
        checks.append(ClueCheck(name, gap, metric, value, TV_PASS, passes, head, head_r))

    s, sr = c.spatial.summary(), (r.spatial.summary() if r is not None else {})
    keys = ("own_block", "neighbour_blocks", "beyond", "block_edge_enrichment", "di_receptive_box")
    rho_check("spatial (LAM)", c.spatial.lam.relative_delta, c.spatial.lam.abs_map[a0:a1, b0:b1],
              None if r is None else r.spatial.lam.abs_map[a0:a1, b0:b1],
              {k: s[k] for k in keys}, {k: sr[k] for k in keys} if r is not None else {})
    share_keys = ("own_block", "neighbour_blocks", "beyond")
    share_check("spatial shares (LAM)", c.spatial.lam.relative_delta, {k: s[k] for k in share_keys},
                None if r is None else {k: sr[k] for k in share_keys},
                {k: s[k] for k in share_keys}, {k: sr[k] for k in share_keys} if r is not None else {})
    for key, label in (("gradient_x_coefficient", "frequency (gradient × coefficient)"),
                       ("integrated_gradients", "frequency (integrated gradients)")):
        m = getattr(c.frequency, key)
        mr = getattr(r.frequency, key) if r is not None else None
        rho_check(label, m.completeness_gap, m.values, None if mr is None else mr.values,
                  {"bands": m.band_shares(), "rings": m.ring_shares()},
                  {"bands": mr.band_shares(), "rings": mr.ring_shares()} if mr is not None else {})
        band_label = label.replace("frequency (", "frequency bands (")
        share_check(band_label, m.completeness_gap, m.band_shares(), None if mr is None else mr.band_shares(),
                    {"bands": m.band_shares()}, {"bands": mr.band_shares()} if mr is not None else {})
    ch = c.channel
    tv = None
    if r is not None:
        tv = float(np.nanmean(0.5 * np.abs(ch.shares - r.channel.shares).sum(1)))
    finite_gaps = [g for g in ch.completeness_gap if np.isfinite(g)]
    checks.append(ClueCheck(
        "channel (integrated gradients)", max(finite_gaps) if finite_gaps else None,
        "mean total-variation distance between the trained and randomised share rows", tv, TV_PASS,
        None if tv is None or not np.isfinite(tv) else bool(tv >= TV_PASS),
        {"shares": ch.shares.tolist(), "colour_from_luma": ch.colour_from_luma},
        {"shares": r.channel.shares.tolist(), "colour_from_luma": r.channel.colour_from_luma} if r is not None else {}))
    return checks


__all__ = ["clues", "Clues", "SpatialClue", "FrequencyClue", "ClueCheck", "randomised_copy", "coarser_quality",
           "block_of", "RHO_PASS", "TV_PASS", "GAP_LIMIT", "COMPONENTS"]
