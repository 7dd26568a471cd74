"""Figures of merit, baselines and locality planning of the attribution probe (no model needed)."""

import numpy as np
import pytest
import torch

from explain.models import LIIF
from explain.probes.baselines import (
    block_mean_baseline,
    blur_path,
    blur_radius,
    gaussian_blur,
    gaussian_kernels,
    jpeg_baseline,
    make_baseline,
)
from explain.probes.locality import lr_footprint, plan_window
from explain.probes.stats import block_shares, boundary_mask, cumulative_area, diffusion_index, gini


# ------------------------------------------------------------------------------------------ Gini and DI
def _gini_brute(x):
    x = np.asarray(x, dtype=np.float64).ravel()
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size ** 2 * x.mean())


def test_di_uniform_is_100_and_one_hot_is_near_0():
    assert diffusion_index(np.full((10, 10), 0.3)) == pytest.approx(100.0, abs=1e-9)
    one_hot = np.zeros((10, 10))
    one_hot[4, 7] = 2.0
    assert gini(one_hot) == pytest.approx(1 - 1 / 100)
    assert diffusion_index(one_hot) == pytest.approx(1.0)  # (1 − (n − 1)/n)·100 = 100/n


def test_gini_matches_the_mean_difference_definition():
    rng = np.random.default_rng(3)
    for x in (rng.random(50), rng.exponential(size=(7, 9)), np.r_[np.zeros(20), rng.random(5)]):
        assert gini(x) == pytest.approx(_gini_brute(x), rel=1e-12)
    # two halves: G = 1/2 for [0, …, 0, 1, …, 1]
    assert gini(np.r_[np.zeros(8), np.ones(8)]) == pytest.approx(0.5)


def test_gini_rejects_bad_maps_and_zero_map_is_nan():
    with pytest.raises(ValueError, match="non-negative"):
        gini(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="NaN"):
        diffusion_index(np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="empty"):
        gini(np.array([]))
    assert np.isnan(gini(np.zeros(5)))


def test_cumulative_area():
    x = np.array([[5.0, 3.0], [1.0, 1.0]])
    assert cumulative_area(x) == 4  # 5, 8, 9 < 9.5 ≤ 10
    assert cumulative_area(x, 0.8) == 2
    assert cumulative_area(x, 0.5) == 1
    assert cumulative_area(np.ones(100)) == 95
    assert cumulative_area(np.zeros(4)) == 0
    with pytest.raises(ValueError, match="fraction"):
        cumulative_area(x, 0.0)


# --------------------------------------------------------------------------------------- block statistics
def _constructed(phase=(0, 0), size=40):
    """Mass 1 in the own block, 2 + 4 in neighbours (4 on a block-edge pixel), 3 beyond."""
    pr, pc = phase
    m = np.zeros((size, size))
    m[12 + pr, 12 + pc] = 1.0   # block (1, 1): own, position (4, 4) inside the block
    m[3 + pr, 3 + pc] = 2.0     # block (0, 0): neighbour
    m[30 + pr, 30 + pc] = 3.0   # block (3, 3): beyond
    m[8 + pr, 20 + pc] = 4.0    # block (1, 2): neighbour, first row of its block
    footprint = ((9 + pr, 11 + pr), (9 + pc, 11 + pc))
    return m, footprint


@pytest.mark.parametrize("phase", [(0, 0), (3, 5), (7, 1)])
def test_block_shares_on_a_constructed_map(phase):
    m, fp = _constructed(phase)
    s = block_shares(m, fp, grid_phase=phase, block_size=8)
    assert s["own"] == pytest.approx(0.1)
    assert s["neighbours"] == pytest.approx(0.6)
    assert s["beyond"] == pytest.approx(0.3)
    assert s["own"] + s["neighbours"] + s["beyond"] == pytest.approx(1.0)
    assert s["boundary"] == pytest.approx(0.4)
    assert s["own_blocks"] == 1
    # the wrong phase moves the grid and changes the statistics
    if phase != (0, 0):
        w = block_shares(m, fp, grid_phase=(0, 0))
        assert (w["own"], w["neighbours"], w["boundary"]) != pytest.approx((0.1, 0.6, 0.4))


