"""Is an attribution map faithful to the model? Two built-in checks.

* :func:`sanity_check`: the model-parameter randomisation test of Adebayo et al. (NeurIPS 2018,
  "Sanity Checks for Saliency Maps", Sec. 3.1). Weights are re-initialised (all at once, or cascading from
  the output layer towards the input) and the map recomputed; a map that explains the *model* should
  change, i.e. the Spearman rank correlation of the |maps| before/after should drop.
* :func:`deletion_curve`: replace the top-k attributed LR pixels by a baseline image (blurred, block-mean,
  …) and measure how far the window's target moves, against the same number of random pixels
  (in the spirit of RISE / Samek et al. 2017 pixel flipping). Pixels are drawn from the receptive box.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from ..checks import check_positive_int
from ..images import load_image
from ..models import load_model
from .attribution import AttributionResult, attribute, window_objective
from .baselines import make_baseline
from .locality import crop_box


# ----------------------------------------------------------------------------------------- rank statistics
def spearman(a, b) -> float:
    """Spearman rank correlation of two equally shaped arrays (average ranks for ties); NaN if one is constant."""
    x = np.asarray(a, dtype=np.float64).ravel()
    y = np.asarray(b, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"spearman needs arrays of the same size, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError("spearman needs at least two values")
    from scipy.stats import rankdata  # here, not at import: scipy.stats takes 0.5–0.6 s to import

    rx, ry = rankdata(x), rankdata(y)
    rx -= rx.mean()
    ry -= ry.mean()
    den = np.sqrt((rx ** 2).sum() * (ry ** 2).sum())
    return float((rx * ry).sum() / den) if den > 0 else float("nan")


def _top_mask(x: np.ndarray, fraction: float) -> np.ndarray:
    """Bool mask of the fewest pixels holding ``fraction`` of Σx (the cumulative-area set)."""
    flat = x.ravel()
    order = np.argsort(-flat, kind="stable")
    cum = np.cumsum(flat[order])
    mask = np.zeros(flat.size, dtype=bool)
    if cum[-1] > 0:
        mask[order[: int(np.searchsorted(cum, fraction * cum[-1] * (1 - 1e-12))) + 1]] = True
    return mask.reshape(x.shape)


def core_spearman(a, b, fraction: float = 0.95) -> float:
    """Spearman of two non-negative maps on the union of their ``fraction`` cumulative-area pixels: ignores the
    long faint tail whose ranks mostly encode distance to the window (shared by any weights)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    m = _top_mask(a, fraction) | _top_mask(b, fraction)
    return spearman(a[m], b[m]) if m.sum() >= 2 else float("nan")


# ------------------------------------------------------------------------------------- randomisation test
@dataclass
class SanityCheckResult:
    """Model randomisation test.

    stages:          names of the parameter groups randomised, cumulatively, at each stage
                     (``["all"]`` for ``layers="all"``; output layer first for ``"cascade"``).
    spearman:        (S,) Spearman correlation of |map| (original vs after stage s) over the receptive box.
    spearman_signed: (S,) the same for the channel-summed signed maps.
    spearman_core:   (S,) |map| correlation on the union of both maps' 95 % cumulative-area pixels.
    In a conv net |maps| share a distance-to-window envelope whatever the weights, which keeps the plain
    |map| correlation high; the signed and core correlations are the sharper tests.
    original:        (h, w) abs map of the trained model; ``maps``: (S, h, w) abs maps after each stage.
    receptive_box:   LR box the correlations are computed on.
    """

    stages: list[str]
    spearman: np.ndarray
    spearman_signed: np.ndarray
    spearman_core: np.ndarray
    original: np.ndarray
    maps: np.ndarray
    receptive_box: tuple
    method: str
    layers: str
    results: list[AttributionResult] = field(default_factory=list, repr=False)



def parameter_groups(model) -> list[tuple[str, list]]:
    """Modules with their own parameters and a ``reset_parameters``, grouped by their name's first three
    parts (e.g. a residual block's two convolutions form one group), in registration order (input first)."""
    groups: dict[str, list] = {}
    for name, module in model.named_modules():
        if not hasattr(module, "reset_parameters") or not list(module.parameters(recurse=False)):
            continue
        key = ".".join(name.split(".")[:3])
        groups.setdefault(key, []).append(module)
    return list(groups.items())


