"""The skill study's cache in the user cache folder (``$LIIF_EXPLAIN_CACHE``, see :mod:`explain.models.weights`).

``<cache>/skill/<sha256(from)[:16]>-<sha256(to)[:16]>/`` holds, per pair of weights,
``scores-<scoring key>.npz`` (the per-unit IG, the expensive part) and ``result-<scoring key>-<eval key>.npz``
(a whole :class:`SkillResult`). A weight sha256 is taken over the model's parameters as float32 (names, shapes and
bytes in ``named_parameters()`` order), so the same weights give the same key whatever file they came from.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from ...fileio import atomic_path
from ...models.weights import cache_dir
from .results import SkillResult
from .settings import EvalSettings, ScoringSettings


def state_sha256(model) -> str:
    """sha256 (hex) of ``model``'s parameters as float32 (see the module docstring)."""
    digest = hashlib.sha256()
    for name, p in model.named_parameters():
        t = p.detach().to(torch.float32).contiguous().cpu()
        digest.update(f"{name}:{tuple(t.shape)};".encode())
        digest.update(t.numpy().tobytes())
    return digest.hexdigest()


def pair_dir(sha_from: str, sha_to: str) -> Path:
    return cache_dir() / "skill" / f"{sha_from[:16]}-{sha_to[:16]}"


def scores_path(sha_from: str, sha_to: str, scoring_key: str) -> Path:
    return pair_dir(sha_from, sha_to) / f"scores-{scoring_key}.npz"


def result_path(sha_from: str, sha_to: str, scoring_key: str, eval_key: str) -> Path:
    return pair_dir(sha_from, sha_to) / f"result-{scoring_key}-{eval_key}.npz"


def save_scores(path: Path, ig: dict[str, np.ndarray], info: dict) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, info=np.array(json.dumps(info)), **{f"ig_{k}": v for k, v in ig.items()})


def load_scores(path: Path) -> tuple[dict[str, np.ndarray], dict] | None:
    """(ig, info) from a scores file, or None when there is none."""
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as z:
        return ({k[3:]: z[k] for k in z.files if k.startswith("ig_")}, json.loads(str(z["info"])))


def cached_result(model_from, model_to, scoring: ScoringSettings | None = None,
                  evaluation: EvalSettings | None = None) -> SkillResult | None:
    """The cached :class:`SkillResult` for this pair of weights (loaded models), or None.

    With settings given (either; the other defaults): exactly that result. Without: the result of the default
    settings (what ``liif-explain skill`` writes) when there is one, else the newest of any settings.
    """
    sha_from, sha_to = state_sha256(model_from), state_sha256(model_to)
    exact = result_path(sha_from, sha_to, (scoring or ScoringSettings()).key(), (evaluation or EvalSettings()).key())
    if exact.is_file():
        return SkillResult.load(exact)
    if scoring is not None or evaluation is not None:
        return None
    folder = exact.parent
    files = sorted(folder.glob("result-*.npz"), key=lambda p: p.stat().st_mtime) if folder.is_dir() else []
    return SkillResult.load(files[-1]) if files else None
