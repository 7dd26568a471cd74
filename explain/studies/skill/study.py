"""The skill study: where the JPEG skill lives in the twin, found by FAIG and checked by swapping units.

1. Score every unit (:mod:`explain.models.units`) by integrated gradients in weight space along
   control → twin (FAIG, Xie et al., NeurIPS 2021) on the scoring set with JPEG and with clean input; the
   JPEG-specific score is |IG_jpeg| − |IG_clean|. Two baselines: |Δθ| per unit and plain IG of the twin alone
   (zero → twin, JPEG input). Cached per pair of weight sha256s (:mod:`.cache`).
2. Swap the top fraction of each ranking (and of random rankings) from the control into the twin and measure the
   Y-PSNR gain over bicubic on evaluation images (disjoint from the scoring set), JPEG and clean input. Swapping
   every unit gives the control exactly (:func:`explain.models.units.swap_units`), so 100 % is the control.
3. Look at the top units: their block-edge enrichment on the JPEG evaluation inputs against random units of
   the same layers, and their feature maps on one blocky JPEG and the same image clean.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch
from tqdm.auto import tqdm

from ...images import upscale_bicubic
from ...metrics import psnr_y
from ...models import load_model
from ...models.units import swap_units, weight_units
from ...probes.unit_maps import block_edge_enrichment, spatial_units, unit_maps
from ...probes.weight_space import abs_delta, weight_path_ig
from ...upscale import upscale
from . import cache
from .results import SkillResult
from .scoring import eval_images, scoring_batches
from .settings import INPUTS, EvalSettings, ScoringSettings, check_fractions

SHAVE = 4  # pixels shaved from every border before PSNR, as the benchmarks do
EXAMPLE_UNITS = 6  # units whose feature maps the study keeps for the figure


def _load(model, name: str):
    m = load_model(model)
    label = getattr(m, "name", None) or (model if isinstance(model, str) else name)
    return m.eval(), str(label)


def score_units(model_from, model_to, settings: ScoringSettings, progress: bool = True,
                kinds=("jpeg", "clean", "twin")) -> tuple[dict, dict]:
    """({"jpeg", "clean", "twin"}: (N,) signed IG per unit, info) for the pair (see the module docstring);
    ``kinds`` picks which of the three to compute."""
    batches = scoring_batches(settings)
    start, cpu = time.perf_counter(), time.process_time()
    ig, info = {}, {}
    paths = {"jpeg": (model_from, model_to, batches["jpeg"]), "clean": (model_from, model_to, batches["clean"]),
             "twin": (None, model_to, batches["jpeg"])}
    for kind, (a, b, batch) in ((k, paths[k]) for k in kinds):
        got = weight_path_ig(a, b, batch, steps=settings.steps, progress=progress, desc=f"IG in weight space, {kind}")
        ig[kind] = got.units
        info[kind] = {"loss_from": got.loss_from, "loss_to": got.loss_to, "total": got.total,
                      "completeness_gap": got.completeness_gap}
    info["seconds"] = time.perf_counter() - start
    info["cpu_seconds"] = time.process_time() - cpu  # all threads of this process
    info["threads"] = torch.get_num_threads()
    return ig, info


def rankings_of(ig: dict, delta: np.ndarray, seeds) -> dict[str, np.ndarray]:
    """Unit indices best first: FAIG (|IG_jpeg| − |IG_clean|), |Δθ|, |IG of the twin|, one random order per seed."""
    def order(score):
        return np.argsort(-np.asarray(score), kind="stable").astype(np.int64)

    out = {"faig": order(np.abs(ig["jpeg"]) - np.abs(ig["clean"])), "absdelta": order(delta),
           "ig-twin": order(np.abs(ig["twin"]))}
    for s in seeds:
        out[f"random-{s}"] = np.random.default_rng(1000 + int(s)).permutation(len(delta)).astype(np.int64)
    return out


def _gains(model, images, scale: int, bicubic: dict, inputs=INPUTS) -> np.ndarray:
    """(2, n) Y-PSNR gain over bicubic (dB) on the (jpeg, clean) inputs of ``images`` (NaN for a kind not in
    ``inputs``)."""
    out = np.full((len(INPUTS), len(images)), np.nan)
    for j, im in enumerate(images):
        for k, kind in enumerate(INPUTS):
            if kind not in inputs:
                continue
            sr = upscale(model, im.inputs[kind], scale=scale)
            out[k, j] = psnr_y(im.hr, sr, shave=SHAVE) - bicubic[(kind, j)]
    return out


def swap_curves(twin, control, rankings: dict, fractions, images, scale: int, progress: bool = True,
                inputs=INPUTS):
    """(gains (M, F, 2, n), twin gain (2, n), control gain (2, n)); fraction 1 is the control (exact swap);
    NaN for an input kind not in ``inputs``."""
    units = weight_units(twin)
    bicubic = {(kind, j): psnr_y(im.hr, upscale_bicubic(im.inputs[kind], scale=scale), shave=SHAVE)
               for j, im in enumerate(images) for kind in INPUTS}
    twin_gain = _gains(twin, images, scale, bicubic, inputs)
    control_gain = _gains(control, images, scale, bicubic, inputs)
    gains = np.empty((len(rankings), len(fractions), len(INPUTS), len(images)))
    bar = tqdm(total=len(rankings) * len(fractions), desc="swap curves", disable=not progress)
    for m, order in enumerate(rankings.values()):
        for f, frac in enumerate(fractions):
            if frac >= 1:
                gains[m, f] = control_gain
            else:
                swapped = swap_units(twin, control, order[: int(round(frac * units.count))], units).eval()
                gains[m, f] = _gains(swapped, images, scale, bicubic, inputs)
            bar.update(1)
    bar.close()
    return gains, twin_gain, control_gain


def unit_views(twin, ranking: np.ndarray, images, count: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Block-edge enrichment of the ``count`` best spatial units of ``ranking`` and of random units of the same
    layers (mean over the evaluation images), and the feature maps of the best few on the first image."""
    units = weight_units(twin)
    spatial = spatial_units(twin, units)
    top = ranking[spatial[ranking]][:count]
    p_top, _, _ = units.locate(top)
    rng = np.random.default_rng(seed)
    rand = np.empty_like(top)
    for i, p in enumerate(p_top):
        sl = units.layer_slice(units.params[p])
        choices = np.flatnonzero(spatial[sl]) + sl.start
        rand[i] = rng.choice(choices)
    enrich = {"enrichment": [], "clean_enrichment": [], "random_enrichment": []}
    for im in images:
        enrich["enrichment"].append(block_edge_enrichment(unit_maps(twin, im.inputs["jpeg"], top, units).maps))
        enrich["clean_enrichment"].append(
            block_edge_enrichment(unit_maps(twin, im.inputs["clean"], top, units).maps))
        enrich["random_enrichment"].append(block_edge_enrichment(unit_maps(twin, im.inputs["jpeg"], rand, units).maps))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a unit silent inside blocks on every image: NaN
        views = {k: np.nanmean(np.stack(v), axis=0) for k, v in enrich.items()}
    views.update(units=top, random_units=rand)
    example = images[0]
    views["example_units"] = top[:EXAMPLE_UNITS]
    views["example_jpeg"] = unit_maps(twin, example.inputs["jpeg"], top[:EXAMPLE_UNITS], units).maps
    views["example_clean"] = unit_maps(twin, example.inputs["clean"], top[:EXAMPLE_UNITS], units).maps
    views["example_lr_jpeg"] = example.inputs["jpeg"]
    views["example_lr_clean"] = example.inputs["clean"]
    return views


