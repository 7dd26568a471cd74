import io

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from explain.figures.latent import plot_channel_scores, plot_feature_difference, plot_latent_pca, plot_top_channels
from explain.models import LIIF
from explain.probes.latent import (
    block_boundary_gradients,
    latent_features,
    pca_rgb,
    periodicity_chance,
    periodicity_score,
)


# ------------------------------------------------------------------------------- periodicity score
def test_periodicity_detects_period_8_and_not_noise():
    rng = np.random.default_rng(1)
    tile = rng.normal(size=(8, 8))
    periodic = np.tile(tile, (8, 8))  # 64×64, period 8 along both axes
    noise = rng.normal(size=(64, 64))
    scores = periodicity_score(np.stack([periodic, noise, np.full((64, 64), 3.0)]))
    assert scores[0] == pytest.approx(1.0, abs=1e-9)
    chance = periodicity_chance((64, 64))
    assert chance == pytest.approx(7 / 63)
    assert scores[1] < 0.2 and abs(scores[1] - chance) < 0.05
    assert scores[2] == 0.0  # a constant map has no non-DC energy


def test_periodicity_is_phase_free_and_rejects_other_periods():
    c = np.arange(64)
    period8 = np.sin(2 * np.pi * (c + 3) / 8)[None, :].repeat(64, 0)
    period7 = np.sin(2 * np.pi * c / 7)[None, :].repeat(64, 0)
    s8, s7 = periodicity_score(np.stack([period8, period7]))
    assert s8 == pytest.approx(1.0, abs=1e-9)
    assert s7 < 0.3
    # periodic signal plus noise lies in between and grows with the signal share
    rng = np.random.default_rng(0)
    n = rng.normal(size=(64, 64))
    weak, strong = periodicity_score(np.stack([0.3 * period8 + n, 3.0 * period8 + n]))
    assert periodicity_chance((64, 64)) < weak < strong < 1.0


def test_periodicity_uses_whole_blocks_and_needs_two():
    rng = np.random.default_rng(2)
    tile = rng.normal(size=(8, 8))
    m = np.tile(tile, (3, 3))[:21, :19]  # 21×19: only 16 rows / 16 cols are whole blocks
    assert periodicity_score(m) == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(ValueError, match="two"):
        periodicity_score(np.zeros((12, 15)))
    with pytest.raises(ValueError, match="block_size"):
        periodicity_score(np.zeros((16, 16)), block_size=1)


# --------------------------------------------------------------------------------- boundary response
def _block_constant(shape, phase, block=8, seed=0):
    rng = np.random.default_rng(seed)
    h, w = shape
    br = np.floor_divide(np.arange(h) - phase[0], block)
    bc = np.floor_divide(np.arange(w) - phase[1], block)
    values = rng.normal(size=(br.max() - br.min() + 1, bc.max() - bc.min() + 1))
    return values[br - br.min()][:, bc - bc.min()]


def test_boundary_gradients_on_block_constant_map_are_phase_aware():
    m = _block_constant((24, 32), phase=(3, 5))
    boundary, interior = block_boundary_gradients(m, 8, (3, 5))
    assert interior == 0.0 and boundary > 0.1
    boundary0, interior0 = block_boundary_gradients(m, 8, (0, 0))
    assert interior0 > 0.0  # wrong phase: jumps land inside the assumed blocks


def test_boundary_gradients_match_a_direct_count():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(2, 10, 11))
    boundary, interior = block_boundary_gradients(m, 4, (1, 2))
    for ch in range(2):
        b, i = [], []
        for r in range(10):
            for c in range(1, 11):
                (b if (c - 2) % 4 == 0 else i).append(abs(m[ch, r, c] - m[ch, r, c - 1]))
        for r in range(1, 10):
            for c in range(11):
                (b if (r - 1) % 4 == 0 else i).append(abs(m[ch, r, c] - m[ch, r - 1, c]))
        assert boundary[ch] == pytest.approx(np.mean(b))
        assert interior[ch] == pytest.approx(np.mean(i))


# ----------------------------------------------------------------------------------------- PCA
def test_pca_rgb_shapes_ranges_and_axes():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(5, 12, 10)) * np.array([10.0, 3.0, 1.0, 0.1, 0.1])[:, None, None]
    rgb, comps, ratios = pca_rgb(f)
    assert rgb.shape == (12, 10, 3) and rgb.min() >= 0 and rgb.max() <= 1
    assert comps.shape == (3, 5) and ratios.shape == (5,)
    assert ratios.sum() == pytest.approx(1.0, abs=1e-6) and np.all(np.diff(ratios) <= 1e-7)
    assert abs(comps[0, 0]) > 0.99 and comps[0, 0] > 0  # dominant channel, sign fixed positive
    np.testing.assert_allclose(np.linalg.norm(comps, axis=1), 1.0, atol=1e-6)
    rgb2, comps2, ratios2 = pca_rgb(f[:2])
    assert np.all(rgb2[..., 2] == 0.5) and np.all(comps2[2] == 0) and ratios2.shape == (2,)


