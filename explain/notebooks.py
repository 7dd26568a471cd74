"""Helpers for the notebooks in ``notebooks/``: quick mode, the shared scene, and headless execution.

Quick mode (environment variable ``EXPLAIN_QUICK=1``, set by the test suite) shrinks every notebook's work:
a 64×64-pixel LR crop around the blockiest region instead of the whole image, 4 integration steps instead
of 50, fewer JPEG qualities, bit rates and codecs. Every number a notebook prints is computed when it runs, in
whichever mode.

:func:`run_notebook` executes a notebook with nbclient (kernel ``python3``) and can export it to HTML with
nbconvert (``make demo`` uses it for notebook 00); from a shell::

    python -m explain.notebooks notebooks/00_why_the_blocks_disappeared.ipynb --html out/tour/notebook_00.html
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .codecs import CodecInfo, compress
from .images import DEFAULT_IMAGE, crop_to_multiple, downscale, load_image
from .metrics import blockiest_window

QUICK_ENV = "EXPLAIN_QUICK"


def quick_mode() -> bool:
    """True when ``EXPLAIN_QUICK`` is set to 1 / true / yes / on (case-insensitive)."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class NotebookSettings:
    """Sizes and effort of the notebooks, in quick or full mode.

    lr_crop:   side (LR pixels) of the crop the notebooks work on, or None for the whole image.
    window:    side (LR pixels) of the window searched for the strongest blocking.
    steps:     integration steps of LAM / integrated gradients.
    qualities: JPEG qualities of the DI-vs-quality sweep; rd_bpps: target bit rates of the RD curves;
    rd_codecs: codecs of the RD curves (None: every available codec); rd_region: side (HR pixels) of the
    region around the explained window where the RD upscales are measured (None: the whole image).
    """

    quick: bool
    image: str = DEFAULT_IMAGE
    scale: int = 4
    quality: int = 20
    lr_crop: int | None = None
    window: int = 16
    steps: int = 50
    qualities: tuple[int, ...] = (10, 30, 50, 90)
    rd_bpps: tuple[float, ...] = (0.5, 1.0, 1.5, 2.0, 3.0)
    rd_codecs: tuple[str, ...] | None = None
    rd_region: int | None = None


def settings(quick: bool | None = None) -> NotebookSettings:
    """The settings for quick mode (default: :func:`quick_mode`) or full mode."""
    quick = quick_mode() if quick is None else bool(quick)
    if quick:
        return NotebookSettings(quick=True, lr_crop=64, steps=4, qualities=(10, 50, 90), rd_bpps=(1.5, 3.0),
                                rd_codecs=("jpeg", "webp"), rd_region=128)
    return NotebookSettings(quick=False)


@dataclass
class Scene:
    """The image every notebook starts from.

    hr:       (H, W, 3) float32 original (cropped to a multiple of 8·scale, or to the quick-mode crop).
    lr_clean: (H/scale, W/scale, 3) PIL-bicubic downscale; lr: its JPEG round trip (what the models see).
    info:     the JPEG's CodecInfo (bytes, bits per LR pixel); origin: (row, col) of ``hr`` in the full
              image, in HR pixels (a multiple of 8·scale, so the JPEG block grid has phase (0, 0)).
    """

    image: str
    scale: int
    quality: int
    hr: np.ndarray
    lr_clean: np.ndarray
    lr: np.ndarray
    info: CodecInfo
    origin: tuple[int, int]


def make_scene(image=DEFAULT_IMAGE, scale: int = 4, quality: int = 20, lr_crop: int | None = None,
               window: int = 16, subsampling: str = "4:2:0") -> Scene:
    """Downscale ``image`` ×``scale`` (PIL bicubic) and JPEG-compress it at ``quality``.

    With ``lr_crop`` the scene is an (lr_crop × lr_crop)-pixel LR crop, aligned to the 8×8 block grid,
    centred (as far as the image allows) on the blockiest ``window`` of the whole compressed image; the crop is
    cut from the HR image and downscaled and compressed again, so the scene is self-consistent.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    full = crop_to_multiple(load_image(image), 8 * scale)
    origin = (0, 0)
    if lr_crop is not None:
        if isinstance(lr_crop, bool) or not isinstance(lr_crop, (int, np.integer)) or lr_crop < 16 or lr_crop % 8:
            raise ValueError(f"lr_crop must be a multiple of 8 and at least 16, got {lr_crop!r}")
        lr_full, _ = compress(downscale(full, scale), "jpeg", quality=quality, subsampling=subsampling)
        h, w = lr_full.shape[:2]
        if lr_crop > min(h, w):
            raise ValueError(f"lr_crop {lr_crop} exceeds the {h}×{w} LR image")
        r, c = blockiest_window(lr_full, window)
        r0 = int(np.clip(8 * round((r + window / 2 - lr_crop / 2) / 8), 0, (h - lr_crop) // 8 * 8))
        c0 = int(np.clip(8 * round((c + window / 2 - lr_crop / 2) / 8), 0, (w - lr_crop) // 8 * 8))
        origin = (r0 * scale, c0 * scale)
        full = full[origin[0]: origin[0] + lr_crop * scale, origin[1]: origin[1] + lr_crop * scale]
    lr_clean = downscale(full, scale)
    lr, info = compress(lr_clean, "jpeg", quality=quality, subsampling=subsampling)
    return Scene(str(image), int(scale), int(quality), full, lr_clean, lr, info, origin)


def scene(config: NotebookSettings | None = None) -> Scene:
    """:func:`make_scene` with a notebook's settings (default: :func:`settings`)."""
    s = settings() if config is None else config
    return make_scene(s.image, s.scale, s.quality, s.lr_crop, s.window)


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
