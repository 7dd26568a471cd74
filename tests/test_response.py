import io

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from explain.figures.response import plot_cell_response, plot_line_response
from explain.probes.ensemble import ensemble_weights
from explain.probes.response import cell_response, line_response
from explain.upscale import upscale


def _hr_row_line(i, H, W):
    """LIIF start/end of HR row i through the centres of its first and last pixel."""
    r = -1 + (2 * i + 1) / H
    return (r, -1 + 1 / W), (r, 1 - 1 / W)


def test_line_response_at_pixel_centres_equals_upscale(tiny_model, small_image):
    up = upscale(tiny_model, small_image, 4)
    H, W = up.shape[:2]
    latents = tiny_model.encode(torch.from_numpy(small_image).permute(2, 0, 1)[None])
    for i in (0, 37, H - 1):
        start, end = _hr_row_line(i, H, W)
        res = line_response(tiny_model, small_image, start, end, n=W, cell=(2 / H, 2 / W))
        np.testing.assert_allclose(np.clip(res.rgb, 0, 1), up[i], atol=1e-5)
        again = line_response(tiny_model, small_image, start, end, n=W, cell=(2 / H, 2 / W), latents=latents)
        np.testing.assert_allclose(again.rgb, res.rgb, atol=1e-5)
    # a vertical line, given in LR pixel units, through the centres of HR column 50
    col = (50 + 0.5) * 24 / W
    res = line_response(tiny_model, small_image, (0.5 * 20 / H, col), (20 - 0.5 * 20 / H, col), n=H, units="lr")
    np.testing.assert_allclose(np.clip(res.rgb, 0, 1), up[:, 50], atol=1e-5)


def test_line_response_shapes_weights_and_boundaries(tiny_model, small_image):
    res = line_response(tiny_model, small_image, (5.3, 0.5), (5.3, 23.5), n=93, units="lr")
    assert res.rgb.shape == (93, 3) and res.weights.shape == (93, 4) and res.codes.shape == (93, 4, 2)
    assert res.predictions.shape == (93, 4, 3) and res.coords.shape == (93, 2)
    np.testing.assert_allclose(res.weights.sum(-1), 1.0, atol=1e-6)
    assert res.distance[0] == 0 and res.distance[-1] == pytest.approx(23.0)
    assert np.all(np.diff(res.distance) > 0)
    np.testing.assert_allclose(res.cell_boundaries, np.arange(1, 24) - 0.5)
    np.testing.assert_allclose(res.block_boundaries, [7.5, 15.5])
    np.testing.assert_allclose(res.cell, [2 / 80, 2 / 96])  # scale 4 by default
    shifted = line_response(tiny_model, small_image, (5.3, 0.5), (5.3, 23.5), n=5, units="lr", grid_phase=(0, 3))
    np.testing.assert_allclose(shifted.block_boundaries, [2.5, 10.5, 18.5])
    # the line in LIIF units gives the same samples
    liif = line_response(tiny_model, small_image, (5.3 / 10 - 1, 0.5 / 12 - 1), (5.3 / 10 - 1, 23.5 / 12 - 1), n=93)
    np.testing.assert_allclose(liif.rgb, res.rgb, atol=1e-5)


def test_line_weights_equal_ensemble_weights_at_pixel_centres(tiny_model, small_image):
    ens = ensemble_weights(tiny_model, small_image, (12, 0, 1, 96), 4)
    start, end = _hr_row_line(12, 80, 96)
    res = line_response(tiny_model, small_image, start, end, n=96)
    np.testing.assert_allclose(res.weights, ens.weights[0], atol=1e-6)
    np.testing.assert_array_equal(res.codes, ens.codes[0])


def test_cell_response(tiny_model, make_tiny_model, small_image):
    coord = (-1 + 75 / 80, -1 + 91 / 96)  # centre of HR pixel (37, 45) at ×4
    res = cell_response(tiny_model, small_image, coord, scales=[1, 2, 4, 8])
    assert res.rgb.shape == (4, 3) and res.predictions.shape == (4, 4, 3)
    assert res.weights.shape == (4,) and res.codes.shape == (4, 2)
    np.testing.assert_allclose(res.scales, [[1, 1], [2, 2], [4, 4], [8, 8]], rtol=1e-6)
    up = upscale(tiny_model, small_image, 4)
    np.testing.assert_allclose(np.clip(res.rgb[2], 0, 1), up[37, 45], atol=1e-5)
    assert np.ptp(res.rgb, axis=0).max() > 0  # the cell is an input of this model
    default = cell_response(tiny_model, small_image, coord)
    assert default.rgb.shape == (41, 3) and default.scales[0, 0] == pytest.approx(1.0)
    by_cells = cell_response(tiny_model, small_image, coord, cells=[2 / 80, 2 / 40])
    np.testing.assert_allclose(by_cells.cells[:, 0], [2 / 80, 2 / 40])
    no_cell = cell_response(make_tiny_model(cell_decode=False), small_image, coord, scales=[1, 3, 30])
    np.testing.assert_allclose(no_cell.rgb - no_cell.rgb[0], 0, atol=1e-7)


