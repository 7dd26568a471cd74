"""The codec study as Markdown: blocking and SR quality per codec at matched rates, BD-rates, attribution."""

from __future__ import annotations

from .._markdown import fmt
from .results import BICUBIC, DECODED, CodecStudy
from .summary import attribution_summary, matched_summary


def render_markdown(study: CodecStudy) -> str:
    """The headline tables: blocking and SR quality per codec at matched rates, BD-rates, attribution."""
    p = study.params
    models = [m for m in study.methods if m not in (DECODED, BICUBIC)]
    lines = [f"## Codec study (×{p['scale']}, {len(p['images'])} images: {', '.join(p['images'][:6])}"
             f"{' …' if len(p['images']) > 6 else ''})", "",
             "Decoded LR vs clean LR: PSNR-Y and blocking on the 8×8 grid (BEF ×10⁴ and D_B/D_B^c, the ratio of "
             "squared steps across block boundaries to those inside blocks; 1 = no grid). SR: PSNR-Y of the ×s "
             "upscale vs HR; gain = model − bicubic. Means over images whose encode is within "
             f"{100 * p['tolerance']:.0f} % of the target rate.", ""]
    head = "| target | codec | bpp | n | LR PSNR-Y | LR BEF×10⁴ | LR D_B/D_B^c | bicubic | " + \
        " | ".join(f"{m} (gain)" for m in models) + " |"
    lines += [head, "|" + "---|" * (8 + len(models))]
    summary = matched_summary(study)
    targets = sorted({e["target_bpp"] for e in summary})
    for target in targets:
        for codec in study.codecs:
            by = {e["method"]: e for e in summary if e["target_bpp"] == target and e["codec"] == codec}
            if DECODED not in by:
                continue
            d = by[DECODED]
            cells = [f"{target:g}", codec, fmt(d["bpp"], 3), str(d["images"]), fmt(d["psnr_y"]),
                     fmt(1e4 * d["bef"], 2), fmt(d["block_ratio"], 2), fmt(by.get(BICUBIC, {}).get("psnr_y"))]
            cells += [f"{fmt(by[m]['psnr_y'])} ({by[m]['gain']:+.2f})" if m in by else "–" for m in models]
            lines.append("| " + " | ".join(cells) + " |")
    if study.bd:
        lines += ["", f"BD-rate against {p['reference']} (PSNR-Y curves of image means; negative = fewer bits "
                      "for the same PSNR-Y) and BD-PSNR (dB at equal rate):", "",
                  "| method | " + " | ".join(c for c in study.codecs if c != p["reference"]) + " |",
                  "|---|" + "---|" * (len(study.codecs) - 1)]
        for method in study.methods:
            by = {b.codec: b for b in study.bd if b.method == method}
            cells = [f"{fmt(by[c].bd_rate, 1)} % / {fmt(by[c].bd_metric)} dB" if c in by else "–"
                     for c in study.codecs if c != p["reference"]]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
    attr = attribution_summary(study)
    if attr:
        lines += ["", f"LAM ({p['attribution_steps']} steps, gradient target) on the blockiest 16×16 LR window of "
                      f"the {p['reference']} decode, same window for every codec: Diffusion Index over the receptive "
                      "box, shares of attribution in the window's own blocks / the ring of neighbouring blocks, and "
                      "block-edge enrichment.", "",
                  "| target | model | codec | bpp | n | DI | own | neighbours | edge enrichment |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for e in attr:
            lines.append(f"| {e['target_bpp']:g} | {e['model']} | {e['codec']} | {fmt(e['bpp'], 3)} | {e['images']} | "
                         f"{fmt(e['di_receptive'], 1)} | {fmt(e['own'])} | {fmt(e['neighbours'])} | "
                         f"{fmt(e['boundary_enrichment'])} |")
    return "\n".join(lines) + "\n"
