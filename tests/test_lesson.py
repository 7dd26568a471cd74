"""The lesson's views (notebook 01): the linked cursor, the responses with a scale slider, predict-then-reveal."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from explain.widgets.cache import FeatureCache
from explain.widgets.lesson import CursorView, QuestionView, ResponseView


@pytest.fixture
def lesson_image():
    rng = np.random.default_rng(3)
    return rng.random((24, 24, 3)).astype(np.float32)


def test_cursor_view_links_codes_weights_lam_and_block(tiny_model, make_tiny_model, lesson_image):
    view = CursorView({"a": tiny_model, "b": make_tiny_model(seed=1)}, lesson_image, scale=2, pixel=(21, 37),
                      steps=2, click=False, cache=FeatureCache(), render=False)
    cur = view.result
    np.testing.assert_allclose(cur.position, [10.75, 18.75])
    assert cur.block == (8, 16) and cur.dct.shape == (8, 8) and cur.lam.shape == (24, 24)
    assert sorted(map(tuple, cur.codes.tolist())) == [(10, 18), (10, 19), (11, 18), (11, 19)]
    np.testing.assert_allclose(cur.weights.sum(), 1.0, atol=1e-6)
    assert 0 < cur.lam_in_block <= 1 and isinstance(view.figure, Figure)
    # the DCT of the block is the block's luma in JPEG units: its DC is 8 × (mean luma − 128)
    y = 255 * (lesson_image[8:16, 16:24] @ np.array([0.299, 0.587, 0.114]))
    assert cur.dct[0, 0] == pytest.approx(8 * (y.mean() - 128), rel=1e-5)
    view.pick(3, 5)  # a click elsewhere: everything follows the pixel
    assert view.pixel == (3, 5) and view.result.block == (0, 0) and view.updates == 2
    assert sorted(map(tuple, view.result.codes.tolist())) == [(1, 2), (1, 3), (2, 2), (2, 3)]
    view._on_pick_output(2.2, 4.9)  # canvas coordinates (the region around the first block)
    R0, C0, _, _ = view._canvas_box()
    assert view.pixel == (R0 + 2, C0 + 5)
    view.set(model="b")
    assert view.result.name == "b"
    with pytest.raises(ValueError, match="outside"):
        CursorView(tiny_model, lesson_image, scale=2, pixel=(48, 0), click=False, render=False)


def test_response_view_scale_slider(tiny_model):
    view = ResponseView({"tiny": tiny_model}, scale=2, cache=FeatureCache(), render=False)
    assert [r.name for r in view.result] == ["bicubic", "tiny"] and view.result[0].scale == 2
    assert view.controls["u"].disabled
    view.set(scale=3)
    assert view.result[0].response.shape == (51, 51, 3)
    view.set(input="dct", u=2, v=0)
    assert not view.controls["u"].disabled and (view.result[1].u, view.result[1].v) == (2, 0)
    assert "inside the block" in view.text
    with pytest.raises(ValueError, match="what must"):
        ResponseView(tiny_model, what="square")


def test_question_view_reveals_the_measurement():
    fig = Figure()
    q = QuestionView("What does it do?", ["a", "b", "c"], 2, "peak 1.9, lobe -20%", "it sharpens", figure=fig,
                     render=False)
    assert not q.revealed and "Answer: c" in q.text and q.snapshot()["text/html"].count("explain-static-view")
    q.controls["guess"].value = "b"
    q.button.click()
    assert q.revealed and q.button.disabled
    assert "<li>peak 1.9, lobe -20%</li>" in q._answer_html() and "<b>Answer:</b> c" in q._answer_html()
    with pytest.raises(ValueError, match="answer"):
        QuestionView("?", ["a", "b"], 2, "", "")
    with pytest.raises(ValueError, match="two choices"):
        QuestionView("?", ["a"], 0, "", "")
