"""The clue taxonomy: DCT-domain attribution against brute force, completeness, channel shares, randomisation."""

import json

import numpy as np
import pytest
import torch

from explain.codecs import compress
from explain.images import downscale, load_image
from explain.models import LIIF
from explain.probes._paths import path_gradients
from explain.probes.channel import ComponentDetail
from explain.probes.clues import block_of, clues, coarser_quality, randomised_copy
from explain.probes.frequency import (
    JFIF,
    band_masks,
    block_dct,
    block_idct,
    block_region,
    centred_to_rgb,
    coefficients_of,
    dct_matrix,
    dropped_coefficient_baseline,
    dropped_mask,
    gradient_to_coefficients,
    rgb_to_centred,
)


def _model(seed=0, dtype=torch.float32):
    torch.manual_seed(seed)
    return LIIF(n_resblocks=1, channels=8, hidden=(16, 16)).eval().to(dtype)


@pytest.fixture(scope="module")
def lr():
    """A 40×48 JPEG-compressed photograph at quality 20, grid at (0, 0)."""
    img = downscale(load_image("astronaut"), size=(40, 48))
    return compress(img, "jpeg", quality=20)[0]


@pytest.fixture(scope="module")
def result(lr):
    return clues(_model(), lr, (17, 20), scale=2, lam_steps=6, ig_steps=6)


# ------------------------------------------------------------------------------------------------ DCT math
def test_dct_is_jpegs_orthonormal_transform():
    d = dct_matrix()
    assert np.allclose(d @ d.T, np.eye(8))
    flat = np.full((1, 8, 8), 200.0)
    x = block_dct(flat)
    assert x[0, 0, 0, 0, 0] == pytest.approx(8 * 200.0) and np.abs(x[0, 0, 0].ravel()[1:]).max() < 1e-9
    planes = np.random.default_rng(0).normal(size=(3, 16, 24))
    assert np.allclose(block_idct(block_dct(planes)), planes)
    rgb = np.random.default_rng(1).random((3, 5, 6))
    assert np.allclose(centred_to_rgb(rgb_to_centred(rgb)), rgb)
    # JFIF: white is Y = 255, Cb = Cr = 128 → centred (127, 0, 0).
    assert np.allclose(rgb_to_centred(np.ones((3, 1, 1)))[:, 0, 0], [127.0, 0.0, 0.0])
    masks = band_masks()
    assert masks["dc"].sum() == 1 and masks["low_ac"].sum() == 5 and masks["high_ac"].sum() == 58


def test_block_region_follows_the_grid():
    assert block_region(((3, 20), (9, 10)), (0, 0)) == ((0, 24), (8, 16))
    assert block_region(((0, 5), (0, 5)), (3, 6)) == ((-5, 11), (-2, 6))


def test_quantiser_drops_small_coefficients():
    x = np.zeros((3, 1, 1, 8, 8))
    q5 = 16 * 1000 // 100  # DC of the IJG luma table at quality 5
    x[0, 0, 0, 0, 0] = q5 / 2 - 1
    x[0, 0, 0, 0, 1] = 500.0
    m = dropped_mask(x, 5)
    assert m[0, 0, 0, 0, 0] and not m[0, 0, 0, 0, 1] and m[1:].all()