def skill(model_from="liif-edsr-clean", model_to="liif-edsr-jpeg", scoring: ScoringSettings | None = None,
          evaluation: EvalSettings | None = None, use_cache: bool = True, progress: bool = True) -> SkillResult:
    """Run the study (see the module docstring) for the pair control ``model_from`` → twin ``model_to``.

    The models: names, checkpoint paths or models of one architecture. Returns a :class:`SkillResult`; with
    ``use_cache`` the scores and the whole result are read from / written to the user cache (:mod:`.cache`).
    """
    scoring = scoring or ScoringSettings()
    evaluation = evaluation or EvalSettings()
    fractions = check_fractions(evaluation.fractions)
    control, name_from = _load(model_from, "from")
    twin, name_to = _load(model_to, "to")
    units = weight_units(twin)
    if weight_units(control).shapes != units.shapes:
        raise ValueError(f"{name_from} and {name_to} differ in architecture: FAIG needs two models of one family "
                         "and size")
    if not isinstance(evaluation.images, str):
        shared = sorted(set(evaluation.images) & set(scoring.images))
        if shared:
            raise ValueError(f"evaluation images must differ from the scoring set; both hold {', '.join(shared)}")
    sha_from, sha_to = cache.state_sha256(control), cache.state_sha256(twin)
    result_file = cache.result_path(sha_from, sha_to, scoring.key(), evaluation.key())
    if use_cache and result_file.is_file():
        return SkillResult.load(result_file)
    scores_file = cache.scores_path(sha_from, sha_to, scoring.key())
    cached = cache.load_scores(scores_file) if use_cache else None
    if cached is None:
        ig, info = score_units(control, twin, scoring, progress)
        if use_cache:
            cache.save_scores(scores_file, ig, info)
    else:
        ig, info = cached
        info = {**info, "from_cache": True}
    delta = abs_delta(control, twin)
    rankings = rankings_of(ig, delta, evaluation.random_seeds)
    images = eval_images(evaluation, scoring.scale, scoring.quality)
    start = time.perf_counter()
    if "jpeg" not in evaluation.inputs:
        raise ValueError("the evaluation needs the JPEG input (the twin's advantage is measured there)")
    gains, twin_gain, control_gain = swap_curves(twin, control, rankings, fractions, images, scoring.scale,
                                                 progress, evaluation.inputs)
    eval_seconds = time.perf_counter() - start
    views = unit_views(twin, rankings["faig"], images, evaluation.view_units)
    meta = {"from": name_from, "to": name_to, "sha256_from": sha_from, "sha256_to": sha_to,
            "scoring": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(scoring).items()},
            "evaluation": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(evaluation).items()},
            "scores": info, "eval_seconds": eval_seconds, "units": units.count}
    result = SkillResult(meta, units, ig, delta, rankings, np.asarray(fractions), gains, twin_gain, control_gain,
                         [im.name for im in images], views)
    if use_cache:
        result.save(result_file)
    return result
