"""One paragraph for the answer: where JPEG training changed the model, how much of its JPEG advantage the top
units carry, and whether those units fire on the photo's explained blocks (from a cached :class:`SkillResult`)."""

from __future__ import annotations

import numpy as np

from ...images import load_image
from ...models.units import weight_units
from ...probes._lr_query import block_phase
from ...probes.unit_maps import spatial_units, unit_maps
from .results import SkillResult

BLOCK = 8


PART_WORDS = {"res": "the encoder's residual blocks", "end": "the convolution closing the encoder's body",
              "head": "the encoder's first convolution", "mlp": "the MLP decoder"}


def _part(name: str) -> tuple[str, int | None]:
    """("res", block) / ("end", None) / ("head", None) / ("mlp", None) of a LIIF weight name."""
    bits = name.removesuffix(".weight").split(".")
    if bits[:2] == ["encoder", "body"] and len(bits) == 5:
        return "res", int(bits[2])
    if bits[:2] == ["encoder", "body"]:
        return "end", None
    if bits[:2] == ["encoder", "head"]:
        return "head", None
    return "mlp", None


def parts_of(units, chosen) -> dict[str, float]:
    """{part of the network: share of the units ``chosen``} (parts as in :data:`PART_WORDS`)."""
    p, _, _ = units.locate(np.asarray(chosen))
    counts = np.bincount(p, minlength=len(units.params))
    total = max(int(counts.sum()), 1)
    out = dict.fromkeys(PART_WORDS, 0.0)
    for name, c in zip(units.params, counts):
        out[_part(name)[0]] += c / total
    return out


def _where(result: SkillResult, fraction: float) -> str:
    """Where the top ``fraction`` sit, by part of the network (res blocks named by their index)."""
    counts = result.layer_counts(fraction)
    total = counts.sum()
    parts = dict.fromkeys(PART_WORDS, 0)
    per_block: dict[int, int] = {}
    for name, c in zip(result.units.params, counts):
        part, block = _part(name)
        parts[part] += c
        if block is not None:
            per_block[block] = per_block.get(block, 0) + c
    pieces = []
    for key in sorted(parts, key=lambda k: -parts[k]):
        if parts[key]:
            text = f"{100 * parts[key] / total:.0f} % in {PART_WORDS[key]}"
            if key == "res" and per_block:
                best = sorted(per_block, key=lambda b: -per_block[b])[:3]
                text += f" (most in blocks {', '.join(str(b) for b in sorted(best))} of 0–{max(per_block)})"
            pieces.append(text)
    return "; ".join(pieces)


