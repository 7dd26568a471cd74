"""The answer in words, generated from the numbers of an :class:`explain.report.ExplainReport`.

Every figure in these sentences is read from the clues (means over the explained blocks, with their range); no
number is written by hand. Wording follows the numbers: "mostly" names the side holding more than half of the
evidence, and a clue is listed as passing only when it passed the weight-randomisation test.
"""

from __future__ import annotations

import numpy as np

from ..probes.clues import GAP_LIMIT, REFINE_FACTOR

DIRECTIONS = {(-1, -1): "above-left", (-1, 0): "above", (-1, 1): "above-right", (0, -1): "left", (0, 1): "right",
              (1, -1): "below-left", (1, 0): "below", (1, 1): "below-right", (0, 0): "own"}
BAND_WORDS = {"dc": "DC", "low_ac": "lowest AC (u + v ≤ 2)", "high_ac": "higher AC"}


def pct(x) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.0f} %"


def _mean(values) -> float:
    v = np.array([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    return float(v.mean()) if v.size else float("nan")


def _range(values) -> str:
    v = [x for x in values if x is not None and np.isfinite(x)]
    if len(v) < 2:
        return ""
    return f" (from {100 * min(v):.0f} to {100 * max(v):.0f} % over the blocks)"


def coefficient_words(entry: dict) -> str:
    """'the DC of the block above (Y)' for a :meth:`CoefficientMap.top_coefficients` entry."""
    v, u = entry["v"], entry["u"]
    if (v, u) == (0, 0):
        name = "DC"
    elif v == 0:
        name = f"horizontal AC u = {u}"
    elif u == 0:
        name = f"vertical AC v = {v}"
    else:
        name = f"AC (u = {u}, v = {v})"
    offset = tuple(entry["block_offset"])
    if offset == (0, 0):
        where = "the block itself"
    elif offset in ((0, -1), (0, 1)):
        where = f"the block to the {DIRECTIONS[offset]}"
    elif offset in DIRECTIONS:
        where = f"the block {DIRECTIONS[offset]}"
    else:
        where = f"the block at offset {offset} (rows, cols)"
    return f"the {name} coefficient of {where} ({entry['component']})"


NAN = float("nan")
METHOD_WORDS = {"lam": "the spatial shares (LAM)", "ig": "the integrated-gradient shares from the coarser JPEG",
                "channel": "the channel shares (integrated gradients)"}


def _model_numbers(windows, name) -> dict:
    """Per block, the figures the words quote; a figure of a path method whose completeness gap stayed above
    :data:`explain.probes.clues.GAP_LIMIT` is NaN (kept out of the answer)."""
    cs = [w.clues[name] for w in windows]
    sp = [c.spatial.lam.block_shares if c.trusted("lam") else {} for c in cs]
    gn = [c.frequency.gradient_x_coefficient.band_shares("neighbours") for c in cs]
    ig = [c.frequency.integrated_gradients if c.trusted("ig") else None for c in cs]
    ch = [c.channel if c.trusted("channel") else None for c in cs]
    return {
        "own": [s.get("own", NAN) for s in sp], "neighbours": [s.get("neighbours", NAN) for s in sp],
        "beyond": [s.get("beyond", NAN) for s in sp], "enrichment": [s.get("boundary_enrichment", NAN) for s in sp],
        "n_dc": [g["dc"] for g in gn], "n_low": [g["low_ac"] for g in gn], "n_high": [g["high_ac"] for g in gn],
        "ig_neighbours": [m.ring_shares()["neighbours"] if m else NAN for m in ig],
        "ig_low": [m.band_shares()["low_ac"] if m else NAN for m in ig],
        "ig_high": [m.band_shares()["high_ac"] if m else NAN for m in ig],
        "ig_dc": [m.band_shares()["dc"] if m else NAN for m in ig],
        "colour_from_luma": [c.colour_from_luma if c else NAN for c in ch],
        "luma_from_luma": [c.luma_from_luma if c else NAN for c in ch],
        "top": cs[0].frequency.gradient_x_coefficient.top_coefficients(1, "neighbours"),
        "withheld": {k: sum(not c.trusted(k) for c in cs) for k in METHOD_WORDS},
    }


def withheld_sentence(x: dict, n_blocks: int) -> str:
    """Which path methods were kept out of the figures above, and on how many blocks ("" when none)."""
    parts = [f"{METHOD_WORDS[k]} on {v} of {n_blocks} block{'s' if n_blocks > 1 else ''}"
             for k, v in x["withheld"].items() if v]
    if not parts:
        return ""
    return (" Kept out of these figures because their attributions did not add up to the output's change "
            f"(completeness gap above {100 * GAP_LIMIT:.0f} % even with {REFINE_FACTOR}× the path steps): "
            + "; ".join(parts) + ".")


def _band_sentence(dc, low, high) -> str:
    """Where the neighbours' evidence sits; "mostly" names the larger side of DC + lowest AC (6 of 64 coefficients)
    against the 58 higher AC coefficients."""
    if not all(np.isfinite(v) for v in (dc, low, high)):
        return "nowhere measurable (no attribution in the neighbouring blocks)"
    if dc + low >= 0.5:
        return (f"mostly in their DC and lowest AC coefficients, the 6 lowest of 64 ({pct(dc + low)}: DC {pct(dc)}, "
                f"lowest AC u + v ≤ 2 {pct(low)}; the 58 higher AC {pct(high)})")
    return (f"mostly in their 58 higher AC coefficients ({pct(high)}; DC {pct(dc)}, lowest AC u + v ≤ 2 "
            f"{pct(low)})")


def answer_paragraphs(report) -> list[str]:
    """The paragraphs at the top of the report: the file, the answer for the headline model, the other models,
    and which clues to trust."""
    from .causal_words import causal_paragraphs

    facts = report.facts
    windows = report.windows
    m = report.headline_model
    causal = causal_paragraphs(report)
    out = list(causal)
    if getattr(report, "skill", None):
        out.append(report.skill)  # where JPEG training changed the model (FAIG), from the cached ranking
    file_text = f"The file: {facts.summary()}."
    if facts.notes:
        file_text += " " + " ".join(n[0].upper() + n[1:] + ("" if n.endswith(".") else ".") for n in facts.notes)
    out.append(file_text)

    user = all(w.chosen_by == "user" for w in windows)
    n = len(windows)
    which = (("the 8×8 block you chose" if n == 1 else f"the {n} blocks you chose") if user else
             ("the blockiest 8×8 block of this image" if n == 1 else f"the {n} blockiest 8×8 blocks of this image"))
    if not facts.has_grid:
        which += " (on a nominal 8×8 grid: this image shows no JPEG grid)"
    x = _model_numbers(windows, m)
    lead = "In detail, from the gradients" if causal else "The answer"
    text = (f"{lead}: to rebuild {which} at ×{report.scale:g}, {m} drew {pct(_mean(x['own']))} of its evidence "
            f"(LAM) from the block itself, {pct(_mean(x['neighbours']))} from its 8 neighbouring blocks"
            f"{_range(x['neighbours'])} and {pct(_mean(x['beyond']))} from farther away; pixels on block edges "
            f"carried {_mean(x['enrichment']):.1f}× their share of the area. ")
    text += (f"In the JPEG's own domain (gradient × DCT coefficient), the neighbours' evidence sat "
             f"{_band_sentence(_mean(x['n_dc']), _mean(x['n_low']), _mean(x['n_high']))}")
    if x["top"]:
        text += f"; the strongest single clue was {coefficient_words(x['top'][0])}"
    q = windows[0].clues[m].params["baseline_quality"]
    text += (f". Against a coarser JPEG of the same image (quality {q}, integrated gradients), "
             f"{pct(_mean(x['ig_neighbours']))} of the evidence lay in the neighbouring blocks and "
             f"{pct(_mean(x['ig_low']))} in the lowest AC coefficients of all blocks. ")
    grayscale = facts.subsampling == "grayscale" or (facts.mode or "").startswith(("L", "I", "1"))
    if grayscale:
        text += "The image is grayscale, so there is no colour detail to rebuild."
    else:
        text += (f"It rebuilt {pct(_mean(x['colour_from_luma']))} of the colour detail (Cb, Cr) from luma"
                 f"{_range(x['colour_from_luma'])}, and {pct(_mean(x['luma_from_luma']))} of the luma detail "
                 "from luma.")
    text += withheld_sentence(x, len(windows))
    out.append(text)

    others = [name for name in report.models if name != m]
    if others:
        parts = []
        for name in others:
            y = _model_numbers(windows, name)
            part = (f"{name}: {pct(_mean(y['own']))} own block, {pct(_mean(y['neighbours']))} neighbouring blocks, "
                    f"{pct(_mean(y['beyond']))} beyond; in the neighbours DC {pct(_mean(y['n_dc']))}, lowest AC "
                    f"{pct(_mean(y['n_low']))}")
            if not grayscale:
                part += f"; colour detail from luma {pct(_mean(y['colour_from_luma']))}"
            parts.append(part)
        out.append("For comparison, on the same blocks — " + "; ".join(parts) + ".")

    out.append(trust_sentence(windows[0].clues[m]))
    return out


def _owns_gap(check) -> bool:
    """A share check repeats the completeness gap of the map it summarises: quote each gap once."""
    shares = check.clue.startswith(("spatial shares", "frequency bands"))
    return check.completeness_gap is not None and not shares


def trust_sentence(c) -> str:
    """Which clues of one :class:`Clues` passed the randomisation test, with their figures."""
    if c.randomised is None:
        return (f"Faithfulness of {c.model}: the weight-randomisation test was not run; completeness gaps: "
                + ", ".join(f"{k.clue} {pct(k.completeness_gap)}" for k in c.checks if _owns_gap(k))
                + ".")
    good, bad, unsure = [], [], []
    for k in c.checks:
        if k.metric.startswith("Spearman"):
            fig = f"ρ = {k.randomisation:.2f}" if k.randomisation is not None and np.isfinite(k.randomisation) \
                else "ρ n/a"
        else:
            fig = f"shares moved by {k.randomisation:.3f}" if k.randomisation is not None else "n/a"
        if not k.trustworthy:  # its attributions do not add up: neither verdict means anything
            unsure.append(f"{k.clue} (completeness gap {pct(k.completeness_gap)})")
        else:
            (good if k.passes else bad).append(f"{k.clue} ({fig})")
    text = (f"Which clues to trust ({c.model}, window 1; Adebayo et al. 2018: re-initialise every weight and see "
            "whether the clue changes): ")
    text += ("passes: " + ", ".join(good) if good else "no clue passes")
    if bad:
        text += "; fails: " + ", ".join(bad)
    if unsure:
        text += (f"; not judged, their attributions did not add up even with {REFINE_FACTOR}× the path steps: "
                 + ", ".join(unsure))
    r = c.randomised.spatial.lam.block_shares
    text += (f". A randomly initialised network of the same architecture gives {pct(r['own'])} own block / "
             f"{pct(r['neighbours'])} neighbours")
    if np.isfinite(c.randomised.channel.colour_from_luma):
        text += f" and colour detail from luma {pct(c.randomised.channel.colour_from_luma)}"
    gaps = [f"{k.clue.split(' (')[0]} {k.clue.split('(')[-1].rstrip(')')} {pct(k.completeness_gap)}"
            for k in c.checks if _owns_gap(k)]
    text += ". Completeness gaps (|Σ attribution − ΔF| / |ΔF|): " + ", ".join(gaps) + "."
    return text
