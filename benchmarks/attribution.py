"""Benchmark: one LAM map for a 16×16 HR window on a 256×256 LR image at ×4, local crop vs whole image.

    python benchmarks/attribution.py                 # liif-edsr-jpeg (paper-size LIIF, fine-tuned)
    python benchmarks/attribution.py --threads 1 --steps 50 --size 256

Prints the time of each computation, their ratio, and the max absolute / relative difference of the maps.
The local computation encodes only the exact receptive field of the window (for the paper encoder
4 + 2·36 = 76 LR pixels a side), so its cost does not grow with the image; the whole-image computation
encodes all 256² pixels at every path step.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from explain.images import downscale, load_image
from explain.models import LIIF, load_model
from explain.models.names import JPEG_TWIN
from explain.probes.attribution import attribute


def pick_model(name: str | None) -> tuple[LIIF, str]:
    """The named model (default: the JPEG twin ``liif-edsr-jpeg``, the model the toolkit explains on JPEGs)."""
    name = name or JPEG_TWIN
    return load_model(name), name


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=JPEG_TWIN, help="model name or checkpoint (default: %(default)s)")
    p.add_argument("--image", default="astronaut")
    p.add_argument("--size", type=int, default=256, help="LR side (pixels)")
    p.add_argument("--scale", type=float, default=4.0)
    p.add_argument("--window", type=int, default=16, help="HR window side (pixels)")
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--sigma", type=float, default=1.2)
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0 = torch default)")
    p.add_argument("--skip-full", action="store_true", help="time only the local computation")
    args = p.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    model, label = pick_model(args.model)
    lr = downscale(load_image(args.image), size=(args.size, args.size))
    H = round(args.size * args.scale)
    row = col = (H - args.window) // 2 // 4 * 4  # centre of the output, on a 4-pixel boundary
    window = (row, col, args.window, args.window)
    kw = dict(scale=args.scale, method="lam", steps=args.steps, sigma=args.sigma)
    print(f"model: {label} ({model.num_parameters():,} parameters, query radius {model.query_radius} LR px)")
    print(f"image: {args.image} {args.size}×{args.size} LR → {H}×{H} at ×{args.scale:g}; window {window}; "
          f"LAM {args.steps} steps, σ_max {args.sigma}; torch threads {torch.get_num_threads()}")

    t0 = time.perf_counter()
    loc = attribute(model, lr, window, local=True, **kw)
    t_local = time.perf_counter() - t0
    (a0, a1), (b0, b1) = loc.receptive_box
    print(f"local crop {a1 - a0}×{b1 - b0} LR px: {t_local:.2f} s   (delta {loc.delta:.3g}, "
          f"|delta|/|F(x)-F(x0)| {loc.relative_delta:.2g}, DI {loc.di:.2f}, DI in box {loc.di_receptive:.1f})")
    out = {"local_s": t_local, "crop": (a1 - a0, b1 - b0)}
    if args.skip_full:
        return out
    t0 = time.perf_counter()
    full = attribute(model, lr, window, local=False, **kw)
    t_full = time.perf_counter() - t0
    diff = float(np.abs(loc.map - full.map).max())
    rel = diff / float(np.abs(full.map).max())
    print(f"whole image {args.size}×{args.size} LR px: {t_full:.2f} s   (delta {full.delta:.3g}, DI {full.di:.2f})")
    area = args.size ** 2 / ((a1 - a0) * (b1 - b0))
    print(f"speed-up (whole / local): {t_full / t_local:.1f}×   (area ratio {area:.1f}×)")
    print(f"max |map_local − map_full| = {diff:.3g}; relative to max |map| = {rel:.3g}")
    out.update(full_s=t_full, ratio=t_full / t_local, max_abs=diff, max_rel=rel)
    return out


if __name__ == "__main__":
    main()
