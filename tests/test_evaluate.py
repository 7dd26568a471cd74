import argparse
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explain.codecs import jpeg_roundtrip_uint8
from explain.evaluate import (
    DEFAULT_ROOT,
    Row,
    add_arguments,
    evaluate,
    gain_table,
    gains,
    markdown_table,
    read_csv,
    render_markdown,
    run,
    write_csv,
    write_markdown,
)
from explain.images import to_uint8
from explain.metrics import psnr_b, psnr_y, ssim
from explain.models import save_model
from explain.models.names import KNOWN
from explain.upscale import upscale


def _smooth_image(rng, h, w):
    """Random smooth colour image (noise through a box blur), uint8."""
    noise = rng.random((h // 4 + 2, w // 4 + 2, 3))
    big = np.kron(noise, np.ones((4, 4, 1)))[:h, :w]
    return to_uint8(big * 0.8 + 0.2 * rng.random((h, w, 3)))


@pytest.fixture
def bench(tmp_path):
    """tmp_path/bench/set5: three PNGs (one grayscale, one 50×49 to exercise cropping); set14: one 48×48."""
    rng = np.random.default_rng(0)
    root = tmp_path / "bench"
    (root / "set5").mkdir(parents=True)
    (root / "set14").mkdir()
    Image.fromarray(_smooth_image(rng, 48, 48)).save(root / "set5" / "a.png")
    Image.fromarray(_smooth_image(rng, 48, 48)[..., 0]).save(root / "set5" / "b_gray.png")
    Image.fromarray(_smooth_image(rng, 50, 49)).save(root / "set5" / "c.png")
    (root / "set5" / "notes.txt").write_text("not an image")
    Image.fromarray(_smooth_image(rng, 48, 48)).save(root / "set14" / "x.png")
    return root


@pytest.fixture
def two_models(make_tiny_model):
    return {"m1": make_tiny_model(seed=1), "m2": make_tiny_model(seed=2, skip="bicubic")}


def _direct(hr_u8, scale, quality, method):
    """Independent computation of one image's metrics: PIL resizes and libjpeg directly."""
    h, w = hr_u8.shape[:2]
    hr_u8 = hr_u8[: h - h % scale, : w - w % scale]
    h, w = hr_u8.shape[:2]
    lr = np.asarray(Image.fromarray(hr_u8).resize((w // scale, h // scale), Image.BICUBIC))
    if quality is not None:
        lr, _ = jpeg_roundtrip_uint8(lr, quality, "4:2:0")
    hr = hr_u8.astype(np.float32) / 255
    if method == "bicubic":
        sr = np.asarray(Image.fromarray(lr).resize((w, h), Image.BICUBIC)).astype(np.float32) / 255
    else:
        sr = upscale(method, lr.astype(np.float32) / 255, size=(h, w), tile=None)
    return np.array([psnr_y(hr, sr, shave=scale), ssim(hr, sr, shave=scale),
                     psnr_b(hr, sr, block_size=8 * scale, shave=scale)])


def _rgb_u8(path):
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_rows_cover_every_combination(bench, two_models):
    rows = evaluate(two_models, sets=("set5", "set14"), scales=(2, 4), inputs=("clean", "jpeg30"), root=bench,
                    progress=False)
    assert len(rows) == 2 * 2 * 2 * 3
    assert all(isinstance(r, Row) for r in rows)
    keys = {(r.set, r.scale, r.input, r.method) for r in rows}
    assert len(keys) == len(rows)
    assert {r.method for r in rows} == {"bicubic", "m1", "m2"}
    assert all(math.isfinite(v) for r in rows for v in (r.psnr_y, r.ssim, r.psnr_b))
    assert all(0 < r.ssim <= 1 and 5 < r.psnr_y < 80 for r in rows)
    assert {r.images for r in rows if r.set == "set5"} == {3} and {r.images for r in rows if r.set == "set14"} == {1}
    # compression must hurt bicubic
    bic = {(r.set, r.scale, r.input): r.psnr_y for r in rows if r.method == "bicubic"}
    assert all(bic[s, k, "jpeg30"] < bic[s, k, "clean"] for s in ("set5", "set14") for k in (2, 4))


@pytest.mark.parametrize("scale,condition", [(2, "clean"), (3, "jpeg20")])
def test_values_match_direct_computation(bench, two_models, scale, condition):
    rows = evaluate(two_models, sets=("set5",), scales=(scale,), inputs=(condition,), root=bench, progress=False)
    quality = None if condition == "clean" else int(condition[4:])
    files = sorted((bench / "set5").glob("*.png"))
    for method, model in (("bicubic", "bicubic"), ("m2", two_models["m2"])):
        expected = np.mean([_direct(_rgb_u8(f), scale, quality, model) for f in files], axis=0)
        (row,) = [r for r in rows if r.method == method]
        np.testing.assert_allclose([row.psnr_y, row.ssim, row.psnr_b], expected, rtol=0, atol=1e-4)


def test_limit_and_model_list(bench, make_tiny_model, tmp_path):
    path = tmp_path / "run-a" / "model.pt"
    save_model(make_tiny_model(), path)
    rows = evaluate([str(path)], sets=("set5",), scales=(4,), inputs=("jpeg50",), root=bench, limit=1,
                    progress=False)
    assert [(r.method, r.images) for r in rows] == [("bicubic", 1), ("run-a", 1)]


def test_bad_arguments(bench, tiny_model, tmp_path):
    kw = dict(sets=("set5",), scales=(2,), root=bench, progress=False)
    with pytest.raises(ValueError, match="--root"):
        evaluate({}, sets=("set5",), root=tmp_path / "nowhere", progress=False)
    with pytest.raises(ValueError, match="set9"):
        evaluate({}, **{**kw, "sets": ("set9",)})
    for bad in ("jpeg0", "jpeg101", "webp30", "JPEG30"):
        with pytest.raises(ValueError, match="jpegQ"):
            evaluate({}, inputs=(bad,), **kw)
    with pytest.raises(ValueError, match="integer"):
        evaluate({}, inputs=("clean",), **{**kw, "scales": (2.5,)})
    with pytest.raises(ValueError, match="baseline"):
        evaluate({"bicubic": tiny_model}, inputs=("clean",), **kw)
    with pytest.raises(ValueError, match="limit"):
        evaluate({}, inputs=("clean",), limit=0, **kw)
    (bench / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        evaluate({}, inputs=("clean",), **{**kw, "sets": ("empty",)})


def test_default_root_is_beside_the_repository():
    repo = Path(__file__).resolve().parents[1]
    assert DEFAULT_ROOT == repo.parent / "shared" / "data" / "bench"


def _rows():
    out = []
    for condition, base in (("clean", 30.0), ("jpeg30", 27.0)):
        out += [Row("set5", 4, condition, "bicubic", base, 0.8, base - 0.5, 5),
                Row("set5", 4, condition, "liif-clean", base + 0.5, 0.81, base, 5),
                Row("set5", 4, condition, "liif-jpeg", base + 0.25, 0.85, base + 1.0, 5)]
    return out


def test_markdown_puts_methods_side_by_side():
    text = markdown_table(_rows())
    lines = text.strip().splitlines()
    assert len(lines) == 2 + 2
    assert "PSNR-Y (dB): bicubic / liif-clean / liif-jpeg" in lines[0]
    assert lines[2] == ("| set5 | ×4 | clean | 30.00 / **30.50** / 30.25 | 0.8000 / 0.8100 / **0.8500** | "
                        "29.50 / 30.00 / **31.00** |")
    assert lines[3].startswith("| set5 | ×4 | jpeg30 | 27.00 / **27.50** / 27.25 |")


def test_gains_and_gain_table():
    found = gains(_rows())
    assert len(found) == 4
    g = next(g for g in found if g.input == "jpeg30" and g.method == "liif-jpeg")
    assert g.d_psnr_y == pytest.approx(0.25) and g.d_ssim == pytest.approx(0.05) and g.d_psnr_b == pytest.approx(1.5)
    table = gain_table(_rows())
    assert "ΔPSNR-Y (dB): liif-clean / liif-jpeg" in table
    assert "| set5 | ×4 | jpeg30 | +0.50 / +0.25 | +0.0100 / +0.0500 | +0.50 / +1.50 |" in table
    with pytest.raises(ValueError, match="no 'bicubic' row"):
        gains([r for r in _rows() if r.method != "bicubic"])
    md = render_markdown(_rows())
    assert "Gain over bicubic" in md and "set5: 5" in md


def test_csv_round_trip_and_atomic_writes(tmp_path):
    rows = _rows()
    write_csv(rows, tmp_path / "out" / "eval.csv")
    text = (tmp_path / "out" / "eval.csv").read_text()
    assert text.splitlines()[0] == "set,scale,input,method,psnr_y,ssim,psnr_b,images"
    assert len(text.splitlines()) == 1 + len(rows)
    assert read_csv(tmp_path / "out" / "eval.csv") == rows
    write_markdown(rows, tmp_path / "out" / "eval.md")
    assert (tmp_path / "out" / "eval.md").read_text() == render_markdown(rows)
    # a failing write leaves the old file and no temporary behind
    with pytest.raises(ValueError):
        write_markdown([], tmp_path / "out" / "eval.md")
    assert (tmp_path / "out" / "eval.md").read_text() == render_markdown(rows)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["eval.csv", "eval.md"]
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="not an evaluation CSV"):
        read_csv(tmp_path / "bad.csv")


def test_cli_run_writes_csv_and_markdown(bench, make_tiny_model, tmp_path, capsys):
    ckpt = tmp_path / "tiny.pt"
    save_model(make_tiny_model(skip="bicubic"), ckpt)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--models", f"mine={ckpt}", "--sets", "set14", "--scales", "2", "4", "--inputs",
                              "jpeg30", "--root", str(bench), "--limit", "1", "--out", str(tmp_path / "ev"),
                              "--no-progress"])
    rows = run(args)
    assert len(rows) == 2 * 2
    assert read_csv(tmp_path / "ev" / "eval.csv") == rows
    md = (tmp_path / "ev" / "eval.md").read_text()
    assert "bicubic / mine" in md
    assert md.strip() in capsys.readouterr().out
    defaults = parser.parse_args([])
    assert defaults.models == list(KNOWN) and defaults.scales == [2, 3, 4]
