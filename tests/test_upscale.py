import numpy as np
import pytest
import torch

from explain import upscale
from explain.models.coords import output_coords
from explain.models.reference import reference_query


@pytest.mark.parametrize("scale", [1.0, 2.0, 2.7, 4.0])
def test_tiled_equals_untiled(make_tiny_model, small_image, scale):
    model = make_tiny_model(skip="bicubic")
    full = upscale(model, small_image, scale=scale, tile=None)
    tiled = upscale(model, small_image, scale=scale, tile=5)
    assert full.shape == (round(20 * scale), round(24 * scale), 3)
    assert np.abs(full - tiled).max() < 1e-5


def test_matches_reference_and_range(tiny_model, small_image):
    out = upscale(tiny_model, small_image, size=(33, 50), tile=7, chunk=100)
    assert out.shape == (33, 50, 3) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    coords, cells = output_coords(33, 50)
    lr = torch.from_numpy(small_image).permute(2, 0, 1)[None]
    ref = reference_query(tiny_model, lr, coords[None], cells[None])[0].clamp(0, 1).view(33, 50, 3).numpy()
    assert np.abs(out - ref).max() < 1e-5


def test_non_integer_scale_shape(tiny_model, small_image):
    assert upscale(tiny_model, small_image, scale=3.5).shape == (70, 84, 3)
    assert upscale(tiny_model, small_image, scale=np.float32(1.5)).shape == (30, 36, 3)


@pytest.mark.parametrize("kwargs", [{}, {"scale": 2, "size": (4, 4)}, {"scale": -1}, {"scale": float("nan")},
                                    {"size": (0, 4)}, {"scale": 2, "tile": 0}, {"scale": 2, "tile": 2.5},
                                    {"scale": 2, "chunk": 0}, {"scale": 2, "chunk": -1}, {"size": 5},
                                    {"size": (2.7, 3.9)}, {"size": (float("nan"), 4)}, {"scale": 1e5},
                                    {"scale": 1e300}, {"size": (10**6, 10**6)}])
def test_bad_arguments(tiny_model, small_image, kwargs):
    with pytest.raises(ValueError):
        upscale(tiny_model, small_image, **kwargs)
