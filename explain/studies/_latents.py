"""The latent codes a study reads: a model's encoding of one whole LR image, as numpy."""

from __future__ import annotations

import numpy as np
import torch


def latent_grid(model, lr: np.ndarray) -> np.ndarray:
    """(C, h, w) float32 latent codes of an (h, w, 3) LR image in [0, 1], computed in eval mode without gradients
    (the model's training mode is restored)."""
    param = next(model.parameters())
    x = torch.from_numpy(lr).permute(2, 0, 1).unsqueeze(0).to(param.device, param.dtype)
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model.encode(x).features[0].float().cpu().numpy()
    finally:
        model.train(was)
