"""The corpus answer: each figure per image, then its mean over images with a bootstrap 95 % interval, for all
images and by JPEG quality band.

The image is the unit: a figure's value for an image is its mean over the image's explained windows (NaN ones
left out), so an image with more windows does not weigh more. The interval is the percentile bootstrap over
images (resampled with replacement, :data:`BOOTSTRAP` times, seeded), so it says how far the mean could move
with another sample of images like these; it needs at least 2 images.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rows import NO_QUALITY, QUALITY_BANDS

BOOTSTRAP = 2000
ALL = "all images"
BAND_ORDER = [ALL, *(name for name, _, _ in QUALITY_BANDS), NO_QUALITY]


def bootstrap_interval(values, n_boot: int = BOOTSTRAP, seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (1-D, NaNs dropped); (NaN, NaN) below 2 values."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size < 2:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, v.size, size=(n_boot, v.size))].mean(axis=1)
    tail = 100 * (1 - level) / 2
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return float(lo), float(hi)


def image_values(rows: pd.DataFrame) -> pd.DataFrame:
    """One value per (image, model, figure): the mean over the image's windows. Columns: image (and image_key
    when the rows have it: two files of the same name stay two images), model, figure_key, figure, kind, quality,
    quality_band, value. Error rows are left out."""
    ok = rows[rows["status"] == "ok"]
    cols = ["image", *(["image_key"] if "image_key" in rows else []), "model", "figure_key", "figure", "kind",
            "quality", "quality_band"]
    if ok.empty:
        return pd.DataFrame(columns=[*cols, "value"])
    return ok.groupby(cols, dropna=False, sort=False)["value"].mean().reset_index()


def summarise(values: pd.DataFrame, n_boot: int = BOOTSTRAP, seed: int = 0) -> pd.DataFrame:
    """Per (model, figure, band): n images, mean, bootstrap 95 % interval (lo, hi), standard deviation over
    images, median. ``band`` is :data:`ALL` or a quality band. Rows in model, figure and band order."""
    out = []
    if values.empty:
        return pd.DataFrame(columns=["model", "figure_key", "figure", "kind", "band", "n", "mean", "lo", "hi",
                                     "std", "median"])
    models = list(dict.fromkeys(values["model"]))
    keys = list(dict.fromkeys(values["figure_key"]))
    for model in models:
        for key in keys:
            sel = values[(values["model"] == model) & (values["figure_key"] == key)]
            if sel.empty:
                continue
            first = sel.iloc[0]
            groups = [(ALL, sel)] + [(band, sel[sel["quality_band"] == band]) for band in BAND_ORDER[1:]]
            for band, g in groups:
                v = g["value"].to_numpy(dtype=np.float64)
                v = v[np.isfinite(v)]
                if band != ALL and v.size == 0:
                    continue
                lo, hi = bootstrap_interval(v, n_boot, seed)
                out.append({"model": model, "figure_key": key, "figure": first["figure"], "kind": first["kind"],
                            "band": band, "n": int(v.size), "mean": float(v.mean()) if v.size else float("nan"),
                            "lo": lo, "hi": hi, "std": float(v.std(ddof=1)) if v.size > 1 else float("nan"),
                            "median": float(np.median(v)) if v.size else float("nan")})
    return pd.DataFrame(out)


# kind → how one number of that kind is written (shares and checks in per cent, ratios with ×, dB signed)
_FORMATS = {"share": lambda v: f"{100 * v:.0f}", "check": lambda v: f"{100 * v:.0f}",
            "change": lambda v: f"{100 * v:.1f}", "ratio": lambda v: f"{v:.2f}", "dB": lambda v: f"{v:+.2f}"}
_UNITS = {"share": " %", "check": " %", "change": " %", "ratio": "×", "dB": " dB"}


def format_figure(kind: str, value: float) -> str:
    """A value as the answer writes it: shares and checks in per cent, ratios with ×, indices with one decimal."""
    if value is None or not np.isfinite(value):
        return "n/a"
    return _FORMATS.get(kind, lambda v: f"{v:.1f}")(value) + _UNITS.get(kind, "")


def format_interval(kind: str, mean: float, lo: float, hi: float) -> str:
    """``mean [lo, hi]`` in the figure's unit (the interval left out when it is undefined)."""
    text = format_figure(kind, mean)
    if not (np.isfinite(mean) and np.isfinite(lo) and np.isfinite(hi)):
        return text
    number = _FORMATS.get(kind, lambda v: f"{v:.1f}")
    return f"{text} [{number(lo)}, {number(hi)}]"


def headline_model(models) -> str | None:
    """The model the answer speaks about: the first whose name contains "jpeg", else the first."""
    models = list(models)
    for m in models:
        if "jpeg" in str(m).lower():
            return m
    return models[0] if models else None


def answer_sentence(summary: pd.DataFrame, n_images: int) -> str:
    """The corpus answer in one paragraph, from the :func:`summarise` table (all images)."""
    if summary.empty:
        return "No image was explained, so there is no corpus answer."
    allrows = summary[summary["band"] == ALL]
    model = headline_model(dict.fromkeys(allrows["model"]))

    def fig(key):
        r = allrows[(allrows["model"] == model) & (allrows["figure_key"] == key)]
        if r.empty:
            return None
        r = r.iloc[0]
        return format_interval(r["kind"], r["mean"], r["lo"], r["hi"])

    parts = []
    for key, words in (("own_block", "from the block itself"), ("neighbour_blocks", "from its 8 neighbouring blocks"),
                       ("beyond", "from farther away")):
        v = fig(key)
        if v is not None:
            parts.append(f"{v} {words}")
    if parts:
        parts[0] = parts[0].replace(" from", " of its evidence from", 1)
    listed = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else "nothing"
    text = (f"Across {n_images} image(s), to rebuild their blockiest 8×8 blocks {model} drew {listed} (LAM; mean "
            "over images, 95 % bootstrap interval in brackets).")
    extra = []
    for key, words in (("neighbour_dc_low_ac", "the neighbours' evidence in their DC and lowest AC coefficients"),
                       ("colour_from_luma", "colour detail rebuilt from luma"),
                       ("trust_checks_passed", "trust checks (weight randomisation) passed")):
        v = fig(key)
        if v is not None:
            extra.append(f"{words}: {v}")
    if extra:
        joined = "; ".join(extra)
        text += " " + joined[0].upper() + joined[1:] + "."
    return text
