"""Causal clues: the interventions edit what they say, the dB figures are what the public API gives on the edited
image, comparisons find real differences and only those, bad input is refused, and the answer leads with them."""

import matplotlib
import numpy as np
import pytest

import explain
from explain.metrics import psnr_y
from explain.probes import causal as causal_mod
from explain.probes.causal import (
    INTERVENTIONS,
    causal_clues,
    coefficient_edits,
    compare_effects,
    natural_bank,
)
from explain.probes.frequency import BLOCK, block_idct, centred_to_rgb, coefficients_of


@pytest.fixture(scope="module")
def scene():
    """A 48×48 LR crop of astronaut (×2 → 96×96 original) saved as JPEG q=20 and read back."""
    from explain.headline import jpeg_photo
    from explain.images import crop_to_multiple, downscale, load_image

    hr = crop_to_multiple(load_image("astronaut")[200:296, 180:276], 16)
    lr = downscale(hr, 2)
    photo, _ = jpeg_photo(lr, 20)
    return hr, photo.image, photo


def _edited(image, block, name, quality=5):
    """The decoded image with one intervention applied, built here from the DCT helpers (not the probe's code path)."""
    (i, j) = (block[0] // BLOCK, block[1] // BLOCK)
    rows, cols = (BLOCK * (i - 1), BLOCK * (i + 2)), (BLOCK * (j - 1), BLOCK * (j + 2))
    x = coefficients_of(image, (rows, cols))
    y = x.copy()
    ac = np.ones((BLOCK, BLOCK), dtype=bool)
    ac[0, 0] = False
    if name == "neighbours_ac":
        for a in range(3):
            for b in range(3):
                if (a, b) != (1, 1):
                    y[:, a, b][:, ac] = 0.0
    elif name == "own_ac":
        y[:, 1, 1][:, ac] = 0.0
    out = image.astype(np.float64).copy()
    out[rows[0]: rows[1], cols[0]: cols[1]] = centred_to_rgb(block_idct(y)).transpose(1, 2, 0)
    return np.clip(out, 0, 1).astype(np.float32)


def test_edits_zero_what_they_name_and_nothing_else(scene):
    _, lr, _ = scene
    x = coefficients_of(lr, ((8, 32), (8, 32)))
    present = np.ones((3, 3), dtype=bool)
    edits = coefficient_edits(x, present, 5, 4, 0)
    assert set(edits) == set(INTERVENTIONS) and len(edits["neighbours_natural"]) == 4
    own = x + edits["own_ac"][0]
    assert np.allclose(own[:, 1, 1, 0, 0], x[:, 1, 1, 0, 0])  # DC kept
    assert np.abs(own[:, 1, 1]).sum() == pytest.approx(np.abs(x[:, 1, 1, 0, 0]).sum())  # every AC gone
    assert np.array_equal(np.delete(own.reshape(3, 9, 8, 8), 4, 1), np.delete(x.reshape(3, 9, 8, 8), 4, 1))
    nb = x + edits["neighbours_ac"][0]
    assert np.array_equal(nb[:, 1, 1], x[:, 1, 1])  # the explained block untouched
    low = x + edits["neighbours_low_ac"][0]
    high = x + edits["neighbours_high_ac"][0]
    assert low[0, 0, 0, 0, 1] == 0 and low[0, 0, 0, 3, 3] == x[0, 0, 0, 3, 3]
    assert high[0, 0, 0, 3, 3] == 0 and high[0, 0, 0, 0, 1] == x[0, 0, 0, 0, 1]
    chroma = x + edits["chroma_ac"][0]
    assert np.array_equal(chroma[0], x[0]) and np.abs(chroma[1:, :, :, 1:, :]).sum() == 0
    one = x + edits["neighbour_right"][0]
    changed = np.argwhere(np.abs(one - x).sum(axis=(0, 3, 4)) > 0)
    assert changed.tolist() == [[1, 2]]
    for d in edits["neighbours_natural"]:
        new = x + d
        assert np.allclose(new[:, :, :, 0, 0], x[:, :, :, 0, 0]) and np.array_equal(new[:, 1, 1], x[:, 1, 1])
    # a block outside the image is never edited
    present[0] = False
    edits = coefficient_edits(x, present, 5, 2, 0)
    assert "neighbour_above" not in edits and np.abs(edits["neighbours_ac"][0][:, 0]).sum() == 0


def test_neighbours_ac_db_is_what_explain_upscale_gives_on_the_edited_image(scene, tiny_model):
    hr, lr, _ = scene
    block = (20, 20)  # block (2, 2): rows 16–23
    c = causal_clues(tiny_model, lr, block, scale=2, original=hr, draws=2)
    r, q, hh, ww = c.window
    for name in ("neighbours_ac", "own_ac"):
        before = explain.upscale(tiny_model, lr, scale=2)[r: r + hh, q: q + ww]
        after = explain.upscale(tiny_model, _edited(lr, block, name), scale=2)[r: r + hh, q: q + ww]
        truth = hr[r: r + hh, q: q + ww]
        expected = psnr_y(truth, before) - psnr_y(truth, after)
        assert c.effects[name].db_lost_model == pytest.approx(expected, abs=0.01)  # the bar is 0.1 dB
        assert c.psnr_model == pytest.approx(psnr_y(truth, before), abs=0.01)
        assert np.allclose(c.outputs_after[name], after, atol=2e-3)
    bic = explain.upscale_bicubic(_edited(lr, block, "neighbours_ac"), scale=2)[r: r + hh, q: q + ww]
    bic0 = explain.upscale_bicubic(lr, scale=2)[r: r + hh, q: q + ww]
    expected = psnr_y(hr[r: r + hh, q: q + ww], bic0) - psnr_y(hr[r: r + hh, q: q + ww], bic)
    assert c.effects["neighbours_ac"].db_lost_bicubic == pytest.approx(expected, abs=0.05)
    e = c.effects["neighbours_natural"]
    assert len(e.draws) == 2 and e.interval[0] <= e.db_lost_model <= e.interval[1]


def test_without_original_the_figure_is_the_relative_change(scene, tiny_model):
    _, lr, _ = scene
    c = causal_clues(tiny_model, lr, (20, 20), scale=2, draws=2)
    assert not c.has_original and c.psnr_model is None
    e = c.effects["own_ac"]
    assert e.db_lost_model is None and e.figure == e.change_model > 0
    before = c.output.astype(np.float64)
    after = c.outputs_after["own_ac"].astype(np.float64)
    assert e.change_model == pytest.approx(np.linalg.norm(after - before) / np.linalg.norm(before), rel=1e-6)
    assert np.isfinite(e.reaction_ratio)
    d = c.to_dict()
    assert d["figure"] == "change_model" and set(d["interventions"]) == set(INTERVENTIONS)


def test_corner_block_leaves_out_the_missing_neighbours(scene, tiny_model):
    _, lr, _ = scene
    c = causal_clues(tiny_model, lr, (0, 0), scale=2, draws=1)
    assert "neighbour_above" not in c.effects and "neighbour_left" not in c.effects
    assert "neighbour_below_right" in c.effects
    grid = c.neighbour_grid()
    assert np.isnan(grid[0]).all() and np.isfinite(grid[2, 2])


def test_compare_effects_finds_a_real_difference_and_no_false_one(scene, make_tiny_model):
    hr, lr, _ = scene
    a = causal_clues(make_tiny_model(seed=1), lr, (20, 20), scale=2, original=hr, draws=2, name="a")
    same = compare_effects([a], [a])
    assert all(v.difference == 0 and not v.differs for v in same.values())
    # A model that ignores its input (zero encoder weights → constant output) loses nothing: every effect of a
    # that is clearly non-zero must differ from it.
    flat = make_tiny_model(seed=2)
    import torch

    with torch.no_grad():
        for p in flat.encoder.parameters():
            p.zero_()
    b = causal_clues(flat, lr, (20, 20), scale=2, original=hr, draws=2, name="flat")
    assert abs(b.effects["own_ac"].db_lost_model) < 1e-6
    comp = compare_effects([a], [b])
    assert comp["own_ac"].differs == (abs(a.effects["own_ac"].db_lost_model) > 0.05)
    assert comp["own_ac"].interval[0] <= comp["own_ac"].difference <= comp["own_ac"].interval[1]
    with pytest.raises(ValueError, match="same, non-empty"):
        compare_effects([a], [])


def test_bad_input_is_refused(scene, tiny_model):
    hr, lr, _ = scene
    with pytest.raises(ValueError, match="scale × the photo"):
        causal_clues(tiny_model, lr, (20, 20), scale=2, original=hr[:-8])
    with pytest.raises(ValueError, match="draws"):
        causal_clues(tiny_model, lr, (20, 20), scale=2, draws=0)
    with pytest.raises(ValueError, match="baseline_quality"):
        causal_clues(tiny_model, lr, (20, 20), scale=2, baseline_quality=0)
    with pytest.raises(ValueError, match="outside"):
        causal_clues(tiny_model, lr, (100, 20), scale=2)


def test_natural_bank_is_seeded_natural_blocks():
    a, b = natural_bank(0), natural_bank(0)
    assert a is b and a.shape[1:] == (3, 8, 8) and len(a) >= 16
    assert np.abs(a[:, 0, 1:, 1:]).mean() > 1.0  # natural blocks carry AC energy
    assert not np.array_equal(natural_bank(1)[:5], a[:5])
    assert "astronaut" not in causal_mod.BANK_IMAGES  # not the tour's own image


def test_figure_has_units_and_a_labelled_colour_bar(scene, tiny_model):
    from explain.figures import plot_causal

    hr, lr, _ = scene
    c = causal_clues(tiny_model, lr, (20, 20), scale=2, original=hr, draws=1)
    fig = plot_causal(c)
    assert isinstance(fig, matplotlib.figure.Figure)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert any("dB lost" in lab for lab in labels)  # the colour bar
    assert any("px" in ax.get_xlabel() for ax in fig.axes[1:])
    assert any("original" in ax.get_title() for ax in fig.axes)


def test_untrustworthy_path_methods_are_kept_out_of_the_answer(scene, tiny_model, monkeypatch):
    import importlib

    from explain.report import explain_photo

    clues_mod = importlib.import_module("explain.probes.clues")  # the module (the package exports the function)

    monkeypatch.setattr(clues_mod, "GAP_LIMIT", -1.0)  # no gap can pass: refine to the cap, then keep out
    rep = explain_photo(scene[2], None, models=[tiny_model], windows=1, lam_steps=2, ig_steps=1, randomise="none",
                        progress=False, causal=False)
    c = rep.windows[0].clues[rep.models[0]]
    assert c.params["ig_steps_used"] == 2 and c.params["lam_steps_used"] == 4  # refined to 2×, then kept out
    assert c.params["ig_steps_used_channel"] == [2, 2, 2]
    assert not c.trusted("lam") and not c.trusted("channel")
    text = " ".join(rep.answer)
    assert "Kept out of these figures" in text and "n/a of its evidence (LAM)" in text
    assert all(k.trustworthy is False for k in c.checks if "integrated" in k.clue or "LAM" in k.clue)


def test_causal_view_erases_the_clicked_neighbour(scene, tiny_model):
    from explain.widgets import CausalView

    hr, lr, _ = scene
    view = CausalView({"tiny": tiny_model}, lr, scale=2, block=(20, 20), original=hr, draws=1, click=False,
                      render=False)
    assert view.block_box == ((16, 24), (16, 24)) and view.value("erase") == "neighbours_ac"
    first = view.result
    view.pick(10, 27)  # the block above-right of the explained one
    assert view.value("erase") == "neighbour_above_right" and view.result is first  # memoised, not recomputed
    assert "dB" in view.figure.axes[1].get_title() and "neighbour_above_right" in view.text
    view.pick(20, 20)
    assert view.value("erase") == "own_ac"
    view.pick(44, 4)  # far away: explain that block instead
    assert view.block_box == ((40, 48), (0, 8)) and view.result is not first
    view.set(erase="neighbour_below")  # outside the image there: the error is shown, the old result kept
    assert view.error and "outside the image" in view.error
    with pytest.raises(ValueError, match="scale × the image"):
        CausalView({"tiny": tiny_model}, lr, scale=2, original=hr[:-2], click=False, render=False)


def test_the_report_compares_the_model_with_its_control_in_plain_words(scene, make_tiny_model):
    import json

    from explain.report import explain_photo

    hr, _, photo = scene
    twin, control = make_tiny_model(seed=1), make_tiny_model(seed=2)
    twin.name, control.name = "tiny-jpeg", "tiny-clean"
    rep = explain_photo(photo, None, models=[twin], scale=2, windows=2, lam_steps=2, ig_steps=2, randomise="none",
                        progress=False, original=hr, control=control, draws=2)
    # no weight-randomised copy in the causal layer: a random network has no detail to lose (it cannot fail)
    assert rep.causal_roles == {"tiny-jpeg": "explained", "tiny-clean": "control"}
    assert set(rep.learnt) == {"control"}
    d = json.loads(json.dumps(rep.to_dict(), allow_nan=False))
    assert set(d["windows"][0]["causal"]) == {"tiny-jpeg", "tiny-clean"}
    nb = d["causal_learnt"]["control"]["interventions"]["neighbours_ac"]
    mine = np.mean([w["causal"]["tiny-jpeg"]["interventions"]["neighbours_ac"]["db_lost_model"]
                    for w in d["windows"]])
    assert nb["first"] == pytest.approx(mine, abs=1e-6) and nb["figure"] == "db_lost"
    plain = rep.answer[0]
    assert plain.startswith("In plain words:") and "dB (decibels)" in plain
    assert f"{mine:.2f} dB" in plain
    assert "Its control tiny-clean" in rep.answer[1] and "bicubic enlargement of the same edited image" in rep.answer[1]
    # the plain layer carries no code identifiers (they stay in report.json and the HTML table)
    from explain.probes.causal import INTERVENTIONS

    for paragraph in rep.answer[: rep.plain_paragraphs]:
        assert not any(name in paragraph for name in INTERVENTIONS), paragraph
        assert "randomised" not in paragraph
    # an explained control is compared too, and a report without causal clues has none
    both = explain_photo(photo, None, models=[twin, control], windows=1, lam_steps=2, ig_steps=2,
                         randomise="none", progress=False, control="tiny-clean", draws=1)
    assert both.causal_roles["tiny-clean"] == "control" and "control" in both.learnt
    off = explain_photo(photo, None, models=[twin], windows=1, lam_steps=2, ig_steps=2, randomise="none",
                        progress=False, causal=False)
    assert not off.windows[0].causal and off.answer[0].startswith("The file:")
