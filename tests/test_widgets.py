"""Widgets driven without a browser: set a control's value, check the result/figure changed and count encoder calls."""

import gc
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure

import explain
from explain.probes import ensemble_weights
from explain.widgets import (
    AttributionView,
    CodecView,
    EnsembleView,
    FeatureCache,
    LatentView,
    ScaleView,
)
from explain.widgets._base import as_models


def counting(model):
    """Wrap ``model.encode`` so every call's input shape (h, w) is recorded; returns the list."""
    calls = []
    original = model.encode

    def encode(x):
        calls.append(tuple(x.shape[-2:]))
        return original(x)

    model.encode = encode
    return calls


@pytest.fixture
def lr():
    """A smooth 24×24 image with an 8×8 block pattern (values in [0, 1])."""
    r, c = np.mgrid[0:24, 0:24] / 24.0
    blocks = ((np.arange(24)[:, None] // 8 + np.arange(24)[None, :] // 8) % 2) * 0.2
    img = np.stack([0.3 + 0.4 * r + blocks, 0.5 + 0.3 * np.sin(6 * c), 0.2 + 0.5 * r * c], -1)
    return np.clip(img, 0, 1).astype(np.float32)


@pytest.fixture
def two_models(make_tiny_model):
    return {"a": make_tiny_model(seed=0), "b": make_tiny_model(seed=1, skip="bicubic")}


# ------------------------------------------------------------------------------------------------- cache
def test_cache_encodes_once_per_model_and_image(tiny_model, lr):
    cache = FeatureCache()
    calls = counting(tiny_model)
    a = cache.latents(tiny_model, lr)
    assert cache.latents(tiny_model, lr.copy()) is a  # equal bytes → same entry
    assert calls == [(24, 24)] and cache.encodes == 1 and cache.hits == 1
    cache.latents(tiny_model, lr[::-1].copy())
    assert len(calls) == 2


def test_cache_upscale_matches_upscale_and_regions(tiny_model, lr):
    cache = FeatureCache()
    full = cache.upscale(tiny_model, lr, (60, 52))
    np.testing.assert_allclose(full, explain.upscale(tiny_model, lr, size=(60, 52)), atol=1e-5)
    part = cache.upscale(tiny_model, lr, (60, 52), (7, 11, 20, 9))
    np.testing.assert_allclose(part, full[7:27, 11:20], atol=1e-6)
    assert cache.encodes == 1
    with pytest.raises(ValueError, match="outside"):
        cache.upscale(tiny_model, lr, (60, 52), (50, 0, 20, 5))
    with pytest.raises(ValueError, match="size"):
        cache.upscale(tiny_model, lr, (0, 52))


def test_cache_upscale_from_tiles_equals_the_region_and_reuses_tiles(tiny_model, lr):
    cache = FeatureCache()
    full = cache.upscale(tiny_model, lr, (60, 52))
    part = cache.upscale(tiny_model, lr, (60, 52), (7, 11, 20, 30), tile=8)
    np.testing.assert_allclose(part, full[7:27, 11:41], atol=1e-6)
    assert len(cache._tiles) == 4 * 5  # rows 0–31 and cols 8–47 in 8-pixel tiles
    hits = cache.hits
    moved = cache.upscale(tiny_model, lr, (60, 52), (15, 11, 20, 30), tile=8)  # one tile row further down
    np.testing.assert_allclose(moved, full[15:35, 11:41], atol=1e-6)
    assert len(cache._tiles) == 5 * 5 and cache.hits - hits >= 3 * 5  # only the new row (5 tiles) was queried
    edge = cache.upscale(tiny_model, lr, (60, 52), (50, 45, 10, 7), tile=16)  # tiles clipped at the edges
    np.testing.assert_allclose(edge, full[50:60, 45:52], atol=1e-6)
    assert cache.encodes == 1
    small = FeatureCache(max_tile_pixels=200)
    small.upscale(tiny_model, lr, (60, 52), (0, 0, 32, 32), tile=8)
    assert small._tile_pixels <= 200 and len(small._tiles) == 200 // 64
    for bad in (0, -8, 2.5, True):
        with pytest.raises(ValueError, match="tile"):
            cache.upscale(tiny_model, lr, (60, 52), (0, 0, 8, 8), tile=bad)
    cache.clear()
    assert len(cache) == 0 and cache._tile_pixels == 0


def test_cache_drops_entries_of_dead_models(make_tiny_model, lr):
    cache = FeatureCache()
    model = make_tiny_model()
    cache.latents(model, lr)
    cache.memo((cache.model_key(model), "x"), lambda: 1)
    assert len(cache) == 2
    del model
    gc.collect()
    assert len(cache) == 0


def test_cache_memo_is_lru_and_checks_arguments():
    cache = FeatureCache(max_results=2)
    computed = []
    for key in ("a", "b", "a", "c", "b"):
        cache.memo(key, lambda k=key: computed.append(k) or k)
    assert computed == ["a", "b", "c", "b"]  # "b" was evicted by "c" after "a" was touched
    with pytest.raises(TypeError, match="hashable"):
        cache.memo(["list"], lambda: 0)
    with pytest.raises(ValueError, match="max_latents"):
        FeatureCache(max_latents=0)
    with pytest.raises(TypeError, match="LIIF"):
        cache.model_key("not a model")


def test_as_models_forms(tiny_model):
    assert list(as_models(tiny_model)) == ["model"]
    assert as_models({"x": tiny_model})["x"] is tiny_model
    with pytest.raises(ValueError, match="empty"):
        as_models({})


# ------------------------------------------------------------------------------------------- attribution
def test_attribution_view_moves_window_and_memoises(two_models, lr):
    cache = FeatureCache()
    calls = {k: counting(m) for k, m in two_models.items()}
    view = AttributionView(two_models, lr, scale=2, window=(10, 12, 8, 8), method="lam", steps=2, cache=cache,
                           render=False, progress=False)
    assert view.error is None and isinstance(view.figure, Figure)
    assert set(view.results) == {"a", "b"} and view.result.window == (10, 12, 8, 8)
    first_fig, first_map = view.figure, view.result.abs_map.copy()

    view.controls["row"].value = 20  # a slider drag
    assert view.result.window == (20, 12, 8, 8)
    assert view.figure is first_fig  # a moved window redraws the figure in place …
    shown = first_fig.axes[0].images[0].get_array()
    (a0, a1), (b0, b1) = view.result.receptive_box
    assert shown.shape[0] >= a1 - a0 and shown.max() == pytest.approx(1.0)  # … with the new window's map
    assert "(20, 12)" in first_fig.legends[0].get_texts()[0].get_text()
    assert not np.allclose(view.result.abs_map, first_map)
    # attribution differentiates through the encoder on the window's receptive crop, never the whole image
    assert all((24, 24) not in c for c in calls.values())

    before = {k: len(c) for k, c in calls.items()}
    view.controls["row"].value = 10  # back: memoised, no encoder call at all
    assert view.result.window == (10, 12, 8, 8)
    np.testing.assert_array_equal(view.result.abs_map, first_map)
    fig = view.figure
    view.controls["gamma"].value = 0.5  # display only
    view.controls["common_scale"].value = True
    assert view.figure is not fig
    assert {k: len(c) for k, c in calls.items()} == before
    assert "neighb." in view.text and len(view.rows) == 2 and "neighbour blocks" in view.rows[0]


def test_attribution_view_method_baseline_and_steps(tiny_model, lr):
    view = AttributionView(tiny_model, lr, scale=2, window_size=8, method="lam", steps=2, render=False,
                           progress=False, cache=FeatureCache())
    assert view.controls["baseline"].disabled
    view.set(method="integrated_gradients", baseline="block_mean", steps=3)
    assert not view.controls["baseline"].disabled
    assert view.result.method == "integrated_gradients" and view.result.params["baseline"] == "block_mean"
    assert view.result.params["steps"] == 3
    view.set(method="saliency")
    assert view.result.method == "saliency" and view.result.delta is None
    # single model: the SR panel comes from the cached whole-image features
    assert view.cache.encodes == 1


def test_attribution_view_pick_click_and_sanity(tiny_model, lr):
    view = AttributionView(tiny_model, lr, scale=2, window_size=8, method="saliency", render=False,
                           progress=False, cache=FeatureCache())
    view.pick(30, 5)
    assert view.window == (26, 1, 8, 8)
    view.pick(1000, 1000)  # clamped to the image
    assert view.window == (40, 40, 8, 8)
    view.on_click(SimpleNamespace(inaxes=object(), xdata=3.0, ydata=6.0))  # LR pixel (6, 3) → output (13, 7)
    assert view.window == (9, 3, 8, 8) and view.result.window == (9, 3, 8, 8)
    view.on_click(SimpleNamespace(inaxes=None, xdata=None, ydata=None))  # outside the axes: ignored
    assert view.window == (9, 3, 8, 8)
    sanity = view.run_sanity_check()
    assert sanity.spearman.shape == (1,) and isinstance(view.sanity_figure, Figure)
    assert view.run_sanity_check() is sanity  # memoised


def test_attribution_view_rejects_bad_arguments(tiny_model, lr):
    with pytest.raises(ValueError, match="method"):
        AttributionView(tiny_model, lr, method="magic", render=False)
    with pytest.raises(ValueError, match="baseline"):
        AttributionView(tiny_model, lr, baseline="white", render=False)
    with pytest.raises(ValueError, match="square"):
        AttributionView(tiny_model, lr, window=(0, 0, 4, 8), render=False)


def test_view_set_rejects_unknown_controls(tiny_model, lr):
    view = EnsembleView(tiny_model, lr, scale=2, size=8, render=False, cache=FeatureCache())
    with pytest.raises(ValueError, match="unknown control"):
        view.set(colour="red")


# ------------------------------------------------------------------------------------------------ latent
def test_latent_view_redraws_without_encoding(two_models, lr):
    cache = FeatureCache()
    calls = {k: counting(m) for k, m in two_models.items()}
    ref = np.clip(lr + 0.05, 0, 1)
    view = LatentView(two_models, lr, reference=ref, top_k=4, cache=cache, render=False)
    assert len(calls["a"]) == 2  # the image and the clean reference, once each
    res, fig = view.result, view.figure
    view.set(view="top channels", by="periodicity", k=2)
    assert view.figure is not fig and view.result is res and len(calls["a"]) == 2
    view.set(view="difference")
    assert view.error is None and "‖f(compressed) − f(clean)‖" in view.text
    view.controls["model"].value = "b"
    assert len(calls["b"]) == 2 and view.result is not res
    view.controls["model"].value = "a"
    assert view.result is res and len(calls["a"]) == 2 and len(calls["b"]) == 2


def test_latent_view_without_reference_has_no_difference(tiny_model, lr):
    view = LatentView(tiny_model, lr, render=False, cache=FeatureCache())
    assert "difference" not in view.controls["view"].options
    with pytest.raises(ValueError, match="view"):
        LatentView(tiny_model, lr, view="difference", render=False)


# ---------------------------------------------------------------------------------------------- ensemble
def test_ensemble_view_moves_region_without_encoding(tiny_model, lr):
    calls = counting(tiny_model)
    view = EnsembleView(tiny_model, lr, scale=2, region=(4, 4, 10, 10), cache=FeatureCache(), render=False)
    assert calls == [(24, 24)]
    first = view.result
    view.controls["col"].value = 30
    assert view.result.region == (4, 30, 10, 10) and calls == [(24, 24)]
    expected = ensemble_weights(tiny_model, lr, (4, 30, 10, 10), scale=2)  # encodes its own crop
    np.testing.assert_allclose(view.result.output, expected.output, atol=1e-5)
    np.testing.assert_allclose(view.result.weights, expected.weights, atol=1e-6)
    assert len(calls) == 2  # the reference computation encoded its own crop
    view.set(size=20, row=28)  # col 30 no longer fits: clamped to 48 − 20
    assert view.result.region == (28, 28, 20, 20) and view.result is not first
    fig = view.figure
    view.controls["view"].value = "contributions"
    assert view.figure is not fig and len(calls) == 2


# ------------------------------------------------------------------------------------------------- scale
def test_scale_view_changes_scale_without_encoding(tiny_model, lr):
    calls = counting(tiny_model)
    view = ScaleView(tiny_model, lr, region=(4, 6, 8, 8), scale=2.0, cache=FeatureCache(), render=False)
    assert view.result["output_size"] == (48, 48)
    view.controls["scale"].value = 3.5
    res = view.result
    assert res["output_size"] == (84, 84) and calls == [(24, 24)]
    R0, C0, RH, CW = res["hr_region"]
    full = explain.upscale(tiny_model, lr, scale=3.5)
    np.testing.assert_allclose(res["liif"], full[R0:R0 + RH, C0:C0 + CW], atol=1e-5)
    assert res["lr"].shape == (8, 8, 3)
    with pytest.raises(ValueError, match="outside"):
        ScaleView(tiny_model, lr, region=(20, 20, 8, 8), render=False)


# ------------------------------------------------------------------------------------------------ codecs
def test_codec_view_pickers(two_models, lr):
    hr = explain.upscale_bicubic(lr, 2)  # 48×48 "original"
    cache = FeatureCache()
    calls = counting(two_models["a"])
    view = CodecView(two_models, hr, scale=2, window=(16, 16, 16, 16), codec="jpeg", quality=10, steps=2,
                     cache=cache, render=False, progress=False)
    first = view.result
    assert first["info"].codec == "jpeg" and first["info"].settings["quality"] == 10
    assert set(first["psnr_sr"]) == {"bicubic", "a", "b"} and len(first["rows"]) == 2
    view.controls["quality"].value = 90
    assert view.result["info"].settings["quality"] == 90 and view.result["psnr_lr"] > first["psnr_lr"]
    n = len(calls)
    view.controls["quality"].value = 10  # back: decode, SR and attribution are memoised
    assert len(calls) == n and view.result["psnr_lr"] == first["psnr_lr"]
    view.set(codec="webp", mode="target bpp", bpp=2.0)
    assert view.result["info"].codec == "webp" and "target_bpp" in view.result["info"].extra
    assert view.controls["quality"].disabled and not view.controls["bpp"].disabled
    view.set(mode="setting", codec="jpeg2000", attribution=False)
    assert "rate" in view.result["info"].settings and view.result["rows"] == []
    assert not view.controls["rate"].disabled


def test_codec_view_rejects_bad_arguments(tiny_model, lr):
    with pytest.raises(ValueError, match="codec"):
        CodecView(tiny_model, lr, scale=2, codec="gif", render=False)
    with pytest.raises(ValueError, match="scale"):
        CodecView(tiny_model, lr, scale=1.5, render=False)


def test_view_renders_into_its_output(tiny_model, lr, capsys):
    view = EnsembleView(tiny_model, lr, scale=2, size=8, cache=FeatureCache(), render=True)
    assert view.updates == 1
    view.controls["row"].value = 3
    assert view.updates == 2 and view.widget is not None
    assert capsys.readouterr().out.count("Image object") == 2  # one PNG per update (no kernel: printed)


# ---------------------------------------------------------------------------------------- click to pick
def _click(picker, row, col, button=1):
    """Press a mouse button on the pick canvas at image position (row, col), as ipympl would report it."""
    from matplotlib.backend_bases import MouseEvent

    picker.figure.canvas.draw()
    x, y = picker.ax.transData.transform((col, row))
    MouseEvent("button_press_event", picker.figure.canvas, x, y, button=button)._process()


@pytest.mark.parametrize("kind", ["attribution", "ensemble", "codec"])
def test_a_click_on_the_image_moves_and_marks_the_window(kind, tiny_model, lr):
    pytest.importorskip("ipympl")
    from ipympl.backend_nbagg import Canvas

    common = {"cache": FeatureCache(), "render": False, "click": True}
    if kind == "attribution":
        view = AttributionView(tiny_model, lr, scale=2, window=(10, 12, 8, 8), method="saliency", progress=False,
                               **common)
        box = lambda: view.window  # noqa: E731
    elif kind == "ensemble":
        view = EnsembleView(tiny_model, lr, scale=2, region=(10, 12, 8, 8), **common)
        box = lambda: view.region  # noqa: E731
    else:
        view = CodecView(tiny_model, explain.upscale_bicubic(lr, 2), scale=2, window=(10, 12, 8, 8), steps=1,
                         progress=False, **common)
        box = lambda: view.window  # noqa: E731
    picker = view.picker
    assert isinstance(picker.canvas, Canvas)
    assert any(picker.canvas in getattr(w, "children", ()) for w in view.widget.children)  # beside the output
    assert picker.marked == pytest.approx((5, 6, 4, 4))  # the window (output px) drawn in LR px
    updates = view.updates
    _click(picker, 18.2, 3.7)  # LR position (18.2, 3.7) lies in output pixel (37, 8): the window centres there
    assert box() == (33, 4, 8, 8) and view.updates == updates + 1 and picker.clicks == 1
    assert picker.marked == pytest.approx((16.5, 2, 4, 4))
    _click(picker, 1.0, 1.0, button=3)  # other buttons do nothing
    _click(picker, 0.2, 23.4)  # near the top-right corner: clamped inside the image
    assert box() == (0, 40, 8, 8) and picker.clicks == 2


def test_the_pick_canvas_says_clicks_wait_for_the_kernel_until_its_handshake(tiny_model, lr):
    """Until the browser's "initialized" message reaches the kernel (in a fresh "Run All", only once every later
    cell has run), the canvas says that clicks wait; afterwards a click's new window is drawn and sent at once,
    before the view computes anything for it, and a status line says what is being computed."""
    pytest.importorskip("ipympl")
    from explain.widgets.pick import WAITING

    view = EnsembleView(tiny_model, lr, scale=2, region=(10, 12, 8, 8), cache=FeatureCache(), render=False,
                        click=True)
    picker = view.picker
    assert not picker.ready and WAITING in picker.ax.get_title()
    picker.canvas._msg_callbacks(picker.canvas, {"type": "initialized"}, [])  # as the browser's handshake
    assert picker.ready and WAITING not in picker.ax.get_title() and picker.ax.get_title() == picker.title
    drawn, seen = [], []
    picker.canvas.mpl_connect("draw_event", lambda _e: drawn.append(picker.marked))
    compute = view._compute

    def watched():  # what the browser has been sent when the computation starts
        seen.append((list(drawn), view.status.value))
        return compute()

    view._compute = watched
    _click(picker, 18.2, 3.7)
    (marks, status), = seen
    assert marks and marks[-1] == pytest.approx((16.5, 2, 4, 4))  # the new window drawn before the computation
    assert status.startswith("<i>computing") and view.status.value == ""  # cleared when done


def test_views_without_ipympl_or_click_have_no_picker(tiny_model, lr, monkeypatch):
    import explain.widgets.pick as pick

    view = EnsembleView(tiny_model, lr, scale=2, size=8, cache=FeatureCache(), render=False, click=False)
    assert view.picker is None
    monkeypatch.setattr(pick.importlib.util, "find_spec", lambda name: None)
    assert not pick.ipympl_available()
    assert EnsembleView(tiny_model, lr, scale=2, size=8, cache=FeatureCache(), render=False).picker is None
    with pytest.raises(ValueError, match="ipympl"):
        EnsembleView(tiny_model, lr, scale=2, size=8, cache=FeatureCache(), render=False, click=True)


def test_codec_view_window_sliders_move_the_explained_window(tiny_model, lr):
    hr = explain.upscale_bicubic(lr, 2)
    view = CodecView(tiny_model, hr, scale=2, window=(16, 16, 16, 16), steps=1, margin=2, cache=FeatureCache(),
                     render=False, progress=False, click=False)
    assert view.region == (12, 12, 24, 24)
    first = view.result["rows"][0]
    view.set(row=0, col=32)
    assert view.window == (0, 32, 16, 16) and view.region == (0, 28, 20, 20)
    assert view.result["region"] == (0, 28, 20, 20) and view.result["rows"][0] != first
    view.controls["size"].value = 40  # the position sliders are re-ranged to keep the window inside
    assert view.controls["col"].max == 8 and view.window[1] + 40 <= 48


def test_a_view_displays_a_static_snapshot_too(tiny_model, lr):
    import base64

    from explain.widgets._base import STATIC_CLASS

    view = EnsembleView(tiny_model, lr, scale=2, size=8, cache=FeatureCache(), render=False, click=False)
    bundle = view.snapshot()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert f'class="{STATIC_CLASS}"' in bundle["text/html"] and bundle["image/png"] in bundle["text/html"]
    assert bundle["text/plain"] == view.text and "initial state" in bundle["text/html"]
    # the live widget carries the rule that hides the snapshot where widgets render
    style = view.widget.children[0]
    assert f".{STATIC_CLASS} {{display: none;}}" in style.value and "explain-view" in view.widget._dom_classes
    # the summary keeps its lines (no mid-word wrapping)
    from explain.widgets._base import text_block

    assert "white-space: pre;" in text_block("a b") and "word-break: normal" in text_block("a b")


def test_widget_latency_benchmark_times_every_pickable_view(tiny_model):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "widget_latency.py"
    spec = importlib.util.spec_from_file_location("widget_latency", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.run({"tiny": tiny_model}, size=32, moves=2, steps=2)
    default = f"lam-{AttributionView.DEFAULT_STEPS} (view default)"
    assert [(r["view"].split()[0], r["method"]) for r in rows] == [
        ("AttributionView", "saliency"), ("CodecView", "saliency"), ("AttributionView", "lam-2"),
        ("CodecView", "lam-2"), ("AttributionView", default), ("CodecView", default),
        ("EnsembleView", "ensemble weights")]
    assert all(r["moves"] == 2 and 0 < r["min_s"] <= r["median_s"] <= r["max_s"] for r in rows)
    assert {r["models"] for r in rows} == {"tiny"}
    _, lr = bench.lr_image(size=32)
    table = bench.quadrature_table(tiny_model, lr, [(8, 8, 32, 32), (60, 40, 32, 32)], steps=(2, 8),
                                   reference_steps=16)
    assert [(r["rule"], r["steps"]) for r in table] == [(rule, n) for rule in ("midpoint", "trapezoid",
                                                                              "gausslegendre", "arclength")
                                                        for n in (2, 8)]
    assert all(np.isfinite(r["map_error"]) and r["map_error"] >= 0 and r["relative_gap"] >= 0 for r in table)
    midpoint = [r["map_error"] for r in table if r["rule"] == "midpoint"]
    assert midpoint[1] < midpoint[0]  # more steps, closer to the reference
