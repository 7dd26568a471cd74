"""The first layer of the answer: what the model loses when a clue is taken away, in plain words.

Made only from :class:`explain.probes.causal.CausalClues` of an :class:`explain.report.ExplainReport` (means over the
explained blocks, with their range) and its ``learnt`` comparisons (:func:`explain.probes.causal.compare_effects`:
95 % intervals). With the original the figures are dB of PSNR-Y lost; without it, the relative change of the
rebuilt block, compared with what the same edit does to a bicubic enlargement.
"""

from __future__ import annotations

import numpy as np

from ..probes.causal import NEIGHBOUR_WORDS, NEIGHBOURS

# Each intervention in words for people (the plain layer); report.json and the technical table keep the names.
CLUE_WORDS = {
    "own_ac": "the block's own fine patterns",
    "neighbours_ac": "the fine patterns of the 8 surrounding blocks",
    "neighbours_low_ac": "the coarsest patterns of the surrounding blocks",
    "neighbours_high_ac": "the finer patterns of the surrounding blocks",
    "neighbours_coarse": "the surrounding blocks' detail at a coarser JPEG quality",
    "chroma_ac": "the colour patterns of all nine blocks",
    **{f"neighbour_{k}": f"the fine patterns of {NEIGHBOUR_WORDS[o]}" for o, k in NEIGHBOURS.items()},
    "neighbours_natural": "the surrounding blocks' actual patterns (swapped for other natural ones)",
}
WEIGHED = ("Each loss is weighed against a plain bicubic enlargement of the same edited image and against the "
           "control, a copy trained the same way on clean images: a network with random weights has no detail to "
           "lose, so it would prove nothing.")


def _words_list(names) -> str:
    """["a", "b", "c"] → "a, b and c" in :data:`CLUE_WORDS`' words."""
    words = [CLUE_WORDS.get(n, n.replace("_", " ")) for n in names]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

DB_WORDS = ("dB (decibels) measure how close the rebuilt pixels are to the original: 1 dB less means about 26 % "
            "more squared error")


def _mean(values) -> float:
    v = np.array([x for x in values if x is not None and np.isfinite(x)], dtype=np.float64)
    return float(v.mean()) if v.size else float("nan")


def _db(x: float) -> str:
    return f"{x:.2f} dB"


def _range(values, fmt) -> str:
    """" (from a to b over the blocks)", or nothing when there is one block or the range rounds to one value."""
    v = [x for x in values if x is not None and np.isfinite(x)]
    if len(v) < 2 or fmt(min(v)) == fmt(max(v)):
        return ""
    return f" (from {fmt(min(v))} to {fmt(max(v))} over the blocks)"


def _pct(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * x:.0f} %"


def _effects(report, label: str, name: str) -> list:
    return [w.causal[label].effects[name] for w in report.windows if name in w.causal.get(label, {}).effects]


def _strongest_neighbour(report, label: str):
    """(offset, mean figure) of the neighbour whose AC → 0 costs most on average over the blocks."""
    best = None
    for offset, key in NEIGHBOURS.items():
        effs = _effects(report, label, f"neighbour_{key}")
        if effs:
            value = _mean([e.figure for e in effs])
            if best is None or value > best[1]:
                best = (offset, value)
    return best


def has_causal(report) -> bool:
    head = report.headline_model
    return bool(report.windows) and all(head in w.causal for w in report.windows)


