"""Benchmark evaluation: bicubic vs. LIIF models on Set5 / Set14 / BSD100, clean and JPEG-compressed inputs.

The SR benchmark protocol (as used by LIIF, Chen et al. 2021, Sec. 4.2): the HR image is cropped to a
multiple of the scale s, the LR input is its PIL bicubic downscale on 8-bit values, and quality is measured
on the BT.601 luma Y with an s-pixel border shaved. Compressed inputs pass that LR image through JPEG at
quality Q with 4:2:0 chroma and the 8×8 grid starting at pixel (0, 0). Per (set, scale, input, method) we
report the mean over images of PSNR-Y, SSIM (Y) and PSNR-B (Y; blocking measured on the 8·s-pixel HR grid
that the LR JPEG grid maps to).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .codecs import compress
from .fileio import atomic_write_text  # noqa: F401  (re-exported for callers)
from .images import crop_to_multiple, downscale, load_image, upscale_bicubic
from .metrics import psnr_b, psnr_y, ssim
from .models import ImplicitSR, is_model, load_model
from .models.names import KNOWN
from .paths import shared_data
from .upscale import upscale

# the shared data folder beside the repository (explain/evaluate.py → repo → its parent)
# <checkout>/../shared/data/bench in a source checkout; an installed copy has no default (None).
DEFAULT_ROOT = shared_data("bench")
DEFAULT_SETS = ("set5", "set14", "bsd100")
DEFAULT_SCALES = (2, 3, 4)
DEFAULT_INPUTS = ("clean", "jpeg10", "jpeg20", "jpeg30", "jpeg50")
BASELINE = "bicubic"
IMAGE_SUFFIXES = {".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}
JPEG_SUBSAMPLING = "4:2:0"
_JPEG_INPUT = re.compile(r"^jpeg(\d{1,3})$")


@dataclass
class Row:
    """Mean metrics of one method on one benchmark set at one scale and input condition.

    psnr_y, psnr_b in dB (peak 1, BT.601 Y, s-pixel shave); ssim in [−1, 1] on Y; images = how many were averaged.
    """

    set: str
    scale: int
    input: str
    method: str
    psnr_y: float
    ssim: float
    psnr_b: float
    images: int


METRICS = ("psnr_y", "ssim", "psnr_b")
METRIC_TITLES = {"psnr_y": "PSNR-Y (dB)", "ssim": "SSIM (Y)", "psnr_b": "PSNR-B (dB)"}


# ----------------------------------------------------------------------------------------------- inputs
def jpeg_quality(condition: str) -> int | None:
    """``"clean"`` → None, ``"jpegQ"`` → Q (1–100); anything else → ValueError."""
    if condition == "clean":
        return None
    match = _JPEG_INPUT.match(str(condition))
    if not match or not 1 <= int(match.group(1)) <= 100:
        raise ValueError(f"input condition must be 'clean' or 'jpegQ' with Q in 1..100 (e.g. 'jpeg30'), "
                         f"got {condition!r}")
    return int(match.group(1))


def degrade(lr: np.ndarray, condition: str = "clean") -> np.ndarray:
    """Apply an input condition to a clean LR image: ``"clean"`` → as is, ``"jpegQ"`` → JPEG round trip."""
    quality = jpeg_quality(condition)
    if quality is None:
        return lr
    decoded, _ = compress(lr, "jpeg", quality=quality, subsampling=JPEG_SUBSAMPLING)
    return np.asarray(decoded, dtype=np.float32)


def measure(hr: np.ndarray, sr: np.ndarray, scale: int) -> dict[str, float]:
    """PSNR-Y, SSIM (Y) and PSNR-B (Y, block 8·scale) with a ``scale``-pixel shave."""
    return {
        "psnr_y": psnr_y(hr, sr, shave=scale),
        "ssim": ssim(hr, sr, y_channel=True, shave=scale),
        "psnr_b": psnr_b(hr, sr, block_size=8 * scale, phase=(0, 0), shave=scale, y_channel=True),
    }


def benchmark_images(root=None, name: str = "set5", limit: int | None = None) -> list[Path]:
    """Sorted image files of benchmark set ``name`` under ``root`` (first ``limit`` of them)."""
    root = resolve_root(root)
    folder = root / name
    if not folder.is_dir():
        available = sorted(p.name for p in root.iterdir() if p.is_dir())
        raise ValueError(f"benchmark set {name!r} not found: no folder {folder} (sets under {root}: {available})")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"benchmark folder {folder} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})")
    return files if limit is None else files[:limit]


def resolve_root(root=None) -> Path:
    """The benchmark root (``root`` or :data:`DEFAULT_ROOT`); a missing folder → ValueError saying how to fix it."""
    if root is None and DEFAULT_ROOT is None:
        raise ValueError("there is no default benchmark folder outside a source checkout of liif-explain; pass "
                         "the folder that holds set5/, set14/ and bsd100/ with --root DIR "
                         "(Python: evaluate(..., root=DIR))")
    path = Path(DEFAULT_ROOT if root is None else root).expanduser()
    if not path.is_dir():
        raise ValueError(f"benchmark folder {path} does not exist; pass the folder that holds set5/, set14/ and "
                         f"bsd100/ with --root DIR (Python: evaluate(..., root=DIR))")
    return path


def _load_models(models, device) -> dict[str, ImplicitSR]:
    if isinstance(models, (str, os.PathLike)) or is_model(models):
        models = [models]
    if not isinstance(models, Mapping):
        models = {model_label(m): m for m in models}
    loaded = {}
    for label, model in models.items():
        if label == BASELINE:
            raise ValueError(f"{BASELINE!r} is the baseline's name; give the model another name")
        if is_model(model):
            loaded[label] = model.to(device) if device is not None else model
        else:
            loaded[label] = load_model(model, device=device)
    return loaded


def model_label(model) -> str:
    """Column name for a model: shipped names as they are; ``label=path`` → label; a path → its stem
    (the parent folder's name for training runs' ``model.pt``)."""
    if is_model(model):
        return str(getattr(model, "name", None) or model.config.family)
    text = os.fspath(model)
    if text in KNOWN:
        return text
    path = Path(text)
    return path.parent.name if path.stem == "model" and path.parent.name else path.stem


def parse_model_arg(text: str) -> tuple[str, str]:
    """``"liif-edsr-jpeg"`` → (liif-edsr-jpeg, liif-edsr-jpeg); ``"mine=runs/a/model.pt"`` → (mine, runs/a/model.pt)."""
    if "=" in text and not Path(text).exists():
        label, _, source = text.partition("=")
        if not label or not source:
            raise ValueError(f"model must be NAME, PATH or LABEL=PATH, got {text!r}")
        return label, source
    return model_label(text), text


# ----------------------------------------------------------------------------------------------- evaluate
def evaluate(models: Mapping[str, ImplicitSR | str] | Sequence | None = None, sets: Sequence[str] = DEFAULT_SETS,
             scales: Sequence[int] = DEFAULT_SCALES, inputs: Sequence[str] = DEFAULT_INPUTS, root=None,
             limit: int | None = None, tile: int | None = 256, progress: bool = True, device=None) -> list[Row]:
    """Evaluate bicubic and each model over sets × scales × inputs; returns one :class:`Row` per combination.

    models: ``{column name: model (any family) | shipped name | checkpoint path}`` (a list is labelled with
            :func:`model_label`); ``None`` → the official model and its two fine-tuned twins; ``{}`` evaluates
            bicubic alone.
    sets:   folder names under ``root`` (default ``../shared/data/bench`` beside the repository).
    scales: integer scale factors; inputs: ``"clean"`` or ``"jpegQ"``.
    limit:  use the first N images of each set (sorted by file name) for quick runs.
    tile:   LR tile side for :func:`explain.upscale` (memory bound; the result does not depend on it).
    device: move/load the models there (e.g. ``"cuda"``); bicubic and metrics run on the CPU.
    Rows come in the order set, scale, input, method (bicubic first, then the models in the given order).
    """
    scales = [_check_scale(s) for s in scales]
    for condition in inputs:
        jpeg_quality(condition)
    if limit is not None and (isinstance(limit, bool) or int(limit) < 1):
        raise ValueError(f"limit must be a positive number of images, got {limit!r}")
    if not sets or not scales or not inputs:
        raise ValueError("sets, scales and inputs must each name at least one entry")
    files = {name: benchmark_images(root, name, limit) for name in sets}  # fail early on a missing set
    models = _load_models({name: name for name in KNOWN} if models is None else models, device)
    methods = [BASELINE, *models]
    rows: list[Row] = []
    for name in sets:
        sums = {(s, c, m): dict.fromkeys(METRICS, 0.0) for s in scales for c in inputs for m in methods}
        bar = tqdm(total=len(files[name]) * len(scales) * len(inputs), desc=f"evaluate {name}",
                   disable=not progress)
        for path in files[name]:
            image = load_image(path)  # grayscale files come back replicated to RGB
            for s in scales:
                hr = crop_to_multiple(image, s)
                lr_clean = downscale(hr, s)
                for condition in inputs:
                    lr = degrade(lr_clean, condition)
                    outputs = {BASELINE: upscale_bicubic(lr, size=hr.shape[:2])}
                    for label, model in models.items():  # one LIIF pass per model, shared by all metrics
                        outputs[label] = upscale(model, lr, size=hr.shape[:2], tile=tile)
                    for method, sr in outputs.items():
                        try:
                            values = measure(hr, sr, s)
                        except ValueError as exc:
                            raise ValueError(f"{path} (×{s}, {condition}, {method}): {exc}") from None
                        for metric, value in values.items():
                            sums[s, condition, method][metric] += value
                    bar.update(1)
        bar.close()
        count = len(files[name])
        for s in scales:
            for condition in inputs:
                for method in methods:
                    means = {k: float(v / count) for k, v in sums[s, condition, method].items()}
                    rows.append(Row(name, s, condition, method, images=count, **means))
    return rows


def _check_scale(scale) -> int:
    if isinstance(scale, bool) or not float(scale).is_integer() or int(scale) < 1:
        raise ValueError(f"benchmark scales must be positive integers, got {scale!r}")
    return int(scale)


# ----------------------------------------------------------------------------------------------- tables
def _methods(rows: Iterable[Row]) -> list[str]:
    seen: list[str] = []
    for row in rows:
        if row.method not in seen:
            seen.append(row.method)
    if BASELINE in seen:
        seen.remove(BASELINE)
        seen.insert(0, BASELINE)
    return seen


def _groups(rows: Sequence[Row]) -> dict[tuple[str, int, str], dict[str, Row]]:
    groups: dict[tuple[str, int, str], dict[str, Row]] = {}
    for row in rows:
        groups.setdefault((row.set, row.scale, row.input), {})[row.method] = row
    return groups


def _fmt(metric: str, value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.4f}" if metric == "ssim" else f"{value:.2f}"


def markdown_table(rows: Sequence[Row]) -> str:
    """Methods side by side: one line per (set, scale, input); cells ``bicubic / model / …`` per metric, the
    best value in bold."""
    rows = list(rows)
    if not rows:
        raise ValueError("no rows to tabulate")
    methods = _methods(rows)
    names = " / ".join(methods)
    lines = ["| set | scale | input | " + " | ".join(f"{METRIC_TITLES[m]}: {names}" for m in METRICS) + " |",
             "|---|---|---|" + "---|" * len(METRICS)]
    for (name, scale, condition), by_method in _groups(rows).items():
        cells = []
        for metric in METRICS:
            values = {m: getattr(by_method[m], metric) if m in by_method else None for m in methods}
            finite = [v for v in values.values() if v is not None and math.isfinite(v)]
            best = max(finite) if len(set(finite)) > 1 else None  # no bold for a lone value or an all-way tie
            texts = [f"**{_fmt(metric, v)}**" if best is not None and v == best else _fmt(metric, v)
                     for v in values.values()]
            cells.append(" / ".join(texts))
        lines.append(f"| {name} | ×{scale} | {condition} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@dataclass
class Gain:
    """A method's difference to the baseline on one (set, scale, input): dB for PSNRs, plain for SSIM."""

    set: str
    scale: int
    input: str
    method: str
    d_psnr_y: float
    d_ssim: float
    d_psnr_b: float