def test_block_shares_multi_block_footprint_and_region():
    m = np.ones((32, 32))
    s = block_shares(m, ((6, 10), (2, 4)), block_size=8)  # rows span blocks 0 and 1, cols block 0
    assert s["own_blocks"] == 2
    assert s["own"] == pytest.approx(128 / 1024)
    assert s["neighbours"] == pytest.approx((3 * 2 - 2) * 64 / 1024)  # block rows 0..2 × cols 0..1, minus own
    assert s["boundary"] == pytest.approx(28 / 64)  # uniform map: share = area
    assert s["boundary_area"] == pytest.approx(28 / 64)
    assert s["boundary_enrichment"] == pytest.approx(1.0)
    s2 = block_shares(m, ((6, 10), (2, 4)), region=((1, 7), (1, 7)))  # a 6×6 block interior: no edge pixels
    assert s2["boundary_area"] == 0.0
    with pytest.raises(ValueError, match="footprint"):
        block_shares(m, ((30, 40), (0, 2)))
    with pytest.raises(ValueError, match="block_size"):
        block_shares(m, ((0, 2), (0, 2)), block_size=1)
    with pytest.raises(ValueError, match="grid_phase"):
        block_shares(m, ((0, 2), (0, 2)), grid_phase=(0.5, 0))


def test_boundary_mask_counts_and_phase():
    mask = boundary_mask((16, 16), (0, 0), 8)
    assert mask[:8, :8].sum() == 28 and mask[8:, 8:].sum() == 28
    assert mask[0, 3] and mask[7, 3] and mask[8, 3] and not mask[4, 4]
    shifted = boundary_mask((16, 16), (3, 0), 8)
    assert shifted[3, 4] and shifted[2, 4] and not shifted[0, 4]


# ----------------------------------------------------------------------------------------------- baselines
def test_block_mean_baseline_is_blockwise_constant_and_keeps_block_means():
    rng = np.random.default_rng(0)
    img = rng.random((20, 19, 3)).astype(np.float32)
    out = block_mean_baseline(img, 8, grid_phase=(3, 5))
    # block rows: [0,3) [3,11) [11,19) [19,20); block cols: [0,5) [5,13) [13,19)
    blk = out[3:11, 5:13]
    assert np.allclose(blk, blk[0, 0])
    assert np.allclose(blk[0, 0], img[3:11, 5:13].reshape(-1, 3).mean(0), atol=1e-6)
    assert np.allclose(out[19:, 13:], img[19:, 13:].reshape(-1, 3).mean(0), atol=1e-6)  # partial border block
    assert not np.allclose(out[2, 5], out[3, 5])  # a boundary between rows 2 and 3


def test_jpeg_baseline_quality_and_grid_phase():
    from explain.images import downscale, load_image

    img = downscale(load_image("astronaut"), size=(64, 64))
    low, high = jpeg_baseline(img, 5), jpeg_baseline(img, 90)
    assert low.shape == img.shape and low.dtype == np.float32
    assert np.abs(low - img).mean() > 2 * np.abs(high - img).mean()
    # a crop of 3 rows / 5 cols has its grid at phase (5, 3); re-compressing it at that phase reproduces the
    # full image's blocks (4:4:4: no chroma resampling across blocks), away from the padded top/left blocks
    full = jpeg_baseline(img, 10, "4:4:4")
    crop = jpeg_baseline(img[3:, 5:], 10, "4:4:4", grid_phase=(5, 3))
    assert np.array_equal(crop[5:, 3:], full[8:, 8:])
    wrong = jpeg_baseline(img[3:, 5:], 10, "4:4:4")
    assert not np.array_equal(wrong[5:, 3:], full[8:, 8:])
    with pytest.raises(ValueError, match="quality"):
        jpeg_baseline(img, 0)


