"""The unit of work for speed figures: one ×4 upscale of a 192×128 photo by the official LIIF algorithm.

Speeds on this shared machine are stated as ratios to this unit, timed in the same process (so a busy machine slows
both sides alike). It is written here, plainly, from the paper's description and the authors' test procedure (Chen,
Liu & Wang, CVPR 2021, Sec. 3; no code of theirs is copied): encode the whole LR image once; for each batch of 30,000
query pixels (the official test batch), unfold the latent grid 3×3 (576 channels), and for each of the 4 shifted
nearest codes gather the unfolded code, append the relative coordinate and the cell, and run the *full* MLP on the
580-d vector (its first layer included); blend the 4 predictions with the area weights (Eq. 3–4). The photo is
scikit-image's ``coffee`` resized to 192×128 with PIL bicubic (any photo of that size costs the same).

    python benchmarks/liif_unit.py            # prints the unit's seconds and checks it against explain.upscale
"""

from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

UNIT_SIZE = (192, 128)  # (width, height) of the unit's LR photo
UNIT_SCALE = 4
BATCH = 30000  # query pixels per MLP batch, as the official test script


def unit_photo() -> np.ndarray:
    """(128, 192, 3) float32 in [0, 1]: coffee resized with PIL bicubic."""
    from PIL import Image

    from explain.images import load_image, to_uint8

    img = Image.fromarray(to_uint8(load_image("coffee"))).resize(UNIT_SIZE, Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


@torch.no_grad()
def official_upscale(model, lr: np.ndarray, scale: int = UNIT_SCALE) -> np.ndarray:
    """(h, w, 3) in [0, 1] → (h·scale, w·scale, 3) in [0, 1] by the official algorithm (module docstring).

    ``model`` is a :class:`explain.models.LIIF` (its encoder and MLP weights are used; nothing of its fast path).
    """
    h, w = lr.shape[:2]
    H, W = h * scale, w * scale
    x = (torch.from_numpy(np.ascontiguousarray(lr)).permute(2, 0, 1)[None] - 0.5) / 0.5
    feat = model.encoder(x)
    c = feat.shape[1]
    mlp = model.imnet.layers
    # pixel centres of the output in (−1, 1), (row, col), and the cell of one output pixel
    rows = -1 + (2 * torch.arange(H, dtype=torch.float32) + 1) / H
    cols = -1 + (2 * torch.arange(W, dtype=torch.float32) + 1) / W
    coord = torch.stack(torch.meshgrid(rows, cols, indexing="ij"), -1).view(-1, 2)
    cell = torch.tensor([2.0 / H, 2.0 / W]).expand_as(coord)
    out = torch.empty(coord.shape[0], 3)
    for s in range(0, coord.shape[0], BATCH):
        q = coord[s: s + BATCH]
        unfolded = F.unfold(feat, 3, padding=1).view(1, c * 9, h, w)  # per batch, as the official query does
        preds, areas = [], []
        for dr in (-1, 1):
            for dc in (-1, 1):
                shifted = q.clone()
                shifted[:, 0] += dr / h + 1e-6
                shifted[:, 1] += dc / w + 1e-6
                shifted.clamp_(-1 + 1e-6, 1 - 1e-6)
                i = ((shifted[:, 0] + 1) * h / 2).floor().long().clamp(0, h - 1)
                j = ((shifted[:, 1] + 1) * w / 2).floor().long().clamp(0, w - 1)
                code = unfolded[0, :, i, j].T  # (Q, 576): the nearest code, gathered
                centre = torch.stack([-1 + (2 * i + 1) / h, -1 + (2 * j + 1) / w], -1)
                rel = (q - centre) * torch.tensor([h, w], dtype=torch.float32)
                rel_cell = cell[s: s + BATCH] * torch.tensor([h, w], dtype=torch.float32)
                preds.append(mlp(torch.cat([code, rel, rel_cell], -1)))  # the full MLP on the 580-d input
                areas.append((rel[:, 0] * rel[:, 1]).abs() + 1e-9)
        total = sum(areas)
        # each prediction weighted by the area of the rectangle opposite its code (Eq. 4)
        blended = sum(p * (a / total)[:, None] for p, a in zip(preds, areas[::-1]))
        out[s: s + BATCH] = blended * 0.5 + 0.5
    return out.clamp(0, 1).view(H, W, 3).numpy()


def time_unit(model=None, repeats: int = 1) -> float:
    """Seconds of one official ×4 upscale of the unit photo (the fastest of ``repeats``), in this process."""
    from explain.models import load_model

    model = load_model("liif-edsr") if model is None else model
    lr = unit_photo()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        official_upscale(model, lr)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    from explain.models import load_model
    from explain.upscale import upscale

    model = load_model("liif-edsr")
    lr = unit_photo()
    t0 = time.perf_counter()
    ref = official_upscale(model, lr)
    unit = time.perf_counter() - t0
    t1 = time.perf_counter()
    ours = upscale(model, lr, scale=UNIT_SCALE)
    mine = time.perf_counter() - t1
    print(f"unit (official LIIF ×4 upscale of a 192×128 photo, {torch.get_num_threads()} torch threads): {unit:.2f} s")
    print(f"explain.upscale of the same photo: {mine:.2f} s = {mine / unit:.2f} units; "
          f"max |difference| {np.abs(ref - ours).max():.1e}")


if __name__ == "__main__":
    main()
