import math

import numpy as np
import pytest

from explain.codecs import compress_to_bpp
from explain.images import load_image
from explain.studies import codec_study as cs

RATES = [0.25, 0.4, 0.6, 0.9, 1.3]
PSNRS = [27.0, 28.6, 30.1, 31.9, 33.2]


def test_bd_rate_identical_curves_is_zero():
    assert cs.bd_rate(RATES, PSNRS, RATES, PSNRS) == pytest.approx(0.0, abs=1e-9)
    assert cs.bd_metric(RATES, PSNRS, RATES, PSNRS) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_bd_rate_of_rate_scaled_curve(factor):
    # the same quality at factor × the rate: log-rate shifts by log(factor) everywhere → BD-rate = factor − 1
    got = cs.bd_rate(RATES, PSNRS, [r * factor for r in RATES], PSNRS)
    assert got == pytest.approx((factor - 1) * 100, abs=1e-6)


def test_bd_metric_of_quality_shifted_curve_and_order_independence():
    shifted = [p + 0.7 for p in PSNRS]
    assert cs.bd_metric(RATES, PSNRS, RATES, shifted) == pytest.approx(0.7, abs=1e-9)
    # points in any order give the same fit
    perm = [3, 0, 4, 1, 2]
    assert cs.bd_metric([RATES[i] for i in perm], [PSNRS[i] for i in perm], RATES, shifted) == pytest.approx(0.7)


def test_bd_rate_sign_and_no_overlap():
    better = [p + 1.0 for p in PSNRS]  # more quality for the same rate → fewer bits for the same quality
    assert cs.bd_rate(RATES, PSNRS, RATES, better) < 0
    assert math.isnan(cs.bd_rate(RATES, PSNRS, RATES, [p + 20 for p in PSNRS]))
    # two points per curve fall back to a line
    assert cs.bd_rate([1, 2], [30, 33], [0.5, 1], [30, 33]) == pytest.approx(-50.0)


@pytest.mark.parametrize("rates, psnrs", [([1.0], [30.0]), ([1.0, -2.0], [30.0, 31.0]), ([1.0, 2.0], [30.0]),
                                           ([1.0, 2.0], [30.0, np.nan])])
def test_bd_rate_rejects_bad_curves(rates, psnrs):
    with pytest.raises(ValueError):
        cs.bd_rate(rates, psnrs, RATES, PSNRS)


def _row(image, codec, point, bpp, method="decoded"):
    return cs.CodecRow(image, codec, point, "", float("nan"), bpp, int(bpp * 100), False, method, 30.0, 0.9, 29.0,
                       0.0, 1.0, 0.0, 1.0)


def test_select_matched_picks_closest_encode_within_tolerance():
    rows = [_row("a", "jpeg", "q10", 0.28), _row("a", "jpeg", "q20", 0.41), _row("a", "jpeg", "q10", 0.28, "bicubic"),
            _row("a", "webp", "q5", 0.33), _row("a", "webp", "q9", 0.52),
            _row("b", "jpeg", "q10", 0.9)]  # b misses 0.3 by far more than 15 %
    picked = cs.select_matched(rows, 0.3, tolerance=0.15)
    assert {(r.image, r.codec, r.point, r.method) for r in picked} == {
        ("a", "jpeg", "q10", "decoded"), ("a", "jpeg", "q10", "bicubic"), ("a", "webp", "q5", "decoded")}
    # 8 % of 0.3 = 0.024: jpeg (off by 0.02) stays, webp (off by 0.03) goes
    assert cs.select_matched(rows, 0.3, tolerance=0.08) == [r for r in rows if r.point == "q10" and r.image == "a"]
    with pytest.raises(ValueError):
        cs.select_matched(rows, -1)


def test_parse_grid():
    assert cs.parse_grid(["jpeg:quality=10,30", "jpeg2000:rate=40.5"]) == {
        "jpeg": [{"quality": 10}, {"quality": 30}], "jpeg2000": [{"rate": 40.5}]}
    with pytest.raises(ValueError):
        cs.parse_grid(["quality=10"])


def test_parse_fixed():
    assert cs.parse_fixed(["jpeg:optimize=true", "webp:method=6", "jpeg:subsampling=4:4:4"]) == {
        "jpeg": {"optimize": True, "subsampling": "4:4:4"}, "webp": {"method": 6}}


@pytest.fixture
def hr_crop():
    return load_image("astronaut")[80:176, 160:256]  # 96×96 HR → 48×48 LR at ×2


