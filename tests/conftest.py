
import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")
# Tiny models run fastest on one thread, and tests should not fight other work for cores.
torch.set_num_threads(1)

from explain.models import LIIF  # noqa: E402


def _randomise(model, std=0.05, seed=0):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * std)
    return model.eval()


@pytest.fixture
def tiny_model():
    """A 1-block, 8-channel LIIF with random (non-zero) weights, in eval mode."""
    return _randomise(LIIF(n_resblocks=1, channels=8, hidden=(16, 16)))


@pytest.fixture
def make_tiny_model():
    def make(seed=0, **cfg):
        base = dict(n_resblocks=1, channels=8, hidden=(16, 16))
        return _randomise(LIIF(**{**base, **cfg}), seed=seed)

    return make


@pytest.fixture
def small_image():
    rng = np.random.default_rng(0)
    return rng.random((20, 24, 3)).astype(np.float32)


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in Chromium (tests/test_browser.py)")


def pytest_collection_modifyitems(session, config, items):
    """The files with slow tests first, each file's tests in their own order: `make test` (--dist loadfile
    --no-loadscope-reorder) hands the files to the workers in this order, so the suite ends on short files instead
    of one worker finishing a long one alone (longest jobs first)."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: the order within a file is kept
