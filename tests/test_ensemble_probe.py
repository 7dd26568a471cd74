import io

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from explain.figures.ensemble import plot_ablation_seams, plot_contributions, plot_ensemble
from explain.models import LIIF
from explain.models.ablation import ablated_model
from explain.probes.ensemble import (
    ablation_seams,
    ablation_variants,
    ensemble_weights,
    region_positions,
    seam_measure,
)
from explain.upscale import upscale


def _bilinear(p: float, n: int):
    """Independent bilinear weights of LR position p (pixel units) on an axis of n pixel centres.

    Returns the lower/upper code index and their weights; at the borders both codes are the edge pixel
    (LIIF clamps the shifted coordinate) and share the weight equally.
    """
    i0 = int(np.floor(p - 0.5))
    a = p - 0.5 - i0
    if i0 < 0:
        return (0, 0), (0.5, 0.5)
    if i0 + 1 > n - 1:
        return (n - 1, n - 1), (0.5, 0.5)
    return (i0, i0 + 1), (1 - a, a)


def _expected(region, lr_size, out_size):
    rows, cols = region_positions(region, lr_size, out_size)
    h, w = len(rows), len(cols)
    weights = np.zeros((h, w, 4))
    codes = np.zeros((h, w, 4, 2), dtype=np.int64)
    for i, pr in enumerate(rows):
        (r0, r1), (fr0, fr1) = _bilinear(pr, lr_size[0])
        for j, pc in enumerate(cols):
            (c0, c1), (fc0, fc1) = _bilinear(pc, lr_size[1])
            # LIIF's order: (−,−), (−,+), (+,−), (+,+) half-cell shifts in (row, col)
            weights[i, j] = [fr0 * fc0, fr0 * fc1, fr1 * fc0, fr1 * fc1]
            codes[i, j] = [(r0, c0), (r0, c1), (r1, c0), (r1, c1)]
    return weights, codes


@pytest.mark.parametrize("scale", [4, 2.5])
def test_weights_codes_output_match_independent_computation(tiny_model, small_image, scale):
    up = upscale(tiny_model, small_image, scale)
    H, W = up.shape[:2]
    for region in [(0, 0, H, W), (7, 11, 9, 13)]:
        res = ensemble_weights(tiny_model, small_image, region, scale)
        r, c, h, w = region
        assert res.weights.shape == (h, w, 4) and res.codes.shape == (h, w, 4, 2)
        assert res.contributions.shape == (h, w, 4, 3) and res.output.shape == (h, w, 3)
        np.testing.assert_allclose(res.weights.sum(-1), 1.0, atol=1e-6)
        weights, codes = _expected(region, (20, 24), (H, W))
        np.testing.assert_allclose(res.weights, weights, atol=1e-5)
        np.testing.assert_array_equal(res.codes, codes)
        np.testing.assert_allclose(res.clipped, up[r: r + h, c: c + w], atol=1e-5)
        np.testing.assert_allclose(res.contributions.sum(2), res.output, atol=1e-6)
        np.testing.assert_array_equal(res.dominant, res.weights.argmax(-1))


def test_codes_surround_the_query(tiny_model, small_image):
    res = ensemble_weights(tiny_model, small_image, (10, 10, 40, 50), 4)
    centres = res.codes + 0.5  # LR pixel units
    offset = np.abs(res.positions[:, :, None, :] - centres)
    assert np.all(offset < 1.0)  # each code centre within one LR pixel of the query along each axis
    assert np.all([len({tuple(c) for c in px}) == 4 for px in res.codes.reshape(-1, 4, 2)])  # interior: distinct


def test_only_a_local_crop_is_encoded(make_tiny_model):
    model = make_tiny_model(seed=3, skip="bicubic")
    img = np.random.default_rng(7).random((48, 52, 3)).astype(np.float32)
    res = ensemble_weights(model, img, (90, 100, 6, 5), 4)
    r0, r1, c0, c1 = res.crop
    assert (r1 - r0) < 48 and (c1 - c0) < 52
    margin = model.query_radius + 1
    assert r0 <= 90 // 4 - margin and r1 >= (95 // 4) + 1 + margin
    up = upscale(model, img, 4)
    np.testing.assert_allclose(res.clipped, up[90:96, 100:105], atol=1e-5)


