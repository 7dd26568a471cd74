"""Helpers for the notebooks in ``notebooks/``: parameters, quick mode, the shared scene and set-up, and
headless execution.

Every notebook starts with a cell tagged ``parameters`` (``image``, ``quality``, ``scale``, ``models``) and
hands them to :func:`setup`, which loads the models, builds the :class:`Scene` and picks the explained
window. ``quality`` is a JPEG quality applied after the ×scale downscale, or ``"as is"``: then the image
itself (say, an old web JPEG) is what the models see, and there is no clean original to measure against.

Quick mode (environment variable ``EXPLAIN_QUICK=1``, set by the test suite) shrinks every notebook's work:
a 64×64-pixel LR crop around the blockiest region instead of the whole image, 4 integration steps instead
of 50, fewer JPEG qualities, bit rates and codecs. In full mode an LR image larger than 256 pixels a side is
cropped to 256 around its blockiest window (notebooks upscale the whole scene). Every number a notebook
prints is computed when it runs, in whichever mode.

:func:`run_notebook` executes a notebook with nbclient (kernel ``python3``) and can export it to HTML with
nbconvert (``make demo`` uses it for notebook 00); ``liif-explain notebook NAME --image PHOTO`` (see
:mod:`explain.notebook_cli`) runs one on your image; from a shell::

    python -m explain.notebooks notebooks/00_why_the_blocks_disappeared.ipynb --html out/tour/notebook_00.html
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .codecs import CodecInfo, compress
from .images import DEFAULT_IMAGE, DEFAULT_IMAGES, crop_to_multiple, downscale, load_image
from .metrics import blockiest_window

QUICK_ENV = "EXPLAIN_QUICK"
AS_IS = "as is"  # the value of ``quality`` that takes the image itself as the compressed input


def quick_mode() -> bool:
    """True when ``EXPLAIN_QUICK`` is set to 1 / true / yes / on (case-insensitive)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def check_quality(quality) -> int | str:
    """A JPEG quality 1–100, or :data:`AS_IS` (also accepted: "as-is", "asis", case and spaces ignored)."""
    if isinstance(quality, str):
        text = quality.strip().lower().replace("-", " ").replace("_", " ")
        if text in ("as is", "asis"):
            return AS_IS
        if text.isdigit():
            quality = int(text)
        else:
            raise ValueError(f"quality must be a JPEG quality 1–100 or {AS_IS!r}, got {quality!r}")
    if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= 100:
        raise ValueError(f"quality must be a JPEG quality 1–100 or {AS_IS!r}, got {quality!r}")
    return int(quality)


@dataclass(frozen=True)
class NotebookSettings:
    """Image, sizes and effort of the notebooks, in quick or full mode.

    image, scale, quality: the parameters (quality: a JPEG quality or :data:`AS_IS`).
    lr_crop:   side (LR pixels) of the crop the notebooks work on, or None for the whole image.
    max_lr:    in full mode, LR sides above this are cropped to it around the blockiest window.
    window:    side (LR pixels) of the window searched for the strongest blocking.
    steps:     integration steps of LAM / integrated gradients.
    qualities: JPEG qualities of the DI-vs-quality sweep; rd_bpps: target bit rates of the RD curves;
    rd_codecs: codecs of the RD curves (None: every available codec); rd_region: side (HR pixels) of the
    region around the explained window where the RD upscales are measured (None: the whole image).
    """

    quick: bool
    image: str = DEFAULT_IMAGE
    scale: int = 4
    quality: int | str = 20
    lr_crop: int | None = None
    max_lr: int = 256
    window: int = 16
    steps: int = 50
    qualities: tuple[int, ...] = (10, 30, 50, 90)
    rd_bpps: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0)
    rd_codecs: tuple[str, ...] | None = None
    rd_region: int | None = None

    @property
    def as_is(self) -> bool:
        return self.quality == AS_IS


