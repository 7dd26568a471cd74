import math

import numpy as np
import pytest

from explain.images import load_image
from explain.studies import latent_information as li


def _blobs(n, rng, classes=3, dim=10, spread=0.5):
    centres = rng.normal(scale=3.0, size=(classes, dim))
    y = rng.integers(0, classes, n)
    return centres[y] + spread * rng.normal(size=(n, dim)), y


def test_linear_probe_separates_separable_classes():
    rng = np.random.default_rng(0)
    x, y = _blobs(600, rng)
    probe = li.fit_linear_probe(x[:400], y[:400], x[400:], y[400:], steps=20)
    assert probe.test_accuracy > 0.97 and probe.train_accuracy > 0.97
    assert probe.classes == 3 and probe.n_train == 400 and probe.n_test == 200
    assert probe.predict(x[400:]).shape == (200,)
    assert 0.25 < probe.chance < 0.5


def test_linear_probe_is_at_chance_on_noise():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4000, 16))
    y = rng.integers(0, 4, 4000)
    probe = li.fit_linear_probe(x[:2000], y[:2000], x[2000:], y[2000:], steps=20)
    assert abs(probe.test_accuracy - 0.25) < 0.05
    assert probe.test_accuracy <= probe.chance + 0.03


def test_linear_probe_rejects_bad_input():
    x, y = np.zeros((10, 3)), np.zeros(10, int)
    with pytest.raises(ValueError):
        li.fit_linear_probe(x, y, np.zeros((5, 4)), np.zeros(5, int))
    with pytest.raises(ValueError):
        li.fit_linear_probe(x, -np.ones(10, int), x, y)
    with pytest.raises(ValueError):
        li.fit_linear_probe(x, y + 3, x, y, classes=2)


def test_infonce_bound_stays_below_log_n_and_sees_dependence():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(1500, 6))
    x_dep = z @ rng.normal(size=(6, 8)) + 0.05 * rng.normal(size=(1500, 8))
    x_ind = rng.normal(size=(1500, 8))
    small = dict(batch=32, steps=100, hidden=32, embed=16, lr=3e-3)
    dep = li.infonce_bound(z[:1000], x_dep[:1000], z[1000:], x_dep[1000:], **small)
    ind = li.infonce_bound(z[:1000], x_ind[:1000], z[1000:], x_ind[1000:], **small)
    assert dep.log_n == pytest.approx(math.log(32))
    for b in (dep, ind):
        assert b.bound <= b.log_n + 1e-9 and b.train_bound <= b.log_n + 1e-9
    assert dep.bound > 0.6 * dep.log_n
    assert abs(ind.bound) < 0.3
    with pytest.raises(ValueError, match="batch"):
        li.infonce_bound(z[:10], x_dep[:10], z[:10], x_dep[:10], batch=32)


def test_latent_information_end_to_end(make_tiny_model, tmp_path):
    images = [load_image(n)[:96, :96] for n in ("astronaut", "coffee", "chelsea")]
    result = li.latent_information({"a": make_tiny_model(0), "b": make_tiny_model(1)}, images=images, scale=2,
                                   crop=None, per_image=64, phase_qualities=(20,), quality_bins=(10, 60),
                                   codecs=["jpeg", "webp"], codec_bpp=3.0, infonce_inputs=("jpeg30",),
                                   infonce_targets=("detail",), batch=16, steps=5, probe_steps=5, progress=False)
    tasks = {p.task for p in result.probes}
    assert tasks == {"block phase (64)", "row phase (8)", "col phase (8)", "block phase (64), clean control",
                     "JPEG quality (2 bins)", "codec (2)"}
    assert {p.model for p in result.probes} == {"a", "b", li.INPUT_REFERENCE}
    for p in result.probes:
        assert p.n_train == 2 * 64 * (2 if "quality" in p.task or "codec" in p.task else 1)
        assert 0 <= p.test_accuracy <= 1
    assert result.params["test_images"] == ["image2"]
    assert len(result.infonce) == 3 and all(s.bound <= s.log_n + 1e-9 for s in result.infonce)
    assert 0 <= result.accuracy("codec (2)", "a") <= 1
    paths = li.write_latent_information(result, tmp_path)
    assert all(p.exists() for p in paths.values())
    assert "clean control" in li.render_markdown(result)
    with pytest.raises(ValueError, match="2 images"):
        li.latent_information({"a": make_tiny_model(0)}, images=images[:1], crop=None, progress=False)
    for bad in ({"steps": 0}, {"per_image": 0}, {"probe_steps": -1}, {"batch": 2.5}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            li.latent_information({"a": make_tiny_model(0)}, images=images, progress=False, **bad)