def gains(rows: Sequence[Row], baseline: str = BASELINE) -> list[Gain]:
    """Each non-baseline row minus the baseline row of the same (set, scale, input)."""
    out = []
    for (name, scale, condition), by_method in _groups(rows).items():
        if baseline not in by_method:
            raise ValueError(f"no {baseline!r} row for {name} ×{scale} {condition}; methods: {sorted(by_method)}")
        base = by_method[baseline]
        for method, row in by_method.items():
            if method != baseline:
                out.append(Gain(name, scale, condition, method,
                                *(getattr(row, m) - getattr(base, m) for m in METRICS)))
    return out


def gain_table(rows: Sequence[Row], baseline: str = BASELINE) -> str:
    """Markdown: gain of every other method over ``baseline`` (ΔPSNR-Y, ΔSSIM, ΔPSNR-B), one line per
    (set, scale, input), methods side by side."""
    found = gains(rows, baseline)
    methods = [m for m in _methods(rows) if m != baseline]
    if not methods:
        raise ValueError(f"only the baseline {baseline!r} was evaluated; there is no gain to show")
    names = " / ".join(methods)
    titles = {"d_psnr_y": "ΔPSNR-Y (dB)", "d_ssim": "ΔSSIM", "d_psnr_b": "ΔPSNR-B (dB)"}
    lines = ["| set | scale | input | " + " | ".join(f"{t}: {names}" for t in titles.values()) + " |",
             "|---|---|---|" + "---|" * len(titles)]
    by_key: dict[tuple[str, int, str], dict[str, Gain]] = {}
    for gain in found:
        by_key.setdefault((gain.set, gain.scale, gain.input), {})[gain.method] = gain
    for (name, scale, condition), by_method in by_key.items():
        cells = []
        for key in titles:
            fmt = "{:+.4f}" if key == "d_ssim" else "{:+.2f}"
            cells.append(" / ".join(fmt.format(getattr(by_method[m], key)) if m in by_method else "–"
                                    for m in methods))
        lines.append(f"| {name} | ×{scale} | {condition} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_markdown(rows: Sequence[Row], baseline: str = BASELINE, title: str | None = None) -> str:
    """The evaluation table plus, when there are models, their gain over ``baseline``."""
    rows = list(rows)
    counts = sorted({(r.set, r.images) for r in rows})
    parts = [f"## {title}\n" if title else "",
             "Mean over images (" + ", ".join(f"{n}: {c}" for n, c in counts) + "); Y = BT.601 luma, "
             "s-pixel shave, PSNR-B on the 8·s grid; JPEG inputs: 4:2:0, grid phase 0. Best in bold.\n",
             markdown_table(rows)]
    if any(r.method != baseline for r in rows) and any(r.method == baseline for r in rows):
        parts += [f"\nGain over {baseline}:\n", gain_table(rows, baseline)]
    return "\n".join(p for p in parts if p)


# ----------------------------------------------------------------------------------------------- files
def csv_text(rows: Sequence[Row]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[f.name for f in fields(Row)], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (repr(float(v)) if isinstance(v, float) else v) for k, v in asdict(row).items()})
    return buf.getvalue()