def sanity_check(model, lr, window, scale: float | None = 4, method: str = "lam", layers: str = "all",
                 seed: int = 0, progress: bool = False, **attribute_kw) -> SanityCheckResult:
    """Adebayo et al.'s model randomisation test for an :func:`attribute` map.

    lr, window, scale: as in :func:`attribute`: the LR image ((h, w, 3) in [0, 1]), the output window
            (row, col, height, width) in output pixels, and the output scale (or ``size=`` (H, W)).
    layers: ``"all"`` re-initialises every weight at once; ``"cascade"`` re-initialises parameter groups one
            by one from the output layer towards the input (cumulatively) and recomputes the map each time.
    seed:   seeds the re-initialisation (each layer's default PyTorch initialiser, ``reset_parameters``).
    Other keyword arguments go to :func:`attribute` (``size``, ``steps``, ``target``, ``sigma``, …).
    The model itself is not modified (a deep copy is randomised).
    """
    if layers not in ("all", "cascade"):
        raise ValueError(f"layers must be 'all' or 'cascade', got {layers!r}")
    model = load_model(model)
    image = load_image(lr)
    original = attribute(model, image, window, scale, method=method, **attribute_kw)
    rand = copy.deepcopy(model)
    groups = parameter_groups(rand)[::-1]  # output side first
    if not groups:
        raise ValueError("the model has no re-initialisable parameters")
    stages = [("all", [m for _, mods in groups for m in mods])] if layers == "all" else groups
    (a0, a1), (b0, b1) = original.receptive_box
    ref_abs = original.abs_map[a0:a1, b0:b1]
    ref_signed = original.map.sum(0)[a0:a1, b0:b1]
    names, rho, rho_signed, rho_core, maps, results = [], [], [], [], [], []
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        for name, modules in tqdm(stages, desc="sanity check", disable=not progress):
            with torch.no_grad():
                for m in modules:
                    m.reset_parameters()
            res = attribute(rand, image, window, scale, method=method, **attribute_kw)
            names.append(name)
            rho.append(spearman(ref_abs, res.abs_map[a0:a1, b0:b1]))
            rho_signed.append(spearman(ref_signed, res.map.sum(0)[a0:a1, b0:b1]))
            rho_core.append(core_spearman(ref_abs, res.abs_map[a0:a1, b0:b1]))
            maps.append(res.abs_map)
            results.append(res)
    return SanityCheckResult(names, np.array(rho), np.array(rho_signed), np.array(rho_core), original.abs_map,
                             np.stack(maps), original.receptive_box, method, layers, results)


# ------------------------------------------------------------------------------------------ deletion curve
@dataclass
class DeletionCurve:
    """Target of the window after replacing the top-k attributed vs k random LR pixels of the receptive box.

    fractions:  (F,) fraction of the receptive box's pixels replaced; ``counts`` (F,) how many.
    attributed: (F,) target after replacing the most-attributed pixels (by |map| summed over channels).
    random:     (R, F) target after replacing random pixels, one row per draw.
    original:   target of the unmodified input; ``replaced``: target with the whole box replaced.
    """

    fractions: np.ndarray
    counts: np.ndarray
    attributed: np.ndarray
    random: np.ndarray
    original: float
    replaced: float
    replacement: str
    receptive_box: tuple

    @property
    def attributed_change(self) -> np.ndarray:
        return np.abs(self.attributed - self.original)

    @property
    def random_change(self) -> np.ndarray:
        """(F,) mean over random draws of |target − original|."""
        return np.abs(self.random - self.original).mean(0)

    def _area(self, y) -> float:
        x = self.fractions
        if x.size < 2 or x[-1] == x[0]:
            return float(np.mean(y))
        return float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2 / (x[-1] - x[0]))

    @property
    def area_attributed(self) -> float:
        """Mean |change| over the fraction range (trapezoid): higher = the map found the pixels that matter."""
        return self._area(self.attributed_change)

    @property
    def area_random(self) -> float:
        return self._area(self.random_change)


