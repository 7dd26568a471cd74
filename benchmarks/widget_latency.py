"""Benchmark: how long a window move takes to become a redrawn figure in each pickable view.

    python benchmarks/widget_latency.py                       # DEFAULT_MODELS, 256² LR, 2 threads
    python benchmarks/widget_latency.py --models liif-jpeg liif-clean --moves 5

For the attribution view (saliency, and LAM with 50 steps), the codec view (its attribution statistics with
the same two methods) and the ensemble view, on a 256×256 JPEG (q=20) LR image: build the view (its first
update encodes the image once into the shared cache), then move the window ``--moves`` times by one 8×8 block
— each move a new window, so nothing is memoised — exactly as a click or a slider does (``view.pick``), and
time each move until the figure is rendered to PNG (what the view displays). Prints one line per view and
method: median, min and max seconds per move. Models run on CPU with ``--threads`` torch threads.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from explain.codecs import compress
from explain.images import downscale, load_image
from explain.models.names import DEFAULT_MODELS
from explain.widgets import AttributionView, CodecView, EnsembleView, FeatureCache
from explain.widgets._base import figure_png


def _moves(view, out_size, side: int, moves: int, step: int) -> list[float]:
    """Seconds per move: pick the centre of the window ``step`` output pixels further (row and column)."""
    H, W = out_size
    times = []
    r, c = view.value("row"), view.value("col")
    for i in range(moves):
        r = (r + step) % (H - side)
        c = (c + step * (1 if i % 2 else 2)) % (W - side)
        start = time.perf_counter()
        view.pick(r + side // 2, c + side // 2)
        figure_png(view.figure)  # the PNG the view shows
        times.append(time.perf_counter() - start)
        assert view.error is None, view.error
    return times


def run(models, image: str = "astronaut", size: int = 256, quality: int = 20, moves: int = 3,
        steps: int = 50) -> list[dict]:
    """One row per (view, method): view, method, median_s, min_s, max_s, moves, settings."""
    hr = load_image(image)
    scale_hr = max(1, round(min(hr.shape[:2]) / size))  # the default image (512²) → a 256² LR image
    clean = downscale(hr[: size * scale_hr, : size * scale_hr], scale_hr)
    lr, _ = compress(clean, "jpeg", quality=quality)
    rows = []
    block = 8 * 4  # one 8×8 LR block at ×4
    for method, kw in (("saliency", {}), (f"lam-{steps}", {"steps": steps})):
        name = "lam" if method.startswith("lam") else method
        view = AttributionView(models, lr, scale=4, window=(0, 0, 32, 32), method=name, target="gradient",
                               cache=FeatureCache(), render=False, progress=False, click=False, **kw)
        t = _moves(view, view.out_size, 32, moves, block)
        rows.append({"view": "AttributionView ×4", "method": method, "times": t})
        hr_view = hr[: size * 2, : size * 2]  # the codec view downscales its original ×2 to the 256² LR image
        view = CodecView(models, hr_view, scale=2, window=(0, 0, 16, 16), quality=quality, method=name,
                         steps=steps if name == "lam" else 1, target="gradient", cache=FeatureCache(), render=False,
                         progress=False, click=False)
        t = _moves(view, view.out_size, 16, moves, 16)
        rows.append({"view": "CodecView ×2 (attribution statistics)", "method": method, "times": t})
    view = EnsembleView(models, lr, scale=4, region=(0, 0, 32, 32), cache=FeatureCache(), render=False, click=False)
    rows.append({"view": "EnsembleView ×4", "method": "ensemble weights",
                 "times": _moves(view, view.out_size, 32, moves, block)})
    for row in rows:
        t = row.pop("times")
        row.update(median_s=statistics.median(t), min_s=min(t), max_s=max(t), moves=len(t))
    return rows


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS), help="names or checkpoints (%(default)s)")
    p.add_argument("--image", default="astronaut")
    p.add_argument("--size", type=int, default=256, help="LR side (pixels)")
    p.add_argument("--quality", type=int, default=20, help="JPEG quality of the LR image")
    p.add_argument("--moves", type=int, default=3, help="window moves timed per view")
    p.add_argument("--steps", type=int, default=50, help="LAM steps")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    from explain.models import load_model

    models = {name: load_model(name) for name in args.models}
    rows = run(models, args.image, args.size, args.quality, args.moves, args.steps)
    print(f"window move → redrawn figure; {args.size}² LR ({args.image}, JPEG q={args.quality}), models "
          f"{', '.join(models)} (all computed per move), {args.threads} torch threads, {args.moves} moves each")
    width = max(len(r["view"]) for r in rows) + 2
    print(f"{'view':<{width}}{'method':<18}{'median s':>10}{'min s':>8}{'max s':>8}")
    for r in rows:
        print(f"{r['view']:<{width}}{r['method']:<18}{r['median_s']:10.2f}{r['min_s']:8.2f}{r['max_s']:8.2f}")
    return rows


if __name__ == "__main__":
    main()