def settings(quick: bool | None = None, **parameters) -> NotebookSettings:
    """The settings for quick mode (default: :func:`quick_mode`) or full mode, with ``image``, ``scale`` and
    ``quality`` overridden by ``parameters``."""
    quick = quick_mode() if quick is None else bool(quick)
    unknown = sorted(set(parameters) - {"image", "scale", "quality"})
    if unknown:
        raise ValueError(f"unknown notebook parameter(s) {unknown}; use image, scale, quality")
    if "quality" in parameters:
        parameters["quality"] = check_quality(parameters["quality"])
    if "scale" in parameters:
        scale = parameters["scale"]
        if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
            raise ValueError(f"scale must be a positive integer, got {scale!r}")
        parameters["scale"] = int(scale)
    if "image" in parameters:
        parameters["image"] = os.fspath(parameters["image"])
    if quick:
        base = NotebookSettings(quick=True, lr_crop=64, steps=4, qualities=(10, 90), rd_bpps=(1.5, 3.0),
                                rd_codecs=("jpeg", "webp"), rd_region=128)
    else:
        base = NotebookSettings(quick=False)
    return replace(base, **parameters)


@dataclass
class Scene:
    """The image every notebook starts from.

    hr:       (H, W, 3) float32 original (cropped to a multiple of 8·scale, or to the crop), or None when
              the image is taken as is (no clean original).
    lr_clean: (H/scale, W/scale, 3) PIL-bicubic downscale (None as is); lr: its JPEG round trip, or the
              image itself as is (what the models see).
    info:     the compressed input's CodecInfo (bytes, bits per LR pixel; as is: the file's size);
    origin:   (row, col) of the scene in the full image, in output (HR) pixels, a multiple of 8·scale, so
              the JPEG block grid has phase (0, 0); cropped: True when the scene is a crop of the image.
    """

    image: str
    scale: int
    quality: int | str
    hr: np.ndarray | None
    lr_clean: np.ndarray | None
    lr: np.ndarray
    info: CodecInfo
    origin: tuple[int, int]
    cropped: bool = False

    @property
    def has_reference(self) -> bool:
        """True when there is a clean original (``hr``, ``lr_clean``) to measure against."""
        return self.hr is not None

    @property
    def output_size(self) -> tuple[int, int]:
        """(H, W) of the ×scale output of ``lr``."""
        return self.lr.shape[0] * self.scale, self.lr.shape[1] * self.scale

    def describe(self) -> str:
        """One line: the image, sizes and how it was compressed."""
        if self.has_reference:
            return (f"{self.image}, HR {self.hr.shape[:2]} → LR {self.lr.shape[:2]}, JPEG q={self.quality}: "
                    f"{self.info.nbytes} bytes = {self.info.bpp:.3f} bits per LR pixel")
        return (f"{self.image} as is (no clean original): LR {self.lr.shape[:2]} → output {self.output_size}, "
                f"{self.info.nbytes} bytes = {self.info.bpp:.3f} bits per pixel")


