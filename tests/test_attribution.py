"""Window attribution: locality exactness, completeness, methods, determinism, faithfulness checks, figures."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from explain.figures.attribution import (
    displayed_output_box,
    plot_attribution,
    plot_attribution_comparison,
    plot_deletion_curve,
    plot_sanity_check,
)
from explain.models import LIIF
from explain.models.coords import output_coords
from explain.probes.attribution import (
    LAM_INTEGRATIONS,
    METHODS,
    AttributionResult,
    ShrinkingObjective,
    arclength_nodes,
    attribute,
    lam_rule,
    make_objective,
    make_target,
    shrinking_supported,
)
from explain.probes.baselines import blur_path, gaussian_kernels
from explain.probes.faithfulness import core_spearman, deletion_curve, sanity_check, spearman
from explain.probes.locality import WindowObjective, plan_window

WINDOW = (30, 20, 8, 8)  # HR pixels of the ×2 output of a 40×36 LR image




def _model(seed=0, **cfg):
    torch.manual_seed(seed)
    return LIIF(**{"n_resblocks": 1, "channels": 8, "hidden": (16, 16), **cfg}).eval()


@pytest.fixture(scope="module")
def model():
    return _model()


@pytest.fixture(scope="module")
def lr():
    return np.random.default_rng(0).random((40, 36, 3)).astype(np.float32)


def _rel(a, b):
    return float(np.abs(a - b).max() / np.abs(b).max())


# ------------------------------------------------------------------------------------------------ locality
@pytest.mark.parametrize("method,kw", [
    ("saliency", {}),
    ("input_x_gradient", {}),
    ("integrated_gradients", {"steps": 16}),
    ("integrated_gradients", {"steps": 16, "baseline": "jpeg"}),
    ("integrated_gradients", {"steps": 16, "baseline": "block_mean", "grid_phase": (3, 5)}),
    ("lam", {"steps": 16}),
    ("lam", {"steps": 16, "target": "gradient", "sigma": 2.5}),
])
def test_local_crop_equals_whole_image(model, lr, method, kw):
    loc = attribute(model, lr, WINDOW, 2, method=method, **kw)
    full = attribute(model, lr, WINDOW, 2, method=method, local=False, **kw)
    assert loc.receptive_box != full.receptive_box and full.receptive_box == ((0, 40), (0, 36))
    assert _rel(loc.map, full.map) <= 1e-4
    assert loc.target_value == pytest.approx(full.target_value, rel=1e-5)
    (a0, a1), (b0, b1) = loc.receptive_box
    outside = np.ones(lr.shape[:2], dtype=bool)
    outside[a0:a1, b0:b1] = False
    assert not loc.map[:, outside].any()  # zero outside the receptive box, by construction …
    assert not full.map[:, outside].any()  # … and in the whole-image computation: the box holds the dependency


@pytest.mark.parametrize("cfg,window,scale,size", [
    ({}, (0, 0, 6, 5), 2, None),                     # window at the image corner: crop clipped by the border
    ({}, (40, 50, 7, 9), 2.5, None),                 # non-integer scale
    ({}, (20, 11, 5, 6), None, (57, 41)),            # explicit output size, unequal scales
    ({"skip": "bicubic"}, (30, 20, 8, 8), 2, None),
    ({"feat_unfold": False, "local_ensemble": False}, (30, 20, 8, 8), 3, None),
    ({"n_resblocks": 0, "cell_decode": False}, (76, 68, 4, 4), 2, None),    # bottom-right corner
])
def test_locality_across_configs_scales_and_borders(lr, cfg, window, scale, size):
    m = _model(1, **cfg)
    kw = {"scale": scale} if size is None else {"size": size}
    loc = attribute(m, lr, window, method="saliency", **kw)
    full = attribute(m, lr, window, method="saliency", local=False, **kw)
    assert _rel(loc.map, full.map) <= 1e-4
    (a0, a1), (b0, b1) = loc.receptive_box
    outside = np.ones(lr.shape[:2], dtype=bool)
    outside[a0:a1, b0:b1] = False
    assert not full.map[:, outside].any()


def test_receptive_box_is_tight(model, lr):
    """Interior window at ×2 starting on an even row: the dependency reaches every side of the box."""
    full = attribute(model, lr, WINDOW, 2, method="saliency", local=False)
    loc = attribute(model, lr, WINDOW, 2, method="saliency")
    (a0, a1), (b0, b1) = loc.receptive_box
    mag = np.abs(full.map).sum(0)
    assert mag[a0, b0:b1].any() and mag[a1 - 1, b0:b1].any()
    assert mag[a0:a1, b0].any() and mag[a0:a1, b1 - 1].any()
    assert (a1 - a0, b1 - b0) == (4 + 2 * model.query_radius, 4 + 2 * model.query_radius)


def test_window_value_matches_the_model_output(model, lr):
    """F(x) of the mean target equals the mean of the model's (unclamped) full output over the window."""
    res = attribute(model, lr, WINDOW, 2, method="saliency")
    coords, cells = output_coords(80, 72)
    x = torch.from_numpy(lr).permute(2, 0, 1)[None]
    with torch.no_grad():
        out = model(x, coords, cells).reshape(80, 72, 3)
    r, c, h, w = WINDOW
    assert res.target_value == pytest.approx(float(out[r:r + h, c:c + w].mean()), rel=1e-5)