def _block_ratios(maps: np.ndarray, blocks, phase) -> np.ndarray:
    """(n_units, n_blocks) mean |map| in each explained block over the median of the photo's whole blocks."""
    a = np.abs(maps)
    h, w = a.shape[1:]
    pr, pc = phase[0] % BLOCK, phase[1] % BLOCK
    rows = range(pr, h - BLOCK + 1, BLOCK)
    cols = range(pc, w - BLOCK + 1, BLOCK)
    means = np.stack([a[:, r: r + BLOCK, c: c + BLOCK].mean(axis=(1, 2)) for r in rows for c in cols], axis=1)
    median = np.median(means, axis=1)
    there = np.stack([a[:, r: r + BLOCK, c: c + BLOCK].mean(axis=(1, 2)) for r, c in blocks], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return there / median[:, None]


def unit_firing(result: SkillResult, model, lr, blocks, phase=(0, 0), fraction: float = 0.01,
                max_units: int = 512, seed: int = 0) -> dict:
    """How strongly the top ``fraction`` FAIG units (their best ``max_units`` with a feature map) fire on each
    explained block of ``lr``, as the median over units of (mean |activation| in the block / the unit's median
    over the photo's whole 8×8 blocks); the same for as many random units of the same layers.

    blocks: LR (row, col) of each block's top-left; phase: the grid phase (blocks start at rows ≡ phase[0] and
    columns ≡ phase[1] mod 8). Returns {"top": (n_blocks,), "random": (n_blocks,), "units": count}.
    """
    image = load_image(lr)
    h, w = image.shape[:2]
    phase = block_phase(phase)
    blocks = [(int(r), int(c)) for r, c in blocks]
    if not blocks:
        raise ValueError("no explained blocks given")
    for r, c in blocks:
        if not (0 <= r <= h - BLOCK and 0 <= c <= w - BLOCK):
            raise ValueError(f"block at LR ({r}, {c}) does not fit in the {h}×{w} image")
    if min(h, w) < 2 * BLOCK:
        raise ValueError(f"the image ({h}×{w}) holds too few 8×8 blocks for a median")
    units = weight_units(model)
    if units.shapes != result.units.shapes:
        raise ValueError("the model's architecture differs from the one the ranking was made for")
    spatial = spatial_units(model, units)
    top = result.top(fraction)
    top = top[spatial[top]][:max_units]
    p_top, _, _ = units.locate(top)
    rng = np.random.default_rng(seed)
    rand = np.array([rng.choice(np.flatnonzero(spatial[units.layer_slice(units.params[p])]) +
                                units.layer_slice(units.params[p]).start) for p in p_top], dtype=np.int64)
    out = {"units": len(top)}
    for key, chosen in (("top", top), ("random", rand)):
        ratios = _block_ratios(unit_maps(model, image, chosen, units).maps, blocks, phase)
        out[key] = np.nanmedian(ratios, axis=0)
    return out


def verdict_of(top: float, random: float, margin: float = 1.2) -> str:
    """Words for the top units' response on the explained blocks (``top``, × the photo's median block) beside
    random units of the same layers (``random``)."""
    if top >= margin and top >= margin * random:
        return "fire more there than on the photo's typical block, and more than random units of their layers do"
    if top >= margin:
        return ("fire more there than on the photo's typical block, but so do random units of their layers: the "
                "blocks are busy for the whole network, not for these units in particular")
    if top <= 1 / margin:
        return "fire less there than on the photo's typical block"
    return "fire about as much there as on the photo's typical block"


def skill_paragraph(result: SkillResult, model, lr, blocks, phase=(0, 0), fraction: float = 0.01) -> str:
    """The answer's paragraph on what JPEG training changed (see the module docstring).

    result: the cached :class:`SkillResult` (e.g. ``explain.studies.skill.cached_result(control, twin)``);
    model:  the headline model (a loaded model of the same architecture); lr: the photo's LR image (h, w, 3) in
    [0, 1] as the model reads it; blocks: LR (row, col) of the top-left of each explained 8×8 block; phase: the
    grid phase (row, col). ``fraction`` must be one of the evaluated swap fractions.
    """
    removed = result.removed_at(fraction)
    rand = result.removed_at(fraction, "random")
    delta = result.removed_at(fraction, "absdelta")
    i = int(np.argmin(np.abs(result.fractions - fraction)))
    clean_twin, clean_swap = result.twin_gain[1].mean(), result.mean_gain("faig", "clean")[i]
    m = result.meta
    pct = f"{100 * fraction:g} %"
    n_top = int(round(fraction * result.units.count))
    firing = unit_firing(result, model, lr, blocks, phase, fraction)
    top, base = firing["top"], firing["random"]
    mean_top, mean_base = float(np.mean(top)), float(np.mean(base))
    verdict = verdict_of(mean_top, mean_base)
    per_block = ", ".join(f"{t:.2f}×" for t in top)
    name = getattr(model, "name", None) or "the model"
    return (f"Where JPEG training changed the model (FAIG, Xie et al. 2021: integrated gradients in weight space "
            f"from {m['from']} to {m['to']}, JPEG q{m['scoring']['quality']} minus clean, over "
            f"{result.units.count:,} filter units): of the top {pct} ({n_top:,} units), {_where(result, fraction)}. "
            f"Putting the control's weights back into just those units removed {100 * removed:.0f} % of "
            f"{m['to']}'s advantage on JPEG input ({result.advantage('jpeg'):+.2f} dB over the control, "
            f"{len(result.eval_names)} evaluation crops at ×{m['scoring']['scale']}), against "
            f"{100 * delta:.0f} % for the {pct} that changed most (|Δθ|) and {100 * rand:.0f} % for random "
            f"units; on clean input the same swap moved the gain over bicubic from {clean_twin:+.2f} to "
            f"{clean_swap:+.2f} dB. On this photo's {len(top)} explained block(s), in {name}, the top "
            f"{firing['units']} of those units with a feature map respond at {mean_top:.2f}× their median over the "
            f"photo's 8×8 blocks (per block {per_block}; random units of the same layers {mean_base:.2f}×): "
            f"they {verdict}.")
