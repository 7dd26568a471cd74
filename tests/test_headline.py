"""One answer: the tour's JPEG, the notebooks' scene as a file, and the named numbers from the clue taxonomy."""

import numpy as np
import pytest
from PIL import Image

from explain.headline import (
    QUANTITIES,
    explain_jpeg,
    format_value,
    headline_scene,
    model_means,
    numbers_table,
    scene_photo,
)
from explain.notebooks import AS_IS, make_scene

FAST = {"windows": 2, "lam_steps": 2, "ig_steps": 2, "randomise": "none", "progress": False}


@pytest.fixture(scope="module")
def small_scene():
    return headline_scene("astronaut", scale=8, quality=25)  # 64×64 LR, a real JPEG file's bytes


def test_headline_scene_checks_its_arguments():
    with pytest.raises(ValueError, match="scale"):
        headline_scene("astronaut", scale=2.5)
    with pytest.raises(ValueError, match="quality"):
        headline_scene("astronaut", quality=0)


def test_scene_photo_of_a_compressed_scene_is_the_same_jpeg(small_scene):
    sc = make_scene("astronaut", scale=8, quality=25)
    photo = scene_photo(sc)
    np.testing.assert_array_equal(photo.image, sc.lr)
    np.testing.assert_array_equal(photo.image, small_scene.lr)
    assert photo.facts.is_jpeg and photo.facts.quality.quality == 25 and photo.facts.chroma_factor == (2, 2)


def test_scene_photo_of_a_cropped_file_moves_the_grid(tmp_path):
    rng = np.random.default_rng(3)
    pixels = (np.kron(rng.random((12, 14, 3)), np.ones((8, 8, 1))) * 255).astype(np.uint8)  # 96×112, blocky
    path = tmp_path / "photo.jpg"
    Image.fromarray(pixels).save(path, quality=30)
    sc = make_scene(path, scale=4, quality=AS_IS, lr_crop=64)
    photo = scene_photo(sc)
    np.testing.assert_array_equal(photo.image, sc.lr)
    r0, c0 = sc.origin[0] // 4, sc.origin[1] // 4
    assert photo.facts.size == (64, 64) and (r0, c0) != (0, 0)
    whole = scene_photo(make_scene(path, scale=4, quality=AS_IS))
    assert photo.facts.grid_phase == ((whole.facts.grid_phase[0] - r0) % 8, (whole.facts.grid_phase[1] - c0) % 8)
    assert any("crop" in n for n in photo.facts.notes)


def test_named_numbers_are_the_clues_and_the_words_quote_them(small_scene, make_tiny_model):
    models = {"tiny-jpeg": make_tiny_model(seed=1), "tiny-b": make_tiny_model(seed=2)}
    report = explain_jpeg(small_scene.photo, models, scale=4, **FAST)
    assert report.models == ["tiny-jpeg", "tiny-b"] and report.headline_model == "tiny-jpeg"
    assert all(getattr(m, "name", None) not in report.models for m in models.values())  # callers' untouched
    means = model_means(report)
    for name in report.models:
        lam = [w.clues[name].spatial.lam for w in report.windows]
        assert means[name]["neighbour_blocks"] == pytest.approx(np.mean([a.block_shares["neighbours"] for a in lam]))
        assert means[name]["di_whole_map"] == pytest.approx(np.mean([a.di for a in lam]))
        assert means[name]["di_receptive_box"] == pytest.approx(np.mean([a.di_receptive for a in lam]))
    m = means["tiny-jpeg"]
    answer = next(p for p in report.answer if "of its evidence (LAM)" in p)  # the technical layer
    assert f"drew {format_value('own_block', m['own_block'])} of its evidence (LAM)" in answer
    assert f"{format_value('neighbour_blocks', m['neighbour_blocks'])} from its 8 neighbouring blocks" in answer
    assert f"carried {format_value('block_edge_enrichment', m['block_edge_enrichment'])[:-1]}× their" in answer
    text = numbers_table(report)
    assert len(text.splitlines()) == 1 + len(QUANTITIES)
    di_row = next(line for line in text.splitlines() if line.startswith("DI, receptive box"))
    assert di_row.split()[-2:] == [format_value("di_receptive_box", means[n]["di_receptive_box"])
                                   for n in report.models]
    md = numbers_table(report, markdown=True).splitlines()
    assert md[0] == "| mean over 2 block(s) | tiny-jpeg | tiny-b |" and md[1] == "|---|---:|---:|"
    assert {line.split(" | ")[0].lstrip("| ") for line in md[2:]} == {v[0] for v in QUANTITIES.values()}


def test_format_value_writes_each_kind_of_quantity():
    assert format_value("neighbour_blocks", 0.456) == "46 %"
    assert format_value("block_edge_enrichment", 1.26) == "1.3×"
    assert format_value("di_receptive_box", 12.34) == "12.3"
    assert format_value("own_block", float("nan")) == "n/a"


def test_tour_and_notebook_00_take_the_answer_from_the_one_computation():
    """Both print report.answer of explain_jpeg; neither picks its own window or runs its own attribution."""
    import inspect
    from pathlib import Path

    import explain.tour as tour

    notebook = (Path(__file__).resolve().parents[1] / "notebooks" / "00_why_the_blocks_disappeared.py").read_text()
    tour_source = inspect.getsource(tour)
    for text in (notebook, tour_source):
        assert "explain_jpeg(" in text
        for own in ("explain.attribute(", "attribute(model", "blockiest_window(", "blockiest_block(",
                    "sanity_check("):
            assert own not in text, own
    assert "report.answer" in notebook and "numbers_table(report" in notebook
    assert "explanation.answer" in tour_source and "numbers_table(result.explanation)" in tour_source
