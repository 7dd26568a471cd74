"""Region coding as Markdown tables."""

from __future__ import annotations

from .._markdown import fmt
from .results import RegionStudy


def render_markdown(study: RegionStudy) -> str:
    """Per image and method the PSNR-Y change region − uniform inside / outside / overall, then the means."""
    p = study.params
    lines = [f"## Region-priority vs uniform JPEG at equal rate (×{p['scale']}, target {p['target_bpp']:g} bpp, "
             f"region: {study.results[0].source})", "",
             "| image | region share | uniform q / bpp | region q high / low / bpp | method | Δ inside | Δ outside | "
             "Δ all |", "|---|---|---|---|---|---|---|---|"]
    for r in study.results:
        for method in r.psnr:
            lines.append(f"| {r.image} | {100 * r.region_share:.0f} % | {r.uniform_quality} / {r.uniform_bpp:.3f} | "
                         f"{r.code['high_quality']} / {r.code['low_quality']} / {r.code['bpp']:.3f} | {method} | "
                         f"{r.gain(method, 'inside'):+.2f} | {r.gain(method, 'outside'):+.2f} | "
                         f"{r.gain(method, 'all'):+.2f} |")
    lines += ["", "Mean PSNR-Y change region − uniform (dB):", "", "| method | inside | outside | all |",
              "|---|---|---|---|"]
    for method, g in study.mean_gains().items():
        lines.append(f"| {method} | {fmt(g['inside'])} | {fmt(g['outside'])} | {fmt(g['all'])} |")
    return "\n".join(lines) + "\n"