def plain_paragraph(report) -> str:
    """Two or three sentences for someone who has never trained a model, led by the causal evidence."""
    head = report.headline_model
    n = len(report.windows)
    which = "the blockiest 8×8 block" if n == 1 else f"the {n} blockiest 8×8 blocks"
    if all(w.chosen_by == "user" for w in report.windows):
        which = "the 8×8 block you chose" if n == 1 else f"the {n} blocks you chose"
    with_original = all(w.causal[head].has_original for w in report.windows)
    nb = _effects(report, head, "neighbours_ac")
    own = _effects(report, head, "own_ac")
    chroma = _effects(report, head, "chroma_ac")
    natural = _effects(report, head, "neighbours_natural")
    strongest = _strongest_neighbour(report, head)
    if with_original:
        lost = _mean([e.db_lost_model for e in nb])
        verb = (f"come out {_db(lost)} further from the original" if lost >= 0 else
                f"come out {_db(-lost)} closer to the original")
        text = (f"In plain words: to rebuild {which} of this image at ×{report.scale:g}, {head} uses the fine "
                f"patterns of the surrounding blocks. When they are erased (each block keeps its average colour), "
                f"its rebuilt block{'s' if n > 1 else ''} {verb}{_range([e.db_lost_model for e in nb], _db)}")
        gains = [w.causal[head].gain_db for w in report.windows]
        gain = _mean(gains)
        share = _mean([e.gain_lost_share for e in nb])
        if np.isfinite(gain) and gain > 0.05 and np.isfinite(share):
            text += f", {_pct(share)} of its {_db(gain)} lead over a plain bicubic enlargement"
        elif np.isfinite(gain):
            text += f" (here it does not beat a plain bicubic enlargement: {gain:+.2f} dB)"
        text += f"; {DB_WORDS}. "
        if strongest is not None:
            text += (f"The neighbour that mattered most was {NEIGHBOUR_WORDS[strongest[0]]} ({_db(strongest[1])} on "
                     f"its own); ")
        text += (f"erasing the block's own fine patterns costs {_db(_mean([e.db_lost_model for e in own]))}, and "
                 f"the colour patterns (Cb, Cr) of all nine blocks {_mean([e.db_lost_model for e in chroma]):+.2f} dB.")
    else:
        change = _mean([e.change_model for e in nb])
        ratio = _mean([e.reaction_ratio for e in nb])
        text = (f"In plain words: to rebuild {which} of this image at ×{report.scale:g}, {head} uses the fine "
                f"patterns of the surrounding blocks. When they are erased (each block keeps its average colour), its "
                f"rebuilt block{'s' if n > 1 else ''} change{'' if n > 1 else 's'} by {_pct(change)}"
                f"{_range([e.change_model for e in nb], _pct)}")
        if np.isfinite(ratio):
            text += f", {ratio:.1f}× as much as a plain bicubic enlargement of the same edited image changes"
        text += ". "
        if strongest is not None:
            text += f"The neighbour that mattered most was {NEIGHBOUR_WORDS[strongest[0]]} ({_pct(strongest[1])}); "
        text += (f"erasing the block's own fine patterns changes it by {_pct(_mean([e.change_model for e in own]))}. "
                 "Give the original image as well to measure these in dB against it.")
    if natural:
        figs = [e.figure for e in natural]
        lo = min(e.interval[0] for e in natural)
        hi = max(e.interval[1] for e in natural)
        fmt = _db if with_original else _pct
        erased = _mean([e.figure for e in nb])
        text += (f" Replacing the neighbours' fine patterns by those of random natural blocks costs "
                 f"{fmt(_mean(figs))} (draws from {fmt(lo)} to {fmt(hi)})")
        if np.isfinite(erased) and erased > 0:
            text += (": the model needs this image's content, not just any texture" if _mean(figs) > 0.5 * erased
                     else ": most natural texture serves it about as well as the real one")
        text += "."
    return text


def learnt_paragraph(report) -> str | None:
    """Whether the headline model's effects differ from its control's clue by clue, beyond the 95 % intervals, in
    plain words (None without a control). The intervention names stay in ``report.json`` and the HTML table."""
    if "control" not in report.learnt:
        return None
    head = report.headline_model
    with_original = all(w.causal[head].has_original for w in report.windows)
    fmt = (lambda x: f"{x:+.2f} dB") if with_original else (lambda x: f"{100 * x:+.1f} %")

    def loses(x: float) -> str:
        if not with_original:
            return f"changes by {100 * x:.1f} %"
        return f"loses {x:.2f} dB" if x >= 0 else f"gains {-x:.2f} dB"

    label, comp = report.learnt["control"]
    parts = [WEIGHED]
    nb = comp.get("neighbours_ac")
    if nb is not None:
        interval = f"difference {fmt(nb.difference)}, 95 % interval {fmt(nb.interval[0])} to {fmt(nb.interval[1])}"
        verdict = (f"{head} relies on them {'more' if nb.difference > 0 else 'less'}" if nb.differs else
                   f"not distinguishable from {head} here")
        parts.append(f"Its control {label} {loses(nb.second)} when the "
                     f"neighbours' patterns are erased: {verdict} ({interval}).")
    others = [k for k in comp if k != "neighbours_ac"]
    differs = [k for k in others if comp[k].differs]
    same = [k for k in others if not comp[k].differs]
    if not differs:
        parts.append("For every other clue the two cannot be told apart on these blocks.")
    elif not same:
        parts.append(f"Beyond the intervals, {head} and its control differ in what they lose for every other clue.")
    elif len(differs) <= len(same):
        parts.append(f"Beyond the intervals, {head} and its control differ in what they lose without "
                     f"{_words_list(differs)}; for the other {len(same)} clue{'s' if len(same) > 1 else ''} the two "
                     "cannot be told apart on these blocks.")
    else:  # name the shorter list
        parts.append(f"Beyond the intervals, {head} and its control differ in what they lose for every other clue "
                     f"but {_words_list(same)}, where the two cannot be told apart on these blocks.")
    return " ".join(parts)


def causal_paragraphs(report) -> list[str]:
    """The plain paragraph and the paragraph on what was learnt (empty without causal clues)."""
    if not has_causal(report):
        return []
    out = [plain_paragraph(report)]
    learnt = learnt_paragraph(report)
    if learnt:
        out.append(learnt)
    return out