def test_disagreement_and_ensemble_off(tiny_model, make_tiny_model, small_image):
    res = ensemble_weights(tiny_model, small_image, (4, 4, 8, 8), 4)
    p = res.predictions.astype(np.float64)
    expected = np.sqrt(((p - p.mean(2, keepdims=True)) ** 2).mean(2).mean(-1))
    np.testing.assert_allclose(res.disagreement, expected, atol=1e-6)
    assert np.all(res.weighted_spread >= 0)
    off = ensemble_weights(make_tiny_model(local_ensemble=False), small_image, (4, 4, 8, 8), 4)
    assert off.weights.shape == (8, 8, 1) and np.all(off.weights == 1) and np.all(off.disagreement == 0)


def test_precomputed_latents_give_the_same_result(tiny_model, small_image):
    latents = tiny_model.encode(torch.from_numpy(small_image).permute(2, 0, 1)[None])
    a = ensemble_weights(tiny_model, small_image, (9, 30, 20, 17), 4)
    b = ensemble_weights(tiny_model, small_image, (9, 30, 20, 17), 4, latents=latents)
    assert b.crop == (0, 20, 0, 24) and a.crop != b.crop
    np.testing.assert_allclose(a.output, b.output, atol=1e-5)
    np.testing.assert_array_equal(a.codes, b.codes)
    with pytest.raises(ValueError, match="size"):
        ensemble_weights(tiny_model, small_image[:12], (0, 0, 4, 4), 4, latents=latents)


def test_results_are_deterministic(tiny_model, small_image):
    a = ensemble_weights(tiny_model, small_image, (3, 5, 10, 12), 3)
    b = ensemble_weights(tiny_model, small_image, (3, 5, 10, 12), 3)
    np.testing.assert_array_equal(a.output, b.output)
    np.testing.assert_array_equal(a.weights, b.weights)


@pytest.mark.parametrize("region", [(0, 0, 0, 4), (-1, 0, 4, 4), (0, 0, 81, 4), (78, 90, 3, 7), (0, 0, 4),
                                    (0.5, 0, 4, 4), "abcd", (True, 0, 4, 4)])
def test_bad_region(tiny_model, small_image, region):
    with pytest.raises(ValueError, match="region"):
        ensemble_weights(tiny_model, small_image, region, 4)


@pytest.mark.parametrize("scale", [0, -2, float("nan"), "4", True])
def test_bad_scale(tiny_model, small_image, scale):
    with pytest.raises(ValueError, match="scale"):
        ensemble_weights(tiny_model, small_image, (0, 0, 2, 2), scale)


def test_size_instead_of_scale(tiny_model, small_image):
    res = ensemble_weights(tiny_model, small_image, (0, 0, 3, 3), size=(30, 50))
    assert res.output_size == (30, 50)
    up = upscale(tiny_model, small_image, size=(30, 50))
    np.testing.assert_allclose(res.clipped, up[:3, :3], atol=1e-5)


# --------------------------------------------------------------------------------------------- seams
def test_seam_measure_on_constructed_outputs():
    rng = np.random.default_rng(0)
    lr = rng.random((12, 12))
    rows, cols = region_positions((0, 0, 48, 48), (12, 12), (48, 48))
    nearest = np.repeat(np.repeat(lr, 4, 0), 4, 1)  # piecewise constant per LR cell
    s = seam_measure(nearest, rows, cols)
    assert s.interior == 0 and s.boundary > 0 and s.ratio == np.inf
    # bilinear interpolation between LR centres has no seams: jumps are alike across and inside cells
    centres = np.arange(12) + 0.5
    interp_rows = np.array([np.interp(rows, centres, lr[:, j]) for j in range(12)]).T
    smooth = np.array([np.interp(cols, centres, interp_rows[i]) for i in range(48)])
    s2 = seam_measure(smooth, rows, cols)
    assert 0.5 < s2.ratio < 2.0
    assert s.n_boundary == 2 * 11 * 48 and s.n_interior == 2 * 3 * 12 * 48
    # a step on the 8×8 block grid only
    step = (np.floor(cols / 8)[None, :] + np.floor(rows / 8)[:, None]) * 0.5 + smooth * 0.01
    s3 = seam_measure(step, rows, cols)
    assert s3.block_ratio > 10 * s3.ratio > 10
    with pytest.raises(ValueError, match="rows_lr"):
        seam_measure(smooth, rows[:-1], cols)