def test_make_baseline_dispatch():
    img = np.random.default_rng(1).random((8, 8, 3)).astype(np.float32)
    assert np.array_equal(make_baseline(None, img), np.zeros_like(img))
    assert np.allclose(make_baseline(0.5, img), 0.5)
    assert make_baseline("blur", img, sigma=1.0).shape == img.shape
    assert np.array_equal(make_baseline(img * 0.5, img), (img * 0.5).astype(np.float32))
    with pytest.raises(ValueError, match="unknown baseline"):
        make_baseline("nope", img)
    with pytest.raises(ValueError, match="shape"):
        make_baseline(np.zeros((4, 4, 3)), img)
    with pytest.raises(ValueError, match="constant"):
        make_baseline(2.0, img)


def test_gaussian_blur_kernels_path_and_crop_exactness():
    k = gaussian_kernels([0.0, 0.7, 1.2], 4)
    assert torch.allclose(k.sum(1), torch.ones(3))
    assert k[0, 4] == 1 and k[0].sum() == 1  # σ = 0: unit impulse
    assert blur_radius(1.2) == 4 and blur_radius(0.0) == 0
    x = torch.rand(1, 3, 30, 26, dtype=torch.float64)
    assert torch.equal(gaussian_blur(x, 0.0), x)
    path = blur_path(x, 2.0, [0.0, 0.5, 1.0])
    assert torch.equal(path[2], x[0])
    assert torch.allclose(path[0], gaussian_blur(x, 2.0)[0])
    assert torch.allclose(path[1], gaussian_blur(x, 1.0, radius=blur_radius(2.0))[0])
    # blur of a crop with radius-wide context equals the whole image's blur restricted to the crop,
    # including crops touching the image border (replicate padding there, as on the full image)
    r = blur_radius(2.0)
    full = gaussian_blur(x, 2.0)
    for (a0, a1), (b0, b1) in (((10, 18), (9, 15)), ((0, 6), (20, 26))):
        e0, e1, f0, f1 = max(0, a0 - r), min(30, a1 + r), max(0, b0 - r), min(26, b1 + r)
        local = gaussian_blur(x[..., e0:e1, f0:f1], 2.0)[..., a0 - e0:a1 - e0, b0 - f0:b1 - f0]
        assert torch.allclose(local, full[..., a0:a1, b0:b1], atol=1e-12)
    with pytest.raises(ValueError, match="sigma"):
        blur_radius(-1.0)


# ------------------------------------------------------------------------------------------------ locality
def test_lr_footprint_and_plan_sizes():
    assert lr_footprint(0, 16, 1024, 256) == (0, 4)
    assert lr_footprint(2, 6, 1024, 256) == (0, 2)  # HR rows 2..5 at ×4 → LR rows 0 and 1
    paper = LIIF()  # EDSR-baseline: 16 blocks → query radius 36
    assert paper.query_radius == 36
    plan = plan_window((256, 256), (1024, 1024), (512, 512, 16, 16), paper.query_radius)
    assert plan.footprint == ((128, 132), (128, 132))
    assert plan.crop_shape == (76, 76)  # 4 + 2·36 LR pixels, the exact receptive field
    assert plan_window((256, 256), (1024, 1024), (0, 0, 16, 16), 36).box == ((0, 40), (0, 40))
    full = plan_window((256, 256), (1024, 1024), (0, 0, 16, 16), 36, local=False)
    assert full.box == ((0, 256), (0, 256))
    # a target margin of one HR pixel at the output border is restored by edge replication
    edge = plan_window((20, 20), (40, 40), (0, 30, 4, 10), 3, margin=1)
    assert edge.region == ((0, 5), (29, 40)) and edge.pad == (1, 0, 0, 1)


@pytest.mark.parametrize("window", [(-1, 0, 4, 4), (0, 0, 0, 4), (38, 0, 4, 4), (0, 0, 4), (0, 0, 4.0, 4)])
def test_plan_rejects_bad_windows(window):
    with pytest.raises(ValueError, match="window"):
        plan_window((20, 20), (40, 40), window, 3)
