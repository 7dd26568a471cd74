"""The model contract (explain.models.base) and the registry: a second implicit family, defined here in ~30 lines,
runs unchanged through upscaling, attribution (saliency and LAM), the ensemble probe (declared absence), the latent
probe, the widget cache and checkpoints."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from explain import upscale
from explain.models import (
    LIIF,
    CapabilityError,
    ImplicitSR,
    ImplicitSRModel,
    LatentGrid,
    families,
    load_model,
    make_model,
    register_model,
    save_model,
)
from explain.models.base import check_model, is_model
from explain.models.checkpoint import FORMAT
from explain.models.coords import output_coords
from explain.models.registry import family, family_of, make_config, unregister_model
from explain.probes.attribution import attribute
from explain.probes.ensemble import ablation_seams, ensemble_weights
from explain.probes.latent import latent_features
from explain.widgets.cache import FeatureCache


# ------------------------------------------------------------------------------------- the toy family
class ToyConfig:
    family = "toy-implicit"

    def __init__(self, channels: int = 4):
        self.channels = channels

    def to_dict(self) -> dict:
        return {"channels": self.channels}


@register_model("toy-implicit", config=ToyConfig)
class Toy(ImplicitSRModel):
    """One 3×3 convolution as encoder; a query reads the bilinearly sampled code and its cell, then a linear head."""

    receptive_radius = 1  # the 3×3 convolution
    query_radius = 2  # bilinear sampling reads the codes up to one pixel away

    def __init__(self, config: ToyConfig):
        super().__init__()
        self.config = config
        self.conv = nn.Conv2d(3, config.channels, 3, padding=1)
        self.head = nn.Linear(config.channels + 2, 3)

    @property
    def latent_channels(self) -> int:
        return self.config.channels

    def encode(self, lr):
        return LatentGrid(torch.tanh(self.conv(lr)), lr)

    def query(self, latents, coords, cells=None, return_internals=False):
        b, (h, w) = latents.features.shape[0], latents.size
        coords = coords.expand(b, -1, -1) if coords.ndim == 2 else coords
        cells = torch.zeros_like(coords) if cells is None else cells.expand_as(coords)
        grid = coords.flip(-1).unsqueeze(1)  # grid_sample takes (x, y) = (col, row)
        code = F.grid_sample(latents.features, grid, mode="bilinear", padding_mode="border", align_corners=False)
        cell = cells * cells.new_tensor([float(h), float(w)])
        return torch.sigmoid(self.head(torch.cat([code[:, :, 0].transpose(1, 2), cell], dim=-1)))


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module", autouse=True)
def _registered():
    register_model("toy-implicit", config=ToyConfig)(Toy)  # idempotent for the same class
    yield
    unregister_model("toy-implicit")


@pytest.fixture
def toy():
    torch.manual_seed(0)
    model = make_model("toy-implicit", {"channels": 4})
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.5)
    return model.eval()


@pytest.fixture
def image():
    return np.random.default_rng(1).random((16, 20, 3)).astype(np.float32)


def whole_image_output(model, image, height, width):
    """The reference: encode the whole image, query every output pixel at once."""
    x = torch.from_numpy(image).permute(2, 0, 1)[None]
    coords, cells = output_coords(height, width)
    with torch.no_grad():
        out = model.query(model.encode(x), coords[None], cells[None])[0]
    return out.reshape(height, width, 3).clamp(0, 1).numpy()


# ---------------------------------------------------------------------------------------------- tests
def test_toy_meets_the_contract_and_is_built_by_name(toy):
    assert "toy-implicit" in families() and "liif" in families()
    assert isinstance(toy, Toy) and isinstance(toy, ImplicitSR) and is_model(toy)
    assert family_of(toy) == "toy-implicit" and family("toy-implicit").config is ToyConfig
    assert not toy.capabilities.internals and not toy.capabilities.unfold and not toy.capabilities.ablations
    assert toy.describe().startswith("toy-implicit")
    assert load_model(toy) is toy
    assert isinstance(make_model("liif", {"n_resblocks": 1, "channels": 8, "hidden": [16]}), LIIF)


def test_registry_and_contract_refuse_bad_input():
    class NoFamily:
        def to_dict(self):
            return {}

    with pytest.raises(ValueError, match="family = 'other'"):
        register_model("other", config=NoFamily)
    with pytest.raises(ValueError, match="already registered"):
        register_model("toy-implicit", config=ToyConfig)(type("Clone", (Toy,), {}))
    class BrokenConfig(ToyConfig):
        family = "broken"

    with pytest.raises(TypeError, match="lacks encode"):
        register_model("broken", config=BrokenConfig)(nn.Linear)
    assert "broken" not in families()
    with pytest.raises(ValueError, match="no model family 'nope'"):
        make_model("nope")
    with pytest.raises(ValueError, match="does not describe a 'toy-implicit'"):
        make_config("toy-implicit", {"channels": 4, "colour": 1})
    with pytest.raises(TypeError, match="lacks encode"):
        check_model(nn.Linear(2, 2))
    with pytest.raises(TypeError, match="LIIF"):
        check_model("not a model")


def test_toy_upscale_tiled_equals_whole_image(toy, image):
    untiled = upscale(toy, image, 2.5, tile=None)
    tiled = upscale(toy, image, 2.5, tile=5, chunk=97)
    assert untiled.shape == (40, 50, 3)
    np.testing.assert_allclose(tiled, untiled, atol=1e-6)
    np.testing.assert_allclose(untiled, whole_image_output(toy, image, 40, 50), atol=1e-6)
    assert untiled.std() > 1e-3  # the toy draws something: the comparison is not between constants


@pytest.mark.parametrize("method", ["saliency", "lam"])
def test_toy_attribution_local_equals_whole_image(toy, image, method):
    window = (14, 18, 6, 6)
    kwargs = dict(scale=2, method=method, steps=8)
    local = attribute(toy, image, window, local=True, **kwargs)
    whole = attribute(toy, image, window, local=False, **kwargs)
    np.testing.assert_allclose(local.map, whole.map, atol=1e-6)
    (a0, a1), (b0, b1) = local.receptive_box
    assert (a1 - a0) * (b1 - b0) < 16 * 20  # the crop is smaller than the image ...
    outside = np.abs(whole.map).sum(0)
    outside[a0:a1, b0:b1] = 0
    assert outside.max() == 0 and np.abs(local.map).max() > 0  # ... and holds every non-zero gradient


def test_toy_ensemble_probe_declares_its_absence(toy, image):
    with pytest.raises(CapabilityError, match="ensemble internals.*toy-implicit"):
        ensemble_weights(toy, image, (0, 0, 4, 4), scale=2)
    seams = ablation_seams(toy, image, (0, 0, 16, 16), scale=2)
    assert seams.names == ["full"]  # no declared ablations: only the model itself
    np.testing.assert_allclose(np.clip(seams.outputs["full"], 0, 1), upscale(toy, image, 2)[:16, :16], atol=1e-6)


def test_toy_latent_probe(toy, image):
    res = latent_features(toy, image, top_k=2, block_size=4)
    x = torch.from_numpy(image).permute(2, 0, 1)[None]
    with torch.no_grad():
        np.testing.assert_allclose(res.features, toy.encode(x).features[0].numpy(), atol=1e-6)
    assert res.features.shape == (4, 16, 20) and len(res.top_variance) == 2
    with pytest.raises(CapabilityError, match="unfolding"):
        latent_features(toy, image, unfolded=True)


def test_toy_widget_cache(toy, image):
    cache = FeatureCache()
    full = cache.upscale(toy, image, (32, 40))
    np.testing.assert_allclose(full, upscale(toy, image, size=(32, 40)), atol=1e-6)
    part = cache.upscale(toy, image, (32, 40), region=(3, 5, 7, 9))
    np.testing.assert_allclose(part, full[3:10, 5:14], atol=1e-6)
    assert cache.encodes == 1  # the second output reused the cached latents


def test_toy_checkpoint_records_its_family(toy, image, tmp_path):
    path = tmp_path / "toy.pt"
    save_model(toy, path, meta={"note": "toy"})
    stored = torch.load(path, weights_only=True)
    assert stored["format"] == FORMAT and stored["family"] == "toy-implicit" and stored["config"] == {"channels": 4}
    back = load_model(path)
    assert isinstance(back, Toy) and back.meta == {"note": "toy"}
    np.testing.assert_array_equal(upscale(back, image, 2), upscale(toy, image, 2))


def test_checkpoints_without_a_family_read_as_liif(tiny_model, tmp_path):
    path = tmp_path / "old.pt"
    save_model(tiny_model, path)
    stored = torch.load(path, weights_only=True)
    assert stored["family"] == "liif"
    del stored["family"]  # the files written before families existed
    torch.save(stored, path)
    back = load_model(path)
    assert isinstance(back, LIIF)
    for key, value in tiny_model.state_dict().items():
        torch.testing.assert_close(back.state_dict()[key], value)


def test_official_format_is_per_family(toy, tiny_model, tmp_path):
    from explain.models.checkpoint import CheckpointError, save_official

    with pytest.raises(ValueError, match="no official checkpoint format"):
        save_official(toy, tmp_path / "toy.pth")
    save_official(tiny_model, tmp_path / "liif.pth")  # LIIF registered its official format
    assert isinstance(load_model(tmp_path / "liif.pth"), LIIF)
    torch.save({"model": {"name": "toy-implicit", "args": {}, "sd": toy.state_dict()}}, tmp_path / "fake.pth")
    with pytest.raises(CheckpointError, match="unsupported model 'toy-implicit'"):
        load_model(tmp_path / "fake.pth")
