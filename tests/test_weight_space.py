"""Weight units, unit swaps and FAIG (integrated gradients in weight space) on tiny models."""

import numpy as np
import pytest
import torch

from explain.models import LIIF
from explain.models.units import swap_units, weight_units
from explain.probes.unit_maps import block_edge_enrichment, block_edge_mask, spatial_units, unit_maps
from explain.probes.weight_space import ScoringBatch, abs_delta, loss_of, unit_scores, weight_path_ig


def _batch(seed=0, b=2, h=8, q=40):
    g = torch.Generator().manual_seed(seed)
    lr = torch.rand(b, 3, h, h, generator=g)
    coords = torch.rand(b, q, 2, generator=g) * 1.8 - 0.9
    cells = torch.full((b, q, 2), 2.0 / (4 * h))
    target = torch.rand(b, q, 3, generator=g)
    return ScoringBatch(lr, coords, cells, target)


def test_unit_count_of_the_paper_liif():
    units = weight_units(LIIF())
    assert units.count == 481_216  # conv (out, in) slices and Linear entries of EDSR-baseline-LIIF
    assert units.params[0] == "encoder.head.0.weight" and units.kernels[0] == (3, 3)
    assert units.params[-1] == "imnet.layers.8.weight" and units.shapes[-1] == (3, 256)


def test_unit_count_and_locate_tiny(make_tiny_model):
    model = make_tiny_model()
    units = weight_units(model)
    expected = sum(p.shape[0] * p.shape[1] for n, p in model.named_parameters() if n.endswith("weight"))
    assert units.count == expected
    p, o, i = units.locate([0, units.count - 1])
    assert (p[0], o[0], i[0]) == (0, 0, 0)
    last = units.shapes[-1]
    assert (p[1], o[1], i[1]) == (len(units.params) - 1, last[0] - 1, last[1] - 1)
    with pytest.raises(ValueError):
        units.locate([units.count])


def test_swap_all_gives_source_and_none_gives_target(make_tiny_model):
    twin, control = make_tiny_model(seed=1), make_tiny_model(seed=2)
    units = weight_units(twin)
    before = {n: p.clone() for n, p in twin.named_parameters()}
    full = swap_units(twin, control, np.arange(units.count))
    none = swap_units(twin, control, np.zeros(units.count, dtype=bool))
    for (n, a), (_, b), (_, c) in zip(full.named_parameters(), control.named_parameters(), none.named_parameters()):
        assert torch.equal(a, b), n
        assert torch.equal(c, before[n]), n
    for n, p in twin.named_parameters():  # the caller's model is untouched
        assert torch.equal(p, before[n])


def test_swap_moves_exactly_the_selected_slices(make_tiny_model):
    twin, control = make_tiny_model(seed=1), make_tiny_model(seed=2)
    units = weight_units(twin)
    pick = np.array([3, units.count - 2])
    swapped = dict(swap_units(twin, control, pick).named_parameters())
    own, theirs = dict(twin.named_parameters()), dict(control.named_parameters())
    p, o, i = units.locate(pick)
    changed = 0
    for name in own:
        diff = (swapped[name] != own[name])
        changed += int(diff.sum())
    kernel_elems = sum(int(np.prod(units.kernels[k])) for k in p)
    assert changed == kernel_elems
    for k, oo, ii in zip(p, o, i):
        name = units.params[k]
        assert torch.equal(swapped[name][oo, ii], theirs[name][oo, ii])


def test_ig_completeness_is_the_loss_difference(make_tiny_model):
    control, twin = make_tiny_model(seed=1), make_tiny_model(seed=2)
    batch = _batch()
    ig = weight_path_ig(control, twin, batch, steps=64)
    with torch.no_grad():
        delta = float(loss_of(twin, batch) - loss_of(control, batch))
    assert ig.delta == pytest.approx(delta, rel=1e-5)
    assert ig.total == pytest.approx(delta, rel=0.02)  # the IG axiom, up to the midpoint rule's error
    assert ig.completeness_gap < 0.02
    assert ig.units.shape == (weight_units(twin).count,)


def test_ig_is_zero_for_identical_models_and_leaves_models_alone(make_tiny_model):
    model = make_tiny_model(seed=3)
    before = {n: p.clone() for n, p in model.named_parameters()}
    ig = weight_path_ig(model, model, _batch(), steps=4)
    assert np.all(ig.units == 0) and ig.total == 0
    for n, p in model.named_parameters():
        assert torch.equal(p, before[n]) and p.grad is None


def test_zero_baseline_and_specific_scores(make_tiny_model):
    control, twin = make_tiny_model(seed=1), make_tiny_model(seed=2)
    plain = weight_path_ig(None, twin, _batch(), steps=32)
    with torch.no_grad():
        zero = {n: torch.zeros_like(p) for n, p in twin.named_parameters()}
        expected = float(loss_of(twin, _batch()) - loss_of(twin, _batch(), zero))
    assert plain.total == pytest.approx(expected, rel=0.05)
    a = weight_path_ig(control, twin, _batch(0), steps=4)
    b = weight_path_ig(control, twin, _batch(1), steps=4)
    assert np.allclose(unit_scores(a, b), np.abs(a.units) - np.abs(b.units))
    d = abs_delta(control, twin)
    assert d.shape == a.units.shape and np.all(d > 0)


def test_bad_steps_and_architectures(make_tiny_model):
    with pytest.raises(ValueError, match="steps"):
        weight_path_ig(make_tiny_model(), make_tiny_model(), _batch(), steps=0)
    with pytest.raises(ValueError, match="architecture"):
        weight_path_ig(make_tiny_model(), make_tiny_model(channels=4), _batch(), steps=2)
    with pytest.raises(ValueError, match="architecture"):
        swap_units(make_tiny_model(), make_tiny_model(channels=4), [0])


def test_unit_maps_sum_to_the_layer_output(make_tiny_model):
    model = make_tiny_model(seed=4)
    units = weight_units(model)
    name = "encoder.body.0.body.0.weight"
    sl = units.layer_slice(name)
    o = 2
    n_in = units.shapes[units.params.index(name)][1]
    chosen = np.arange(sl.start + o * n_in, sl.start + (o + 1) * n_in)
    lr = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    got = unit_maps(model, lr, chosen, units)
    assert got.maps.shape == (n_in, 16, 16)
    seen = {}
    conv = model.encoder.body[0].body[0]
    hook = conv.register_forward_hook(lambda m, a, out: seen.update(out=out.clone()))
    with torch.no_grad():
        model.encode(torch.from_numpy(lr).permute(2, 0, 1)[None])
    hook.remove()
    expected = (seen["out"][0, o] - conv.bias[o]).detach().numpy()
    assert np.allclose(got.maps.sum(0), expected, atol=1e-5)
    spatial = spatial_units(model, units)
    deep = units.layer_slice("imnet.layers.2.weight")
    assert not spatial[deep].any() and spatial[sl].all()
    assert unit_maps(model, lr, [deep.start], units).maps.shape[0] == 0


def test_block_edge_enrichment():
    mask = block_edge_mask((16, 16))
    assert mask[0, 3] and mask[7, 3] and mask[3, 8] and not mask[3, 3]
    maps = np.ones((2, 32, 32))
    maps[0][block_edge_mask((32, 32))] = 3.0
    e = block_edge_enrichment(maps)
    assert e[0] == pytest.approx(3.0) and e[1] == pytest.approx(1.0)
    with pytest.raises(ValueError):
        block_edge_enrichment(np.ones((1, 8, 8)))
