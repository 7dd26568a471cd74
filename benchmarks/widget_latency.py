"""Benchmark: how long a window move takes to become a redrawn figure in each pickable view, and how many LAM
steps each quadrature rule needs for a given accuracy.

    python benchmarks/widget_latency.py                       # DEFAULT_MODELS, 256² LR, 2 threads
    python benchmarks/widget_latency.py --moves 5 --no-quadrature
    python benchmarks/widget_latency.py --quadrature-only --windows 3

Latency. For the attribution view (saliency; LAM with 50 steps and with the view's default steps; each with
the default models side by side and with the first model alone), the codec view (its attribution statistics
with the same methods) and the ensemble view, on a 256×256 JPEG (q=20) LR image: build the view (its first
update encodes the image once into the shared cache), then move the window ``--moves`` times by one 8×8 block
— each move a new window, so nothing is memoised — exactly as a click or a slider does (``view.pick``), and
time each move until the figure is rendered to PNG (what the view displays). Prints one line per view and
method: median, min and max seconds per move. Models run on CPU with ``--threads`` torch threads.

Quadrature. For ``--windows`` 32×32 output windows at ×4 (the view's target, LAM's gradient-magnitude
detector), LAM of the first model with each rule of ``LAM_INTEGRATIONS`` at 4…50 steps against a
``--reference-steps`` midpoint reference: the map error Σ|map − ref| / Σ|ref| and the relative completeness gap
|Σ map − (F(x) − F(γ(0)))| / |F(x) − F(γ(0))|, averaged over the windows, with the seconds per attribution.
The gap is a sum in which errors of both signs cancel: the map error is the measure that decides how many
steps a rule needs.
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
    """One row per (view, models, method): view, models, method, median_s, min_s, max_s, moves."""
    hr, lr = lr_image(image, size, quality)
    first = dict([next(iter(models.items()))])
    rows = []
    block = 8 * 4  # one 8×8 LR block at ×4
    default_steps = AttributionView.DEFAULT_STEPS
    methods = [("saliency", "saliency", {}), (f"lam-{steps}", "lam", {"steps": steps})]
    if default_steps != steps:
        methods.append((f"lam-{default_steps} (view default)", "lam", {"steps": default_steps}))
    for label, name, kw in methods:
        for group in ((models, first) if len(models) > 1 else (models,)):
            view = AttributionView(group, lr, scale=4, window=(0, 0, 32, 32), method=name, target="gradient",
                                   cache=FeatureCache(), render=False, progress=False, click=False, **kw)
            rows.append({"view": "AttributionView ×4", "models": ", ".join(group), "method": label,
                         "times": _moves(view, view.out_size, 32, moves, block)})
        hr_view = hr[: size * 2, : size * 2]  # the codec view downscales its original ×2 to the 256² LR image
        view = CodecView(models, hr_view, scale=2, window=(0, 0, 16, 16), quality=quality, method=name,
                         steps=kw.get("steps", 1), target="gradient", cache=FeatureCache(), render=False,
                         progress=False, click=False)
        rows.append({"view": "CodecView ×2 (attribution statistics)", "models": ", ".join(models), "method": label,
                     "times": _moves(view, view.out_size, 16, moves, 16)})
    view = EnsembleView(models, lr, scale=4, region=(0, 0, 32, 32), cache=FeatureCache(), render=False, click=False)
    rows.append({"view": "EnsembleView ×4", "models": ", ".join(models), "method": "ensemble weights",
                 "times": _moves(view, view.out_size, 32, moves, block)})
    for row in rows:
        t = row.pop("times")
        row.update(median_s=statistics.median(t), min_s=min(t), max_s=max(t), moves=len(t))
    return rows


QUADRATURE_STEPS = (4, 8, 16, 32, 50)


def quadrature_table(model, lr, windows, steps=QUADRATURE_STEPS, reference_steps: int = 256) -> list[dict]:
    """One row per (rule, steps): mean map error and mean relative gap over ``windows`` (row, col, 32, 32) at
    ×4 against a midpoint reference of ``reference_steps`` steps, and the mean seconds per attribution."""
    import numpy as np

    from explain.probes import attribute
    from explain.probes.attribution import LAM_INTEGRATIONS

    def lam(window, n, rule):
        start = time.perf_counter()
        res = attribute(model, lr, window, 4, method="lam", steps=n, target="gradient", integration=rule)
        return res, time.perf_counter() - start

    refs = [lam(w, reference_steps, "midpoint")[0] for w in windows]
    rows = []
    for rule in LAM_INTEGRATIONS:
        for n in steps:
            errs, gaps, secs = [], [], []
            for w, ref in zip(windows, refs):
                res, sec = lam(w, n, rule)
                errs.append(float(np.abs(res.map - ref.map).sum() / np.abs(ref.map).sum()))
                gaps.append(float(res.relative_delta))
                secs.append(sec)
            rows.append({"rule": rule, "steps": n, "map_error": statistics.mean(errs),
                         "relative_gap": statistics.mean(gaps), "seconds": statistics.mean(secs)})
    return rows


def print_quadrature(rows: list[dict], windows, reference_steps: int) -> None:
    print(f"\nLAM quadrature: map error Σ|map − ref|/Σ|ref| (and relative completeness gap) against a "
          f"{reference_steps}-step midpoint reference, mean over {len(windows)} window(s) {list(windows)}")
    steps = sorted({r["steps"] for r in rows})
    print(f"{'rule':<15}" + "".join(f"{f'{n} steps':>22}" for n in steps))
    for rule in dict.fromkeys(r["rule"] for r in rows):
        cells = {r["steps"]: r for r in rows if r["rule"] == rule}
        print(f"{rule:<15}" + "".join(f"{cells[n]['map_error']:>10.3f} ({cells[n]['relative_gap']:.3f})"
                                        f"{cells[n]['seconds']:>5.1f}s" for n in steps))


def lr_image(image: str = "astronaut", size: int = 256, quality: int = 20):
    """The benchmark's LR image: ``image`` downscaled to about ``size``² and JPEG-compressed at ``quality``."""
    hr = load_image(image)
    scale_hr = max(1, round(min(hr.shape[:2]) / size))
    clean = downscale(hr[: size * scale_hr, : size * scale_hr], scale_hr)
    return hr, compress(clean, "jpeg", quality=quality)[0]


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS), help="names or checkpoints (%(default)s)")
    p.add_argument("--image", default="astronaut")
    p.add_argument("--size", type=int, default=256, help="LR side (pixels)")
    p.add_argument("--quality", type=int, default=20, help="JPEG quality of the LR image")
    p.add_argument("--moves", type=int, default=3, help="window moves timed per view")
    p.add_argument("--steps", type=int, default=50, help="LAM steps")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--windows", type=int, default=2, help="windows of the quadrature table")
    p.add_argument("--reference-steps", type=int, default=256, help="midpoint steps of the quadrature reference")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--no-quadrature", action="store_true", help="time the views only")
    g.add_argument("--quadrature-only", action="store_true", help="print the quadrature table only")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    from explain.models import load_model

    models = {name: load_model(name) for name in args.models}
    out = {}
    if not args.quadrature_only:
        rows = run(models, args.image, args.size, args.quality, args.moves, args.steps)
        print(f"window move → redrawn figure (PNG); {args.size}² LR ({args.image}, JPEG q={args.quality}), "
              f"{args.threads} torch threads, {args.moves} moves each, every model computed per move")
        width = max(len(r["view"]) for r in rows) + 2
        mw = max(len(r["models"]) for r in rows) + 2
        print(f"{'view':<{width}}{'models':<{mw}}{'method':<26}{'median s':>10}{'min s':>8}{'max s':>8}")
        for r in rows:
            print(f"{r['view']:<{width}}{r['models']:<{mw}}{r['method']:<26}{r['median_s']:10.2f}"
                  f"{r['min_s']:8.2f}{r['max_s']:8.2f}")
        out["latency"] = rows
    if not args.no_quadrature:
        _, lr = lr_image(args.image, args.size, args.quality)
        H = 4 * lr.shape[0]
        # windows spread over the image: a face/edge region, then further blocks along the diagonal
        windows = [((H // 3 + 97 * i) % (H - 32), (H // 2 + 173 * i) % (H - 32), 32, 32) for i in range(args.windows)]
        rows = quadrature_table(next(iter(models.values())), lr, windows, reference_steps=args.reference_steps)
        print_quadrature(rows, windows, args.reference_steps)
        out["quadrature"] = rows
    return out


if __name__ == "__main__":
    main()