@pytest.mark.parametrize("kwargs, match", [
    ({"start": (0, 0), "end": (0.5, 0.5), "n": 1}, "n must"),
    ({"start": (0, 0), "end": (1.5, 0.5)}, "outside"),
    ({"start": (0, 0), "end": (30, 0.5), "units": "lr"}, "outside"),
    ({"start": (0, 0), "end": (0.5, 0.5), "units": "mm"}, "units"),
    ({"start": (0, 0), "end": (0.5, 0.5), "scale": 0}, "scale"),
    ({"start": (0, 0), "end": (0.5, 0.5), "cell": -1}, "cell"),
    ({"start": (0, 0), "end": (0.5, 0.5), "cell": (1, 2, 3)}, "cell"),
    ({"start": (0, 0, 0), "end": (0.5, 0.5)}, "start"),
])
def test_line_response_bad_inputs(tiny_model, small_image, kwargs, match):
    with pytest.raises(ValueError, match=match):
        line_response(tiny_model, small_image, **kwargs)


def test_cell_response_bad_inputs(tiny_model, small_image):
    with pytest.raises(ValueError, match="not both"):
        cell_response(tiny_model, small_image, (0, 0), scales=[1], cells=[0.1])
    with pytest.raises(ValueError, match="scales"):
        cell_response(tiny_model, small_image, (0, 0), scales=[0, 2])
    with pytest.raises(ValueError, match="cells"):
        cell_response(tiny_model, small_image, (0, 0), cells=np.zeros((2, 3)))


def test_response_figures(tiny_model, small_image):
    line = line_response(tiny_model, small_image, (4.6, 3.2), (9.1, 19.5), n=60, units="lr")
    cells = cell_response(tiny_model, small_image, (0.1, -0.3), scales=[1, 2, 4, 8, 16])
    figs = [plot_line_response(line, small_image), plot_line_response(line), plot_cell_response(cells)]
    assert all(isinstance(f, Figure) for f in figs)
    assert len(figs[0].axes) == 3 and len(figs[1].axes) == 2
    figs[0].savefig(io.BytesIO(), format="png", dpi=40)  # renders (layout and all)
    with pytest.raises(ValueError, match="size"):
        plot_line_response(line, small_image[:10])


# ------------------------------------------------------------------ impulse, DCT basis and HyRA's split (issue 29)
from explain.figures.response import (  # noqa: E402
    plot_dct_basis_responses,
    plot_dct_energy_table,
    plot_hybrid,
    plot_impulse_responses,
)
from explain.probes.response import (  # noqa: E402
    BICUBIC,
    dct_basis_response,
    dct_energy_table,
    edge_interior_ratio,
    hybrid_response,
    impulse_response,
)


def _unclipped(*images):
    return np.logical_and.reduce([(im > 1e-4) & (im < 1 - 1e-4) for im in images])


@pytest.mark.parametrize("kind", ["bright", "dark", "cr"])
def test_impulse_response_is_the_difference_of_two_upscales(tiny_model, kind):
    res = impulse_response(tiny_model, scale=3, size=9, kind=kind, background=0.4, amplitude=0.2)
    assert res.response.shape == (27, 27, 3) and res.gain.shape == (27, 27) and res.spectrum.shape == (27, 27)
    flat = np.full((9, 9, 3), 0.4, np.float32)
    np.testing.assert_array_equal(res.lr[np.arange(9) != 4][:, np.arange(9) != 4], flat[:8, :8])
    assert np.abs(res.lr[4, 4] - 0.4).max() > 0.1
    up_flat, up_imp = upscale(tiny_model, flat, 3), upscale(tiny_model, res.lr, 3)
    ok = _unclipped(up_flat, up_imp)
    assert ok.mean() > 0.5
    np.testing.assert_allclose(res.response[ok], (up_imp - up_flat)[ok], atol=1e-5)
    np.testing.assert_allclose(np.clip(res.flat, 0, 1), up_flat, atol=1e-5)
    assert res.radius[0] == 0 and res.radial.shape == res.radius.shape and 0 <= res.beyond_nyquist <= 1