# ------------------------------------------------------------------------------------------- completeness
@pytest.mark.parametrize("method,kw", [
    ("integrated_gradients", {}),
    ("integrated_gradients", {"baseline": "jpeg", "jpeg_quality": 2}),
    ("integrated_gradients", {"baseline": "block_mean"}),
    ("lam", {"sigma": 3.0}),
    ("lam", {"target": "gradient"}),
])
def test_path_methods_are_complete(model, lr, method, kw):
    res = attribute(model, lr, WINDOW, 2, method=method, steps=64, **kw)
    gap = res.target_value - res.baseline_value
    assert abs(gap) > 1e-4  # the baseline really differs from the input
    assert abs(res.delta) <= 1e-2 * abs(gap)
    # delta is what it claims: Σ map − (F(x) − F(x₀))
    assert res.delta == pytest.approx(float(res.map.astype(np.float64).sum()) - gap, abs=1e-5 + 1e-3 * abs(gap))


def test_lam_gap_shrinks_with_steps(model, lr):
    coarse = attribute(model, lr, WINDOW, 2, method="lam", steps=2, sigma=3.0)
    fine = attribute(model, lr, WINDOW, 2, method="lam", steps=64, sigma=3.0)
    assert abs(fine.delta) < abs(coarse.delta)


# ----------------------------------------------------------------------------------------- methods & result
@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_returns_the_documented_result(model, lr, method):
    res = attribute(model, lr, WINDOW, 2, method=method, steps=8)
    assert isinstance(res, AttributionResult)
    assert res.map.shape == (3, 40, 36) and res.map.dtype == np.float32
    assert res.abs_map.shape == (40, 36) and res.abs_map.max() == pytest.approx(1.0) and res.abs_map.min() >= 0
    assert (res.delta is None) == (method in ("saliency", "input_x_gradient", "noise_tunnel"))
    assert 0 < res.di <= 100
    assert 0 < res.cumulative_area <= 40 * 36
    s = res.block_shares
    assert s["own"] + s["neighbours"] + s["beyond"] == pytest.approx(1.0)
    assert res.window == WINDOW and res.scale == (2.0, 2.0) and res.output_size == (80, 72)
    assert res.method == method and res.footprint == ((15, 19), (10, 14))


def test_results_are_bit_identical_across_runs(model, lr):
    for method, kw in (("lam", {}), ("integrated_gradients", {"baseline": "jpeg"}), ("noise_tunnel", {})):
        a = attribute(model, lr, WINDOW, 2, method=method, steps=8, **kw)
        b = attribute(model, lr, WINDOW, 2, method=method, steps=8, **kw)
        assert np.array_equal(a.map, b.map), method
        assert a.delta == b.delta and a.di == b.di
    c = attribute(model, lr, WINDOW, 2, method="noise_tunnel", steps=8, seed=1)
    assert not np.array_equal(a.map, c.map)  # the seed matters


