"""Benchmark: the drawing share of a window move in the pickable views (what the figures cost beside the probes).

    python benchmarks/view_drawing.py                  # liif-edsr-jpeg, 128² LR astronaut (JPEG q=20), 3 moves each
    python benchmarks/view_drawing.py --moves 5 --models liif-edsr liif-edsr-jpeg

For the attribution view (saliency, one model), the ensemble view, the codec view (its attribution statistics by
saliency) and the causal view, each window move (a
``view.pick`` one 8×8 block further, nothing memoised) is split into the probe's computation, building or
refilling the figure, and rendering it to the PNG the view displays. Times are CPU seconds of this process
(``time.process_time``, robust on a shared machine) with ``--threads`` torch threads; the table gives the median
per move and the drawing share (figure + PNG) of the whole move. ``benchmarks/widget_latency.py`` times whole moves.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch
from widget_latency import lr_image  # noqa: E402  (the same LR image as the latency benchmark)

from explain.models import load_model
from explain.widgets import AttributionView, CausalView, CodecView, EnsembleView, FeatureCache
from explain.widgets._base import figure_png


class Split:
    """Wraps a view's figure functions and probe to book CPU seconds under "figure"; the rest is the probe."""

    def __init__(self):
        self.figure = 0.0

    def wrap(self, fn):
        def timed(*a, **k):
            t0 = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                self.figure += time.process_time() - t0
        return timed


def moves(view, split: Split, n: int, step: int, lr_px: bool = False) -> list[tuple[float, float, float]]:
    """(probe, figure, png) CPU seconds for ``n`` moves of ``step`` pixels (output px, or LR px with ``lr_px``)."""
    out = []
    for i in range(n):
        if lr_px:
            (r0, _), (c0, _) = view.block_box
            target = ((r0 + step * (i + 1)) % (view.lr.shape[0] - 8), (c0 + step * (i + 2)) % (view.lr.shape[1] - 8))
        else:
            H, W = view.out_size
            side = view.value("size")
            target = ((view.value("row") + step + side // 2) % (H - side), (view.value("col") + 2 * step + side // 2)
                      % (W - side))
        split.figure = 0.0
        t0 = time.process_time()
        view.pick(*target)
        t1 = time.process_time()
        figure_png(view.figure)
        t2 = time.process_time()
        assert view.error is None, view.error
        out.append((t1 - t0 - split.figure, split.figure, t2 - t1))
    return out


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=["liif-edsr-jpeg"])
    p.add_argument("--size", type=int, default=128, help="LR side (pixels)")
    p.add_argument("--moves", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    import explain.widgets.attribution as attribution_widget
    import explain.widgets.causal as causal_widget
    import explain.widgets.codecs as codecs_widget
    import explain.widgets.ensemble as ensemble_widget

    split = Split()
    for module, names in ((attribution_widget, ("plot_attribution", "redraw_attribution")),
                          (ensemble_widget, ("plot_ensemble", "plot_contributions", "redraw_ensemble")),
                          (causal_widget, ("plot_intervention", "redraw_intervention")),
                          (codecs_widget, ("plot_crops", "redraw_crops"))):
        for name in names:
            if hasattr(module, name):  # (an older checkout has fewer of them: its views draw new figures)
                setattr(module, name, split.wrap(getattr(module, name)))
    models = {m: load_model(m) for m in args.models}
    first = dict([next(iter(models.items()))])
    hr, lr = lr_image("astronaut", args.size, 20)
    rows = []
    view = AttributionView(first, lr, scale=4, window=(0, 0, 32, 32), method="saliency", target="gradient",
                           cache=FeatureCache(), render=False, progress=False, click=False)
    rows.append(("AttributionView ×4 saliency", moves(view, split, args.moves, 32)))
    view = EnsembleView(models, lr, scale=4, region=(0, 0, 32, 32), cache=FeatureCache(), render=False, click=False)
    rows.append(("EnsembleView ×4", moves(view, split, args.moves, 32)))
    view = CodecView(first, hr[: args.size * 2, : args.size * 2], scale=2, window=(0, 0, 16, 16), method="saliency",
                     target="gradient", cache=FeatureCache(), render=False, progress=False, click=False)
    rows.append(("CodecView ×2 (saliency statistics)", moves(view, split, args.moves, 16)))
    view = CausalView(first, lr, scale=4, block=(40, 40), draws=2, click=False, render=False)
    rows.append(("CausalView ×4 (draws 2)", moves(view, split, args.moves, 8, lr_px=True)))
    load = os.getloadavg()
    print(f"window move split, CPU seconds (median of {args.moves}); {args.size}² LR, {args.threads} torch thread(s), "
          f"load average {load[0]:.2f}")
    print(f"{'view':<30}{'probe':>8}{'figure':>8}{'PNG':>8}{'drawing share':>15}")
    out = []
    for name, t in rows:
        probe, fig, png = (statistics.median(x[k] for x in t) for k in range(3))
        share = (fig + png) / max(probe + fig + png, 1e-9)
        print(f"{name:<30}{probe:8.2f}{fig:8.2f}{png:8.2f}{100 * share:14.0f}%")
        out.append({"view": name, "probe_s": probe, "figure_s": fig, "png_s": png, "drawing_share": share})
    return out


if __name__ == "__main__":
    main()
