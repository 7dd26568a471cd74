"""PSNR / PSNR-Y / SSIM / BEF / PSNR-B / blockiness on small hand-checkable images."""

import math

import numpy as np
import pytest

from explain.codecs import compress
from explain.metrics import (
    blockiest_window,
    blockiness_map,
    blocking_effect_factor,
    blocking_stats,
    psnr,
    psnr_b,
    psnr_y,
    rgb_to_y,
    ssim,
)


def _pairs_brute_force(x, block, py, px):
    """D_B and D_B^c by walking every adjacent pair; boundaries between px+kB−1|px+kB (cols), same for rows."""
    h, w = x.shape
    boundary_cols = {px + k * block for k in range(-1, w // block + 2)}
    boundary_rows = {py + k * block for k in range(-1, h // block + 2)}
    on, off = [], []
    for r in range(h):
        for c in range(1, w):
            (on if c in boundary_cols else off).append((x[r, c] - x[r, c - 1]) ** 2)
    for r in range(1, h):
        for c in range(w):
            (on if r in boundary_rows else off).append((x[r, c] - x[r - 1, c]) ** 2)
    return np.mean(on), np.mean(off), len(on), len(off)


def _step_image(step_col, h=8, w=16):
    """Slope 0.01 per column with a jump of 0.5 between columns step_col−1 and step_col."""
    c = np.arange(w, dtype=np.float64)
    row = 0.01 * c + 0.5 * (c >= step_col)
    return np.tile(row, (h, 1))


@pytest.fixture(scope="module")
def smooth_rgb():
    yy, xx = np.mgrid[0:96, 0:96] / 96.0
    return np.stack([0.5 + 0.3 * np.sin(6 * xx + 3 * yy), 0.5 + 0.3 * np.cos(4 * yy - 2 * xx),
                     0.4 + 0.3 * np.sin(5 * xx * yy)], axis=-1)


# --------------------------------------------------------------------------------------------- PSNR(-Y)


def test_psnr_y_with_shave_hand_computed():
    ref = np.zeros((10, 10, 3))
    test = ref.copy()
    test[:2], test[-2:], test[:, :2], test[:, -2:] = 1.0, 1.0, 1.0, 1.0  # border error that shave=2 removes
    test[5, 5] = 0.1  # gray error: ΔY = 0.1 · (65.481 + 128.553 + 24.966) / 255
    mse = (0.1 * 219.0 / 255.0) ** 2 / 36.0
    assert psnr_y(ref, test, shave=2) == pytest.approx(10 * math.log10(1 / mse))
    assert psnr_y(ref, test, shave=0) < psnr_y(ref, test, shave=2) - 10
    assert psnr_y(ref, ref) == float("inf")
    with pytest.raises(ValueError, match="shave"):
        psnr_y(ref, test, shave=5)
    with pytest.raises(ValueError, match="shave"):
        psnr_y(ref, test, shave=-1)


def test_rgb_to_y_range():
    np.testing.assert_allclose(rgb_to_y(np.zeros((1, 1, 3))), 16 / 255)
    np.testing.assert_allclose(rgb_to_y(np.ones((1, 1, 3))), 235 / 255)


# ------------------------------------------------------------------------------------------------- SSIM


def test_ssim_identical_is_one(smooth_rgb):
    assert ssim(smooth_rgb, smooth_rgb) == pytest.approx(1.0)
    assert ssim(smooth_rgb, smooth_rgb, y_channel=False) == pytest.approx(1.0)


def test_ssim_of_constants_is_the_luminance_term():
    # Constant images: the contrast-structure term is C2/C2 = 1, so SSIM = (2ab + C1)/(a² + b² + C1),
    # C1 = (0.01 · data_range)² with data_range 1.
    a, b = 0.5, 0.6
    c1 = 0.01 ** 2
    expected = (2 * a * b + c1) / (a * a + b * b + c1)
    assert ssim(np.full((16, 16), a), np.full((16, 16), b), y_channel=False) == pytest.approx(expected, rel=1e-9)


def test_ssim_y_channel_is_ssim_of_luma(smooth_rgb):
    noisy = np.clip(smooth_rgb + np.random.default_rng(0).normal(0, 0.05, smooth_rgb.shape), 0, 1)
    s = ssim(smooth_rgb, noisy)
    assert s == pytest.approx(ssim(rgb_to_y(smooth_rgb), rgb_to_y(noisy), y_channel=False))
    assert 0 < s < 0.99
    assert ssim(smooth_rgb, noisy, shave=4) != s


def test_ssim_errors(smooth_rgb):
    with pytest.raises(ValueError, match="11"):
        ssim(np.zeros((8, 8, 3)), np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match="same shape"):
        ssim(smooth_rgb, smooth_rgb[:50])
    with pytest.raises(ValueError, match="RGB"):
        ssim(np.zeros((16, 16)), np.zeros((16, 16)))


def test_metrics_refuse_values_outside_the_unit_range(smooth_rgb):
    with pytest.raises(ValueError, match="divide 8-bit images by 255"):
        psnr((smooth_rgb * 255).astype(np.uint8), smooth_rgb)
    with pytest.raises(ValueError, match="NaN"):
        ssim(smooth_rgb, np.where(smooth_rgb > 0.5, np.nan, smooth_rgb))
    with pytest.raises(ValueError, match="numbers"):
        psnr_y(smooth_rgb.astype(str), smooth_rgb)


# ------------------------------------------------------------------------------------------ BEF, PSNR-B


def test_bef_hand_computed_step_at_boundary():
    x = _step_image(8)  # 8 × 16: the jump sits on the boundary between columns 7 and 8
    st = blocking_stats(x, 8)
    # 8 boundary pairs (columns 7|8, one per row), each a jump of 0.5 + 0.01 = 0.51; no row boundary inside
    # an 8-row image. Off-boundary: 8 rows × 14 column pairs of 0.01, plus 7 × 16 vertical zeros.
    assert st.n_b == 8 and st.n_bc == 8 * 14 + 7 * 16
    assert st.d_b == pytest.approx(0.51 ** 2)
    assert st.d_bc == pytest.approx(8 * 14 * 0.01 ** 2 / 224)
    assert st.eta == pytest.approx(math.log2(8) / math.log2(8))
    assert st.bef == pytest.approx(0.51 ** 2 - 0.0112 / 224)
    d_b, d_bc, n_b, n_bc = _pairs_brute_force(x, 8, 0, 0)
    assert (st.d_b, st.d_bc, st.n_b, st.n_bc) == (pytest.approx(d_b), pytest.approx(d_bc), n_b, n_bc)


def test_psnr_b_hand_computed_16x16():
    # Left block columns 0.2, right 0.6; reference flat 0.4 → MSE 0.04.
    # 16 horizontal boundary pairs (7|8) of 0.4² and 16 vertical boundary pairs (7|8) of 0 → D_B = 0.08,
    # D_B^c = 0, η = log2 8 / log2 16 = 3/4 → BEF = 0.06, MSE-B = 0.1, PSNR-B = 10 dB.
    test = np.where(np.arange(16) < 8, 0.2, 0.6)[None, :].repeat(16, axis=0)
    ref = np.full((16, 16), 0.4)
    assert blocking_effect_factor(test) == pytest.approx(0.06)
    assert psnr_b(ref, test, y_channel=False) == pytest.approx(10.0)
    assert psnr(ref, test) == pytest.approx(10 * math.log10(1 / 0.04))


def test_bef_phase_moves_the_grid():
    x = _step_image(12)  # jump between columns 11 and 12 = px + 8k − 1 | px + 8k with px = 4
    assert blocking_effect_factor(x, 8, (0, 0)) == 0.0  # the jump is off this grid: D_B < D_B^c
    st = blocking_stats(x, 8, (0, 4))
    d_b, d_bc, _, _ = _pairs_brute_force(x, 8, 0, 4)
    assert st.d_b == pytest.approx(d_b) and st.d_bc == pytest.approx(d_bc)
    assert st.bef == pytest.approx(d_b - d_bc)  # η = 1 for an 8-row image
    rng = np.random.default_rng(0)
    y = rng.random((20, 27))
    for block, phase in [(8, (3, 5)), (4, (0, 3)), (5, (4, 1))]:
        d_b, d_bc, n_b, n_bc = _pairs_brute_force(y, block, *phase)
        st = blocking_stats(y, block, phase)
        assert (st.n_b, st.n_bc) == (n_b, n_bc)
        assert st.d_b == pytest.approx(d_b) and st.d_bc == pytest.approx(d_bc)


def test_bef_channels_pool():
    x = _step_image(8)
    rgb = np.stack([x, x, x], axis=-1)
    st, st3 = blocking_stats(x), blocking_stats(rgb)
    assert st3.n_b == 3 * st.n_b and st3.bef == pytest.approx(st.bef)


def test_psnr_b_equals_psnr_without_blocking():
    rng = np.random.default_rng(1)
    ref = rng.random((24, 24, 3))
    test = np.clip(ref + rng.normal(0, 0.05, ref.shape), 0, 1)
    test[:, 8::8] = test[:, 7:-1:8]  # copy across every column boundary: D_B = 0 for every channel
    test[8::8] = test[7:-1:8]
    assert blocking_effect_factor(rgb_to_y(test)) == 0.0
    assert psnr_b(ref, test) == psnr_y(ref, test)
    assert psnr_b(ref, test, y_channel=False) == psnr(ref, test)


def test_bef_grows_with_jpeg_compression(smooth_rgb):
    befs, gaps = [], []
    for quality in (90, 50, 20, 5):
        decoded, _ = compress(smooth_rgb, "jpeg", quality=quality)
        befs.append(blocking_effect_factor(rgb_to_y(decoded)))
        gaps.append(psnr_y(smooth_rgb, decoded) - psnr_b(smooth_rgb, decoded))
    assert all(a < b for a, b in zip(befs, befs[1:])), befs
    assert all(g > 0 for g in gaps)


def test_jpeg_grid_phase_after_crop_and_upscale(smooth_rgb):
    decoded, _ = compress(smooth_rgb, "jpeg", quality=10)
    y = rgb_to_y(decoded)
    crop = y[3:, 5:]  # the JPEG grid now sits at phase ((0 − 3) mod 8, (0 − 5) mod 8) = (5, 3)
    assert blocking_effect_factor(crop, 8, (5, 3)) > 5 * blocking_effect_factor(crop, 8, (0, 0))
    up = np.repeat(np.repeat(y, 2, axis=0), 2, axis=1)  # ×2: block 16, phase 2·(0, 0)
    assert blocking_effect_factor(up, 16, (0, 0)) > 5 * blocking_effect_factor(up, 16, (8, 8))
    up_crop = np.repeat(np.repeat(crop, 2, axis=0), 2, axis=1)
    assert blocking_effect_factor(up_crop, 16, (10, 6)) > 5 * blocking_effect_factor(up_crop, 16, (0, 0))


def test_psnr_b_shave_keeps_the_grid_in_image_coordinates(smooth_rgb):
    decoded, _ = compress(smooth_rgb, "jpeg", quality=10)
    expected = psnr_b(smooth_rgb[3:-3, 3:-3], decoded[3:-3, 3:-3], phase=(5, 5))
    assert psnr_b(smooth_rgb, decoded, shave=3) == pytest.approx(expected)
    assert psnr_b(smooth_rgb, decoded, shave=3) != pytest.approx(psnr_b(smooth_rgb[3:-3, 3:-3], decoded[3:-3, 3:-3]))


@pytest.mark.parametrize("block_size, phase", [(1, (0, 0)), (0, (0, 0)), (8.0, (0, 0)), (True, (0, 0)),
                                               (8, (8, 0)), (8, (0, -1)), (8, (0.5, 0)), (8, (1, 2, 3)),
                                               (8, 3), (8, "ab")])
def test_bad_block_grids(block_size, phase):
    with pytest.raises(ValueError, match="block_size|phase"):
        blocking_effect_factor(np.zeros((16, 16)), block_size, phase)
    with pytest.raises(ValueError, match="block_size|phase"):
        psnr_b(np.zeros((16, 16, 3)), np.zeros((16, 16, 3)), block_size, phase)


def test_bad_blocking_inputs():
    with pytest.raises(ValueError, match="no pixel pair across a block boundary"):
        blocking_effect_factor(np.zeros((6, 6)), 8)
    with pytest.raises(ValueError, match="shape"):
        blocking_effect_factor(np.zeros(16))
    with pytest.raises(ValueError, match="shape"):
        blocking_effect_factor(np.zeros((2, 16, 16, 3)))
    with pytest.raises(ValueError, match="2×2"):
        blocking_effect_factor(np.zeros((1, 16)))
    with pytest.raises(ValueError, match="NaN"):
        blocking_effect_factor(np.full((16, 16), np.nan))
    with pytest.raises(ValueError, match="same shape"):
        psnr_b(np.zeros((16, 16, 3)), np.zeros((16, 8, 3)))
    with pytest.raises(ValueError, match="RGB"):
        psnr_b(np.zeros((16, 16)), np.zeros((16, 16)))


# ------------------------------------------------------------------------------------ local blockiness


def test_blockiness_map_matches_blocking_stats_per_window(smooth_rgb):
    decoded, _ = compress(smooth_rgb, "jpeg", quality=10)
    y = rgb_to_y(decoded)[:64, :48]
    m = blockiness_map(y, 8, (0, 0), window=16, stride=8)
    assert m.shape == ((64 - 16) // 8 + 1, (48 - 16) // 8 + 1)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            st = blocking_stats(y[8 * i:8 * i + 16, 8 * j:8 * j + 16], 8, (0, 0))
            assert m[i, j] == pytest.approx(max(st.d_b - st.d_bc, 0.0), abs=1e-12)
    # an off-grid stride: windows start at 0, 5, 10, ...; the grid phase inside window (5i, 5j) moves
    m5 = blockiness_map(decoded[:40, :40], 8, (2, 6), window=12, stride=5)
    y40 = rgb_to_y(decoded[:40, :40])
    st = blocking_stats(y40[5:17, 10:22], 8, ((2 - 5) % 8, (6 - 10) % 8))
    assert m5[1, 2] == pytest.approx(max(st.d_b - st.d_bc, 0.0), abs=1e-12)
    assert blockiness_map(decoded).shape == (96 // 16, 96 // 16)  # default window 2·block, stride = window


def test_blockiness_rises_with_compression(smooth_rgb):
    light, _ = compress(smooth_rgb, "jpeg", quality=90)
    heavy, _ = compress(smooth_rgb, "jpeg", quality=10)
    assert blockiness_map(heavy).mean() > 3 * blockiness_map(light).mean()


def test_blockiest_window_finds_a_planted_blocky_patch():
    rng = np.random.default_rng(2)
    img = 0.5 + rng.normal(0, 0.002, (96, 96))
    rows, cols = np.mgrid[0:32, 0:32]
    img[24:56, 16:48] = np.where(((rows // 8) + (cols // 8)) % 2 == 0, 0.3, 0.7)  # 8×8 checkerboard on the grid
    assert blockiest_window(img, 32) == (24, 16)
    assert blockiest_window(np.stack([img] * 3, axis=-1), 32) == (24, 16)  # via luma
    m = blockiness_map(img, window=32, stride=8)
    assert np.unravel_index(np.argmax(m), m.shape) == (3, 2)


def test_blockiness_errors():
    img = np.zeros((32, 32))
    with pytest.raises(ValueError, match="window"):
        blockiness_map(img, 8, window=8)
    with pytest.raises(ValueError, match="window"):
        blockiest_window(img, 40)
    with pytest.raises(ValueError, match="stride"):
        blockiness_map(img, stride=0)
    with pytest.raises(ValueError, match="phase"):
        blockiest_window(img, 16, phase=(0, 9))
    with pytest.raises(ValueError, match="RGB"):
        blockiness_map(np.zeros((32, 32, 4)))
