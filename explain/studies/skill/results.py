"""The skill study's result: per-unit scores, the rankings, the swap curves and the unit views (plain numpy)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...fileio import atomic_path
from ...models.units import WeightUnits
from .settings import INPUTS


@dataclass
class SkillResult:
    """FAIG between ``meta["from"]`` (the control) and ``meta["to"]`` (the twin), and what swapping does.

    meta:        names, weight sha256s, scoring / evaluation settings, timings, IG completeness (JSON-able).
    units:       the unit layout (:class:`explain.models.units.WeightUnits`), N units.
    ig:          {"jpeg", "clean"}: (N,) signed weight-space IG per unit along control → twin on JPEG / clean
                 input; "twin": plain IG of the twin alone (zero → twin) on JPEG input.
    abs_delta:   (N,) Σ |θ_twin − θ_control| per unit.
    rankings:    {method: (N,) unit indices, best first} for "faig", "absdelta", "ig-twin", "random-S".
    fractions:   (F,) swapped fractions of all units (the last may be 1: the control exactly).
    gains:       (M, F, 2, n) Y-PSNR gain over bicubic (dB) of the twin with the top units of ranking m
                 (order of ``rankings``) swapped for the control's, input (jpeg, clean), evaluation image.
    twin_gain, control_gain: (2, n) the same for the twin and the control unchanged.
    eval_names:  the n evaluation images.
    views:       unit views: "units" (K,) top FAIG spatial units, "enrichment" (K,) their block-edge enrichment
                 on the JPEG evaluation inputs, "random_units" / "random_enrichment" (K,) random units of the
                 same layers, "clean_enrichment" (K,) the top units on the clean inputs.
    """

    meta: dict
    units: WeightUnits
    ig: dict[str, np.ndarray]
    abs_delta: np.ndarray
    rankings: dict[str, np.ndarray]
    fractions: np.ndarray
    gains: np.ndarray
    twin_gain: np.ndarray
    control_gain: np.ndarray
    eval_names: list[str]
    views: dict[str, np.ndarray] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------------ scores
    @property
    def faig(self) -> np.ndarray:
        """(N,) FAIG's JPEG-specific score: |IG| on JPEG input minus |IG| on clean input."""
        return np.abs(self.ig["jpeg"]) - np.abs(self.ig["clean"])

    @property
    def methods(self) -> list[str]:
        return list(self.rankings)

    def top(self, fraction: float, method: str = "faig") -> np.ndarray:
        """The best round(fraction · N) units of ``method``."""
        return self.rankings[method][: int(round(fraction * self.units.count))]

    # ------------------------------------------------------------------------------------------ curves
    def mean_gain(self, method: str, kind: str = "jpeg") -> np.ndarray:
        """(F,) mean gain over the evaluation images of the twin with ``method``'s top units swapped
        ("random" averages its seeds)."""
        k = INPUTS.index(kind)
        rows = [i for i, m in enumerate(self.methods) if m == method or (method == "random" and
                                                                          m.startswith("random-"))]
        if not rows:
            raise ValueError(f"no ranking {method!r}; have {', '.join(self.methods)}")
        return self.gains[rows][:, :, k].mean(axis=(0, 2))

    def advantage(self, kind: str = "jpeg") -> float:
        """Mean twin gain minus mean control gain (dB): the twin's advantage on that input."""
        k = INPUTS.index(kind)
        return float(self.twin_gain[k].mean() - self.control_gain[k].mean())

    def removed(self, method: str, kind: str = "jpeg") -> np.ndarray:
        """(F,) share of the twin's advantage on ``kind`` input that swapping ``method``'s top units removes."""
        k = INPUTS.index(kind)
        return (self.twin_gain[k].mean() - self.mean_gain(method, kind)) / self.advantage(kind)

    def removed_at(self, fraction: float, method: str = "faig", kind: str = "jpeg") -> float:
        i = int(np.argmin(np.abs(self.fractions - fraction)))
        if not np.isclose(self.fractions[i], fraction):
            raise ValueError(f"fraction {fraction} was not evaluated (have {list(self.fractions)})")
        return float(self.removed(method, kind)[i])

    def layer_counts(self, fraction: float = 0.01, method: str = "faig") -> np.ndarray:
        """(L,) how many of the top ``fraction`` units sit in each weight (order of ``units.params``)."""
        p, _, _ = self.units.locate(self.top(fraction, method))
        return np.bincount(p, minlength=len(self.units.params))

    # ------------------------------------------------------------------------------------------ files
    def save(self, path) -> None:
        """One .npz (arrays + the meta as JSON), written atomically."""
        arrays = {f"ig_{k}": v for k, v in self.ig.items()}
        arrays.update({f"rank_{k}": v for k, v in self.rankings.items()})
        arrays.update({f"view_{k}": v for k, v in self.views.items()})
        header = {"meta": self.meta, "params": list(self.units.params), "shapes": self.units.shapes,
                  "kernels": self.units.kernels, "eval_names": self.eval_names, "ig": list(self.ig),
                  "rankings": list(self.rankings), "views": list(self.views)}
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, header=np.array(json.dumps(header)), offsets=self.units.offsets,
                                    abs_delta=self.abs_delta, fractions=self.fractions, gains=self.gains,
                                    twin_gain=self.twin_gain, control_gain=self.control_gain, **arrays)

    @classmethod
    def load(cls, path) -> SkillResult:
        with np.load(Path(path), allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            units = WeightUnits(tuple(header["params"]), tuple(tuple(s) for s in header["shapes"]),
                                tuple(tuple(k) for k in header["kernels"]), z["offsets"])
            return cls(header["meta"], units, {k: z[f"ig_{k}"] for k in header["ig"]}, z["abs_delta"],
                       {k: z[f"rank_{k}"] for k in header["rankings"]}, z["fractions"], z["gains"],
                       z["twin_gain"], z["control_gain"], list(header["eval_names"]),
                       {k: z[f"view_{k}"] for k in header["views"]})
