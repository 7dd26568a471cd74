import numpy as np
import pytest
import torch

from explain.models import LIIF, LIIFConfig
from explain.models.coords import crop_frame_coords, make_coord_grid, output_coords, pixel_centres
from explain.models.ensemble import find_neighbours
from explain.models.reference import reference_query


def test_paper_configuration_parameter_count():
    assert LIIF().num_parameters() == 1_567_299
    assert LIIF(n_resblocks=8).num_parameters() == 1_567_299 - 8 * 2 * (64 * 64 * 9 + 64)


def test_pixel_centre_convention():
    c = pixel_centres(4)
    assert torch.allclose(c, torch.tensor([-0.75, -0.25, 0.25, 0.75]))
    grid = make_coord_grid(2, 3)
    assert grid.shape == (2, 3, 2)
    assert torch.allclose(grid[1, 2], torch.tensor([0.5, 2 / 3]))


@pytest.mark.parametrize("overrides", [{}, {"skip": "bicubic"}, {"local_ensemble": False}, {"feat_unfold": False},
                                       {"cell_decode": False}])
def test_query_matches_reference_evaluation(make_tiny_model, overrides):
    model = make_tiny_model(**overrides)
    lr = torch.rand(2, 3, 9, 11)
    coords, cells = output_coords(23, 30)
    coords, cells = coords.expand(2, -1, -1), cells.expand(2, -1, -1)
    with torch.no_grad():
        ours = model.query(model.encode(lr), coords, cells if model.config.cell_decode else None)
    ref = reference_query(model, lr, coords, cells)
    assert ours.shape == (2, 23 * 30, 3)
    assert torch.allclose(ours, ref, atol=1e-5)


def test_ensemble_weights_are_bilinear_and_sum_to_one():
    h, w = 5, 7
    coords = torch.rand(1, 200, 2) * 1.6 - 0.8  # interior queries
    nb = find_neighbours(coords, h, w)
    assert torch.allclose(nb.weights.sum(-1), torch.ones(1, 200), atol=1e-6)
    # Independent bilinear weights from the LR pixel-unit position.
    u = (coords[0, :, 0] + 1) * h / 2 - 0.5
    v = (coords[0, :, 1] + 1) * w / 2 - 0.5
    r0, c0 = torch.floor(u), torch.floor(v)
    fr, fc = u - r0, v - c0
    expected = {(0, 0): (1 - fr) * (1 - fc), (0, 1): (1 - fr) * fc, (1, 0): fr * (1 - fc), (1, 1): fr * fc}
    for k in range(4):
        dr = nb.indices[0, :, k, 0] - r0.long()
        dc = nb.indices[0, :, k, 1] - c0.long()
        for (a, b), wt in expected.items():
            sel = (dr == a) & (dc == b)
            assert torch.allclose(nb.weights[0, sel, k], wt[sel], atol=1e-5)


def test_internals_reconstruct_output(tiny_model):
    lr = torch.rand(1, 3, 8, 8)
    coords, cells = output_coords(20, 20)
    with torch.no_grad():
        out, internals = tiny_model.query(tiny_model.encode(lr), coords, cells, return_internals=True)
    assert internals.indices.shape == (1, 400, 4, 2)
    assert internals.predictions.shape == (1, 400, 4, 3)
    recon = (internals.weights.unsqueeze(-1) * internals.predictions).sum(2)
    assert torch.allclose(recon, out, atol=1e-6)


def test_bicubic_skip_starts_as_bicubic():
    model = LIIF(n_resblocks=1, channels=8, hidden=(16,), skip="bicubic").eval()
    lr = torch.rand(1, 3, 6, 6)
    coords, cells = output_coords(6, 6)
    with torch.no_grad():
        out = model.query(model.encode(lr), coords, cells)
    # At the LR pixel centres bicubic interpolation returns the pixels themselves.
    assert torch.allclose(out[0].view(6, 6, 3), lr[0].permute(1, 2, 0), atol=1e-5)


def test_gradients_flow_to_input(tiny_model):
    lr = torch.rand(1, 3, 6, 6, requires_grad=True)
    coords, cells = output_coords(12, 12)
    tiny_model.query(tiny_model.encode(lr), coords, cells).sum().backward()
    assert lr.grad is not None and lr.grad.abs().sum() > 0


@pytest.mark.parametrize("bad, err", [
    (np.zeros((1, 3, 4, 4), np.float32), TypeError),
    (torch.zeros(3, 4, 4), ValueError),
    (torch.zeros(1, 1, 4, 4), ValueError),
    (torch.zeros(1, 3, 4, 4, dtype=torch.uint8), TypeError),
])
def test_encode_rejects_bad_input(tiny_model, bad, err):
    with pytest.raises(err):
        tiny_model.encode(bad)


def test_query_rejects_bad_arguments(tiny_model):
    latents = tiny_model.encode(torch.rand(1, 3, 4, 4))
    coords, cells = output_coords(8, 8)
    with pytest.raises(ValueError, match="cells"):
        tiny_model.query(latents, coords)
    with pytest.raises(ValueError, match="coords"):
        tiny_model.query(latents, coords[:, :1], cells)
    with pytest.raises(TypeError, match="LatentGrid"):
        tiny_model.query(torch.zeros(1, 8, 4, 4), coords, cells)


def test_config_validation():
    with pytest.raises(ValueError, match="skip"):
        LIIFConfig(skip="bilinear")
    for kwargs, message in (({"channels": 0}, "channels"), ({"channels": 8.5}, "channels"),
                            ({"n_resblocks": "a"}, "n_resblocks"), ({"hidden": 16}, "hidden"),
                            ({"hidden": [16, 0]}, "hidden"), ({"feat_unfold": 1}, "feat_unfold")):
        with pytest.raises(ValueError, match=message):
            LIIFConfig(**kwargs)


def test_receptive_radius_is_exact(tiny_model):
    """A code changes when (and only when) an input pixel within receptive_radius changes."""
    lr = torch.rand(1, 3, 15, 15)
    base = tiny_model.unfold(tiny_model.encode(lr).features)
    r = tiny_model.receptive_radius
    for d in (r, r + 1):
        bumped = lr.clone()
        bumped[0, :, 7, 7 + d] += 0.5
        diff = (tiny_model.unfold(tiny_model.encode(bumped).features) - base).abs()[0, :, 7, 7].max()
        assert (diff > 0) == (d <= r)


def test_crop_frame_coords_agree_with_whole_image_centres():
    # The whole LR image as the crop: an ×3 output's centres are the output's own pixel centres.
    whole = crop_frame_coords((0, 30), 30, (0, 10), 10)
    assert torch.allclose(whole, pixel_centres(30, dtype=torch.float64))
    # A crop [4, 8) of a 10-pixel image: output pixels 12..23 of the ×3 output fall inside it, evenly spaced.
    part = crop_frame_coords((12, 24), 30, (4, 8), 10)
    assert torch.allclose(part, pixel_centres(12, dtype=torch.float64))
