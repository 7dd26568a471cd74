"""The named stages of one explanation: one list of names, timed, reported to a progress callback with an ETA."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explain.report import explain_photo
from explain.report.stages import PER_WINDOW, STAGE_NAMES, ProgressEvent, StageClock


@pytest.fixture(scope="module")
def scene_photo():
    """A 48×48 LR crop of astronaut saved as a JPEG at q=20 and read back (a Photo)."""
    from explain.headline import jpeg_photo
    from explain.images import downscale, load_image

    photo, _ = jpeg_photo(downscale(load_image("astronaut")[200:296, 180:276], 2), 20)
    return photo


def test_clock_times_stages_counts_work_and_estimates_time_left():
    events = []
    clock = StageClock(total=10, progress=events.append, windows=2)
    with clock.stage("clues", "m", 1, work=0):
        clock.update(4)
    with clock.stage("causal clues", "m", 1, work=6):
        pass
    assert clock.done == 10 and clock.seconds["clues"] >= 0 and set(clock.by_model["m"]) == {"clues", "causal clues"}
    assert all(isinstance(e, ProgressEvent) for e in events)
    assert events[1].text == "window 1 of 2 · m · clues" and events[-1].fraction == 1.0
    assert events[0].eta_s is None and events[-1].eta_s == 0.0
    with pytest.raises(ValueError, match="unknown stage 'drawing'"):
        with clock.stage("drawing"):
            pass


def test_explain_reports_every_stage_by_name(scene_photo, make_tiny_model, tmp_path):
    model = make_tiny_model(seed=1)
    model.name = "tiny"
    events: list[ProgressEvent] = []
    out = tmp_path / "report"
    rep = explain_photo(scene_photo, out, models=[model], windows=2, scale=2, lam_steps=2, ig_steps=2,
                        randomise="none", draws=1, progress=events.append)
    seen = [e.stage for e in events]
    assert set(seen) == set(STAGE_NAMES) and seen[0] == "read" and seen[-1] == "HTML"
    # stages in the documented order, per-window stages tagged with their model and window
    order = [STAGE_NAMES.index(s) for s in dict.fromkeys(seen)]
    assert order == sorted(order)
    assert {(e.model, e.window) for e in events if e.stage in PER_WINDOW} == {("tiny", 1), ("tiny", 2)}
    done = [e.done for e in events]
    assert done == sorted(done) and events[-1].fraction == pytest.approx(1.0, abs=0.02)
    stages = json.loads((out / "report.json").read_text())["timings"]["stages"]
    assert list(stages) == list(STAGE_NAMES) and all(v >= 0 for v in stages.values())
    assert stages["figures"] > 0 and np.isclose(sum(rep.timings["by_model"]["tiny"].values()),
                                                rep.timings["per_model_seconds"]["tiny"], atol=0.01)
    with pytest.raises(TypeError, match="progress must be"):
        explain_photo(scene_photo, None, models=[model], progress="yes")


def _timeless(d):
    """``d`` without its "seconds" entries (timings differ run to run), as sorted JSON."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "seconds"}
        return [strip(v) for v in x] if isinstance(x, list) else x
    return json.dumps(strip(d), sort_keys=True)


def test_jobs_side_by_side_give_the_same_report(scene_photo, make_tiny_model):
    """Two (model, window) jobs at a time on one torch thread each: the same numbers, in the same order."""
    a, b = make_tiny_model(seed=1), make_tiny_model(seed=2)
    a.name, b.name = "tiny-a", "tiny-b"
    kw = dict(models=[a, b], windows=2, scale=2, lam_steps=2, ig_steps=2, randomise="first", draws=1,
              progress=False, control=None)
    one = explain_photo(scene_photo, None, workers=1, **kw).to_dict()
    two = explain_photo(scene_photo, None, workers=2, **kw).to_dict()
    assert two["params"]["workers"] == 2 and one["answer"] == two["answer"]
    for w1, w2 in zip(one["windows"], two["windows"]):
        assert list(w1["models"]) == list(w2["models"]) == ["tiny-a", "tiny-b"]
        assert list(w1["causal"]) == list(w2["causal"])
        assert _timeless(w1["causal"]) == _timeless(w2["causal"])
        s1 = w1["models"]["tiny-a"]["clues"]["spatial"]
        s2 = w2["models"]["tiny-a"]["clues"]["spatial"]
        assert s1.keys() == s2.keys() and all(np.isclose(s1[k], s2[k], rtol=1e-5, atol=1e-7) for k in s1
                                              if isinstance(s1[k], float))
    with pytest.raises(ValueError, match="workers must be"):
        explain_photo(scene_photo, None, workers=0, **kw)


def test_pictures_first_each_window_is_previewed_before_its_clues(scene_photo, make_tiny_model):
    """``preview`` gets every window's crops (the same as the report's) before that window's clues start."""
    from explain.report import FirstLook

    model = make_tiny_model(seed=1)
    model.name = "tiny"
    log = []
    rep = explain_photo(scene_photo, None, models=[model], windows=2, scale=2, lam_steps=2, ig_steps=2,
                        randomise="none", draws=1, causal=False, workers=1,
                        progress=lambda e: log.append(("stage", e.stage, e.window)),
                        preview=lambda look: log.append(("look", look)))
    looks = [entry[1] for entry in log if entry[0] == "look"]
    assert [look.index for look in looks] == [1, 2] and all(isinstance(look, FirstLook) for look in looks)
    for look in looks:
        w = rep.windows[look.index - 1]
        assert look.window_lr == w.window_lr and look.block_box == w.block_box and look.windows == 2
        assert list(look.outputs) == ["input (nearest)", "bicubic", "tiny"]
        assert all(np.array_equal(look.outputs[k], w.outputs[k]) for k in look.outputs)
        at = log.index(("look", look))
        assert ("stage", "clues", look.index) not in log[:at]  # shown before its clues are computed
    with pytest.raises(TypeError, match="preview must be"):
        explain_photo(scene_photo, None, models=[model], preview="yes")


def test_the_first_look_comes_first_even_on_one_worker(scene_photo, make_tiny_model):
    """Jobs one after the other (a corpus worker, a page on one thread): the headline model's window 1 is the first
    job, so its first look comes before any other job's work."""
    first, head = make_tiny_model(seed=1), make_tiny_model(seed=2)
    first.name, head.name = "tiny-a", "tiny-jpeg"
    log = []
    explain_photo(scene_photo, None, models=[first, head], windows=1, scale=2, lam_steps=2, ig_steps=2,
                  randomise="none", draws=1, causal=False, workers=1,
                  progress=lambda e: log.append((e.stage, e.model)), preview=lambda look: log.append("look"))
    per_window = [entry for entry in log if entry == "look" or entry[0] in ("ensemble", "latent", "clues")]
    per_window = [e for k, e in enumerate(per_window) if k == 0 or e != per_window[k - 1]]  # one per stage
    assert per_window[:2] == [("ensemble", "tiny-jpeg"), "look"]