def write_csv(rows: Sequence[Row], path) -> None:
    """One line per :class:`Row` (full float precision), header = the Row field names; written atomically."""
    atomic_write_text(path, csv_text(list(rows)))


def write_markdown(rows: Sequence[Row], path, baseline: str = BASELINE) -> None:
    """:func:`render_markdown` written atomically to ``path``."""
    atomic_write_text(path, render_markdown(rows, baseline))


def read_csv(path) -> list[Row]:
    """Rows back from a :func:`write_csv` file."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"evaluation CSV {path} does not exist (write it with `liif-explain evaluate --out DIR`)")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        expected = [f.name for f in fields(Row)]
        if reader.fieldnames != expected:
            raise ValueError(f"{path} is not an evaluation CSV: columns {reader.fieldnames}, expected {expected}")
        try:
            return [Row(r["set"], int(r["scale"]), r["input"], r["method"], float(r["psnr_y"]), float(r["ssim"]),
                        float(r["psnr_b"]), int(r["images"])) for r in reader]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: malformed row ({exc})") from None


# ----------------------------------------------------------------------------------------------- CLI
def add_arguments(parser) -> None:
    """Options of ``liif-explain evaluate``."""
    parser.add_argument("--models", nargs="*", default=list(KNOWN), metavar="MODEL",
                        help="shipped names, checkpoint paths or LABEL=PATH (default: %(default)s; "
                             "none → bicubic only)")
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), help="benchmark folders under --root")
    parser.add_argument("--scales", nargs="+", type=int, default=list(DEFAULT_SCALES))
    parser.add_argument("--inputs", nargs="+", default=list(DEFAULT_INPUTS), help="clean and/or jpegQ (e.g. jpeg30)")
    parser.add_argument("--root", default=None,
                        help=f"folder holding the benchmark sets (default: {DEFAULT_ROOT})")
    parser.add_argument("--limit", type=int, default=None, help="first N images per set (quick runs)")
    parser.add_argument("--tile", type=int, default=256, help="LR tile side for upscaling (memory bound)")
    parser.add_argument("--device", default=None, help="torch device for the models, e.g. cuda (default: cpu)")
    parser.add_argument("--out", default="eval", help="output folder for eval.csv and eval.md (default: %(default)s)")
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")


def run(args) -> list[Row]:
    """Run ``liif-explain evaluate``: writes OUT/eval.csv and OUT/eval.md, prints the Markdown."""
    models = dict(parse_model_arg(m) for m in (args.models or []))
    rows = evaluate(models, sets=args.sets, scales=args.scales, inputs=args.inputs, root=args.root,
                    limit=args.limit, tile=args.tile, progress=not args.no_progress, device=args.device)
    out = Path(args.out)
    write_csv(rows, out / "eval.csv")
    write_markdown(rows, out / "eval.md")
    print(render_markdown(rows))
    print(f"wrote {out / 'eval.csv'} and {out / 'eval.md'}")
    return rows
