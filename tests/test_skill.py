"""The skill study (FAIG control → twin, swap curves, ranking.npz, cache, CLI, figures, the answer's paragraph)
on tiny models and small scikit-image crops."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from explain.cli import main
from explain.models import save_model
from explain.models.units import swap_units, weight_units
from explain.studies.skill import (
    RANKING_KEYS,
    EvalSettings,
    ScoringSettings,
    SkillResult,
    cached_result,
    read_ranking,
    skill,
    skill_paragraph,
    state_sha256,
    write_skill,
)
from explain.studies.skill import study as study_module
from explain.studies.skill.cache import pair_dir
from explain.studies.skill.scoring import scoring_batches

SCORING = ScoringSettings(images=("astronaut", "coffee"), patch=16, queries=64, steps=2)
EVAL = EvalSettings(images=("camera", "coins"), crop=64, fractions=(0.05, 0.5, 1.0), random_seeds=(0, 1),
                    view_units=16)


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LIIF_EXPLAIN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def pair(make_tiny_model):
    control, twin = make_tiny_model(seed=1), make_tiny_model(seed=2)
    control.name, twin.name = "tiny-control", "tiny-twin"
    return control, twin


@pytest.fixture
def result(pair):
    return skill(*pair, SCORING, EVAL, progress=False)


def test_scoring_set_is_seeded_and_paired():
    a, b = scoring_batches(SCORING), scoring_batches(SCORING)
    assert torch.equal(a["jpeg"].lr, b["jpeg"].lr) and torch.equal(a["jpeg"].coords, b["jpeg"].coords)
    assert a["jpeg"].lr.shape == (2, 3, 16, 16) and a["jpeg"].coords.shape == (2, 64, 2)
    assert torch.equal(a["jpeg"].target, a["clean"].target)  # same crops and query pixels, only the input differs
    assert not torch.equal(a["jpeg"].lr, a["clean"].lr)
    other = scoring_batches(ScoringSettings(images=("astronaut", "coffee"), patch=16, queries=64, steps=2, seed=1))
    assert not torch.equal(a["jpeg"].coords, other["jpeg"].coords)


def test_result_shapes_and_rankings(result, pair):
    n = weight_units(pair[1]).count
    assert result.units.count == n
    assert set(result.ig) == {"jpeg", "clean", "twin"}
    assert result.methods == ["faig", "absdelta", "ig-twin", "random-0", "random-1"]
    for order in result.rankings.values():
        assert np.array_equal(np.sort(order), np.arange(n))
    faig = result.faig
    assert np.all(np.diff(faig[result.rankings["faig"]]) <= 0)
    assert np.allclose(faig, np.abs(result.ig["jpeg"]) - np.abs(result.ig["clean"]))
    assert result.gains.shape == (5, 3, 2, 2)
    # swapping every unit is the control: its row equals the control's gains, so 100 % of the advantage goes
    assert np.allclose(result.gains[:, -1], result.control_gain[None])
    assert np.allclose(result.removed("faig")[-1], 1.0)
    s = result.meta["scores"]
    assert s["jpeg"]["completeness_gap"] < 0.2 and s["seconds"] > 0


def test_swapping_all_gives_the_control_when_evaluated(pair):
    control, twin = pair
    units = weight_units(twin)
    images = study_module.eval_images(EVAL, 4, 30)[:1]
    bic = {(k, 0): 0.0 for k in ("jpeg", "clean")}
    full = swap_units(twin, control, np.arange(units.count), units)
    assert np.array_equal(study_module._gains(full, images, 4, bic), study_module._gains(control, images, 4, bic))
    none = swap_units(twin, control, [], units)
    assert np.array_equal(study_module._gains(none, images, 4, bic), study_module._gains(twin, images, 4, bic))


def test_cache_hit_and_key(result, pair, tmp_cache, monkeypatch):
    control, twin = pair
    folder = pair_dir(state_sha256(control), state_sha256(twin))
    assert folder.is_relative_to(tmp_cache)
    assert len(list(folder.glob("scores-*.npz"))) == 1 and len(list(folder.glob("result-*.npz"))) == 1

    def boom(*a, **k):
        raise AssertionError("recomputed despite the cache")

    monkeypatch.setattr(study_module, "score_units", boom)
    monkeypatch.setattr(study_module, "swap_curves", boom)
    again = skill(control, twin, SCORING, EVAL, progress=False)
    assert np.array_equal(again.ig["jpeg"], result.ig["jpeg"]) and np.array_equal(again.gains, result.gains)
    assert cached_result(control, twin) is not None  # the only result: the newest of any settings
    assert np.array_equal(cached_result(control, twin, SCORING, EVAL).gains, result.gains)
    assert cached_result(control, twin, SCORING) is None  # these settings with the default evaluation: none
    # other evaluation settings reuse the scores but not the curves
    monkeypatch.setattr(study_module, "swap_curves", lambda *a, **k: (np.zeros((5, 1, 2, 1)), np.ones((2, 1)),
                                                                     np.zeros((2, 1))))
    other = skill(control, twin, SCORING, EvalSettings(images=("camera",), crop=64, fractions=(1.0,),
                                                       random_seeds=(0, 1), view_units=4), progress=False)
    assert other.meta["scores"].get("from_cache") and np.array_equal(other.ig["clean"], result.ig["clean"])
    # other weights: another key
    with torch.no_grad():
        next(twin.parameters()).add_(1.0)
    assert cached_result(control, twin) is None


def test_result_round_trip(result, tmp_path):
    result.save(tmp_path / "r.npz")
    back = SkillResult.load(tmp_path / "r.npz")
    assert back.meta == result.meta and back.eval_names == result.eval_names
    assert back.units.params == result.units.params and back.units.shapes == result.units.shapes
    assert np.array_equal(back.units.offsets, result.units.offsets)
    assert np.array_equal(back.rankings["faig"], result.rankings["faig"])
    assert np.array_equal(back.views["example_jpeg"], result.views["example_jpeg"])


def test_files_and_ranking(result, tmp_path, pair):
    paths = write_skill(result, tmp_path / "out")
    for p in paths.values():
        assert p.is_file() and p.stat().st_size > 0
    ranking = read_ranking(paths["ranking"])
    assert set(ranking) == set(RANKING_KEYS)
    n = result.units.count
    assert all(len(v) == n for v in ranking.values())
    assert np.all(np.diff(ranking["score"]) <= 0)
    names = dict(pair[1].named_parameters())
    for k in (0, n // 2, n - 1):  # every entry names a real unit, and its score is that unit's FAIG score
        name, o, i = str(ranking["param"][k]), int(ranking["out"][k]), int(ranking["in"][k])
        assert name in names and o < names[name].shape[0] and i < names[name].shape[1]
        index = result.units.offsets[result.units.params.index(name)] + o * result.units.shapes[
            result.units.params.index(name)][1] + i
        assert ranking["score"][k] == pytest.approx(result.faig[index], rel=1e-6)
    md = paths["markdown"].read_text()
    assert "| units swapped |" in md and "Scoring took" in md


def test_figures_have_labels(result):
    from explain.figures.skill import plot_enrichment, plot_layer_top, plot_swap_curves, plot_unit_maps

    for fig in (plot_swap_curves(result), plot_layer_top(result, 0.05), plot_unit_maps(result),
                plot_enrichment(result)):
        assert isinstance(fig, Figure)
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                assert ax.get_ylabel()
            else:
                assert ax.get_xlabel() and ax.get_ylabel()
    maps = plot_unit_maps(result)
    assert sum(ax.get_label() == "<colorbar>" for ax in maps.axes) == len(result.views["example_units"])


def test_paragraph(result, pair):
    lr = np.random.default_rng(0).random((32, 40, 3)).astype(np.float32)
    text = skill_paragraph(result, pair[1], lr, [(8, 8), (16, 24)], phase=(0, 0), fraction=0.05)
    assert text.count("\n") == 0
    assert f"{100 * result.removed_at(0.05):.0f} %" in text
    assert "2 explained block(s)" in text and "median" in text
    with pytest.raises(ValueError, match="does not fit"):
        skill_paragraph(result, pair[1], lr, [(30, 0)], fraction=0.05)
    with pytest.raises(ValueError, match="not evaluated"):
        skill_paragraph(result, pair[1], lr, [(8, 8)], fraction=0.02)


def test_verdict_words():
    from explain.studies.skill.paragraph import verdict_of

    assert "more than random units" in verdict_of(2.0, 1.0)
    assert "but so do random units" in verdict_of(1.5, 1.5)
    assert "less there" in verdict_of(0.5, 1.0)
    assert "about as much" in verdict_of(1.0, 1.0)


def test_paragraph_sees_units_that_fire_on_the_block(result, pair):
    """A photo that is flat except in one block: the top units respond there far above their median."""
    lr = np.full((32, 32, 3), 0.5, np.float32)
    lr[8:16, 8:16] = np.random.default_rng(1).random((8, 8, 3))
    from explain.studies.skill import unit_firing

    fire = unit_firing(result, pair[1], lr, [(8, 8), (24, 24)], fraction=0.05)
    assert fire["top"][0] > 1.5 and fire["top"][0] > fire["top"][1]


def test_eval_images_must_differ_from_scoring(pair):
    with pytest.raises(ValueError, match="differ from the scoring set"):
        skill(*pair, SCORING, EvalSettings(images=("astronaut",), crop=64), progress=False)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="steps"):
        ScoringSettings(steps=0)
    with pytest.raises(ValueError, match="quality"):
        ScoringSettings(quality=0)
    with pytest.raises(ValueError, match="fractions"):
        EvalSettings(fractions=(0.0, 1.0))


def test_cli_help_documents_the_ranking(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["skill", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for word in ("ranking.npz", "param", "out", "in", "score", "best first", "--from", "--to", "--eval-images"):
        assert word in out


def test_cli_bad_argument_one_line(capsys):
    assert main(["skill", "--steps", "0", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "steps must be a positive integer" in err


def test_cli_runs_on_checkpoints(pair, tmp_path, capsys):
    a, b = tmp_path / "control.pt", tmp_path / "twin.pt"
    save_model(pair[0], a)
    save_model(pair[1], b)
    status = main(["skill", "--from", str(a), "--to", str(b), "--scoring-images", "astronaut", "--patch", "16",
                   "--queries", "32", "--steps", "1", "--eval-images", "camera", "--crop", "64", "--fractions",
                   "0.1", "1", "--random-seeds", "0", "--view-units", "4", "--out", str(tmp_path / "o"),
                   "--no-progress"])
    assert status == 0
    assert (tmp_path / "o" / "ranking.npz").is_file()
    assert "| units swapped |" in capsys.readouterr().out


def test_morph_ends_are_twin_and_control(pair, result):
    from explain.studies.skill.morph import morph, window_output
    from explain.upscale import upscale

    control, twin = pair
    lr = np.random.default_rng(2).random((24, 24, 3)).astype(np.float32)
    outs = morph(twin, control, result.rankings["faig"], [0.0, 0.05, 1.0], lr, (8, 8, 8, 8), 2)
    assert outs[0.0].shape == (16, 16, 3)
    assert np.allclose(outs[0.0], upscale(twin, lr, scale=2)[16:32, 16:32], atol=1e-6)
    assert np.allclose(outs[1.0], window_output(control, lr, (8, 8, 8, 8), 2), atol=1e-6)
    assert not np.allclose(outs[0.05], outs[0.0])
    with pytest.raises(ValueError, match="does not fit"):
        window_output(twin, lr, (20, 20, 8, 8), 2)


def test_origin_overlap(pair, result, make_tiny_model):
    from explain.studies.skill.origin import origin_overlap

    control, twin = pair
    origin = make_tiny_model(seed=3)
    got = origin_overlap(origin, control, twin, result, SCORING, fraction=0.05)
    assert set(got.top) == {"origin→twin", "origin→control", "control→twin"}
    assert all(got.overlap[(k, k)] == 1.0 for k in got.top)
    assert all(abs(sum(p.values()) - 1) < 1e-9 for p in got.parts.values())
    assert np.array_equal(got.top["control→twin"], result.rankings["faig"][:got.count])
    assert "| origin→twin |" in got.markdown() and "s of CPU time" in got.markdown()
    again = origin_overlap(origin, control, twin, result, SCORING, fraction=0.05)  # now from the cache
    assert again.seconds == 0 and "came from the cache" in again.markdown()
    assert again.overlap == got.overlap
    # the same origin as the control: origin → control is the control itself, origin → twin is control → twin
    same = origin_overlap(control, control, twin, result, SCORING, fraction=0.05)
    assert same.overlap[("origin→twin", "control→twin")] == 1.0


def test_jpeg_only_evaluation(pair, tmp_path):
    ev = EvalSettings(images=("camera",), crop=64, inputs=("jpeg",), fractions=(0.05, 1.0), random_seeds=(0,),
                      view_units=4)
    got = skill(*pair, SCORING, ev, progress=False)
    assert np.all(np.isnan(got.gains[:, :, 1])) and np.all(np.isfinite(got.gains[:, :, 0]))
    assert np.isfinite(got.removed("faig")).all()
    paths = write_skill(got, tmp_path / "jpeg-only")  # figures and tables cope with the missing clean input
    assert "| 5 % |" in paths["markdown"].read_text() and paths["curves"].stat().st_size > 0
    with pytest.raises(ValueError, match="inputs"):
        EvalSettings(inputs=("webp",))
    with pytest.raises(ValueError, match="JPEG input"):
        skill(*pair, SCORING, EvalSettings(images=("camera",), crop=64, inputs=("clean",)), progress=False)


def test_the_answer_carries_the_paragraph_from_the_cached_ranking(result, pair):
    """explain_photo adds the FAIG paragraph when the pair (control, headline model) has a cached result, and says
    nothing of it when there is none."""
    from explain.headline import jpeg_photo
    from explain.images import downscale, load_image
    from explain.report import explain_photo

    control, twin = pair
    photo, _ = jpeg_photo(downscale(load_image("astronaut")[:192, :192], 4), 20)
    rep = explain_photo(photo, None, models=[twin], control=control, windows=1, lam_steps=2, ig_steps=1,
                        randomise="none", progress=False, draws=1)
    assert rep.skill is not None and rep.skill.startswith("Where JPEG training changed the model")
    assert rep.skill in rep.answer and rep.answer.index(rep.skill) < next(
        i for i, p in enumerate(rep.answer) if p.startswith("The file:"))
    other = explain_photo(photo, None, models=[control], control=twin, windows=1, lam_steps=2, ig_steps=1,
                          randomise="none", progress=False, draws=1)  # the reverse pair was never scored
    assert other.skill is None and not any(p.startswith("Where JPEG training") for p in other.answer)
