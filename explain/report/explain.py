"""Explain a user's own JPEG as it is: its facts, its blockiest blocks, and what each model used to rebuild them.

``explain_photo(photo, out)`` reads the file (:func:`explain.jpeg_facts.read_photo`: no ground truth, no
re-encoding), picks the N blockiest 3×3-block windows on the grid the pixels show (or the user's), upscales each
window with every model (exactly: the output of a window is computed on its receptive crop, as the full upscale
would give it), explains the centre block of each window with :func:`explain.probes.clues.clues` (spatial,
frequency and channel clues with faithfulness checks), the local ensemble and the latent codes, and writes an
HTML report whose first lines are the answer in words, made from the numbers (:mod:`explain.report.words`), with
PNG figures and ``report.json`` holding every number. Output is checked before any computation and written
all-or-nothing (:func:`explain.fileio.staged_folder`).
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..fileio import staged_folder
from ..images import bicubic_window
from ..jpeg_facts import BLOCK, Photo, _json_safe, read_photo
from ..metrics import blockiness_map
from ..models import ImplicitSR, is_model, load_model
from ..models.names import CONTROLS, DEFAULT_MODELS
from ..parallel import default_workers, run_side_by_side
from ..probes.causal import DRAWS, CausalClues, causal_clues, check_original
from ..probes.clues import Clues, block_of, clues, coarser_quality, randomised_copy
from ..probes.ensemble import ensemble_weights
from ..probes.latent import block_boundary_gradients, pca_rgb, periodicity_chance, periodicity_score
from ..upscale import output_size
from .stages import STAGE_WEIGHTS, StageClock

WINDOW_BLOCKS = 3  # a window is the explained block and its 8 neighbours
REPORT_FILES = ("index.html", "report.json")
FILE_LIKE_SUFFIXES = {".html", ".htm", ".json", ".txt", ".md", ".pdf", ".png", ".jpg", ".jpeg", ".svg", ".csv",
                      ".zip", ".tar", ".gz"}


# ------------------------------------------------------------------------------------------------ results
@dataclass
class FirstLook:
    """The pictures of one window before its explanation: what :func:`explain_photo` hands to ``preview`` as soon as
    the headline model has rebuilt the window (seconds in), so a page can show pictures first.

    index: 1-based window number, of ``windows``; ``window_lr`` (row, col, height, width) and ``block_box`` as in
    :class:`WindowExplanation`; ``grid_phase`` the JPEG grid; ``outputs`` name → (window_height·s, window_width·s, 3)
    crops in [0, 1]: "input (nearest)", "bicubic" and the headline model's output (``headline_model``).
    """

    index: int
    windows: int
    window_lr: tuple[int, int, int, int]
    block_box: tuple[tuple[int, int], tuple[int, int]]
    grid_phase: tuple[int, int]
    headline_model: str
    outputs: dict[str, np.ndarray] = field(repr=False)


@dataclass
class WindowExplanation:
    """One explained window.

    index:      1-based number in the report; ``window_lr`` (row, col, height, width) LR pixels of the 3×3-block
                window; ``block`` the LR pixel at the top-left of its centre block; ``block_box`` that block's
                rows/cols; ``blockiness`` the window's local blocking (Yim & Bovik's D_B − D_B^c, luma, [0, 1]²
                units; NaN for a window the user chose near the border).
    clues:      model name → :class:`explain.probes.clues.Clues` of the centre block.
    ensemble:   model name → summary of the local ensemble over the window (see :func:`ensemble_summary`).
    latent:     model name → summary of the latent codes over the window (see :func:`latent_summary`).
    outputs:    name → (window_height·s, window_width·s, 3) crops: "input (nearest)", "bicubic", each model.
    maps:       model name → {"spread": HR weighted-spread map, "pca": LR latent PCA-RGB} for the figures.
    chosen_by:  "blockiest" or "user".
    causal:     label → :class:`explain.probes.causal.CausalClues` of the centre block: every explained model and the
                control (when added, see :func:`explain_photo`); the roles are in :attr:`ExplainReport.causal_roles`.
                (No weight-randomised copy: a random network has no detail to lose, so its causal effects cannot
                fail a comparison. The randomisation test stays with the gradient clues, where it can fail.)
    """

    index: int
    window_lr: tuple[int, int, int, int]
    block: tuple[int, int]
    block_box: tuple[tuple[int, int], tuple[int, int]]
    blockiness: float
    chosen_by: str
    clues: dict[str, Clues] = field(default_factory=dict)
    ensemble: dict[str, dict] = field(default_factory=dict)
    latent: dict[str, dict] = field(default_factory=dict)
    outputs: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    maps: dict[str, dict] = field(default_factory=dict, repr=False)
    causal: dict[str, CausalClues] = field(default_factory=dict)


@dataclass
class ExplainReport:
    """What :func:`explain_photo` found; ``answer`` is the text at the top of the report (paragraphs)."""

    source: str
    photo: Photo
    scale: float
    output_size: tuple[int, int]
    models: list[str]
    headline_model: str
    model_status: dict[str, str]
    windows: list[WindowExplanation]
    answer: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    out_dir: Path | None = None
    files: list[str] = field(default_factory=list)
    causal_roles: dict[str, str] = field(default_factory=dict)  # label → "explained" or "control"
    original: np.ndarray | None = field(default=None, repr=False)  # the HR original, when given
    learnt: dict = field(default_factory=dict)  # role → (label, {intervention: EffectComparison}), causal_learnt
    plain_paragraphs: int = 0  # how many of ``answer``'s first paragraphs are the plain, causal layer
    skill: str | None = None  # the paragraph on where JPEG training changed the model (FAIG), when cached

    def causal_of(self, role: str) -> str | None:
        """The label of the causal clues playing ``role`` ("control"), or None."""
        return next((k for k, v in self.causal_roles.items() if v == role), None)

    @property
    def facts(self):
        return self.photo.facts

    def to_dict(self) -> dict:
        return _json_safe({
            "format": "liif-explain-explain/1", "source": self.source, "answer": self.answer,
            "facts": self.facts.to_dict(), "scale": self.scale, "output_size": self.output_size,
            "models": self.models, "headline_model": self.headline_model, "model_status": self.model_status,
            "windows": [{"index": w.index, "window_lr": w.window_lr, "block": w.block, "block_box": w.block_box,
                         "blockiness": w.blockiness, "chosen_by": w.chosen_by,
                         "models": {m: {"clues": w.clues[m].to_dict(), "ensemble": w.ensemble.get(m),
                                        "latent": w.latent.get(m)} for m in w.clues},
                         "causal": {m: c.to_dict() for m, c in w.causal.items()}} for w in self.windows],
            "causal_roles": self.causal_roles,
            "causal_learnt": {role: {"label": label, "interventions": {k: v.to_dict() for k, v in comp.items()}}
                              for role, (label, comp) in self.learnt.items()},
            "seconds": self.seconds, "timings": self.timings, "params": self.params, "files": self.files})


# ---------------------------------------------------------------------------------------- checks up front
def check_out_folder(out) -> Path:
    """The report folder, checked before any computation: not a file name, not an existing file, new / empty / an
    earlier explain report, and inside a folder this user can write. Returns it as a Path."""
    out = Path(out)
    if out.suffix.lower() in FILE_LIKE_SUFFIXES:
        raise ValueError(f"the output is a folder for the report (index.html, report.json and PNGs); "
                         f"{str(out)!r} looks like a file name: name a folder, e.g. {str(out.with_suffix(''))!r}")
    if out.exists():
        if not out.is_dir():
            raise ValueError(f"output {str(out)!r} exists and is not a folder")
        here = Path.cwd().resolve()
        if out.resolve() == here or out.resolve() in here.parents:
            raise ValueError(f"output {str(out)!r} is the current folder or holds it; name a folder of its own")
        if any(out.iterdir()) and not all((out / n).is_file() for n in REPORT_FILES):
            raise ValueError(f"output folder {str(out)!r} is neither empty nor an earlier explain report; name a new "
                             "or empty folder")
    anchor = out if out.exists() else out.parent
    while not anchor.exists() and anchor != anchor.parent:
        anchor = anchor.parent
    if anchor.exists() and not anchor.is_dir():
        raise ValueError(f"cannot create {str(out)!r}: {str(anchor)!r} is a file")
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write the report into {str(out)!r}: {str(anchor)!r} is not writable")
    return out


def _known_names() -> list[str]:
    from .. import models as _models
    from ..models import names as _names

    seen = []
    for n in tuple(getattr(_names, "KNOWN", ())) + tuple(getattr(_models, "SHIPPED", ())):
        if n not in seen:
            seen.append(n)
    return seen


def resolve_models(specs) -> dict[str, ImplicitSR]:
    """Model names or checkpoint paths → {label: model}; errors list the known names as words.

    A spec that is an existing file is loaded as a checkpoint (label: the file name); otherwise it must be a model
    name :func:`explain.models.load_model` knows. Labels are made unique.
    """
    if isinstance(specs, (str, os.PathLike)) or is_model(specs):
        specs = [specs]
    specs = list(specs)
    if not specs:
        raise ValueError("give at least one model (a name or a checkpoint path)")
    known = _known_names()
    found: dict[str, ImplicitSR] = {}
    for spec in specs:
        if is_model(spec):
            label = getattr(spec, "name", None) or "model"
            model = spec
        else:
            text = os.fspath(spec)
            is_file = Path(text).is_file()
            if not is_file and text not in known:
                hint = " (it looks like a path, but there is no such file)" if os.sep in text or \
                    text.endswith((".pt", ".pth")) else ""
                raise ValueError(f"unknown model {text!r}{hint}; give a checkpoint file or one of the model names "
                                 + ", ".join(known))
            try:
                model = load_model(text)
            except ValueError as exc:  # CheckpointError, WeightsError and a missing shipped file are ValueErrors
                raise ValueError(f"model {text!r}: {exc}") from None
            label = Path(text).name if is_file else text
        base, k = label, 2
        while label in found:
            label, k = f"{base} ({k})", k + 1
        found[label] = model
    return found


def model_status(model: ImplicitSR) -> str:
    """One line on where a model comes from (origin, or training steps) and its size."""
    meta = getattr(model, "meta", None) or {}
    origin = meta.get("origin")
    steps = meta.get("total_steps", meta.get("steps"))
    describe = getattr(model, "describe", None)  # ImplicitSRModel's (LIIF: "16 residual blocks, 1.57 M parameters")
    n = sum(p.numel() for p in model.parameters())
    parts = [describe() if callable(describe) else f"{model.config.family}, {n / 1e6:.2f} M parameters"]
    if origin:
        parts.append(str(origin))
    if steps:
        parts.append(f"trained {steps} steps by this project")
    return "; ".join(parts)


def _headline(names: list[str]) -> str:
    for n in names:
        if "jpeg" in n.lower():
            return n
    return names[0]


# ---------------------------------------------------------------------------------------------- windows
def blockiest_blocks(image: np.ndarray, n: int, grid_phase=(0, 0)) -> list[tuple[tuple[int, int], float]]:
    """The ``n`` non-overlapping 3×3-block windows with the highest local blocking (Yim & Bovik's D_B − D_B^c on
    luma, :func:`explain.metrics.blockiness_map`), on the grid at ``grid_phase``.

    Returns [((row, col) of the window's top-left LR pixel, blockiness), …], blockiest first. An image too small
    for one whole window gives its central block's window (clipped), with NaN blockiness.
    """
    h, w = image.shape[:2]
    pr, pc = grid_phase
    side = WINDOW_BLOCKS * BLOCK
    sub = image[pr:, pc:]
    if min(sub.shape[:2]) < side:
        (i, j), _ = block_of((h // 2, w // 2), grid_phase, (h, w))
        return [((pr + (i - 1) * BLOCK, pc + (j - 1) * BLOCK), float("nan"))]
    values = blockiness_map(sub, block_size=BLOCK, phase=(0, 0), window=side, stride=BLOCK)
    order = np.argsort(-values, axis=None, kind="stable")
    chosen: list[tuple[int, int]] = []
    out = []
    for idx in order:
        i, j = np.unravel_index(int(idx), values.shape)
        if any(abs(i - a) < WINDOW_BLOCKS and abs(j - b) < WINDOW_BLOCKS for a, b in chosen):
            continue
        chosen.append((int(i), int(j)))
        out.append(((pr + BLOCK * int(i), pc + BLOCK * int(j)), float(values[i, j])))
        if len(out) == n:
            break
    return out


def _window_of_block(pixel, grid_phase, lr_size):
    (i, j), box = block_of(pixel, grid_phase, lr_size)
    h, w = lr_size
    pr, pc = grid_phase
    r0, c0 = pr + (i - 1) * BLOCK, pc + (j - 1) * BLOCK
    r1, c1 = r0 + WINDOW_BLOCKS * BLOCK, c0 + WINDOW_BLOCKS * BLOCK
    r0, c0, r1, c1 = max(0, r0), max(0, c0), min(h, r1), min(w, c1)
    return (r0, c0, r1 - r0, c1 - c0), box


# ------------------------------------------------------------------------------------- ensemble & latent
def ensemble_summary(model, image, window_lr, out_size, grid_phase):
    """Local ensemble over a window's output: (numbers, SR crop, weighted-spread map).

    Numbers: ``max_weight_mean`` (mean over output pixels of the largest of the 4 weights), ``spread_near_edges`` /
    ``spread_inside`` (mean weighted spread of the 4 predictions around the output, image units, at output pixels
    within half an LR pixel of a block boundary / elsewhere) and their ratio ``edge_spread_ratio``.
    """
    r, c, hh, ww = window_lr
    (h, w), (H, W) = image.shape[:2], out_size
    region = (round(r * H / h), round(c * W / w), max(1, round((r + hh) * H / h) - round(r * H / h)),
              max(1, round((c + ww) * W / w) - round(c * W / w)))
    ens = ensemble_weights(model, image, region, size=out_size)
    near = ens.near_block_boundary(BLOCK, grid_phase)
    spread = ens.weighted_spread
    inside = float(spread[~near].mean()) if (~near).any() else float("nan")
    edges = float(spread[near].mean()) if near.any() else float("nan")
    return ({"region_hr": region, "max_weight_mean": float(ens.weights.max(-1).mean()),
             "spread_near_edges": edges, "spread_inside": inside,
             "edge_spread_ratio": edges / inside if inside > 0 else float("nan"),
             "disagreement_mean": float(ens.disagreement.mean())}, ens.clipped, spread)


def latent_summary(model, image, window_lr, grid_phase):
    """Latent codes over a window, encoded exactly (the crop has the model's receptive radius as margin):
    (numbers, PCA-RGB map). Numbers: median over channels of the boundary response (mean |jump| of a code
    channel across block boundaries / inside blocks; 1 = the codes ignore the grid), the share of channels above
    1.5, and the mean periodicity at the block frequency against its chance level."""
    r, c, hh, ww = window_lr
    h, w = image.shape[:2]
    m = model.receptive_radius  # features depend on no input further away (explain.models.base)
    a0, a1, b0, b1 = max(0, r - m), min(h, r + hh + m), max(0, c - m), min(w, c + ww + m)
    param = next(model.parameters())
    x = torch.from_numpy(np.ascontiguousarray(image[a0:a1, b0:b1])).permute(2, 0, 1)[None]
    with torch.no_grad():
        feats = model.encode(x.to(device=param.device, dtype=param.dtype)).features[0]
    feats = feats[:, r - a0: r - a0 + hh, c - b0: c - b0 + ww].float().cpu().numpy()
    phase = ((grid_phase[0] - r) % BLOCK, (grid_phase[1] - c) % BLOCK)
    boundary, interior = block_boundary_gradients(feats, BLOCK, phase)
    with np.errstate(divide="ignore", invalid="ignore"):
        response = boundary / (interior + 1e-12)
    finite = response[np.isfinite(response)]
    numbers = {"channels": int(feats.shape[0]),
               "boundary_response_median": float(np.median(finite)) if finite.size else float("nan"),
               "channels_above_1_5": float((finite > 1.5).mean()) if finite.size else float("nan")}
    if max(hh, ww) >= 2 * BLOCK:
        numbers["periodicity_mean"] = float(periodicity_score(feats, BLOCK).mean())
        numbers["periodicity_chance"] = float(periodicity_chance((hh, ww), BLOCK))
    rgb, _, ratios = pca_rgb(feats)
    numbers["pca_explained"] = [float(v) for v in ratios[:3]]
    return numbers, rgb


def _nearest_crop(image, window_lr, out_size):
    r, c, hh, ww = window_lr
    (h, w), (H, W) = image.shape[:2], out_size
    rows = np.floor((np.arange(round(r * H / h), round((r + hh) * H / h)) + 0.5) * h / H).astype(int)
    cols = np.floor((np.arange(round(c * W / w), round((c + ww) * W / w)) + 0.5) * w / W).astype(int)
    return image[np.clip(rows, 0, h - 1)][:, np.clip(cols, 0, w - 1)]


# ------------------------------------------------------------------------------------------- causal clues
def _original(original, out_size) -> np.ndarray | None:
    """The HR original as an (H, W, 3) array at the output size, or None; ValueError naming a wrong size
    (:func:`explain.probes.causal.check_original`)."""
    if original is None:
        return None
    from ..images import load_image

    try:
        hr = load_image(original)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"the original: {exc}") from None
    return check_original(hr, out_size)


def _control(control, names: list[str], found: dict) -> tuple[str | None, dict[str, ImplicitSR]]:
    """(label of the control the causal clues compare the headline model with, or None; {label: model} of it when
    it is not among the explained models, else empty)."""
    if control is None or control is False:
        return None, {}
    if isinstance(control, str) and control == "auto":
        spec = CONTROLS.get(_headline(names))
        if spec is None:
            return None, {}
        control = spec
    if isinstance(control, str) and control in found:
        return control, {}
    label, model = next(iter(resolve_models([control]).items()))
    if label in found:
        return label, {}
    return label, {label: model}


def skill_paragraph(model, control, image, blocks, phase) -> str | None:
    """The FAIG paragraph (:func:`explain.studies.skill.skill_paragraph`) for ``model`` against ``control`` from the
    cached ranking; None when ``liif-explain skill`` has cached none for this pair of weights."""
    from ..studies.skill import cached_result
    from ..studies.skill import skill_paragraph as paragraph

    result = cached_result(control, model)
    if result is None:
        return None
    fractions = [float(f) for f in result.fractions if 0 < f < 1] or [1.0]
    fraction = min(fractions, key=lambda f: abs(f - 0.01))  # the top 1 % (the nearest evaluated fraction)
    try:
        return paragraph(result, model, image, blocks, phase, fraction=fraction)
    except ValueError:  # another architecture, or a photo too small for a median over its blocks
        return None


def causal_learnt(report) -> dict:
    """Clue by clue, does the headline model's causal effect differ from the control's beyond the 95 % intervals
    (:func:`explain.probes.causal.compare_effects`, over the explained blocks)?
    Returns {"control": (label, {intervention: EffectComparison})} when a control was explained, else {}."""
    from ..probes.causal import compare_effects

    out = {}
    head = report.headline_model
    if not report.windows or head not in report.windows[0].causal:
        return out
    mine = [w.causal[head] for w in report.windows]
    for role in ("control",):
        label = report.causal_of(role)
        if label is not None:
            theirs = [w.causal[label] for w in report.windows]
            out[role] = (label, compare_effects(mine, theirs))
    return out


# ------------------------------------------------------------------------------------------------- main
def explain_photo(photo, out=None, *, models=None, windows: int = 3, blocks=None, scale: float = 4,
                  lam_steps: int = 16, ig_steps: int = 8, randomise: str = "first", baseline_quality=None,
                  progress: bool = True, seed: int = 0, causal: bool = True, original=None,
                  control="auto", draws: int = DRAWS, skill: bool = True, workers: int | None = None,
                  preview=None) -> ExplainReport:
    """Explain a photo file as it is (see the module docstring).

    photo:     a file path (or a default image name, or a :class:`explain.jpeg_facts.Photo`).
    out:       the report folder (created; None: compute only). Checked before anything is computed.
    models:    names or checkpoint paths (default :data:`explain.models.names.DEFAULT_MODELS`); the first whose
               name contains "jpeg" is the one the answer speaks about (else the first).
    windows:   how many blockiest windows to explain (ignored when ``blocks`` is given).
    blocks:    LR pixels (row, col) whose 8×8 blocks to explain instead (each with its 8 neighbours).
    scale:     the upscaling factor the models are explained at.
    randomise: weight-randomisation test on the "first" window of the headline model only (default; it doubles the
               cost of that clue; the trust paragraph speaks of it), "all" windows and models, or "none".
    baseline_quality: quality of the coarser-JPEG baseline (default :func:`coarser_quality` of the file's).
    causal:    also take each clue away (:func:`explain.probes.causal.causal_clues`) for every model and the control
               (forward passes only); each effect is weighed against bicubic on the same edit and against the control.
    original:  the HR original (a path or an array) at the output size (scale × the photo), for dB figures.
    control:   the model the headline model is compared with in the causal clues: "auto" (its control from
               :data:`explain.models.names.CONTROLS` when that is not among ``models``; otherwise none), a name, a
               path, a model, or None.
    draws:     natural-content draws of the ``neighbours_natural`` intervention.
    skill:     add the paragraph on where JPEG training changed the headline model (FAIG between its control and
               it, :mod:`explain.studies.skill`) when ``liif-explain skill`` has cached a result for that pair.
    progress:  True (a tqdm bar), False, or a callable that receives an :class:`explain.report.stages.ProgressEvent`
               after every unit of work (stage names: :data:`explain.report.stages.STAGE_NAMES`).
    workers:   how many (model, window) jobs run side by side, each on one torch thread (:func:`run_jobs`); default
               torch's thread count (so a corpus worker on one thread runs them one after the other). The numbers
               do not depend on it.
    preview:   a callable that receives a :class:`FirstLook` for each window as soon as the headline model has
               rebuilt it (each job computes its window's output first), on the job's thread: pictures first.
    Returns :class:`ExplainReport` (``timings["stages"]``: seconds per stage; ``timings["by_model"]``: per model and
    stage); raises ValueError / TypeError naming the problem before computing anything.
    """
    out_dir = check_out_folder(out) if out is not None else None
    if randomise not in ("first", "all", "none"):
        raise ValueError(f"randomise must be 'first', 'all' or 'none', got {randomise!r}")
    if isinstance(windows, bool) or not isinstance(windows, (int, np.integer)) or windows < 1:
        raise ValueError(f"windows must be a positive integer, got {windows!r}")
    for name, v in (("lam_steps", lam_steps), ("ig_steps", ig_steps)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if not (isinstance(progress, bool) or progress is None or callable(progress)):
        raise TypeError(f"progress must be True, False or a callable taking a ProgressEvent, got {progress!r}")
    if preview is not None and not callable(preview):
        raise TypeError(f"preview must be a callable taking a FirstLook, or None, got {preview!r}")
    once = ("read", "choose windows", "comparisons", "words") + (("figures", "HTML") if out_dir is not None else ())
    clock = StageClock(sum(STAGE_WEIGHTS[s] for s in once), progress=progress)
    try:
        report = _explain(clock, photo, models, windows, blocks, scale, lam_steps, ig_steps, randomise,
                          baseline_quality, seed, causal, original, control, draws, skill, int(workers), preview)
        if out_dir is not None:
            write_report(report, out_dir, clock)
    finally:
        clock.close()
    report.timings.update(clock.timings())
    report.seconds = clock.elapsed
    return report


def _explain(clock: StageClock, photo, models, windows, blocks, scale, lam_steps, ig_steps, randomise,
             baseline_quality, seed, causal, original, control, draws, skill, workers, preview=None) -> ExplainReport:
    """The stages of :func:`explain_photo` up to the words (:data:`explain.report.stages.STAGE_NAMES`)."""
    with clock.stage("read"):
        ph = photo if isinstance(photo, Photo) else read_photo(photo)
        image, facts = ph.image, ph.facts
        out_size = output_size(image.shape, scale)  # a scale too large for an image is refused here
        found = resolve_models(DEFAULT_MODELS if models is None else models)
        names = list(found)
        hr = _original(original, out_size) if causal else None
        control_label, extra = _control(control, names, found) if causal or skill else (None, {})
    h, w = image.shape[:2]
    phase = tuple(int(p) for p in facts.grid_phase)
    with clock.stage("choose windows"):
        chosen = _choose_windows(image, phase, windows, blocks)
    quality = baseline_quality if baseline_quality is not None else \
        coarser_quality(facts.quality.quality if facts.quality is not None else None)
    head = _headline(names)

    def randomised_here(k: int, name: str) -> bool:
        # "first": the first window of the model the answer speaks about (its trust paragraph); "all": everywhere
        return randomise == "all" or (randomise == "first" and k == 0 and name == head)

    per_job = lam_steps + ig_steps + 1
    clock.windows = len(chosen)
    clock.plan(sum(per_job * (2 if randomised_here(k, name) else 1) for k in range(len(chosen)) for name in names))
    clock.plan(len(chosen) * len(names) * (STAGE_WEIGHTS["ensemble"] + STAGE_WEIGHTS["latent"]))
    if causal:
        clock.plan(len(chosen) * (len(names) + len(extra)) * STAGE_WEIGHTS["causal clues"])
    # the weight-randomised copies, made up front (seeded) so that the jobs below share nothing they change
    randomised = {name: randomised_copy(found[name], seed) for k in range(len(chosen)) for name in names
                  if randomised_here(k, name)}
    # each window's blocky input and bicubic crops, made once for the first look and the report
    plain_crops = [{"input (nearest)": _nearest_crop(image, c[0], out_size),
                    "bicubic": bicubic_window(image, c[0], out_size)} for c in chosen]

    def model_job(k: int, name: str) -> dict:
        """The four per-window stages of one explained model on window k (the window rebuilt first)."""
        win, block = chosen[k][0], chosen[k][1]
        model, got = found[name], {}
        with clock.stage("ensemble", name, k + 1):  # first: it rebuilds the window, the preview's picture
            got["ensemble"], got["sr"], spread = ensemble_summary(model, image, win, out_size, phase)
        if preview is not None and name == head:
            preview(FirstLook(k + 1, len(chosen), win, chosen[k][2], phase, head,
                              {**plain_crops[k], head: got["sr"]}))
        with clock.stage("latent", name, k + 1):
            got["latent"], pca = latent_summary(model, image, win, phase)
        with clock.stage("clues", name, k + 1, work=0):
            got["clues"] = clues(model, image, block, size=out_size, grid_phase=phase, lam_steps=lam_steps,
                                 ig_steps=ig_steps, baseline_quality=int(quality), chroma_factor=facts.chroma_factor,
                                 randomise=randomised.get(name, False) if randomised_here(k, name) else False,
                                 seed=seed, bar=clock, name=name)
        got["maps"] = {"spread": spread, "pca": pca}
        if causal:
            with clock.stage("causal clues", name, k + 1):
                got["causal"] = causal_clues(model, image, block, size=out_size, grid_phase=phase,
                                             baseline_quality=int(quality), original=hr, draws=draws, seed=seed,
                                             name=name)
        return got

    def control_job(k: int, label: str) -> dict:
        with clock.stage("causal clues", label, k + 1):
            return {"causal": causal_clues(extra[label], image, chosen[k][1], size=out_size, grid_phase=phase,
                                           baseline_quality=int(quality), original=hr, draws=draws, seed=seed,
                                           name=label, keep_outputs=False)}

    # the headline model's job first in each window: its window is the first look, and window 1's (with the
    # randomisation test) is the longest job, best started first
    jobs = [(model_job, k, name) for k in range(len(chosen)) for name in [head] + [n for n in names if n != head]]
    jobs += [(control_job, k, label) for k in range(len(chosen)) for label in (extra if causal else {})]
    done = run_jobs(jobs, workers)
    results = []
    for k, (win, block, box, value, how) in enumerate(chosen):  # assembled in the documented order
        we = WindowExplanation(k + 1, win, block, box, value, how)
        we.outputs.update(plain_crops[k])
        for name in names:
            got = done[(k, name)]
            we.clues[name], we.ensemble[name], we.latent[name] = got["clues"], got["ensemble"], got["latent"]
            we.outputs[name], we.maps[name] = got["sr"], got["maps"]
            if causal:
                we.causal[name] = got["causal"]
        for label in (extra if causal else {}):
            we.causal[label] = done[(k, label)]["causal"]
        results.append(we)

    from .causal_words import causal_paragraphs
    from .words import answer_paragraphs

    per_model = {m: round(sum(v.values()), 3) for m, v in clock.by_model.items()}
    report = ExplainReport(facts.source, ph, float(scale), out_size, names, head,
                           {n: model_status(found[n]) for n in names}, results,
                           timings={"per_model_seconds": per_model},
                           params={"lam_steps": lam_steps, "ig_steps": ig_steps, "baseline_quality": int(quality),
                                   "randomise": randomise, "seed": seed, "windows": len(results),
                                   "causal": bool(causal), "draws": int(draws), "original": hr is not None,
                                   "torch_threads": torch.get_num_threads(), "workers": int(workers),
                                   "machine": platform.machine(), "cpu_count": os.cpu_count()})
    with clock.stage("comparisons"):
        if causal:
            report.causal_roles = {n: "explained" for n in names}
            if control_label is not None and control_label != head:
                report.causal_roles[control_label] = "control"
        report.original = hr
        report.learnt = causal_learnt(report) if causal else {}
        if skill and control_label is not None:
            control_model = extra.get(control_label, found.get(control_label))
            report.skill = skill_paragraph(found[head], control_model, image, [w.block for w in results], phase)
    with clock.stage("words"):
        report.answer = answer_paragraphs(report)
        report.plain_paragraphs = len(causal_paragraphs(report))
    report.seconds = clock.elapsed
    report.timings["compute_seconds"] = report.seconds
    return report


def run_jobs(jobs, workers: int) -> dict:
    """Run ``jobs`` [(function, k, name), …] as ``function(k, name)`` and return {(k, name): result}, ``workers``
    side by side with one torch thread each (:func:`explain.parallel.run_side_by_side`: on a 2-core CPU about twice
    as fast as one job after the other on two torch threads). Each job's numbers do not depend on the thread."""
    results = run_side_by_side(lambda job: job[0](job[1], job[2]), jobs, workers)
    return {(k, name): r for (_, k, name), r in zip(jobs, results)}


def _choose_windows(image, phase, windows, blocks) -> list:
    """[(window_lr, block pixel, block box, blockiness, chosen_by), …]: the user's ``blocks`` or the blockiest."""
    h, w = image.shape[:2]
    chosen = []
    if blocks:
        for b in blocks:
            try:
                r, c = (int(v) for v in b)
            except (TypeError, ValueError):
                raise ValueError(f"a window is an LR pixel (row, col), got {b!r}") from None
            if not (0 <= r < h and 0 <= c < w):
                raise ValueError(f"window ({r}, {c}) is outside the {w}×{h} image (rows 0–{h - 1}, cols 0–{w - 1})")
            win, box = _window_of_block((r, c), phase, (h, w))
            chosen.append((win, (box[0][0], box[1][0]), box, float("nan"), "user"))
        return chosen
    for (r, c), value in blockiest_blocks(image, int(windows), phase):
        win, box = _window_of_block((r + BLOCK, c + BLOCK), phase, (h, w))
        chosen.append((win, (box[0][0], box[1][0]), box, value, "blockiest"))
    return chosen


def write_report(report: ExplainReport, out_dir, clock: StageClock | None = None) -> None:
    """Write ``index.html``, ``report.json`` and the PNGs of ``report`` into ``out_dir``, all or nothing; the
    stages "figures" and "HTML" (``report.json`` included) are timed on ``clock`` when given."""
    from .html import render_html
    from .pictures import make_figures

    clock = clock if clock is not None else StageClock(progress=False)
    out_dir = Path(out_dir)
    with staged_folder(out_dir) as stage:
        with clock.stage("figures"):
            files = make_figures(report, stage)
        with clock.stage("HTML"):
            report.out_dir = out_dir
            report.files = sorted(files) + ["report.json", "index.html"]
            report.timings.update(clock.timings())
            (stage / "report.json").write_text(json.dumps(report.to_dict(), indent=1, allow_nan=False),
                                               encoding="utf-8")
            (stage / "index.html").write_text(render_html(report, files), encoding="utf-8")
