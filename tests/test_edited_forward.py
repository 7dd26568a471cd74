"""Edited crops recomputed only where the edit has reached equal the full forward pass."""

import numpy as np
import pytest
import torch

from explain.models import LIIF
from explain.probes.attribution import ShrinkingObjective, make_objective
from explain.probes.edited_forward import EditedForward, changed_box, edited_outputs, intersect
from explain.probes.locality import WindowObjective, plan_window


def _model(seed=0, **cfg):
    torch.manual_seed(seed)
    return LIIF(**{"n_resblocks": 3, "channels": 8, "hidden": (16, 16), **cfg}).eval()


LR = (40, 36)


@pytest.mark.parametrize("window", [(36, 32, 8, 8), (0, 0, 8, 8), (72, 64, 8, 8)])
@pytest.mark.parametrize("edit", [(0, 0, 3, 3), (-3, 2, 2, 5), (5, -4, 4, 2), (-30, -30, 3, 3)])
def test_edited_crops_equal_the_full_forward_pass(window, edit):
    """Interior, corner and far-corner windows; edits inside the block, beside it, and so far away that they cannot
    reach the latent codes (then the output is the base's)."""
    m = _model()
    plan = plan_window(LR, (2 * LR[0], 2 * LR[1]), window, m.query_radius, 0)
    obj = make_objective(m, plan, "mean")
    assert isinstance(obj, ShrinkingObjective)
    (a0, a1), (b0, b1) = plan.box
    base = torch.from_numpy(np.random.default_rng(1).random((3, a1 - a0, b1 - b0)).astype(np.float32))
    crops = base[None].repeat(3, 1, 1, 1)
    r, c = window[0] // 2 + edit[0], window[1] // 2 + edit[1]
    r0, c0 = min(max(r, a0), a1) - a0, min(max(c, b0), b1) - b0  # the edit clipped to the crop (maybe empty)
    rows, cols = slice(r0, max(min(r + edit[2], a1) - a0, r0)), slice(c0, max(min(c + edit[3], b1) - b0, c0))
    crops[:, :, rows, cols] = torch.rand(3, 3, rows.stop - rows.start, cols.stop - cols.start)
    box = changed_box(base, crops, plan.box)
    with torch.inference_mode():
        fast = EditedForward(obj, base).region(crops, box)
        full = WindowObjective(m, plan, lambda region: region.mean((1, 2, 3))).region(crops)
    assert fast.shape == full.shape
    assert torch.allclose(fast, full, atol=2e-6, rtol=1e-5)
    if box is not None:
        assert intersect(box, plan.box) == box
        assert (full != full[:1]).any() or edit[0] == -30  # an edit beside the window changes its output


def test_the_changed_box_is_the_smallest_box_of_all_differences():
    base = torch.zeros(3, 10, 12)
    crops = base[None].repeat(2, 1, 1, 1)
    crops[0, 1, 2, 3] = 1.0
    crops[1, 0, 6, 8] = -1.0
    assert changed_box(base, crops, ((20, 30), (5, 17))) == ((22, 27), (8, 14))
    assert changed_box(base, base[None], ((0, 10), (0, 12))) is None


def test_edited_outputs_fall_back_to_the_plain_objective_for_other_models():
    """A model the shrinking crop does not support (a bicubic skip) runs every crop in full; same numbers."""
    m = _model(skip="bicubic")
    plan = plan_window(LR, (2 * LR[0], 2 * LR[1]), (36, 32, 8, 8), m.query_radius, 0)
    obj = make_objective(m, plan, "mean")
    assert isinstance(obj, WindowObjective)
    (a0, a1), (b0, b1) = plan.box
    base = torch.rand(3, a1 - a0, b1 - b0)
    crops = torch.rand(5, 3, a1 - a0, b1 - b0)
    with torch.inference_mode():
        got = edited_outputs(obj, base, [("a", crops, None)], batch=2)["a"]
        assert torch.allclose(got, obj.region(crops))
    with pytest.raises(TypeError, match="ShrinkingObjective"):
        EditedForward(obj, base)
