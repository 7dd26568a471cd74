"""A handful of report figures pinned on a tiny model, so a change of the computation is noticed.

The values were printed by this code on 2026-12-06. Where the computation did not change in the speed work (LAM,
gradient × coefficient, the causal clues, the ensemble and latent summaries) they equal the earlier code's within
1e-4 (checked then, against main@65bc785); the integrated-gradient figures moved to the nested trapezoid rule.
"""

from __future__ import annotations

import pytest

PINNED = {  # window → figure → value
    1: {"lam_own": 0.7393754, "lam_nb": 0.2606246, "gxc_dc": 0.2518736, "ig_nb": 0.3050175, "ig_low": 0.1642990,
        "cfl": 0.8011119, "own_ac_db": -0.0086268, "nb_ac_db": -0.0020273, "nb_ac_bic": 0.2657194,
        "ctrl_nb_ac_db": -0.0007075, "max_w": 0.5585936, "bnd": 1.4208119},
    2: {"lam_own": 0.2709918, "lam_nb": 0.7290082, "gxc_dc": 0.6482061, "ig_low": 0.2567467, "nb_ac_db": 0.0010303,
        "nb_ac_bic": 2.8220018, "ctrl_nb_ac_db": 0.0003811, "bnd": 1.0528582},
}


def test_pinned_figures_of_a_tiny_model(make_tiny_model):
    from explain.headline import jpeg_photo
    from explain.images import crop_to_multiple, downscale, load_image
    from explain.report import explain_photo

    hr = crop_to_multiple(load_image("astronaut")[200:296, 180:276], 16)
    photo, _ = jpeg_photo(downscale(hr, 2), 20)
    twin, control = make_tiny_model(seed=1), make_tiny_model(seed=2)
    twin.name, control.name = "tiny-jpeg", "tiny-clean"
    rep = explain_photo(photo, None, models=[twin], scale=2, windows=2, lam_steps=4, ig_steps=4, randomise="first",
                        progress=False, original=hr, control=control, draws=2)
    for w in rep.windows:
        c, s = w.clues["tiny-jpeg"], w.clues["tiny-jpeg"].spatial.summary()
        effects = w.causal["tiny-jpeg"].effects
        got = {"lam_own": s["own_block"], "lam_nb": s["neighbour_blocks"], "ig_nb": s["ig_neighbour_blocks"],
               "gxc_dc": c.frequency.gradient_x_coefficient.band_shares()["dc"],
               "ig_low": c.frequency.integrated_gradients.band_shares()["low_ac"], "cfl": c.channel.colour_from_luma,
               "own_ac_db": effects["own_ac"].db_lost_model, "nb_ac_db": effects["neighbours_ac"].db_lost_model,
               "nb_ac_bic": effects["neighbours_ac"].db_lost_bicubic,
               "ctrl_nb_ac_db": w.causal["tiny-clean"].effects["neighbours_ac"].db_lost_model,
               "max_w": w.ensemble["tiny-jpeg"]["max_weight_mean"],
               "bnd": w.latent["tiny-jpeg"]["boundary_response_median"]}
        for name, value in PINNED[w.index].items():
            assert got[name] == pytest.approx(value, abs=1e-4), (w.index, name)
        assert c.params["quadrature"] == "trapezoid"