@pytest.mark.parametrize("target", ["mean", "gradient"])
def test_dct_domain_gradient_matches_finite_differences(target):
    """∂F/∂X from the pixel gradient equals central differences on single coefficients of a tiny image."""
    model = _model(3, torch.float64)
    rng = np.random.default_rng(2)
    img = rng.random((24, 24, 3)) * 0.6 + 0.2
    out, window = (48, 48), (16, 18, 16, 14)
    g = path_gradients(model, img, window, out, [target], at_input=True)
    box = g.plan.box
    region = ((0, 24), (0, 24))
    grad_full = np.zeros((3, 24, 24))
    (a0, a1), (b0, b1) = box
    grad_full[:, a0:a1, b0:b1] = g.grad_input[0]
    g_x = gradient_to_coefficients(grad_full)
    x = coefficients_of(img, region)
    eps = 1e-3
    for idx in [(0, 1, 1, 0, 0), (0, 1, 1, 2, 1), (1, 0, 1, 0, 0), (2, 2, 2, 1, 3), (0, 0, 2, 7, 7), (1, 1, 0, 4, 0)]:
        vals = []
        for s in (1, -1):
            xp = x.copy()
            xp[idx] += s * eps
            img_p = centred_to_rgb(block_idct(xp)).transpose(1, 2, 0)
            vals.append(path_gradients(model, img_p, window, out, [target]).f_input[0])
        fd = (vals[0] - vals[1]) / (2 * eps)
        assert g_x[idx] == pytest.approx(fd, rel=1e-4, abs=1e-9), idx


def test_coefficient_path_is_the_pixel_path(lr):
    """The dropped-coefficient baseline only changes blocks around the box and keeps the surviving coefficients."""
    box = ((5, 30), (9, 33))
    base = dropped_coefficient_baseline(lr, box, (0, 0), 5)
    region = block_region(box, (0, 0))
    x, x0 = coefficients_of(lr, region), coefficients_of(base, region)
    dropped = dropped_mask(x, 5)
    assert np.allclose(x0[dropped], 0, atol=1e-3) and np.allclose(x0[~dropped], x[~dropped], atol=1e-3)
    outside = np.ones(lr.shape[:2], bool)
    outside[region[0][0]: region[0][1], region[1][0]: region[1][1]] = False
    assert np.array_equal(base[outside], lr[outside])


# ------------------------------------------------------------------------------------------------ the clues
def test_frequency_attributions_add_up(result):
    gxc, ig = result.frequency.gradient_x_coefficient, result.frequency.integrated_gradients
    for m in (gxc, ig):
        assert sum(m.band_shares().values()) == pytest.approx(1.0)
        assert sum(m.ring_shares().values()) == pytest.approx(1.0)
        assert sum(m.component_shares().values()) == pytest.approx(1.0)
        assert m.frequency_shares().sum() == pytest.approx(1.0)
        assert m.neighbourhood(None).sum() <= 1.0 + 1e-6
    # IG: only coefficients the coarser quantiser drops carry attribution; they add up to F(x) − F(x₀).
    kept = ~dropped_mask(ig.coefficients, ig.baseline_quality)
    assert np.abs(ig.values[kept]).max() < 1e-6 * np.abs(ig.values).max() + 1e-12
    assert ig.completeness_gap < 0.05
    assert float(ig.values.sum()) == pytest.approx(ig.target_change, rel=0.05)
    top = gxc.top_coefficients(3, "neighbours")
    assert top and all(max(map(abs, t["block_offset"])) == 1 for t in top)
    assert [t["share"] for t in top] == sorted([t["share"] for t in top], reverse=True)


def test_ig_is_the_same_in_pixels_and_coefficients(lr):
    model = _model(1)
    c = clues(model, lr, (10, 30), scale=2, lam_steps=4, ig_steps=4, randomise=False)
    ig = c.frequency.integrated_gradients
    assert c.spatial.ig_shares["own"] + c.spatial.ig_shares["neighbours"] + c.spatial.ig_shares["beyond"] == \
        pytest.approx(1.0)
    # Σ over coefficients = Σ over pixels of mean gradient × (x − x₀): the change of domain loses nothing.
    base = dropped_coefficient_baseline(lr, c.params["receptive_box"], (0, 0), ig.baseline_quality)
    g = path_gradients(model, lr, c.window, c.output_size, ["gradient"], base, steps=c.params["ig_steps_used"])
    assert float(ig.values.sum()) == pytest.approx(float((g.mean_grad[0] * g.delta).sum()), rel=1e-4)