@pytest.mark.parametrize("integration", LAM_INTEGRATIONS)
def test_internal_batch_size_does_not_change_lam(model, lr, integration):
    """Path points batched into one forward/backward give the step-by-step (looped) result."""
    looped = attribute(model, lr, WINDOW, 2, method="lam", steps=10, internal_batch_size=1, integration=integration)
    a = attribute(model, lr, WINDOW, 2, method="lam", steps=10, internal_batch_size=3, integration=integration)
    b = attribute(model, lr, WINDOW, 2, method="lam", steps=10, internal_batch_size=10, integration=integration)
    assert _rel(a.map, looped.map) <= 1e-5 and _rel(b.map, looped.map) <= 1e-5
    assert a.delta == pytest.approx(looped.delta, abs=1e-6) and b.params["integration"] == integration


# --------------------------------------------------------------------------------- LAM quadratures
def test_lam_midpoint_is_the_original_rule(model, lr):
    """integration="midpoint" is Σ_k ∂F/∂x|γ((k+½)/n) · (γ((k+1)/n) − γ(k/n)), written out here step by step."""
    steps, sigma = 6, 1.2
    res = attribute(model, lr, WINDOW, 2, method="lam", steps=steps, sigma=sigma, integration="midpoint")
    plan = plan_window((40, 36), (80, 72), WINDOW, model.query_radius)
    objective = WindowObjective(model, plan, make_target("mean"))
    (a0, a1), (b0, b1) = plan.box
    r = 4  # blur_radius(1.2)
    x = torch.from_numpy(lr).permute(2, 0, 1)[None][..., a0 - r: a1 + r, b0 - r: b1 + r]
    total = torch.zeros_like(x)
    for k in range(steps):
        point = blur_path(x, sigma, [(k + 0.5) / steps]).requires_grad_(True)
        (grad,) = torch.autograd.grad(objective(point[..., r:-r, r:-r]).sum(), point)
        total += grad * (blur_path(x, sigma, [(k + 1) / steps]) - blur_path(x, sigma, [k / steps]))
    assert _rel(res.map[:, a0:a1, b0:b1], total[0, :, r:-r, r:-r].numpy()) <= 1e-5


@pytest.mark.parametrize("integration", LAM_INTEGRATIONS)
def test_every_lam_quadrature_converges_to_the_same_map(model, lr, integration):
    reference = attribute(model, lr, WINDOW, 2, method="lam", steps=256, sigma=3.0, integration="midpoint")
    coarse = attribute(model, lr, WINDOW, 2, method="lam", steps=4, sigma=3.0, integration=integration)
    fine = attribute(model, lr, WINDOW, 2, method="lam", steps=48, sigma=3.0, integration=integration)
    gap = abs(fine.target_value - fine.baseline_value)
    assert abs(fine.delta) <= 3e-2 * gap  # (the trapezoid's end-point gradients make it the least accurate)
    err = lambda r: np.abs(r.map - reference.map).sum() / np.abs(reference.map).sum()  # noqa: E731
    assert err(fine) < 0.05 and err(fine) < err(coarse)


@pytest.mark.parametrize("integration", ["midpoint", "trapezoid", "arclength"])
def test_telescoping_lam_directions_add_up_to_the_path(integration):
    """The directions of the telescoping rules sum to γ(1) − γ(0) = x − blur(x, σ) exactly."""
    x = torch.rand(1, 3, 11, 13, dtype=torch.float64)
    alphas, directions = lam_rule(x, 1.5, 7, integration)
    assert alphas.shape == (7,) and np.all((alphas >= 0) & (alphas <= 1)) and np.all(np.diff(alphas) > 0)
    total = directions(np.arange(7)).sum(0)
    expected = (blur_path(x, 1.5, [1.0]) - blur_path(x, 1.5, [0.0]))[0]
    assert torch.allclose(total, expected, atol=1e-12)