def test_codec_study_shapes_and_outputs(tiny_model, hr_crop, tmp_path):
    grid = {"jpeg": [{"quality": 10}, {"quality": 40}, {"quality": 85}],
            "webp": [{"quality": 5}, {"quality": 40}, {"quality": 85}]}
    study = cs.codec_study([hr_crop], codecs=["jpeg", "webp"], settings=grid, scale=2, models={"tiny": tiny_model},
                           attribution_bpps=(3.0,), attribution_steps=1, tolerance=10.0, progress=False)
    assert len(study.rows) == 1 * 6 * 3  # image × encodes × (decoded, bicubic, tiny)
    assert study.methods == ["decoded", "bicubic", "tiny"] and study.codecs == ["jpeg", "webp"]
    assert len(study.curves) == 6 * 3 and all(p.images == 1 for p in study.curves)
    assert {(b.method, b.codec) for b in study.bd} == {("decoded", "webp"), ("bicubic", "webp"), ("tiny", "webp")}
    assert len(study.attribution) == 2  # one window, two codecs, one model
    windows = {a.window for a in study.attribution}
    assert len(windows) == 1 and all(v % 8 == 0 for v in next(iter(windows)))  # block-aligned, shared
    for a in study.attribution:
        assert a.own + a.neighbours + a.beyond == pytest.approx(1.0, abs=1e-6)
    jpeg_rows = sorted((r for r in study.rows if r.codec == "jpeg" and r.method == "decoded"), key=lambda r: r.bpp)
    assert [r.settings.split()[0] for r in jpeg_rows] == ["quality=10", "quality=40", "quality=85"]
    assert jpeg_rows[0].psnr_y < jpeg_rows[-1].psnr_y
    paths = cs.write_study(study, tmp_path / "out")
    assert all(p.exists() for p in paths.values())
    assert "BD-rate" in paths["markdown"].read_text()
    # All or nothing: a figure that cannot be written (a folder is in its place) leaves none of the set.
    (tmp_path / "blocked" / "rd.png").mkdir(parents=True)
    with pytest.raises(ValueError, match="rd.png"):
        cs.write_study(study, tmp_path / "blocked")
    assert [p.name for p in (tmp_path / "blocked").iterdir()] == ["rd.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked", "out"]  # no staging folder left


def test_codec_study_target_mode_matches_rates(hr_crop):
    study = cs.codec_study([hr_crop], codecs=["webp"], target_bpps=(1.5, 2.5), scale=2, models=None,
                           attribution_bpps=None, progress=False)
    decoded = [r for r in study.rows if r.method == "decoded"]
    assert [r.point for r in decoded] == ["1.5 bpp", "2.5 bpp"]
    for r in decoded:
        assert abs(r.bpp - r.target_bpp) <= 0.15 * r.target_bpp and r.matched


def test_jpeg_uses_optimised_huffman_tables_unless_told(hr_crop):
    grid = {"jpeg": [{"quality": 20}]}
    default = cs.codec_study([hr_crop], codecs=["jpeg"], settings=grid, models=None, attribution_bpps=None,
                             progress=False)
    standard = cs.codec_study([hr_crop], codecs=["jpeg"], settings=grid, models=None, attribution_bpps=None,
                              fixed_settings={}, progress=False)
    (opt,), (std,) = ([r for r in s.rows if r.method == "decoded"] for s in (default, standard))
    assert "optimize=True" in opt.settings and "optimize=False" in std.settings
    assert opt.nbytes < std.nbytes and opt.psnr_y == std.psnr_y  # same pixels, fewer bytes
    assert default.params["fixed_settings"] == {"jpeg": {"optimize": True}}
    with pytest.raises(ValueError, match="optimize"):
        cs.codec_study([hr_crop], codecs=["jpeg"], models=None, fixed_settings={"jpeg": {"optimize": "yes"}},
                       progress=False)


def test_codec_study_rejects_bad_input(hr_crop):
    with pytest.raises(ValueError, match="codec"):
        cs.codec_study([hr_crop], codecs=["gif"], models=None, progress=False)
    with pytest.raises(ValueError, match="reference codec 'avif' is not among"):
        cs.codec_study([hr_crop], codecs=["jpeg", "webp"], reference="avif", models=None, progress=False)
    with pytest.raises(ValueError, match="target_bpps"):
        cs.codec_study([hr_crop], codecs=["jpeg"], target_bpps=(0.0,), models=None, progress=False)
    with pytest.raises(ValueError, match="too small"):
        cs.codec_study([hr_crop[:40, :40]], codecs=["jpeg"], scale=2, models=None, progress=False)


def test_jpeg_leaves_a_grid_that_other_codecs_do_not():
    # The known fact the study checks: at equal rate JPEG's decode steps at its 8×8 block boundaries far more
    # than the others; JPEG 2000 (a wavelet codec) has no block grid at all. (WebP's 4×4 / 16×16 and AVIF's
    # variable transform blocks leave a weaker trace on the 8-pixel grid.)
    lr = load_image("astronaut")[::2, ::2][:192, :192]
    ratios = {}
    for codec in ("jpeg", "jpeg2000", "webp"):
        decoded, info = compress_to_bpp(lr, codec, 0.6)
        ratios[codec] = cs.study._blocking(decoded, 8)[1]
    assert ratios["jpeg"] > 2.0
    assert ratios["jpeg"] > 1.8 * max(ratios["jpeg2000"], ratios["webp"])
    assert ratios["jpeg2000"] < 1.2