def test_ablation_seams_ensemble_off_is_seamier(tiny_model, small_image):
    ab = ablation_seams(tiny_model, small_image, (8, 8, 48, 48), 4)
    assert ab.names == ["full", "ensemble off", "unfold off", "cell off"]
    assert ab.stats["ensemble off"].ratio > 2 * ab.stats["full"].ratio
    assert all(o.shape == (48, 48, 3) for o in ab.outputs.values())
    np.testing.assert_allclose(np.clip(ab.outputs["full"], 0, 1),
                               upscale(tiny_model, small_image, 4)[8:56, 8:56], atol=1e-5)
    assert "not retrained" in ab.notes["unfold off"]
    assert "full" in ab.summary()


def test_ablated_models_are_exact_interventions(tiny_model):
    models, _ = ablation_variants(tiny_model)
    off = models["ensemble off"]
    assert not off.config.local_ensemble
    for (k, v), (k2, v2) in zip(tiny_model.state_dict().items(), off.state_dict().items()):
        assert k == k2 and torch.equal(v, v2)
    # unfold off = the unfolded model fed with a grid whose 3×3 neighbours equal the centre code
    lr = torch.full((1, 3, 30, 30), 0.3)
    coords = torch.tensor([[0.01, -0.02], [0.05, 0.04]])
    cells = torch.full_like(coords, 2 / 120)
    with torch.no_grad():
        full = tiny_model.query(tiny_model.encode(lr), coords, cells)  # constant input: constant codes inside
        nofold = models["unfold off"].query(models["unfold off"].encode(lr), coords, cells)
        nocell = models["cell off"].query(models["cell off"].encode(lr), coords)
        zero_cell = tiny_model.query(tiny_model.encode(lr), coords, torch.zeros_like(cells))
    np.testing.assert_allclose(nofold.numpy(), full.numpy(), atol=1e-5)
    np.testing.assert_allclose(nocell.numpy(), zero_cell.numpy(), atol=1e-6)
    back = ablated_model(models["unfold off"], feat_unfold=True)  # centre-tap embedding, exact both ways
    with torch.no_grad():
        img = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))
        a = models["unfold off"].query(models["unfold off"].encode(img), coords, cells)
        b = back.query(back.encode(img), coords, cells)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


def test_ablation_seams_accepts_user_models(make_tiny_model, small_image):
    ab = ablation_seams({"a": make_tiny_model(seed=1), "b": make_tiny_model(seed=2, local_ensemble=False)},
                        small_image, (0, 0, 16, 16), 4)
    assert ab.names == ["a", "b"] and ab.notes["a"] == "user-supplied model"
    with pytest.raises(ValueError, match="empty"):
        ablation_seams({}, small_image, (0, 0, 4, 4), 4)


def test_ensemble_figures(tiny_model, make_tiny_model, small_image):
    res = ensemble_weights(tiny_model, small_image, (10, 12, 24, 28), 4)
    off = ensemble_weights(make_tiny_model(local_ensemble=False), small_image, (10, 12, 24, 28), 4)
    ab = ablation_seams(tiny_model, small_image, (0, 0, 16, 16), 4)
    figs = [plot_ensemble(res), plot_ensemble(off), plot_contributions(res), plot_ablation_seams(ab)]
    assert all(isinstance(f, Figure) for f in figs)
    assert len(figs[2].axes) == 5
    figs[0].savefig(io.BytesIO(), format="png", dpi=40)  # renders (layout and all)


def test_latents_of_another_model_are_refused(tiny_model, small_image):
    other = LIIF(n_resblocks=1, channels=4, hidden=(16,))
    latents = other.encode(torch.from_numpy(small_image).permute(2, 0, 1)[None])
    with pytest.raises(ValueError, match="another model"):
        ensemble_weights(tiny_model, small_image, (0, 0, 2, 2), 2, latents=latents)
    with pytest.raises(ValueError, match="another model"):  # the model's own query interface checks too
        tiny_model.query(latents, torch.zeros(1, 2), torch.full((1, 2), 0.1))


def test_near_block_boundary_marks_output_pixels_by_their_lr_position(tiny_model, small_image):
    res = ensemble_weights(tiny_model, small_image, (0, 0, 80, 96), 4)  # output pixel j sits at LR (j + 0.5) / 4
    near = res.near_block_boundary()
    assert near[31, 10] and near[10, 31] and not near[10, 10]  # 7.875 is ≤ ½ px from the boundary at 8
    shifted = res.near_block_boundary(grid_phase=(1, 0))  # row boundaries at 1, 9, 17
    assert not shifted[31, 10] and shifted[35, 10] and shifted[10, 31]
    with pytest.raises(ValueError, match="grid_phase"):
        res.near_block_boundary(grid_phase=(0.5, 0))
