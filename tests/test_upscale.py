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


def test_real_model_matches_the_official_algorithm_within_1e_5():
    """The decoder's fast path (one gather of the first layer's rows, GEMMs on contiguous rows, reused memory) gives
    the official algorithm's numbers (unfold, nearest-code sampling, the full 580-input MLP) on the paper's weights."""
    from explain import load_image
    from explain.images import downscale
    from explain.models import load_model

    model = load_model("liif-edsr")
    lr = downscale(load_image("astronaut")[100:196, 200:296], 4)  # 24×24 LR
    out = upscale(model, lr, scale=4, tile=16, chunk=1000)
    coords, cells = output_coords(96, 96)
    x = torch.from_numpy(lr).permute(2, 0, 1)[None]
    ref = reference_query(model, x, coords[None], cells[None])[0].clamp(0, 1).view(96, 96, 3).numpy()
    assert np.abs(out - ref).max() < 1e-5


def test_decoder_gradients_match_the_plain_mlp(tiny_model, small_image):
    """With gradients recorded, the contiguous-rows MLP (out-of-place ReLU) gives the plain Sequential's values and
    input gradients."""
    x = torch.randn(2, 7, 4, tiny_model.imnet.first.out_features, requires_grad=True)
    fast = tiny_model.imnet.forward_after_first(x)
    plain = tiny_model.imnet.layers[1:](x.clone())
    assert fast.shape == plain.shape and torch.allclose(fast, plain, atol=1e-6)
    (g1,) = torch.autograd.grad(fast.square().sum(), x)
    (g2,) = torch.autograd.grad(tiny_model.imnet.layers[1:](x.clone()).square().sum(), x)
    assert torch.allclose(g1, g2, atol=1e-6)
    with torch.no_grad():  # in place without gradients, and the caller's tensor is left as it was
        before = x.detach().clone()
        assert torch.allclose(tiny_model.imnet.forward_after_first(x.detach()), plain, atol=1e-6)
        assert torch.equal(x.detach(), before)


def test_allocator_tuning_is_idempotent():
    from explain.allocator import keep_freed_memory

    assert keep_freed_memory() in (True, False) and keep_freed_memory() == keep_freed_memory()
