"""The path from the authors' model: FAIG along origin → twin and origin → control beside control → twin.

Both twins are fine-tuned from the origin (``liif-edsr``). Along origin → twin, FAIG (Xie et al., NeurIPS 2021)
sees everything the twin's fine-tune changed, JPEG and plain extra training alike; along origin → control it sees
plain extra training alone. The top units of origin → twin that are also top units of origin → control are what
plain extra training changed, not JPEG; control → twin leaves those out by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...models import load_model
from ...models.units import weight_units
from . import cache
from .paragraph import parts_of
from .results import SkillResult
from .settings import ScoringSettings
from .study import score_units

SHORT = {"res": "res blocks", "end": "body end conv", "head": "head conv", "mlp": "MLP"}


@dataclass
class OriginOverlap:
    """Top-``fraction`` units (FAIG, JPEG − clean) of three paths and how they overlap.

    origin:   the origin's name; fraction: the top share compared; count: units in it.
    top:      {"origin→twin", "origin→control", "control→twin"}: (count,) unit indices, best first.
    overlap:  {(a, b): share of a's top units also in b's}.
    parts:    {path: {part of the network: share of its top units}}.
    seconds:  CPU time of scoring the two new paths (0 when read from the cache).
    """

    origin: str
    fraction: float
    count: int
    top: dict[str, np.ndarray]
    overlap: dict[tuple[str, str], float]
    parts: dict[str, dict[str, float]]
    seconds: float

    def markdown(self) -> str:
        paths = list(self.top)
        lines = [f"Top {100 * self.fraction:g} % ({self.count:,} units) by FAIG (JPEG − clean) along each path; "
                 "cells: share of the row's top units also in the column's.", "",
                 "| top units of | " + " | ".join(paths) + " | where they sit |", "|" + "---|" * (len(paths) + 2)]
        for a in paths:
            where = ", ".join(f"{SHORT[k]} {100 * v:.0f} %" for k, v in self.parts[a].items() if v > 0)
            lines.append(f"| {a} | " + " | ".join(f"{100 * self.overlap[(a, b)]:.0f} %" for b in paths) +
                         f" | {where} |")
        plain = self.overlap[("origin→twin", "origin→control")]
        jpeg = self.overlap[("origin→twin", "control→twin")]
        lines += ["", f"Of the units that changed the twin most from {self.origin}, {100 * plain:.0f} % are also top "
                      f"units of the control's plain fine-tune (what extra training changed, not JPEG) and "
                      f"{100 * jpeg:.0f} % are top JPEG units of control → twin. "
                      + (f"Scoring the new paths took {self.seconds:.0f} s of CPU time." if self.seconds > 0 else
                         "Both paths' scores came from the cache.")]
        return "\n".join(lines) + "\n"


def _faig(model_from, model_to, scoring: ScoringSettings, progress: bool) -> tuple[np.ndarray, float]:
    sha_from, sha_to = cache.state_sha256(model_from), cache.state_sha256(model_to)
    path = cache.scores_path(sha_from, sha_to, scoring.key())
    got = cache.load_scores(path)
    seconds = 0.0
    if got is None or not {"jpeg", "clean"} <= set(got[0]):
        ig, info = score_units(model_from, model_to, scoring, progress, kinds=("jpeg", "clean"))
        cache.save_scores(path, ig, info)
        seconds = info["cpu_seconds"]
    else:
        ig = got[0]
    return np.abs(ig["jpeg"]) - np.abs(ig["clean"]), seconds


def origin_overlap(origin, control, twin, result: SkillResult, scoring: ScoringSettings | None = None,
                   fraction: float = 0.01, progress: bool = False) -> OriginOverlap:
    """Score origin → twin and origin → control (cached like the study's scores) and compare their top
    ``fraction`` with the study's control → twin ranking ``result``."""
    scoring = scoring or ScoringSettings()
    origin_model = load_model(origin).eval()
    units = weight_units(twin)
    if weight_units(origin_model).shapes != units.shapes:
        raise ValueError("the origin's architecture differs from the twin's")
    count = int(round(fraction * units.count))
    if count < 1:
        raise ValueError(f"fraction {fraction} keeps no unit")
    s_twin, t1 = _faig(origin_model, twin, scoring, progress)
    s_control, t2 = _faig(origin_model, control, scoring, progress)
    top = {"origin→twin": np.argsort(-s_twin, kind="stable")[:count],
           "origin→control": np.argsort(-s_control, kind="stable")[:count],
           "control→twin": result.rankings["faig"][:count]}
    sets = {k: set(v.tolist()) for k, v in top.items()}
    overlap = {(a, b): len(sets[a] & sets[b]) / count for a in top for b in top}
    parts = {k: parts_of(units, v) for k, v in top.items()}
    name = getattr(origin_model, "name", None) or str(origin)
    return OriginOverlap(str(name), fraction, count, top, overlap, parts, t1 + t2)