def test_bicubic_impulse_is_its_kernel():
    bright, dark = impulse_response(BICUBIC), impulse_response(BICUBIC, kind="dark")
    np.testing.assert_allclose(bright.gain, dark.gain, atol=1e-5)  # linear: a dark impulse mirrors a bright one
    np.testing.assert_allclose(bright.gain, bright.gain.T, atol=1e-6)  # separable and symmetric
    assert bright.gain.sum() / 16 == pytest.approx(1.0, abs=1e-3)  # a flat field stays flat: DC gain 1
    assert -0.15 < bright.negative_lobe < 0  # bicubic's kernel has (small) negative lobes
    assert bright.offset == (0, 0) and bright.grid_phase == (0, 0)


def test_impulse_grid_offset_and_jpeg(tiny_model):
    res = impulse_response(tiny_model, size=11, offset=3, quality=30)
    assert res.offset == (3, 3) and res.grid_phase == (2, 2)  # pixel 5 is the 4th of the block starting at 2
    plain = impulse_response(tiny_model, size=11, offset=(0, 3))
    assert plain.grid_phase == (5, 2)
    assert not np.allclose(res.lr, plain.lr)  # the JPEG round trip changed the input
    again = impulse_response(tiny_model, size=11, offset=0, quality=30)
    assert not np.allclose(again.lr, res.lr)  # where the grid falls changes what the JPEG delivers


def test_dct_basis_response_and_table(tiny_model):
    res = dct_basis_response(tiny_model, 2, 1, blocks=2, block=(0, 1), scale=2)
    assert res.response.shape == (32, 32, 3) and res.box == (0, 16, 16, 16)
    assert res.added.shape == (8, 8) and abs(res.added.mean()) < 1e-6  # an AC basis has no mean
    flat = np.full((16, 16, 3), 0.5, np.float32)
    up_flat, up_field = upscale(tiny_model, flat, 2), upscale(tiny_model, res.lr, 2)
    ok = _unclipped(up_flat, up_field)
    np.testing.assert_allclose(res.response[ok], (up_field - up_flat)[ok], atol=1e-5)
    assert 0 <= res.inside_share <= 1 and res.inside > 0
    # the default coefficient is one quantisation step of the IJG luma table
    from explain.jpeg_facts import ijg_table

    assert res.coefficient == ijg_table(30)[1, 2]
    table = dct_energy_table({"tiny": tiny_model, "bicubic": BICUBIC}, pairs=[(0, 0), (1, 0), (0, 1), (3, 3)],
                             scale=2, blocks=2)
    assert table.names == ["tiny", "bicubic"] and table.orders.tolist() == [0, 1, 6]
    assert table.inside_share.shape == (2, 3) and np.all((table.per_pair >= 0) & (table.per_pair <= 1))
    np.testing.assert_allclose(table.inside_share[:, 1], table.per_pair[:, 1:3].mean(axis=1))
    assert np.all(table.inside_share[1] > 0.8)  # bicubic spills little across the block edge
    assert "u + v" in table.format()


def test_hybrid_split_adds_up(tiny_model, small_image):
    res = hybrid_response(tiny_model, small_image, scale=2, grid_phase=(2, 4))
    assert res.output.shape == (40, 48, 3) == res.linear.shape == res.nonlinear.shape
    np.testing.assert_allclose(res.linear + res.nonlinear, res.output, atol=1e-6)
    up = upscale(tiny_model, small_image, 2)
    ok = _unclipped(up)
    np.testing.assert_allclose(res.output[ok], up[ok], atol=1e-5)  # the unclamped output
    # a window is computed as part of the whole image
    part = hybrid_response(tiny_model, small_image, scale=2, window=(2, 4, 16, 16), grid_phase=(2, 4))
    np.testing.assert_allclose(part.output, res.output[4:36, 8:40], atol=1e-5)
    assert part.edge_energy.size == 4 and res.edge_energy.size == 4  # complete 8×8 blocks at phase (2, 4)
    assert (part.edge_pixels == 4 * 28).all() and (part.interior_pixels == 4 * 36).all()  # ×2: 4 output px per LR px
    assert part.interval[0] <= part.ratio <= part.interval[1]


def test_bicubic_hybrid_is_all_linear(small_image):
    """Bicubic is linear: the zero-insertion ∗ impulse-response model reproduces it (checks the alignment)."""
    res = hybrid_response(BICUBIC, small_image, window=(4, 4, 12, 16))
    assert np.abs(res.nonlinear).max() < 1e-5 and res.nonlinear_share < 1e-8
    shifted = np.roll(small_image, 1, axis=1)
    assert np.abs(hybrid_response(BICUBIC, shifted, window=(4, 4, 12, 16)).output - res.output).max() > 0.01