def test_channel_shares_sum_to_one_and_complete(result):
    ch = result.channel
    assert ch.shares.shape == (3, 3) and np.allclose(ch.shares.sum(1), 1.0)
    assert (ch.shares >= 0).all() and 0 <= ch.colour_from_luma <= 1
    assert np.allclose(ch.signed.sum(1), ch.target_change, rtol=0.2, atol=1e-6)
    assert ch.pixel_maps.shape[:2] == (3, 3)


def test_component_detail_reads_one_jfif_component():
    region = torch.zeros(1, 6, 6, 3)
    region[0, :, 3:, 2] = 1.0  # a blue step: luma 0.114, Cb +0.5, Cr −0.081
    values = [float(ComponentDetail(k)(region)) for k in range(3)]
    assert values[0] / values[1] == pytest.approx(abs(JFIF[0, 2] / JFIF[1, 2]), rel=1e-3)
    with pytest.raises(ValueError):
        ComponentDetail(3)


def test_spatial_clue_reuses_the_attribution_result(result):
    s = result.spatial
    shares = s.lam.block_shares
    assert s.distance_px.sum() == pytest.approx(1.0) and s.distance_blocks.sum() == pytest.approx(1.0)
    assert s.distance_blocks[0] == pytest.approx(shares["own"])
    assert s.distance_blocks[1] == pytest.approx(shares["neighbours"])
    assert result.block_box == ((16, 24), (16, 24)) and result.window == (32, 32, 16, 16)
    assert s.lam.method == "lam" and s.lam.target == "gradient"


def test_randomisation_checks(result, lr):
    assert result.randomised is not None and result.randomised.randomised is None
    names = [c.clue for c in result.checks]
    assert names == ["spatial (LAM)", "spatial shares (LAM)", "frequency (gradient × coefficient)",
                     "frequency bands (gradient × coefficient)", "frequency (integrated gradients)",
                     "frequency bands (integrated gradients)", "channel (integrated gradients)"]
    spatial_shares = result.checks[1]
    mine = [spatial_shares.trained[k] for k in ("own_block", "neighbour_blocks", "beyond")]
    theirs = [spatial_shares.randomised[k] for k in ("own_block", "neighbour_blocks", "beyond")]
    assert spatial_shares.randomisation == pytest.approx(0.5 * np.abs(np.subtract(mine, theirs)).sum())
    for c in result.checks:
        assert c.randomisation is not None and isinstance(c.passes, bool)
        assert c.passes == ((c.randomisation < c.threshold) if c.metric.startswith("Spearman")
                            else (c.randomisation >= c.threshold))
    # The same model against itself: nothing changes, so no clue passes.
    model = _model()
    same = clues(model, lr, (17, 20), scale=2, lam_steps=3, ig_steps=2, randomise=model)
    assert all(c.passes is False for c in same.checks)
    rand = randomised_copy(model, seed=0)
    assert not torch.equal(next(rand.parameters()), next(model.parameters()))
    assert torch.equal(next(_model().parameters()), next(model.parameters()))  # the original is untouched


def test_to_dict_is_json_and_headline_is_plain(result):
    text = json.dumps(result.to_dict(), allow_nan=False)
    d = json.loads(text)
    assert d["frequency"]["gradient_x_coefficient"]["per_frequency"]["Y"][0][0] >= 0
    assert len(d["checks"]) == 7 and "randomised_model" in d
    h = result.headline()
    assert set(h["gxc_bands"]) == {"dc", "low_ac", "high_ac"}


def test_bad_arguments(lr):
    with pytest.raises(ValueError, match="outside"):
        block_of((40, 3), (0, 0), (40, 48))
    with pytest.raises(ValueError, match="lam_steps"):
        clues(_model(), lr, (5, 5), scale=2, lam_steps=0)
    with pytest.raises(ValueError, match="baseline_quality"):
        clues(_model(), lr, (5, 5), scale=2, baseline_quality=101)
    assert coarser_quality(None) == 5 and coarser_quality(20) == 5 and coarser_quality(9) == 3
    assert coarser_quality(2) == 1
