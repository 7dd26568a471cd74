"""The skill study in words and tables (Markdown)."""

from __future__ import annotations

import numpy as np

from ...models.units import layer_label
from .results import SkillResult
from .settings import METHOD_WORDS


def swap_table(result: SkillResult) -> str:
    """Rows: % of units swapped; columns: share of the twin's JPEG advantage removed per ranking, and the
    FAIG swap's gain on clean input."""
    methods = [m for m in ("faig", "absdelta", "ig-twin", "random")
               if m in result.methods or (m == "random" and any(x.startswith("random-") for x in result.methods))]
    head = "| units swapped | " + " | ".join(METHOD_WORDS[m] for m in methods) + " | clean input, FAIG swap |"
    rows = [head, "|" + "---|" * (len(methods) + 2)]
    removed = {m: result.removed(m, "jpeg") for m in methods}
    clean = result.mean_gain("faig", "clean") if "faig" in methods else None
    for f, frac in enumerate(result.fractions):
        cells = [f"{_pct(removed[m][f])} %" for m in methods]
        tail = f"{clean[f]:+.2f} dB" if clean is not None and np.isfinite(clean[f]) else "–"
        rows.append(f"| {100 * frac:g} % | " + " | ".join(cells) + f" | {tail} |")
    return "\n".join(rows)


def _pct(share: float) -> str:
    """A share as a whole percent, without a negative zero."""
    text = f"{100 * share:.0f}"
    return "0" if text == "-0" else text


def _names(names: list[str], keep: int = 6) -> str:
    return ", ".join(names) if len(names) <= keep else f"{', '.join(names[:keep])}, … {names[-1]}"


def layer_summary(result: SkillResult, fraction: float = 0.01, top: int = 6) -> str:
    """The layers holding most of the top ``fraction`` FAIG units, with their shares."""
    counts = result.layer_counts(fraction)
    total = counts.sum()
    order = np.argsort(-counts, kind="stable")[:top]
    return ", ".join(f"{layer_label(result.units.params[i])} {100 * counts[i] / total:.0f} %" for i in order
                     if counts[i])


def render_markdown(result: SkillResult) -> str:
    m = result.meta
    s = m["scores"]
    ev = m["evaluation"]
    lines = [f"# Where the JPEG skill lives: {m['from']} → {m['to']}", "",
             f"FAIG (Xie et al., NeurIPS 2021): integrated gradients in weight space along control → twin, "
             f"{m['units']:,} units (conv kernel slices and Linear entries), {m['scoring']['steps']} path steps, "
             f"loss = MSE on {m['scoring']['queries']} sampled HR pixels of each of {len(m['scoring']['images'])} "
             f"scikit-image crops ({m['scoring']['patch']}² LR) at ×{m['scoring']['scale']}, JPEG q"
             f"{m['scoring']['quality']} minus clean. Scoring took {s['seconds']:.0f} s on {s['threads']} torch "
             f"thread(s)" + (f" ({s['cpu_seconds']:.0f} s of CPU time)" if "cpu_seconds" in s else "") +
             (" (read from the cache)." if s.get("from_cache") else "."),
             f"IG completeness gap |Σ IG − ΔL| / |ΔL|: JPEG {100 * s['jpeg']['completeness_gap']:.1f} %, clean "
             f"{100 * s['clean']['completeness_gap']:.1f} %, twin alone {100 * s['twin']['completeness_gap']:.1f} %.",
             "",
             f"Swaps evaluated on {len(result.eval_names)} images ({_names(result.eval_names)}), central "
             f"{ev['crop']}² HR crops at ×{m['scoring']['scale']}, Y-PSNR gain over bicubic: on JPEG q"
             f"{m['scoring']['quality']} the twin {result.twin_gain[0].mean():+.2f} dB, the control "
             f"{result.control_gain[0].mean():+.2f} dB (advantage {result.advantage('jpeg'):+.2f} dB); "
             + (f"clean {result.twin_gain[1].mean():+.2f} / {result.control_gain[1].mean():+.2f} dB. "
                if np.isfinite(result.twin_gain[1]).all() else "clean input not evaluated. ") +
             f"Swap curves took {m['eval_seconds']:.0f} s.", "",
             "Share of the twin's JPEG advantage removed by swapping the top units for the control's:", "",
             swap_table(result), "",
             f"The top 1 % by FAIG sit in: {layer_summary(result)}.", ""]
    v = result.views
    if "enrichment" in v:
        lines.append(f"Block-edge enrichment (mean |activation| on pixels next to an 8×8 boundary / interior mean) "
                     f"of the top {len(v['units'])} spatial FAIG units: median {np.nanmedian(v['enrichment']):.2f}× "
                     f"on JPEG input, {np.nanmedian(v['clean_enrichment']):.2f}× on clean input; random units of "
                     f"the same layers {np.nanmedian(v['random_enrichment']):.2f}× on JPEG input.")
    return "\n".join(lines) + "\n"
