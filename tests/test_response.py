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