def test_gauss_legendre_lam_directions_integrate_the_path():
    x = torch.rand(1, 3, 11, 13, dtype=torch.float64)
    expected = (blur_path(x, 1.5, [1.0]) - blur_path(x, 1.5, [0.0]))[0]
    errors = []
    for n in (8, 24, 64):
        _, directions = lam_rule(x, 1.5, n, "gausslegendre")
        errors.append(float((directions(np.arange(n)).sum(0) - expected).abs().max() / expected.abs().max()))
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-7  # converges fast once the nodes resolve σ → 0


def test_lam_nodes():
    nodes = arclength_nodes(1.2, 8)
    assert nodes[0] == 0 and nodes[-1] == 1 and np.all(np.diff(nodes) > 0)
    # equal pieces of the 2-D kernel's path (tabulated at 256 points: to about 1 %)
    fine = np.linspace(0, 1, 4097)
    k = gaussian_kernels(1.2 * (1 - fine), 4, torch.float64)
    k2 = (k[:, :, None] * k[:, None, :]).flatten(1).numpy()
    length = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(k2, axis=0), axis=1))])
    pieces = np.diff(np.interp(nodes, fine, length))
    assert pieces.max() / pieces.min() < 1.05
    with pytest.raises(ValueError, match="integration"):
        lam_rule(torch.rand(1, 3, 5, 5), 1.2, 4, "simpson")
    with pytest.raises(ValueError, match="trapezoid"):
        lam_rule(torch.rand(1, 3, 5, 5), 1.2, 1, "trapezoid")


# ------------------------------------------------------------------------------- shrinking objective
@pytest.mark.parametrize("window", [(30, 20, 8, 8), (0, 0, 6, 5), (72, 64, 8, 8), (0, 30, 8, 6), (40, 0, 5, 5)])
@pytest.mark.parametrize("target", ["mean", "gradient"])
def test_shrinking_objective_equals_the_full_crop_one(window, target):
    """Per-layer shrinking regions give the value and the input gradient of the full-crop computation."""
    m = _model(2, n_resblocks=2)
    tgt = make_target(target)
    plan = plan_window((40, 36), (80, 72), window, m.query_radius, tgt.margin)
    shrink, full = make_objective(m, plan, tgt), WindowObjective(m, plan, tgt)
    assert isinstance(shrink, ShrinkingObjective)
    (a0, a1), (b0, b1) = plan.box
    (l0, l1), (c0, c1) = shrink.latent_box
    assert (l1 - l0) * (c1 - c0) < (a1 - a0) * (b1 - b0)  # it computes the latents on less than the crop
    crop = torch.rand(3, 3, 40, 36)[..., a0:a1, b0:b1].clone().requires_grad_(True)
    fs, ff = shrink(crop), full(crop)
    (gs,) = torch.autograd.grad(fs.sum(), crop)
    (gf,) = torch.autograd.grad(ff.sum(), crop)
    assert torch.allclose(fs, ff, rtol=1e-5, atol=1e-6)
    assert float((gs - gf).abs().max() / gf.abs().max()) <= 1e-4


def _layer_pixels(objective) -> int:
    """LR pixels the shrinking objective computes over all encoder layers (its cost)."""
    return sum((r1 - r0) * (c1 - c0) for (r0, r1), (c0, c1) in objective.regions)


@pytest.mark.parametrize("lr_size,window", [((40, 36), (0, 0, 8, 8)), ((40, 36), (72, 64, 8, 8)),
                                            ((12, 30), (8, 40, 8, 8)), ((9, 9), (6, 6, 8, 8))])
