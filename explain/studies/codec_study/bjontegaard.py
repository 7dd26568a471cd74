"""Bjøntegaard deltas (VCEG-M33, 2001) between rate–distortion curves: BD-rate and BD-metric of two curves,
and the table of every codec against a reference codec on the study's image-mean curves."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .results import BDResult, CurvePoint


def _check_curve(rate, quality, name: str) -> tuple[np.ndarray, np.ndarray]:
    r = np.asarray(rate, dtype=np.float64).ravel()
    q = np.asarray(quality, dtype=np.float64).ravel()
    if r.shape != q.shape:
        raise ValueError(f"{name}: rates and qualities differ in length ({r.size} vs {q.size})")
    if r.size < 2:
        raise ValueError(f"{name}: a curve needs at least 2 points, got {r.size}")
    if not (np.isfinite(r).all() and np.isfinite(q).all()):
        raise ValueError(f"{name}: rates and qualities must be finite")
    if (r <= 0).any():
        raise ValueError(f"{name}: rates must be positive (they are compared as logarithms)")
    return r, q


def _mean_of_fit(x: np.ndarray, y: np.ndarray, lo: float, hi: float, degree: int) -> float:
    """Mean over [lo, hi] of the least-squares polynomial y(x) of ``degree`` (x centred for conditioning)."""
    x0 = float(x.mean())
    coef = np.polyfit(x - x0, y, degree)
    integral = np.polyint(coef)
    return float((np.polyval(integral, hi - x0) - np.polyval(integral, lo - x0)) / (hi - lo))


def _degree(n_a: int, n_b: int, degree: int) -> int:
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)) or degree < 1:
        raise ValueError(f"degree must be a positive integer, got {degree!r}")
    return int(min(degree, n_a - 1, n_b - 1))


def bd_rate(rate_ref, quality_ref, rate_test, quality_test, degree: int = 3) -> float:
    """Bjøntegaard delta rate (VCEG-M33, 2001) of a test curve against a reference curve, in percent.

    Each curve's log-rate is fitted as a polynomial of the quality (cubic; fewer points → degree n − 1),
    both fits are integrated over the overlap of the two quality ranges, and the mean log-rate difference
    d gives BD-rate = (exp(d) − 1)·100: the average extra rate (negative: saving) the test codec needs for
    the same quality. Rates: any positive unit (bpp); quality: PSNR in dB or any other score.
    Returns NaN when the quality ranges do not overlap.
    """
    ra, qa = _check_curve(rate_ref, quality_ref, "reference curve")
    rb, qb = _check_curve(rate_test, quality_test, "test curve")
    deg = _degree(ra.size, rb.size, degree)
    lo, hi = max(qa.min(), qb.min()), min(qa.max(), qb.max())
    if not hi > lo:
        return float("nan")
    diff = _mean_of_fit(qb, np.log(rb), lo, hi, deg) - _mean_of_fit(qa, np.log(ra), lo, hi, deg)
    return float((math.exp(diff) - 1.0) * 100.0)


def bd_metric(rate_ref, quality_ref, rate_test, quality_test, degree: int = 3) -> float:
    """Bjøntegaard delta quality (e.g. BD-PSNR in dB): the mean difference test − reference of the quality
    fitted as a polynomial of log-rate, over the overlap of the two log-rate ranges (NaN if none)."""
    ra, qa = _check_curve(rate_ref, quality_ref, "reference curve")
    rb, qb = _check_curve(rate_test, quality_test, "test curve")
    deg = _degree(ra.size, rb.size, degree)
    la, lb = np.log(ra), np.log(rb)
    lo, hi = max(la.min(), lb.min()), min(la.max(), lb.max())
    if not hi > lo:
        return float("nan")
    return _mean_of_fit(lb, qb, lo, hi, deg) - _mean_of_fit(la, qa, lo, hi, deg)


def bd_table(curves: Sequence[CurvePoint], reference: str = "jpeg", metric: str = "psnr_y") -> list[BDResult]:
    """BD-rate and BD-metric of every codec against ``reference``, per method, on the image-mean curves."""
    if metric not in ("psnr_y", "ssim", "psnr_b"):
        raise ValueError(f"metric must be psnr_y, ssim or psnr_b, got {metric!r}")
    by: dict[tuple[str, str], list[CurvePoint]] = {}
    for p in curves:
        by.setdefault((p.method, p.codec), []).append(p)
    out = []
    for (method, codec), points in by.items():
        ref = by.get((method, reference))
        if codec == reference or ref is None:
            continue
        if len(points) < 2 or len(ref) < 2:
            rate, delta, overlap = float("nan"), float("nan"), (float("nan"), float("nan"))
        else:
            args = ([p.bpp for p in ref], [getattr(p, metric) for p in ref],
                    [p.bpp for p in points], [getattr(p, metric) for p in points])
            rate, delta = bd_rate(*args), bd_metric(*args)
            qa, qb = args[1], args[3]
            overlap = (max(min(qa), min(qb)), min(max(qa), max(qb)))
        out.append(BDResult(method, metric, reference, codec, rate, delta, overlap))
    return out
