"""Latent-information probe: what do the encoder's latent codes carry about the codec and its block grid?

After LCL (arXiv 2406.07543), which trains encoders to maximise the information their latents carry, we
measure two things for each model (by default the official ``liif-edsr``, its JPEG twin ``liif-edsr-jpeg``
and the clean control ``liif-edsr-clean``):

1. **Linear probes** (multinomial logistic regression, :func:`fit_linear_probe`) from one latent code
   (the C channels of the grid at an LR pixel) to
   * the 8×8 JPEG block phase of that pixel: (row mod 8, col mod 8) as 64 classes, and row / column phase
     as 8 classes each, on JPEG-coded inputs (grid at phase (0, 0)); the same 64-class probe on clean
     inputs is the control (no grid → chance);
   * the codec that coded the input (JPEG, WebP, JPEG 2000, AVIF at a matched bit rate);
   * the JPEG quality bin of the input.
   Train and test codes come from different images (every third image is a test image), and codes within
   the encoder's receptive radius of the image border are left out (zero padding would give away position).
   Chance is the test share of the most frequent class. A probe on the input's own 3×3 pixel
   neighbourhood ("input 3×3") is the reference: what a linear read-out of the pixels already gives.
   If the JPEG model's codes predict block phase far above chance (and above the pixel reference), the
   model represents where it sits in the grid — direct evidence that it uses the grid as a clue.

2. **An InfoNCE lower bound** (van den Oord et al. 2018; Poole et al. 2019) on the mutual information
   between a latent code and the clean HR patch over its LR pixel's 3×3 neighbourhood (``"hr"``) or that
   patch's detail, HR minus the bicubic upscale of the clean LR (``"detail"``):
   I(Z; X) ≥ log N − L_InfoNCE, with a separable critic f(z, x) = g(z)·h(x) (two small MLPs) trained for a
   few hundred steps on training images and evaluated on test images in batches of N. The bound can never
   exceed log N (nats); it is a lower bound, so differences between models are differences in what a small
   critic can extract, not exact information.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..checks import check_positive_int
from ..codecs import available_codecs, compress, compress_to_bpp
from ..evaluate import atomic_write_text
from ..fileio import staged_folder
from ..images import DEFAULT_IMAGES, downscale, upscale_bicubic
from ..models.names import KNOWN
from ._common import (
    check_scale,
    fmt,
    image_sources,
    images_from_args,
    load_hr,
    load_models,
    parse_models,
    write_json,
)

INPUT_REFERENCE = "input 3×3"
DEFAULT_QUALITY_BINS = (10, 30, 50, 70, 90)
DEFAULT_PHASE_QUALITIES = (20, 40)


# -------------------------------------------------------------------------------------- linear probe
@dataclass
class LinearProbe:
    """A fitted multinomial logistic regression on standardised features.

    weight (K, D), bias (K,), mean / std (D,) of the training features; accuracies in [0, 1];
    ``chance`` = share of the most frequent class among the test labels; ``classes`` = K.
    """

    weight: np.ndarray
    bias: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    classes: int
    train_accuracy: float
    test_accuracy: float
    chance: float
    n_train: int
    n_test: int

    def predict(self, x) -> np.ndarray:
        z = (np.asarray(x, np.float64) - self.mean) / self.std
        return np.argmax(z @ self.weight.T + self.bias, axis=1)


def _check_xy(x, y, name):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(f"{name}: features must be (N, D) and labels (N,) with N > 0, got {x.shape} and {y.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: features contain NaN or infinite values")
    if not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise ValueError(f"{name}: labels must be non-negative integers")
    return x, y.astype(np.int64)


def fit_linear_probe(x_train, y_train, x_test, y_test, classes: int | None = None, l2: float = 1e-3,
                     steps: int = 100, seed: int = 0) -> LinearProbe:
    """Multinomial logistic regression (softmax, L2 penalty ``l2``·|W|²) fitted by L-BFGS for ``steps``
    iterations on standardised features (training mean / std); accuracy on both splits.

    x_*: (N, D) float; y_*: (N,) int labels in [0, classes).
    """
    x_train, y_train = _check_xy(x_train, y_train, "training set")
    x_test, y_test = _check_xy(x_test, y_test, "test set")
    if x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"train and test features differ in width ({x_train.shape[1]} vs {x_test.shape[1]})")
    k = int(max(y_train.max(), y_test.max()) + 1) if classes is None else int(classes)
    if max(y_train.max(), y_test.max()) >= k:
        raise ValueError(f"labels must be < classes={k}")
    mean, std = x_train.mean(0), x_train.std(0)
    std[std == 0] = 1.0
    gen = torch.Generator().manual_seed(seed)
    xt = torch.from_numpy((x_train - mean) / std).float()
    yt = torch.from_numpy(y_train)
    weight = (0.01 * torch.randn(k, xt.shape[1], generator=gen)).requires_grad_(True)
    bias = torch.zeros(k, requires_grad=True)
    opt = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=int(steps), line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(xt @ weight.T + bias, yt) + l2 * (weight ** 2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    probe = LinearProbe(weight.detach().double().numpy(), bias.detach().double().numpy(), mean, std, k, 0.0, 0.0,
                        float(np.bincount(y_test, minlength=k).max() / y_test.size), len(y_train), len(y_test))
    probe.train_accuracy = float((probe.predict(x_train) == y_train).mean())
    probe.test_accuracy = float((probe.predict(x_test) == y_test).mean())
    return probe


# -------------------------------------------------------------------------------------- InfoNCE
@dataclass
class InfoNCEBound:
    """InfoNCE estimate in nats: ``bound`` on held-out pairs, ``train_bound`` on the last training batches,
    ``log_n`` = log(batch) (the ceiling of the bound)."""

    bound: float
    train_bound: float
    log_n: float
    batch: int
    steps: int


class _Critic(nn.Module):
    def __init__(self, dz: int, dx: int, hidden: int, embed: int):
        super().__init__()
        self.g = nn.Sequential(nn.Linear(dz, hidden), nn.ReLU(), nn.Linear(hidden, embed))
        self.h = nn.Sequential(nn.Linear(dx, hidden), nn.ReLU(), nn.Linear(hidden, embed))

    def forward(self, z, x):  # (N, dz), (N, dx) → (N, N) scores f(z_i, x_j)
        return self.g(z) @ self.h(x).T


def _standardise(train, test):
    mean, std = train.mean(0), train.std(0)
    std[std == 0] = 1.0
    return torch.from_numpy((train - mean) / std).float(), torch.from_numpy((test - mean) / std).float()


def infonce_bound(z_train, x_train, z_test, x_test, batch: int = 128, steps: int = 300, hidden: int = 128,
                  embed: int = 64, lr: float = 1e-3, seed: int = 0) -> InfoNCEBound:
    """Train a separable critic on (z, x) pairs and return the InfoNCE lower bound log N − L on test pairs.

    z_*: (N, Dz), x_*: (N, Dx) paired rows. Each step draws ``batch`` training pairs; the other rows of the
    batch are the negatives. The test estimate averages over disjoint batches of the (shuffled) test set.
    """
    z_train, z_test = (np.asarray(a, np.float64) for a in (z_train, z_test))
    x_train, x_test = (np.asarray(a, np.float64) for a in (x_train, x_test))
    for a, b, name in ((z_train, x_train, "training"), (z_test, x_test, "test")):
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
            raise ValueError(f"{name} pairs must be (N, Dz) and (N, Dx) with the same N, got {a.shape}, {b.shape}")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 2:
        raise ValueError(f"batch must be an integer >= 2, got {batch!r}")
    if min(len(z_train), len(z_test)) < batch:
        raise ValueError(f"need at least batch={batch} training and test pairs, got {len(z_train)} and {len(z_test)}")
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        critic = _Critic(z_train.shape[1], x_train.shape[1], hidden, embed)
    zt, zv = _standardise(z_train, z_test)
    xt, xv = _standardise(x_train, x_test)
    opt = torch.optim.Adam(critic.parameters(), lr=lr)
    labels = torch.arange(batch)
    log_n = math.log(batch)
    recent = []
    with torch.enable_grad():
        for _ in range(int(steps)):
            idx = torch.randperm(len(zt), generator=gen)[:batch]
            loss = nn.functional.cross_entropy(critic(zt[idx], xt[idx]), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            recent = (recent + [loss.item()])[-20:]
    with torch.no_grad():
        order = torch.randperm(len(zv), generator=gen)
        losses = [float(nn.functional.cross_entropy(critic(zv[idx], xv[idx]), labels))
                  for idx in order[: len(order) // batch * batch].view(-1, batch)]
    return InfoNCEBound(log_n - float(np.mean(losses)), log_n - float(np.mean(recent)) if recent else float("nan"),
                        log_n, batch, int(steps))


# -------------------------------------------------------------------------------------- data
def _features(model, lr: np.ndarray) -> np.ndarray:
    """(h, w, C) latent codes of one LR image."""
    param = next(model.parameters())
    x = torch.from_numpy(lr).permute(2, 0, 1).unsqueeze(0).to(param.device, param.dtype)
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model.encode(x).features[0].permute(1, 2, 0).float().cpu().numpy()
    finally:
        model.train(was)


class _Codes:
    """Latent codes (h, w, C) of one decoded LR image per model label, computed on first use."""

    def __init__(self, decoded: np.ndarray, models: dict):
        self.decoded, self.models, self.store = decoded, models, {}

    def __call__(self, label: str) -> np.ndarray:
        if label not in self.store:
            self.store[label] = _features(self.models[label], self.decoded)
        return self.store[label]


def _neighbourhood(image: np.ndarray, rows, cols, radius: int = 1) -> np.ndarray:
    """(N, (2r+1)²·3) pixel neighbourhoods around (rows, cols) (all inside the image)."""
    offs = range(-radius, radius + 1)
    return np.stack([image[rows + dr, cols + dc] for dr in offs for dc in offs], axis=1).reshape(len(rows), -1)


def _hr_patches(hr: np.ndarray, rows, cols, scale: int) -> np.ndarray:
    """(N, (3s)²·3) HR pixels under the 3×3 LR neighbourhood of each LR pixel."""
    s = scale
    return np.stack([hr[(r - 1) * s: (r + 2) * s, (c - 1) * s: (c + 2) * s].ravel() for r, c in zip(rows, cols)])


def _positions(shape, margin: int, count: int, rng) -> tuple[np.ndarray, np.ndarray]:
    h, w = shape[:2]
    if h - 2 * margin < 8 or w - 2 * margin < 8:
        raise ValueError(f"an LR image of {h}×{w} leaves no interior beyond the receptive radius {margin}; "
                         "use larger images or a larger crop")
    rr, cc = np.meshgrid(np.arange(margin, h - margin), np.arange(margin, w - margin), indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    pick = rng.choice(rr.size, size=min(count, rr.size), replace=False)
    return rr[pick], cc[pick]


@dataclass
class ProbeScore:
    task: str
    model: str
    classes: int
    n_train: int
    n_test: int
    train_accuracy: float
    test_accuracy: float
    chance: float


@dataclass
class InfoScore:
    model: str
    input: str
    target: str
    bound: float
    train_bound: float
    log_n: float


@dataclass
class LatentInformation:
    probes: list[ProbeScore]
    infonce: list[InfoScore]
    params: dict = field(default_factory=dict)

    def accuracy(self, task: str, model: str) -> float:
        for p in self.probes:
            if p.task == task and p.model == model:
                return p.test_accuracy
        raise KeyError(f"no probe {task!r} for model {model!r}")


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

    def add(task, label_array, codes: _Codes, rows, cols, is_test):
        entry = data.setdefault(task, {"x": {}, "y": [], "test": []})
        entry["y"].append(label_array)
        entry["test"].append(np.full(len(rows), is_test))
        entry["x"].setdefault(INPUT_REFERENCE, []).append(_neighbourhood(codes.decoded, rows, cols))
        for label in encoders:
            entry["x"].setdefault(label, []).append(codes(label)[rows, cols])

    for i, (_, source) in enumerate(tqdm(sources, desc="latent information", disable=not progress)):
        is_test = i in test_images
        hr = load_hr(source, scale, crop)
        lr = downscale(hr, scale)
        rows, cols = _positions(lr.shape, margin, per_image, rng)
        phase_r, phase_c = rows % 8, cols % 8
        conditions = [("clean", None, lr)] + [(f"jpeg{q}", q, compress(lr, "jpeg", quality=q)[0])
                                              for q in sorted(set(phase_qualities) | set(quality_bins)
                                                              | {q for q in inputs.values() if q is not None})]
        for cond, q, decoded in conditions:
            codes = _Codes(decoded, encoders)
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
                    patches = _hr_patches(x, rows, cols, scale)
                    for label in encoders:
                        pair = info_pairs.setdefault((label, cond, target), {"z": [], "x": [], "test": []})
                        pair["z"].append(codes(label)[rows, cols])
                        pair["x"].append(patches)
                        pair["test"].append(np.full(len(rows), is_test))
                    pair = info_pairs.setdefault((INPUT_REFERENCE, cond, target), {"z": [], "x": [], "test": []})
                    pair["z"].append(_neighbourhood(decoded, rows, cols))
                    pair["x"].append(patches)
                    pair["test"].append(np.full(len(rows), is_test))
        for k, codec in enumerate(codecs):
            decoded, info = compress_to_bpp(lr, codec, codec_bpp)
            bpps[codec].append(info.bpp)
            add(f"codec ({len(codecs)})", np.full(len(rows), k), _Codes(decoded, encoders), rows, cols, is_test)

    probes = []
    for task, entry in tqdm(data.items(), desc="linear probes", disable=not progress):
        y = np.concatenate(entry["y"])
        test = np.concatenate(entry["test"])
        classes = int(y.max() + 1)
        for label, xs in entry["x"].items():
            x = np.concatenate(xs)
            p = fit_linear_probe(x[~test], y[~test], x[test], y[test], classes=classes, steps=probe_steps, seed=seed)
            probes.append(ProbeScore(task, label, classes, p.n_train, p.n_test, p.train_accuracy, p.test_accuracy,
                                     p.chance))
    infos = []
    for (label, cond, target), pair in tqdm(info_pairs.items(), desc="InfoNCE", disable=not progress):
        z, x, test = (np.concatenate(pair[k]) for k in ("z", "x", "test"))
        b = infonce_bound(z[~test], x[~test], z[test], x[test], batch=batch, steps=steps, seed=seed)
        infos.append(InfoScore(label, cond, target, b.bound, b.train_bound, b.log_n))
    params = dict(models=list(models), images=[n for n, _ in sources],
                  test_images=[sources[i][0] for i in sorted(test_images)], scale=scale, crop=crop,
                  per_image=per_image, margin=margin, phase_qualities=list(phase_qualities),
                  quality_bins=list(quality_bins), codecs=codecs, codec_bpp=codec_bpp,
                  codec_bpp_measured={c: float(np.mean(v)) for c, v in bpps.items()}, batch=batch, steps=steps,
                  probe_steps=probe_steps, seed=seed)
    return LatentInformation(probes, infos, params)


# -------------------------------------------------------------------------------------- reporting
def task_order(result: LatentInformation) -> list[str]:
    """Probe tasks in reading order: block phase, row / column phase, codec, quality, then the clean control."""
    tasks = list(dict.fromkeys(s.task for s in result.probes))
    return sorted(tasks, key=lambda t: ("clean control" in t, t.startswith("JPEG"), t.startswith("codec")))


def label_order(result: LatentInformation) -> list[str]:
    """Models in the order they were given, then the input-pixel reference."""
    labels = list(dict.fromkeys(p.model for p in result.probes))
    return [m for m in labels if m != INPUT_REFERENCE] + ([INPUT_REFERENCE] if INPUT_REFERENCE in labels else [])


def render_markdown(result: LatentInformation) -> str:
    p = result.params
    labels = [*p["models"], INPUT_REFERENCE]
    lines = [f"## Latent information ({len(p['images'])} images, test images: {', '.join(p['test_images'])}; "
             f"×{p['scale']} LR, {p['per_image']} codes per image and input)", "",
             "Linear-probe test accuracy (chance = most frequent test class). 'input 3×3' reads the decoded LR "
             "pixels around the code's pixel instead of the code.", "",
             "| task | chance | " + " | ".join(labels) + " |", "|---|---|" + "---|" * len(labels)]
    for task in task_order(result):
        by = {s.model: s for s in result.probes if s.task == task}
        chance = next(iter(by.values())).chance
        lines.append(f"| {task} | {100 * chance:.1f} % | " +
                     " | ".join(f"{100 * by[m].test_accuracy:.1f} %" if m in by else "–" for m in labels) + " |")
    lines += ["", f"InfoNCE lower bound on I(code; HR patch) in nats (ceiling log N = {math.log(p['batch']):.2f}; "
                  f"critic trained {p['steps']} steps, evaluated on the test images):", "",
              "| input | target | " + " | ".join(labels) + " |", "|---|---|" + "---|" * len(labels)]
    keys = list(dict.fromkeys((s.input, s.target) for s in result.infonce))
    for cond, target in keys:
        by = {s.model: s for s in result.infonce if s.input == cond and s.target == target}
        cells = " | ".join(fmt(by[m].bound) if m in by else "–" for m in labels)
        lines.append(f"| {cond} | {target} | {cells} |")
    measured = ", ".join(f"{c} {v:.2f}" for c, v in p["codec_bpp_measured"].items())
    lines += ["", f"Codec probe inputs at ~{p['codec_bpp']:g} bpp (measured means: {measured})."]
    return "\n".join(lines) + "\n"


def write_latent_information(result: LatentInformation, out_dir) -> dict[str, Path]:
    from ..figures.studies import plot_probe_accuracies
    from ._common import save_figure

    names = {"json": "latent_information.json", "markdown": "latent_information.md", "figure": "probes.png"}
    with staged_folder(out_dir) as stage:
        write_json({"params": result.params, "probes": result.probes, "infonce": result.infonce},
                   stage / names["json"])
        atomic_write_text(stage / names["markdown"], render_markdown(result))
        save_figure(plot_probe_accuracies(result), stage / names["figure"])
    return {kind: Path(out_dir) / name for kind, name in names.items()}


def add_arguments(parser) -> None:
    """Options of ``liif-explain latent-info``."""
    parser.add_argument("--models", nargs="+", default=list(KNOWN), metavar="MODEL")
    parser.add_argument("--images", nargs="*", default=None,
                        help="default-image names, files, or ONE folder; default: all bundled images")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--scale", type=int, default=2)
    parser.add_argument("--crop", type=int, default=256, help="central HR crop side (0: whole image)")
    parser.add_argument("--per-image", type=int, default=1024)
    parser.add_argument("--codec-bpp", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=300, help="InfoNCE critic training steps")
    parser.add_argument("--batch", type=int, default=128, help="InfoNCE batch N (bound ceiling log N)")
    parser.add_argument("--out", default="out/latent_information")
    parser.add_argument("--no-progress", action="store_true")


def run(args) -> LatentInformation:
    """Run ``liif-explain latent-info``: writes OUT/latent_information.{json,md} and probes.png."""
    images = images_from_args(args.images)
    result = latent_information(parse_models(args.models), images=images, scale=args.scale, crop=args.crop or None,
                                per_image=args.per_image, codec_bpp=args.codec_bpp, steps=args.steps,
                                batch=args.batch, limit=args.limit, progress=not args.no_progress)
    paths = write_latent_information(result, args.out)
    print(render_markdown(result))
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    return result