def test_windows_near_the_border_or_on_small_photos_cost_no_more_than_interior_ones(lr_size, window):
    """The latent box is exactly what the queries read, at the border and when the crop is the whole (small) image:
    the work is at most the interior window's, and the numbers equal the full-crop computation."""
    m = _model(2, n_resblocks=2)
    tgt = make_target("gradient")
    H, W = 2 * lr_size[0], 2 * lr_size[1]
    plan = plan_window(lr_size, (H, W), window, m.query_radius, tgt.margin)
    interior = make_objective(m, plan_window((40, 36), (80, 72), (36, 32, 8, 8), m.query_radius, tgt.margin), tgt)
    shrink, full = make_objective(m, plan, tgt), WindowObjective(m, plan, tgt)
    assert isinstance(shrink, ShrinkingObjective) and _layer_pixels(shrink) <= _layer_pixels(interior)
    (a0, a1), (b0, b1) = plan.box
    crop = torch.rand(2, 3, *lr_size)[..., a0:a1, b0:b1].clone().requires_grad_(True)
    fs, ff = shrink(crop), full(crop)
    (gs,) = torch.autograd.grad(fs.sum(), crop)
    (gf,) = torch.autograd.grad(ff.sum(), crop)
    assert torch.allclose(fs, ff, rtol=1e-5, atol=1e-6)
    assert float((gs - gf).abs().max() / gf.abs().max()) <= 1e-4


def test_shrinking_objective_only_where_exact():
    assert shrinking_supported(_model())
    assert not shrinking_supported(_model(skip="bicubic"))  # the skip reads the image, not the latents
    plan = plan_window((40, 36), (80, 72), WINDOW, _model().query_radius, local=False)
    assert isinstance(make_objective(_model(), plan, make_target("mean")), ShrinkingObjective)  # whole image too
    assert isinstance(make_objective(_model(skip="bicubic"), plan, make_target("mean")), WindowObjective)
    with pytest.raises(ValueError, match="EDSR"):
        ShrinkingObjective(_model(skip="bicubic"), plan, make_target("mean"))


def test_targets(model, lr):
    mean = attribute(model, lr, WINDOW, 2, method="saliency")
    custom = attribute(model, lr, WINDOW, 2, method="saliency", target=lambda win: win.mean(dim=(1, 2, 3)))
    assert np.allclose(custom.map, mean.map, rtol=1e-5, atol=1e-8)
    red = attribute(model, lr, WINDOW, 2, method="saliency", target=lambda win: win[..., 0].sum(dim=(1, 2)))
    assert not np.allclose(red.map, mean.map)
    grad = attribute(model, lr, WINDOW, 2, method="saliency", target="gradient")
    assert grad.target == "gradient" and grad.target_value > 0


@pytest.mark.parametrize("kw,match", [
    ({"window": (79, 0, 4, 4)}, "outside"),
    ({"window": (0, 0, 4)}, "window"),
    ({"method": "gradcam"}, "unknown attribution method"),
    ({"steps": 0}, "steps"),
    ({"steps": -3}, "steps"),
    ({"steps": 2.5}, "steps"),
    ({"steps": True}, "steps"),
    ({"method": "saliency", "baseline": "jpeg"}, "no baseline"),
    ({"method": "integrated_gradients", "baseline": "nope"}, "unknown baseline"),
    ({"target": "max"}, "unknown target"),
    ({"sigma": 0.0}, "sigma"),
    ({"scale": -2}, "scale"),
    ({"target": lambda win: win.sum()}, "one value per image"),
    ({"grid_phase": (0,)}, "grid_phase"),
    ({"method": "noise_tunnel", "nt_method": "deeplift"}, "nt_method"),
    ({"method": "noise_tunnel", "nt_type": "bogus"}, "nt_type"),
    ({"method": "integrated_gradients", "integration": "simpson"}, "integration"),
    ({"sigma": 1e6}, "far wider than"),
    ({"integration": "simpson"}, "LAM integration"),
    ({"sigma": 1e6, "integration": "arclength"}, "far wider than"),
])
def test_bad_inputs_raise_value_error(model, lr, kw, match):
    args = {"window": WINDOW, "scale": 2, "steps": 4, **kw}
    with pytest.raises(ValueError, match=match):
        attribute(model, lr, **args)