# ------------------------------------------------------------------------------ probe on a model
def _lr_tensor(img):
    return torch.from_numpy(img).permute(2, 0, 1).unsqueeze(0)


def test_latent_features_shapes_and_values(tiny_model, small_image):
    res = latent_features(tiny_model, small_image, top_k=3, unfolded=True)
    with torch.no_grad():
        feats = tiny_model.encode(_lr_tensor(small_image)).features
        unf = tiny_model.unfold(feats)
    np.testing.assert_allclose(res.features, feats[0].numpy(), atol=1e-6)
    np.testing.assert_allclose(res.unfolded, unf[0].numpy(), atol=1e-6)
    assert res.features.shape == (8, 20, 24) and res.unfolded.shape == (72, 20, 24)
    assert res.pca_rgb.shape == (20, 24, 3) and 0 <= res.pca_rgb.min() and res.pca_rgb.max() <= 1
    for arr in (res.channel_variance, res.boundary_response, res.periodicity):
        assert arr.shape == (8,) and np.isfinite(arr).all()
    assert np.all((res.periodicity >= 0) & (res.periodicity <= 1))
    assert res.top_variance.shape == (3,) and res.top_variance[0] == np.argmax(res.channel_variance)
    assert res.top_boundary[0] == np.argmax(res.boundary_response)
    assert res.difference_norm is None


def test_latent_features_reuses_latents_and_diffs_reference(tiny_model, small_image):
    latents = tiny_model.encode(_lr_tensor(small_image))
    a = latent_features(tiny_model, small_image)
    b = latent_features(tiny_model, small_image, latents=latents)
    np.testing.assert_array_equal(a.features, b.features)
    np.testing.assert_array_equal(a.pca_rgb, b.pca_rgb)
    same = latent_features(tiny_model, small_image, reference=small_image)
    assert np.all(same.difference_norm == 0)
    ref = np.clip(small_image + 0.1 * np.random.default_rng(5).normal(size=small_image.shape), 0, 1).astype(np.float32)
    res = latent_features(tiny_model, small_image, reference=ref, top_k=2)
    other = latent_features(tiny_model, ref)
    diff = a.features - other.features
    np.testing.assert_allclose(res.channel_difference, diff, atol=1e-6)
    np.testing.assert_allclose(res.difference_norm, np.sqrt((diff ** 2).sum(0)), atol=1e-5)
    assert res.top_difference[0] == np.argmax(np.abs(diff).mean(axis=(1, 2)))


def test_latent_features_bad_inputs(tiny_model, small_image):
    with pytest.raises(ValueError, match="reference"):
        latent_features(tiny_model, small_image, reference=small_image[:16])
    with pytest.raises(ValueError, match="size"):
        latent_features(tiny_model, small_image, latents=tiny_model.encode(_lr_tensor(small_image[:16])))
    with pytest.raises(TypeError, match="LatentGrid"):
        latent_features(tiny_model, small_image, latents=np.zeros((8, 20, 24)))
    other = LIIF(n_resblocks=1, channels=4, hidden=(16,))
    with pytest.raises(ValueError, match="another model"):
        latent_features(tiny_model, small_image, latents=other.encode(_lr_tensor(small_image)))
    with pytest.raises(ValueError, match="top_k"):
        latent_features(tiny_model, small_image, top_k=0)
    with pytest.raises(ValueError, match="grid_phase"):
        latent_features(tiny_model, small_image, grid_phase=(0.5, 0))


def test_latent_figures(tiny_model, small_image):
    res = latent_features(tiny_model, small_image, reference=small_image[::-1].copy(), top_k=4)
    figs = [plot_latent_pca(res, small_image), plot_latent_pca(res), plot_channel_scores(res),
            plot_feature_difference(res, small_image, k=2)]
    figs += [plot_top_channels(res, by=by) for by in ("variance", "boundary", "periodicity", "difference")]
    assert all(isinstance(f, Figure) for f in figs)
    assert len(figs[0].axes) == 2 and len(figs[1].axes) == 1
    figs[-1].savefig(io.BytesIO(), format="png", dpi=40)  # renders (layout and all)
    with pytest.raises(ValueError, match="by"):
        plot_top_channels(res, by="colour")
    plain = latent_features(tiny_model, small_image)
    with pytest.raises(ValueError, match="reference"):
        plot_feature_difference(plain)
