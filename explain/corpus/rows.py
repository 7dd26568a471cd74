"""The rows of a corpus: one per (image, model, window, figure), long format, built in one place.

:func:`report_rows` turns one :class:`explain.report.ExplainReport` into rows; :func:`window_figures` says which
figures a window gives for one model — the headline quantities of :data:`explain.headline.QUANTITIES` (their
names, word for word) and the trust checks of :class:`explain.probes.clues.Clues` — as a mapping
``key → (figure name, kind, value)``. A new figure (e.g. the causal clues) is one more key there: the rows, the
Parquet schema and the corpus answer take it as it comes. :func:`error_row` is the one row of an image that
could not be explained.

kind: "share" (a fraction in [0, 1]), "ratio" (×), "index" (0–100), "check" (1 = the trust check passes,
0 = it fails; only where the randomisation test ran), and for the causal clues (:mod:`explain.probes.causal`)
"change" (the relative change of the block's output, a fraction) or "dB" (dB of PSNR-Y lost, with an original).
"""

from __future__ import annotations

import math

from ..headline import QUANTITIES, block_numbers

# JPEG quality bands of the corpus answer (the luma estimate from the quantisation tables, explain.jpeg_facts)
QUALITY_BANDS = (("q ≤ 30", 0, 30), ("q 31–60", 31, 60), ("q 61–85", 61, 85), ("q > 85", 86, 100))
NO_QUALITY = "not a JPEG / unknown"
KIND_UNITS = {"share": "fraction 0–1", "ratio": "×", "index": "0–100", "check": "1 = passes",
              "change": "relative change, fraction", "dB": "dB lost"}


def quality_band(quality) -> str:
    """The band name of an estimated JPEG quality (1–100); :data:`NO_QUALITY` for None / NaN."""
    if quality is None or (isinstance(quality, float) and math.isnan(quality)):
        return NO_QUALITY
    q = round(float(quality))
    for name, lo, hi in QUALITY_BANDS:
        if lo <= q <= hi:
            return name
    return NO_QUALITY


def causal_figures(causal) -> dict[str, tuple[str, str, float]]:
    """``key → (figure name, kind, value)`` of one model's causal clues on one block
    (:class:`explain.probes.causal.CausalClues`): per intervention "causal: <name>", its dB lost with an original
    (kind "dB"), else the relative change of the block's output (kind "change")."""
    if causal is None:
        return {}
    kind = "dB" if causal.has_original else "change"
    return {f"causal:{name}": (f"causal: {name}", kind, e.figure) for name, e in causal.effects.items()}


def window_figures(clues, causal=None) -> dict[str, tuple[str, str, float]]:
    """``key → (figure name, kind, value)`` for one model on one explained block (a :class:`Clues`, and the
    model's :class:`explain.probes.causal.CausalClues` there when computed).

    The causal clues first (:func:`causal_figures`), then the :data:`QUANTITIES` of
    :func:`explain.headline.block_numbers`; where the weight-randomisation test ran (``check.passes`` not None),
    "trust checks passed" (the share of the checks that pass) and one 0/1 row per check, named
    "trust check passes: <clue>". Add new figures here.
    """
    out = causal_figures(causal)
    out.update({key: (QUANTITIES[key][0], QUANTITIES[key][1], value) for key, value in block_numbers(clues).items()})
    ran = [c for c in clues.checks if c.passes is not None]
    if ran:
        out["trust_checks_passed"] = ("trust checks passed", "share", sum(bool(c.passes) for c in ran) / len(ran))
        for c in ran:
            out[f"check:{c.clue}"] = (f"trust check passes: {c.clue}", "check", float(bool(c.passes)))
    return out


def _number(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return float("nan")
    return v


def photo_columns(facts) -> dict:
    """What the rows say about the file: estimated quality and its band, JPEG or not, subsampling, bpp, size."""
    q = facts.quality.quality if getattr(facts, "quality", None) is not None else None
    h, w = facts.size
    return {"quality": float(q) if q is not None else float("nan"), "quality_band": quality_band(q),
            "is_jpeg": bool(facts.is_jpeg), "subsampling": facts.subsampling,
            "bpp": _number(facts.bpp) if facts.bpp is not None else float("nan"), "height": int(h), "width": int(w)}


def report_rows(report, image: dict) -> list[dict]:
    """The rows of one explained image.

    report: an :class:`explain.report.ExplainReport`.
    image:  the columns every row of this image carries (image, path, image_key, content_sha256, params_hash,
            versions, seconds, …; see :data:`explain.corpus.store.SCHEMA`).
    Returns one dict per (model, window, figure) with status "ok", in the report's model and window order; a figure
    the answer keeps out (NaN: a path method whose completeness gap stayed over the limit) has no row.
    """
    base = {**image, **photo_columns(report.facts), "status": "ok", "error": None}
    rows = []
    for w in report.windows:
        figures = {model: window_figures(w.clues[model], w.causal.get(model)) for model in report.models}
        # the control has causal clues only
        figures.update({label: causal_figures(c) for label, c in w.causal.items() if label not in figures})
        for model, figs in figures.items():
            for key, (name, kind, value) in figs.items():
                if not math.isfinite(_number(value)):  # kept out of the answer (e.g. a completeness gap over 5 %)
                    continue
                rows.append({**base, "model": model, "window": int(w.index), "block_row": int(w.block[0]),
                             "block_col": int(w.block[1]), "blockiness": _number(w.blockiness), "figure": name,
                             "figure_key": key, "kind": kind, "value": _number(value)})
    return rows


def error_row(image: dict, message: str) -> dict:
    """The one row of an image that failed: status "error" and the one-line ``message``."""
    line = " ".join(str(message).split()) or "unknown error"
    return {**image, "status": "error", "error": line}