def test_unknown_option_is_a_type_error(model, lr):
    with pytest.raises(TypeError):
        attribute(model, lr, WINDOW, 2, method="saliency", nt_samples=3)


# ----------------------------------------------------------------------------------------- faithfulness
@pytest.fixture(scope="module")
def trained():
    """A tiny LIIF fitted for a few hundred steps to one 48×48 crop at ×2 (a few seconds on one core)."""
    from explain.images import downscale, load_image

    hr = load_image("astronaut")[100:148, 180:228]
    lr_img = downscale(hr, 2)
    m = _model(0)
    m.train()
    x = torch.from_numpy(lr_img).permute(2, 0, 1)[None]
    y = torch.from_numpy(hr).reshape(1, -1, 3)
    coords, cells = output_coords(48, 48)
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    losses = []
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # module-scoped: set up before the per-test single-thread fixture
    try:
        for _ in range(250):
            loss = (m(x, coords, cells) - y).abs().mean()
            losses.append(loss.item())
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    m.eval()
    assert losses[-1] < 0.5 * losses[0]  # it did learn
    return m, lr_img


def test_spearman():
    x = np.arange(10.0)
    assert spearman(x, x ** 3) == pytest.approx(1.0)
    assert spearman(x, -np.exp(x)) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1.0)  # ties: average ranks
    assert np.isnan(spearman(x, np.ones(10)))
    rng = np.random.default_rng(0)
    assert abs(spearman(rng.random(2000), rng.random(2000))) < 0.1
    with pytest.raises(ValueError, match="same size"):
        spearman(x, x[:5])
    assert core_spearman(x, x) == pytest.approx(1.0)


def test_sanity_check_separates_trained_from_randomised(trained):
    m, lr_img = trained
    before = [p.detach().clone() for p in m.parameters()]
    sc = sanity_check(m, lr_img, (8, 8, 8, 8), scale=2, method="lam", steps=16)
    assert sc.stages == ["all"]
    assert sc.spearman_signed[0] < 0.5  # the signed map of the randomised model is unrelated
    assert sc.spearman_core[0] < 0.9
    # control: recomputing the trained model's map correlates perfectly
    same = attribute(m, lr_img, (8, 8, 8, 8), 2, method="lam", steps=16)
    assert spearman(same.abs_map, sc.original) == pytest.approx(1.0)
    assert all(torch.equal(a, b) for a, b in zip(before, m.parameters()))  # the model was not touched


def test_sanity_check_cascade_goes_from_output_to_input(trained):
    m, lr_img = trained
    sc = sanity_check(m, lr_img, (8, 8, 8, 8), scale=2, method="saliency", layers="cascade")
    assert sc.stages[0].startswith("imnet") and sc.stages[-1].startswith("encoder.head")
    assert len(sc.stages) == 6 and sc.maps.shape == (6, 24, 24)
    assert sc.spearman.shape == sc.spearman_signed.shape == sc.spearman_core.shape == (6,)
    with pytest.raises(ValueError, match="layers"):
        sanity_check(m, lr_img, (8, 8, 8, 8), scale=2, layers="some")


def test_deletion_curve_attributed_beats_random(trained):
    m, lr_img = trained
    res = attribute(m, lr_img, (8, 8, 8, 8), 2, method="lam", steps=16)
    dc = deletion_curve(m, lr_img, res, n_random=4)
    assert dc.counts[0] == 0 and dc.attributed[0] == pytest.approx(dc.original)
    assert dc.random.shape == (4, dc.fractions.size)
    assert dc.area_attributed > dc.area_random
    with pytest.raises(ValueError, match="fractions"):
        deletion_curve(m, lr_img, res, fractions=(0.1, 1.5))
    with pytest.raises(ValueError, match="computed on"):
        deletion_curve(m, lr_img[:20], res)
    for kwargs, match in (({"fractions": (0.1, float("nan"))}, "fractions"), ({"batch": 0}, "batch")):
        with pytest.raises(ValueError, match=match):
            deletion_curve(m, lr_img, res, **kwargs)
    with pytest.raises(TypeError, match="AttributionResult"):
        deletion_curve(m, lr_img, None)


