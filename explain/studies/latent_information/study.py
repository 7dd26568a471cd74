"""The latent-information run: codes sampled per image and input condition, linear probes fitted per task and
model, InfoNCE bounds per (model, input, target) (see :mod:`explain.studies.latent_information`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from tqdm.auto import tqdm

from ...checks import check_positive_int
from ...codecs import available_codecs, compress, compress_to_bpp
from ...images import DEFAULT_IMAGES, downscale, upscale_bicubic
from ...models.names import KNOWN
from .._common import check_scale, image_sources, load_hr, load_models
from .infonce import infonce_bound
from .linear_probe import fit_linear_probe
from .results import (
    DEFAULT_PHASE_QUALITIES,
    DEFAULT_QUALITY_BINS,
    INPUT_REFERENCE,
    InfoScore,
    LatentInformation,
    ProbeScore,
)
from .samples import Codes, hr_patches, interior_positions, neighbourhood


def latent_information(models=KNOWN, images=None, scale: int = 2, crop: int | None = 256, per_image: int = 1024,
                       phase_qualities: Sequence[int] = DEFAULT_PHASE_QUALITIES,
                       quality_bins: Sequence[int] = DEFAULT_QUALITY_BINS, codecs: Sequence[str] | None = None,
                       codec_bpp: float = 1.0, infonce_inputs: Sequence[str] = ("clean", "jpeg30"),
                       infonce_targets: Sequence[str] = ("hr", "detail"), batch: int = 128, steps: int = 300,
                       probe_steps: int = 100, limit: int | None = None, seed: int = 0,
                       progress: bool = True) -> LatentInformation:
    """Run the probes and InfoNCE bounds (see the module docstring) for each model.

    images:  None (all bundled default images), a folder or names / paths; at least 2 (every third image,
             or the last of two, is a test image). HR crop ``crop`` (None: whole), LR = ×``scale`` downscale.
    per_image: codes sampled per image and input condition (interior pixels, same positions for all
             conditions and models).
    phase_qualities: JPEG qualities (4:2:0, grid phase 0) of the block-phase probe inputs.
    quality_bins: JPEG qualities of the quality probe (one class each).
    codecs / codec_bpp: codec probe inputs, each coded to about ``codec_bpp`` bits per LR pixel.
    infonce_inputs: "clean" and/or "jpegQ"; infonce_targets: "hr" and/or "detail".
    """
    scale = check_scale(scale)
    for value, name in ((per_image, "per_image"), (batch, "batch"), (steps, "steps"), (probe_steps, "probe_steps")):
        check_positive_int(value, name)
    models = load_models(models)
    if not models:
        raise ValueError("give at least one model")
    codecs = list(available_codecs() if codecs is None else codecs)
    for t in infonce_targets:
        if t not in ("hr", "detail"):
            raise ValueError(f"infonce targets must be 'hr' or 'detail', got {t!r}")
    inputs = {}
    for text in infonce_inputs:
        if text == "clean":
            inputs[text] = None
        elif text.startswith("jpeg") and text[4:].isdigit():
            inputs[text] = int(text[4:])
        else:
            raise ValueError(f"infonce inputs must be 'clean' or 'jpegQ', got {text!r}")
    sources = image_sources(list(DEFAULT_IMAGES) if images is None else images, limit)
    if len(sources) < 2:
        raise ValueError("the probes need at least 2 images (train and test images differ)")
    test_images = set(range(2, len(sources), 3)) if len(sources) >= 3 else {len(sources) - 1}
    margin = max(m.receptive_radius for m in models.values()) + 1
    rng = np.random.default_rng(seed)

    # one record per (image, condition): the decoded LR and the sampled positions
    encoders = {**models}
    data: dict[str, dict[str, list]] = {}  # task → {"x": {model: [arrays]}, "y": [arrays], "test": [bools]}
    info_pairs: dict[tuple[str, str, str], dict[str, list]] = {}
    bpps: dict[str, list[float]] = {c: [] for c in codecs}

    def add(task, label_array, codes: Codes, rows, cols, is_test):
        entry = data.setdefault(task, {"x": {}, "y": [], "test": []})
        entry["y"].append(label_array)
        entry["test"].append(np.full(len(rows), is_test))
        entry["x"].setdefault(INPUT_REFERENCE, []).append(neighbourhood(codes.decoded, rows, cols))
        for label in encoders:
            entry["x"].setdefault(label, []).append(codes(label)[rows, cols])

    for i, (_, source) in enumerate(tqdm(sources, desc="latent information", disable=not progress)):
        is_test = i in test_images
        hr = load_hr(source, scale, crop)
        lr = downscale(hr, scale)
        rows, cols = interior_positions(lr.shape, margin, per_image, rng)
        phase_r, phase_c = rows % 8, cols % 8
        conditions = [("clean", None, lr)] + [(f"jpeg{q}", q, compress(lr, "jpeg", quality=q)[0])
                                              for q in sorted(set(phase_qualities) | set(quality_bins)
                                                              | {q for q in inputs.values() if q is not None})]
        for cond, q, decoded in conditions:
            codes = Codes(decoded, encoders)
            if q in phase_qualities:
                add("block phase (64)", phase_r * 8 + phase_c, codes, rows, cols, is_test)
                add("row phase (8)", phase_r, codes, rows, cols, is_test)
                add("col phase (8)", phase_c, codes, rows, cols, is_test)
            if cond == "clean":
                add("block phase (64), clean control", phase_r * 8 + phase_c, codes, rows, cols, is_test)
            if q in quality_bins:
                add(f"JPEG quality ({len(quality_bins)} bins)", np.full(len(rows), list(quality_bins).index(q)),
                    codes, rows, cols, is_test)
            if cond in inputs:
                for target in infonce_targets:
                    x = hr if target == "hr" else hr - upscale_bicubic(lr, size=hr.shape[:2])
                    patches = hr_patches(x, rows, cols, scale)
                    for label in encoders:
                        pair = info_pairs.setdefault((label, cond, target), {"z": [], "x": [], "test": []})
                        pair["z"].append(codes(label)[rows, cols])
                        pair["x"].append(patches)
                        pair["test"].append(np.full(len(rows), is_test))
                    pair = info_pairs.setdefault((INPUT_REFERENCE, cond, target), {"z": [], "x": [], "test": []})
                    pair["z"].append(neighbourhood(decoded, rows, cols))
                    pair["x"].append(patches)
                    pair["test"].append(np.full(len(rows), is_test))
        for k, codec in enumerate(codecs):
            decoded, info = compress_to_bpp(lr, codec, codec_bpp)
            bpps[codec].append(info.bpp)
            add(f"codec ({len(codecs)})", np.full(len(rows), k), Codes(decoded, encoders), rows, cols, is_test)

    probes = _fit_probes(data, probe_steps, seed, progress)
    infos = _fit_bounds(info_pairs, batch, steps, seed, progress)
    params = dict(models=list(models), images=[n for n, _ in sources],
                  test_images=[sources[i][0] for i in sorted(test_images)], scale=scale, crop=crop,
                  per_image=per_image, margin=margin, phase_qualities=list(phase_qualities),
                  quality_bins=list(quality_bins), codecs=codecs, codec_bpp=codec_bpp,
                  codec_bpp_measured={c: float(np.mean(v)) for c, v in bpps.items()}, batch=batch, steps=steps,
                  probe_steps=probe_steps, seed=seed)
    return LatentInformation(probes, infos, params)


def _fit_probes(data: dict, steps: int, seed: int, progress: bool) -> list[ProbeScore]:
    """One linear probe per task and feature source. ``data``: task → {"y": [(n,) labels], "test": [(n,) bool],
    "x": {source: [(n, D) features]}}, the lists in sampling order (test rows are those marked True)."""
    probes = []
    for task, entry in tqdm(data.items(), desc="linear probes", disable=not progress):
        y = np.concatenate(entry["y"])
        test = np.concatenate(entry["test"])
        classes = int(y.max() + 1)
        for label, xs in entry["x"].items():
            x = np.concatenate(xs)
            p = fit_linear_probe(x[~test], y[~test], x[test], y[test], classes=classes, steps=steps, seed=seed)
            probes.append(ProbeScore(task, label, classes, p.n_train, p.n_test, p.train_accuracy, p.test_accuracy,
                                     p.chance))
    return probes


def _fit_bounds(pairs: dict, batch: int, steps: int, seed: int, progress: bool) -> list[InfoScore]:
    """One InfoNCE bound per (source, input, target). ``pairs``: key → {"z": [(n, Dz)], "x": [(n, Dx)],
    "test": [(n,) bool]}."""
    infos = []
    for (label, cond, target), pair in tqdm(pairs.items(), desc="InfoNCE", disable=not progress):
        z, x, test = (np.concatenate(pair[k]) for k in ("z", "x", "test"))
        b = infonce_bound(z[~test], x[~test], z[test], x[test], batch=batch, steps=steps, seed=seed)
        infos.append(InfoScore(label, cond, target, b.bound, b.train_bound, b.log_n))
    return infos
