"""The parameters of a corpus run and their hash: two runs with the same hash compute the same rows.

The hash covers the models by their weights (sha256 of every tensor, in key order), the settings that change a
number (scale, windows, steps, randomisation, baseline quality, seed), the row format and the versions of
liif-explain and torch. It does not cover the number of workers or where they run: those change the speed only.
"""

from __future__ import annotations

import hashlib
import json
import platform

ROWS_FORMAT = "liif-explain-corpus-rows/1"


def weights_sha256(model) -> str:
    """sha256 (hex) of a model's state: every tensor's name, dtype, shape and bytes, in key order."""
    import torch

    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().cpu().contiguous()
        digest.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """The versions a row depends on: liif-explain, torch, numpy, Python."""
    import numpy
    import torch

    from .. import __version__

    return {"liif-explain": __version__, "torch": torch.__version__, "numpy": numpy.__version__,
            "python": platform.python_version()}


def params_hash(settings: dict, model_shas: dict[str, str], kind: str = "explain") -> str:
    """16 hex digits: sha256 of the JSON of ``settings``, the models' weight hashes (label → sha256), ``kind``,
    the row format and :func:`versions` (Python's patch level aside)."""
    v = versions()
    v.pop("python", None)
    payload = {"kind": kind, "format": ROWS_FORMAT, "settings": settings, "models": model_shas, "versions": v}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
