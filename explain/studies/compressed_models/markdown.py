"""The compressed-model audit as a Markdown table."""

from __future__ import annotations

from .._markdown import fmt
from .results import AuditResult


def render_markdown(result: AuditResult) -> str:
    """One row per copy: sparsity, agreement with the full model (grey levels), ΔPSNR and the four Spearman ρ."""
    p = result.params
    lines = [f"## Compressed-model audit of {p['model']} (×{p['scale']}, {len(result.disagreement[0])} patches of "
             f"{p['patch']}×{p['patch']} LR px from {len(result.images)} images × {', '.join(result.conditions)})",
             "",
             "Disagreement = RMS of copy SR − full SR on a patch's HR window, in 8-bit grey levels (×255). "
             "Spearman ρ of disagreement with local JPEG blocking (D_B − D_B^c), JPEG error, latent rarity "
             f"(k={p['k']} nearest of {p['bank_patches']} bank patches: {p['bank']}) and the full model's error.",
             "", "**Proxy, not memorisation**: disagreement + rarity stand in for the memorisation scores of "
             "arXiv 2306.06238 (which need retrained models); read correlations as consistent-with, not proof.", "",
             "| copy | sparsity | PSNR vs full (dB) | mean | p95 | max | > 1 level | ΔPSNR vs HR (dB) | "
             "ρ blocking | ρ JPEG err | ρ rarity | ρ own error |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for v in result.variants:
        a, c = result.agreement[v], result.correlations[v]
        lines.append(f"| {v} | {100 * result.copies[v]['sparsity']:.1f} % | {fmt(a['psnr_vs_full'], 1)} | "
                     f"{fmt(255 * a['mean'], 3)} | {fmt(255 * a['p95'], 3)} | {fmt(255 * a['max'], 3)} | "
                     f"{100 * a['visible']:.1f} % | {a['delta_psnr']:+.3f} | {fmt(c['blocking'])} | "
                     f"{fmt(c['jpeg_error'])} | {fmt(c['rarity'])} | {fmt(c['full_error'])} |")
    lines += ["", "int8: " + result.copies.get("int8", {}).get("quantised", "not run")]
    for v in result.variants:
        emptied = result.copies[v].get("emptied_layers")
        if emptied:
            lines.append(f"{v}: layers with ≥ 99 % of their weights pruned: {', '.join(emptied)}")
    return "\n".join(lines) + "\n"