def deletion_curve(model, lr, result: AttributionResult, fractions=(0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5),
                   replacement="blur", n_random: int = 4, seed: int = 0, target=None, sigma: float = 2.0,
                   batch: int = 16, progress: bool = False) -> DeletionCurve:
    """Deletion curve of an attribution ``result`` (from :func:`attribute` on the same model and image).

    The LR pixels of the result's receptive box are replaced in order of decreasing attribution, and the
    window target is measured after each fraction; ``n_random`` random orders (seeded by ``seed``) give the
    reference curves.

    lr:          the LR image the result was computed on ((h, w, 3) in [0, 1]).
    fractions:   shares in [0, 1] of the receptive box's pixels to replace, one curve point each.
    batch:       replaced images evaluated per model call (memory bound).
    replacement: what a deleted pixel becomes: "blur" (Gaussian ``sigma``), "block_mean", "jpeg", "zero",
                 a grey level or an image (see :func:`explain.probes.baselines.make_baseline`; the block grid
                 and JPEG quality are taken from ``result``).
    target:      the window target; default the result's ("mean" or "gradient"); pass the callable again
                 when the result used one.
    """
    if not isinstance(result, AttributionResult):
        raise TypeError(f"result must be the AttributionResult of explain.attribute, got {type(result).__name__}")
    model = load_model(model)
    image = load_image(lr)
    if image.shape[:2] != result.lr_size:
        raise ValueError(f"image is {image.shape[:2]}, the attribution result was computed on {result.lr_size}")
    frac = np.asarray(fractions, dtype=np.float64).ravel()
    if frac.size == 0 or not np.isfinite(frac).all() or (frac < 0).any() or (frac > 1).any():
        raise ValueError(f"fractions must lie in [0, 1], got {fractions!r}")
    n_random, batch = check_positive_int(n_random, "n_random"), check_positive_int(batch, "batch")
    if target is None:
        if result.target not in ("mean", "gradient"):
            raise ValueError("the result used a callable target: pass it again as target=")
        target = result.target
    _, objective = window_objective(model, image.shape, result.window, size=result.output_size, target=target)
    box = objective.plan.box
    if box != tuple(tuple(b) for b in result.receptive_box) and result.local:
        raise ValueError("the result's receptive box does not match this model (was it computed with another one?)")
    base = make_baseline(replacement, image, sigma=sigma, jpeg_quality=result.params.get("jpeg_quality", 5),
                         grid_phase=result.grid_phase, block_size=result.block_size)
    param = next(model.parameters())

    def to_t(a):
        return crop_box(torch.from_numpy(a).permute(2, 0, 1), box).to(device=param.device, dtype=param.dtype)

    x, r = to_t(image), to_t(base)
    (a0, a1), (b0, b1) = box
    n = (a1 - a0) * (b1 - b0)
    counts = np.round(frac * n).astype(int)
    scores = result.abs_map[a0:a1, b0:b1].ravel()
    orders = [np.argsort(-scores, kind="stable")]
    rng = np.random.default_rng(seed)
    orders += [rng.permutation(n) for _ in range(n_random)]

    def masks():
        for order in orders:
            for k in counts:
                m = np.zeros(n, dtype=bool)
                m[order[:k]] = True
                yield torch.from_numpy(m.reshape(a1 - a0, b1 - b0))

    all_masks = list(masks())
    values = []
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for s in tqdm(range(0, len(all_masks), batch), desc="deletion", disable=not progress):
                m = torch.stack(all_masks[s: s + batch]).unsqueeze(1).to(param.device)
                values.append(objective(torch.where(m, r, x)).float().cpu().numpy())
            original = float(objective(x[None])[0])
            replaced = float(objective(r[None])[0])
    finally:
        model.train(was_training)
    v = np.concatenate(values).reshape(len(orders), len(counts))
    name = "zero" if replacement is None else replacement if isinstance(replacement, str) else \
        str(replacement) if isinstance(replacement, (int, float)) else "image"
    return DeletionCurve(frac, counts, v[0], v[1:], original, replaced, name, box)