# ------------------------------------------------------------------------------------------------ figures
def test_figures(model, lr):
    res = attribute(model, lr, WINDOW, 2, method="lam", steps=8, grid_phase=(3, 5))
    other = attribute(_model(3), lr, WINDOW, 2, method="lam", steps=8, grid_phase=(3, 5))
    sr = np.random.default_rng(1).random((80, 72, 3)).astype(np.float32)
    assert isinstance(plot_attribution(res, lr, sr), Figure)
    assert isinstance(plot_attribution(res, lr, zoom="full", gamma=0.5), Figure)
    assert isinstance(plot_attribution_comparison({"a": res, "b": other}, lr, common_scale=True), Figure)
    dc = deletion_curve(model, lr, res, fractions=(0, 0.1, 0.3), n_random=2)
    assert isinstance(plot_deletion_curve({"a": dc, "b": dc}), Figure)
    sc = sanity_check(model, lr, WINDOW, 2, method="saliency", layers="cascade")
    assert isinstance(plot_sanity_check(sc), Figure)
    with pytest.raises(ValueError, match="size"):
        plot_attribution(res, lr[:20])
    with pytest.raises(ValueError, match="sr has size"):
        plot_attribution(res, lr, sr[:40])
    with pytest.raises(ValueError, match="non-empty"):
        plot_attribution_comparison({}, lr)


def test_a_redrawn_comparison_lays_out_again_for_a_box_of_another_shape(model, lr):
    """A window near the border shows a clipped receptive box: redrawn in place for it, the figure is laid out
    again (its images keep their aspect and would otherwise cover the titles of the row below); a box of the same
    shape keeps the layout."""
    from explain.figures.attribution import redraw_attribution_comparison
    from explain.figures.png import png_bytes

    def results(window):
        return {"a": attribute(model, lr, window, 2, method="saliency"),
                "b": attribute(_model(3), lr, window, 2, method="saliency")}

    fig = plot_attribution_comparison(results((72, 32, 8, 8)), lr)  # the bottom edge: a box cut short
    png_bytes(fig, 90)
    redraw_attribution_comparison(fig, results(WINDOW))  # inside: a box of another shape
    png_bytes(fig, 90)
    renderer = fig.canvas.get_renderer()
    top, bottom = fig._attribution_state["axes"]
    for upper, lower in zip(top, bottom):
        assert not upper.get_window_extent(renderer).overlaps(lower.title.get_window_extent(renderer))
    kept = [ax.get_position().bounds for ax in fig.axes]
    redraw_attribution_comparison(fig, results((WINDOW[0], WINDOW[1] + 2, 8, 8)))  # the same shape
    png_bytes(fig, 90)
    assert [ax.get_position().bounds for ax in fig.axes] == kept


def test_displayed_output_box_is_the_padded_receptive_box_scaled(model, lr):
    res = attribute(model, lr, WINDOW, 2, method="saliency")
    (a0, a1), (b0, b1) = res.receptive_box
    h, w = res.lr_size
    H, W = res.output_size
    assert displayed_output_box(res) == (2 * max(0, a0 - 2), min(H, 2 * min(h, a1 + 2)),
                                         2 * max(0, b0 - 2), min(W, 2 * min(w, b1 + 2)))
    assert displayed_output_box(res, "full") == (0, H, 0, W)


def test_lam_batches_side_by_side_give_the_same_map(model, lr):
    """With two torch threads allowed, LAM's path batches run on two threads (explain.parallel): the same map."""
    one = attribute(model, lr, WINDOW, 2, method="lam", steps=8)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        two = attribute(model, lr, WINDOW, 2, method="lam", steps=8)
    finally:
        torch.set_num_threads(threads)
    assert torch.get_num_threads() == threads
    assert np.allclose(two.map, one.map, rtol=1e-4, atol=1e-6 * np.abs(one.map).max())