def test_edge_interior_ratio():
    e, ne, i, ni = np.full(20, 2.0), np.full(20, 28.0), np.full(20, 1.0), np.full(20, 36.0)
    ratio, lo, hi = edge_interior_ratio(e * 28, ne, i * 36, ni)
    assert ratio == pytest.approx(2.0) and lo == pytest.approx(2.0) and hi == pytest.approx(2.0)
    rng = np.random.default_rng(1)
    ratio, lo, hi = edge_interior_ratio(rng.random(50) * 28, ne[:1].repeat(50), rng.random(50) * 36, ni[:1].repeat(50))
    assert lo < ratio < hi and 0.5 < ratio < 2
    assert np.isnan(edge_interior_ratio([1.0], [1], [1.0], [1])[1])
    with pytest.raises(ValueError, match="same number"):
        edge_interior_ratio([1, 2], [1], [1], [1])


@pytest.mark.parametrize("kwargs, match", [
    ({"size": 8}, "size must be odd"),
    ({"size": 3}, "size"),
    ({"amplitude": 0}, "amplitude"),
    ({"amplitude": 0.6}, "leaves \\[0, 1\\]"),
    ({"background": 1.5}, "background"),
    ({"kind": "blue"}, "kind"),
    ({"offset": 8}, "offset"),
    ({"offset": (1, 2, 3)}, "offset"),
    ({"scale": 2.5}, "scale"),
    ({"quality": 0}, "quality"),
])
def test_impulse_response_bad_inputs(tiny_model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        impulse_response(tiny_model, **kwargs)


def test_dct_and_hybrid_bad_inputs(tiny_model, small_image):
    with pytest.raises(ValueError, match="u \\(horizontal"):
        dct_basis_response(tiny_model, 8, 0)
    with pytest.raises(ValueError, match="block"):
        dct_basis_response(tiny_model, 1, 0, block=(3, 0))
    with pytest.raises(ValueError, match="coefficient"):
        dct_basis_response(tiny_model, 1, 1, coefficient=2000)
    with pytest.raises(ValueError, match="models must"):
        dct_energy_table([tiny_model])
    with pytest.raises(ValueError, match="no complete"):
        hybrid_response(tiny_model, small_image, window=(0, 0, 6, 6))
    with pytest.raises(ValueError, match="window"):
        hybrid_response(tiny_model, small_image, window=(0, 0, 40, 8))
    with pytest.raises(ValueError, match="scale"):
        hybrid_response(tiny_model, small_image, scale=1.5)
    with pytest.raises(ValueError, match="impulse must be a bright"):
        hybrid_response(tiny_model, small_image, scale=2, impulse=impulse_response(BICUBIC, size=9))
    with pytest.raises(TypeError, match="impulse must be"):
        hybrid_response(tiny_model, small_image, impulse="bright")


def test_unclamped_response_figures(tiny_model, small_image):
    imps = [impulse_response(BICUBIC, size=9), impulse_response(tiny_model, size=9, name="tiny")]
    dcts = [dct_basis_response(m, 1, 1, blocks=2, scale=2, name=n) for n, m in (("bicubic", BICUBIC),
                                                                               ("tiny", tiny_model))]
    table = dct_energy_table({"tiny": tiny_model}, pairs=[(0, 0), (1, 1)], scale=2, blocks=2)
    hyb = hybrid_response(tiny_model, small_image, scale=2)
    figs = [plot_impulse_responses(imps), plot_dct_basis_responses(dcts), plot_dct_energy_table(table),
            plot_hybrid(hyb)]
    for fig in figs:
        assert isinstance(fig, Figure) and fig.get_layout_engine() is None  # fixed layouts
        fig.savefig(io.BytesIO(), format="png", dpi=30)
    # symmetric diverging colour scale centred at 0, with a labelled colour bar
    im = figs[0].axes[0].images[0]
    lo, hi = im.get_clim()
    assert lo == -hi and im.get_cmap().name == "RdBu_r"
    assert any(a.get_ylabel().startswith("gain") for a in figs[0].axes)
    with pytest.raises(ValueError, match="scale"):
        plot_impulse_responses([imps[0], impulse_response(BICUBIC, size=9, scale=2)])
    with pytest.raises(ValueError, match="DctBasisResponse"):
        plot_dct_basis_responses([])
