"""Rate–distortion curves of one image (explain.studies.rate_distortion) and their figure and table."""

import numpy as np
import pytest
from matplotlib.figure import Figure

import explain
from explain.figures.studies import plot_rate_distortion
from explain.studies.rate_distortion import format_curves, rate_distortion


@pytest.fixture
def lr():
    """A smooth 24×24 image with an 8×8 block pattern (values in [0, 1])."""
    r, c = np.mgrid[0:24, 0:24] / 24.0
    blocks = ((np.arange(24)[:, None] // 8 + np.arange(24)[None, :] // 8) % 2) * 0.2
    img = np.stack([0.3 + 0.4 * r + blocks, 0.5 + 0.3 * np.sin(6 * c), 0.2 + 0.5 * r * c], -1)
    return np.clip(img, 0, 1).astype(np.float32)


def test_rate_distortion_curves(tiny_model, lr):
    hr = explain.upscale_bicubic(lr, 2)
    curves = rate_distortion(hr, {"tiny": tiny_model}, codecs=["jpeg", "webp"], bpps=(2.0, 4.0), scale=2,
                             progress=False)
    assert set(curves) == {"jpeg", "webp"}
    for c in curves.values():
        assert c.bpp.shape == c.psnr_lr.shape and set(c.psnr_sr) == {"tiny", "bicubic"}
        assert np.all(np.isfinite(c.psnr_sr["tiny"]))
    assert isinstance(plot_rate_distortion(curves), Figure)
    assert "jpeg" in format_curves(curves)
    with pytest.raises(ValueError, match="codec"):
        rate_distortion(hr, tiny_model, codecs=["gif"], scale=2)
    with pytest.raises(ValueError, match="multiple"):
        rate_distortion(hr[:47], tiny_model, scale=2)


def test_rate_distortion_on_a_region_matches_a_hand_computation(tiny_model, lr):
    from explain.codecs import compress_to_bpp

    hr = explain.upscale_bicubic(lr, 2)
    region = (8, 12, 24, 20)
    curves = rate_distortion(hr, {"tiny": tiny_model}, codecs=["jpeg"], bpps=(3.0, 3.01), scale=2, region=region,
                             progress=False)
    c = curves["jpeg"]
    assert c.bpp.shape == (1,)  # both targets reach the same quality: kept once
    decoded, _ = compress_to_bpp(explain.downscale(hr, 2), "jpeg", 3.0)
    sr = explain.upscale(tiny_model, decoded, size=(48, 48))
    r, k, h, w = region
    expected = explain.psnr_y(hr[r:r + h, k:k + w], sr[r:r + h, k:k + w])
    assert c.psnr_sr["tiny"][0] == pytest.approx(expected, abs=1e-3)
    with pytest.raises(ValueError, match="outside"):
        rate_distortion(hr, tiny_model, codecs=["jpeg"], scale=2, region=(40, 40, 20, 20))