def _crop_corner(lr, window: int, crop: tuple[int, int]) -> tuple[int, int]:
    """Top-left (row, col), multiples of 8, of a ``crop`` (rows, cols) centred as far as possible on the
    blockiest ``window`` of ``lr``."""
    h, w = lr.shape[:2]
    r, c = blockiest_window(lr, min(window, h, w))
    r0 = int(np.clip(8 * round((r + window / 2 - crop[0] / 2) / 8), 0, (h - crop[0]) // 8 * 8))
    c0 = int(np.clip(8 * round((c + window / 2 - crop[1] / 2) / 8), 0, (w - crop[1]) // 8 * 8))
    return r0, c0


def _crop_shape(lr_shape, lr_crop, max_lr) -> tuple[int, int] | None:
    """(rows, cols) of the LR crop, or None for none."""
    h, w = lr_shape[:2]
    if lr_crop is not None:
        if isinstance(lr_crop, bool) or not isinstance(lr_crop, (int, np.integer)) or lr_crop < 16 or lr_crop % 8:
            raise ValueError(f"lr_crop must be a multiple of 8 and at least 16, got {lr_crop!r}")
        if lr_crop > min(h, w):
            raise ValueError(f"lr_crop {lr_crop} exceeds the {h}×{w} LR image")
        return int(lr_crop), int(lr_crop)
    if max_lr is not None and max(h, w) > max_lr:
        if isinstance(max_lr, bool) or not isinstance(max_lr, (int, np.integer)) or max_lr < 16 or max_lr % 8:
            raise ValueError(f"max_lr must be a multiple of 8 and at least 16, got {max_lr!r}")
        return min(h, int(max_lr)), min(w, int(max_lr))
    return None


def make_scene(image=DEFAULT_IMAGE, scale: int = 4, quality: int | str = 20, lr_crop: int | None = None,
               window: int = 16, subsampling: str = "4:2:0", max_lr: int | None = None) -> Scene:
    """Downscale ``image`` ×``scale`` (PIL bicubic) and JPEG-compress it at ``quality``; or, with quality
    :data:`AS_IS`, take the image itself as the compressed LR input (cropped at the bottom/right to a multiple
    of 8, so an untouched JPEG keeps its block grid at phase (0, 0)).

    With ``lr_crop`` the scene is an (lr_crop × lr_crop)-pixel LR crop, aligned to the 8×8 block grid,
    centred (as far as the image allows) on the blockiest ``window`` of the whole compressed image; the crop is
    cut from the HR image and downscaled and compressed again, so the scene is self-consistent. ``max_lr``
    crops the same way, only the sides longer than it.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    quality = check_quality(quality)
    if quality == AS_IS:
        return _as_is_scene(image, int(scale), lr_crop, window, max_lr)
    full = crop_to_multiple(load_image(image), 8 * scale)
    origin = (0, 0)
    crop = _crop_shape((full.shape[0] // scale, full.shape[1] // scale), lr_crop, max_lr)
    if crop is not None:
        lr_full, _ = compress(downscale(full, scale), "jpeg", quality=quality, subsampling=subsampling)
        r0, c0 = _crop_corner(lr_full, window, crop)
        origin = (r0 * scale, c0 * scale)
        full = full[origin[0]: origin[0] + crop[0] * scale, origin[1]: origin[1] + crop[1] * scale]
    lr_clean = downscale(full, scale)
    lr, info = compress(lr_clean, "jpeg", quality=quality, subsampling=subsampling)
    return Scene(str(image), int(scale), int(quality), full, lr_clean, lr, info, origin, crop is not None)


def _as_is_scene(image, scale: int, lr_crop, window: int, max_lr) -> Scene:
    full = load_image(image)
    if min(full.shape[:2]) < 16:
        raise ValueError(f"the image is {full.shape[0]}×{full.shape[1]} pixels; need at least 16×16")
    h, w = full.shape[:2]
    lr = full[: h - h % 8, : w - w % 8]
    path = Path(os.fspath(image)) if isinstance(image, (str, os.PathLike)) else None
    if path is not None and path.is_file():
        nbytes, codec = path.stat().st_size, (path.suffix.lstrip(".").lower() or "file")
    else:  # a default image or an array: uncompressed 8-bit RGB
        nbytes, codec = h * w * 3, "raw"
    info = CodecInfo(codec, {"as is": str(image) if path is not None else "array"}, int(nbytes),
                     8.0 * nbytes / (h * w), (h, w))
    origin = (0, 0)
    crop = _crop_shape(lr.shape, lr_crop, max_lr)
    if crop is not None:
        r0, c0 = _crop_corner(lr, window, crop)
        lr = lr[r0: r0 + crop[0], c0: c0 + crop[1]]
        origin = (r0 * scale, c0 * scale)
    return Scene(str(image), scale, AS_IS, None, None, np.ascontiguousarray(lr), info, origin, crop is not None)


def scene(config: NotebookSettings | None = None) -> Scene:
    """:func:`make_scene` with a notebook's settings (default: :func:`settings`)."""
    s = settings() if config is None else config
    return make_scene(s.image, s.scale, s.quality, s.lr_crop, s.window, max_lr=None if s.quick else s.max_lr)


@dataclass(frozen=True)
class BlockChoice:
    """The explained window. window_lr: the blockiest (row, col, side, side) LR window; block_lr: (row, col)
    of the 8×8 JPEG block at its centre; window_hr: that block's output pixels (row, col, 8·scale, 8·scale)."""

    window_lr: tuple[int, int, int, int]
    block_lr: tuple[int, int]
    window_hr: tuple[int, int, int, int]


def blockiest_block(lr, scale: int, window: int = 16, block_size: int = 8) -> BlockChoice:
    """The JPEG block (grid phase (0, 0)) holding the centre of the blockiest ``window``-pixel LR window
    (:func:`explain.blockiest_window`), and its output window at ``scale``."""
    img = load_image(lr)
    r, c = blockiest_window(img, window, block_size=block_size)
    br = block_size * ((r + window // 2) // block_size)
    bc = block_size * ((c + window // 2) // block_size)
    h, w = img.shape[:2]
    br, bc = min(br, (h - block_size) // block_size * block_size), min(bc, (w - block_size) // block_size * block_size)
    side = block_size * int(scale)
    return BlockChoice((r, c, window, window), (br, bc), (br * int(scale), bc * int(scale), side, side))


# ------------------------------------------------------------------------------------------ models
def trained_on(model) -> str:
    """What a model's inputs were during training, from its metadata: "JPEG", "clean", or "unknown"
    (e.g. a checkpoint not trained by this project, which records no training configuration)."""
    config = (getattr(model, "meta", None) or {}).get("train_config") or {}
    kind = config.get("degradation")
    if kind is None:
        return "unknown"
    return {"jpeg": "JPEG", "none": "clean"}.get(str(kind), str(kind))


def model_line(name: str, model) -> str:
    """One line on a model from its metadata: parameters, training (total steps over all stages), inputs."""
    meta = getattr(model, "meta", None) or {}
    line = f"{name}: {model.num_parameters():,} parameters"
    if meta.get("train_config"):
        steps = meta.get("total_steps", meta.get("steps"))  # the card's total over warm-started stages
        stages = meta.get("stages") or [meta]
        init = ((stages[0].get("train_config") or meta["train_config"]).get("init_from") or "")
        line += (f", trained {steps:,} steps" if isinstance(steps, int) else ", trained ? steps")
        line += f" in {len(stages)} stages" if len(stages) > 1 else ""
        line += f" on {trained_on(model)} inputs, " + (f"fine-tuned from {init}" if init else "from scratch")
    else:
        line += f", {meta.get('origin') or 'a checkpoint'}" + (f", {meta['epoch']} epochs" if meta.get("epoch") else "")
        line += "; not trained by this project"
    return line


def focus_model(models) -> str:
    """The model a notebook explains in detail: the first one trained on JPEG inputs, else the first."""
    names = list(models)
    if not names:
        raise ValueError("no models given")
    return next((n for n in names if trained_on(models[n]) == "JPEG"), names[0])


@dataclass
class NotebookSetup:
    """What :func:`setup` returns: the settings, the models (name → LIIF), the scene, the explained window
    (``choice``, ``window`` in output pixels), the same-size window shifted by half a block up-left
    (``straddle``: it straddles a block corner), and ``focus``, the model explained in detail."""

    settings: NotebookSettings
    models: dict
    scene: Scene
    choice: BlockChoice
    window: tuple[int, int, int, int]
    straddle: tuple[int, int, int, int]
    focus: str

    def header(self) -> str:
        s = self.settings
        lines = [("QUICK MODE: " if s.quick else "full mode: ") + self.scene.describe()]
        if self.scene.cropped:
            lines.append(f"(a crop at output pixels {self.scene.origin} of the image, around its blockiest region)")
        lines += [model_line(name, m) for name, m in self.models.items()]
        lines.append(f"explained window: the JPEG block at LR {self.choice.block_lr} = output pixels "
                     f"{self.window} (row, col, height, width)")
        lines.append(f"explained in detail: {self.focus}")
        return "\n".join(lines)


def load_models(models) -> dict:
    """name → LIIF from a list of names / checkpoint paths, or a dict name → model or path (kept as given)."""
    from .models import load_model

    if isinstance(models, str):
        models = [models]
    items = models.items() if isinstance(models, dict) else ((str(m), m) for m in models)
    loaded = {name: load_model(m) for name, m in items}
    if not loaded:
        raise ValueError("models is empty; name at least one model")
    return loaded


def setup(image=DEFAULT_IMAGE, quality: int | str = 20, scale: int = 4, models=None, *, quick: bool | None = None,
          require_original: bool = False, verbose: bool = True) -> NotebookSetup:
    """Everything a notebook's first cells need, from its parameters.

    image:   a default image name (``explain.DEFAULT_IMAGES``) or the path of an image file.
    quality: JPEG quality applied after the ×scale downscale, or :data:`AS_IS` (the image is the input).
    models:  names (or checkpoint paths) of the models, or a dict name → model; default
             ``explain.models.names.DEFAULT_MODELS``.
    require_original: refuse quality :data:`AS_IS` (for notebooks that compress a clean original).
    Seeds torch, prints :meth:`NotebookSetup.header` unless ``verbose`` is False.
    """
    import torch

    from .models.names import DEFAULT_MODELS

    if isinstance(image, (str, os.PathLike)) and not Path(os.fspath(image)).is_file() \
            and os.fspath(image) not in DEFAULT_IMAGES:
        raise ValueError(f"image must be one of {DEFAULT_IMAGES} or the path of an image file, got {image!r}")
    s = settings(quick, image=image, quality=quality, scale=scale)
    if require_original and s.as_is:
        raise ValueError(f"this notebook compresses a clean original in several ways, so quality cannot be {AS_IS!r}; "
                         "give a JPEG quality (your image is then the original)")
    torch.manual_seed(0)
    loaded = load_models(DEFAULT_MODELS if models is None else models)
    sc = scene(s)
    choice = blockiest_block(sc.lr, sc.scale, min(s.window, *sc.lr.shape[:2]))
    window = choice.window_hr
    half = 4 * sc.scale  # the same-size window shifted by half a block: it straddles a block corner
    straddle = (max(0, window[0] - half), max(0, window[1] - half), window[2], window[3])
    out = NotebookSetup(s, loaded, sc, choice, window, straddle, focus_model(loaded))
    if verbose:
        print(out.header())
    return out


def study_setup(image=DEFAULT_IMAGE, scale: int = 4, models=None, quality: int | None = None, *,
                quick: bool | None = None, verbose: bool = True) -> tuple[NotebookSettings, dict, str]:
    """The set-up of the study notebooks (06, 07), which build their own inputs from the original image:
    (settings, models name → LIIF, focus). ``quality`` cannot be :data:`AS_IS` there."""
    import torch

    from .models.names import DEFAULT_MODELS

    params = {"image": image, "scale": scale} | ({} if quality is None else {"quality": quality})
    s = settings(quick, **params)
    if s.as_is:
        raise ValueError(f"this notebook degrades a clean original itself, so quality cannot be {AS_IS!r}")
    torch.manual_seed(0)
    loaded = load_models(DEFAULT_MODELS if models is None else models)
    focus = focus_model(loaded)
    if verbose:
        print(("QUICK MODE: " if s.quick else "full mode: ") + f"image {s.image}, ×{s.scale}")
        print("\n".join(model_line(name, m) for name, m in loaded.items()))
        print(f"explained in detail: {focus}")
    return s, loaded, focus


def needs_reference(sc: Scene, what: str) -> bool:
    """True when ``sc`` has a clean original; otherwise prints that ``what`` is skipped and returns False."""
    if sc.has_reference:
        return True
    print(f"skipped ({what}): there is no clean original, quality is {AS_IS!r} (the image itself is the input)")
    return False


def pct(x: float) -> str:
    """A share as a percentage with one decimal ("12.3%")."""
    return f"{100 * x:.1f}%"


def per_model(values: dict, fmt: str = "{:.2f}", suffix: str = "") -> str:
    """ "name value, name value" for a dict name → number (the notebooks' conclusions list every model)."""
    return ", ".join(f"{name} {fmt.format(v)}{suffix}" for name, v in values.items())


def _poll_in_slices(channel, step: float = 0.5) -> None:
    """Make ``channel.get_msg(timeout)`` wait in ``step``-second slices.

    Works around missed wake-ups on the kernel client's asyncio ZMQ sockets (seen here with jupyter_client
    8.10, pyzmq 27.3, ipykernel 7.4): now and then a reply that has already arrived is not noticed until the
    wait times out, so a cell that ran in milliseconds held nbclient for its whole per-cell timeout (10
    minutes in the tests). Every fresh poll finds such a message; cf. jupyter/jupyter_client#436, where
    polling with a short timeout is the same workaround for a blocking wait.
    """
    from queue import Empty
    from time import monotonic

    wait_for_msg = channel.get_msg

    async def get_msg(timeout=None):
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            wait = step if deadline is None else max(0.0, min(step, deadline - monotonic()))
            try:
                return await wait_for_msg(timeout=wait)
            except Empty:
                if deadline is not None and monotonic() >= deadline:
                    raise

    channel.get_msg = get_msg


def run_notebook(path, out_html=None, *, timeout: int = 900, quick: bool | None = None, threads: int | None = None,
                 kernel_name: str = "python3", cwd=None, out_ipynb=None):
    """Execute the notebook at ``path`` headless and return the executed ``nbformat`` node.

    out_html:  write the executed notebook as HTML (nbconvert's lab template) to this path.
    timeout:   seconds allowed per cell. quick: set ``EXPLAIN_QUICK`` for the kernel (None: inherit).
    threads:   CPU threads of the kernel's torch/OpenMP (``OMP_NUM_THREADS``; None: inherit). On a machine
               whose cores are busy, 1 avoids oversubscription (several times faster there).
    cwd:       working directory of the kernel (default: the notebook's folder).
    out_ipynb: also save the executed notebook there.
    Raises ``nbclient.exceptions.CellExecutionError`` (with the cell's traceback) when a cell fails.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no notebook at {path}")
    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ)
    if quick is not None:
        env[QUICK_ENV] = "1" if quick else "0"
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        env["OMP_NUM_THREADS"] = env["MKL_NUM_THREADS"] = str(threads)
    client = None

    async def sliced_polling(**_):
        _poll_in_slices(client.kc.shell_channel)
        _poll_in_slices(client.kc.iopub_channel)

    client = NotebookClient(nb, timeout=int(timeout), kernel_name=kernel_name, on_notebook_start=sliced_polling,
                            resources={"metadata": {"path": str(Path(cwd) if cwd else path.parent.resolve())}})
    client.execute(env=env)
    if out_ipynb is not None:
        Path(out_ipynb).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_ipynb)
    if out_html is not None:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        Path(out_html).parent.mkdir(parents=True, exist_ok=True)
        Path(out_html).write_text(body, encoding="utf-8")
    return nb


def main(argv=None) -> int:
    """``python -m explain.notebooks NOTEBOOK [--html OUT] [--ipynb OUT] [--quick] [--threads N]``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m explain.notebooks",
                                     description="Execute a notebook headless (nbclient) and export it.")
    parser.add_argument("notebook", help="path of the .ipynb to run")
    parser.add_argument("--html", default=None, help="write the executed notebook as HTML here")
    parser.add_argument("--ipynb", default=None, help="save the executed notebook here")
    parser.add_argument("--quick", action="store_true", help="run in quick mode (EXPLAIN_QUICK=1)")
    parser.add_argument("--threads", type=int, default=None, help="torch/OpenMP threads of the kernel")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    args = parser.parse_args(argv)
    run_notebook(args.notebook, args.html, timeout=args.timeout, quick=True if args.quick else None,
                 threads=args.threads, out_ipynb=args.ipynb)
    for out in (args.html, args.ipynb):
        if out:
            print(f"wrote {Path(out).resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
