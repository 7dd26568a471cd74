import json
import os
from html import escape

import numpy as np
import pytest
from PIL import Image

from explain.cli import main
from explain.tour import run_tour


@pytest.fixture
def test_image():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1, 96, dtype=np.float32)
    img = np.stack([np.outer(x, x), np.outer(1 - x, x), np.outer(x, 1 - x)], -1)
    return np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1).astype(np.float32)


def test_tour_writes_a_complete_report(tmp_path, test_image, make_tiny_model):
    models = {"tiny-a": make_tiny_model(seed=1, skip="bicubic"), "tiny-b": make_tiny_model(seed=2)}
    result = run_tour(test_image, scale=2, quality=15, out_dir=tmp_path / "tour", models=models,
                      progress=False, windows=2, lam_steps=2, ig_steps=2)
    for name in ("index.html", "windows.png", "crops_window1.png", "crops_window2.png", "summary.json",
                 "input_lr.jpg", "explain/index.html", "explain/report.json", "explain/window1_spatial.png"):
        assert (result.out_dir / name).is_file(), name
    summary = json.loads((result.out_dir / "summary.json").read_text())
    assert set(summary["metrics_whole_image"]) == {"JPEG q=15 input (nearest)", "bicubic", "tiny-a", "tiny-b"}
    assert all(np.isfinite(v["psnr_y"]) for v in summary["metrics_whole_image"].values())
    assert len(summary["metrics_crop_psnr_y"]) == 2 == len(summary["windows_lr"])
    # crop PSNR-Y is the window's own, not the whole image's
    crop = summary["metrics_crop_psnr_y"][0]["bicubic"]
    assert crop != pytest.approx(summary["metrics_whole_image"]["bicubic"]["psnr_y"], abs=1e-6)
    # the answer and the numbers are those of the explain report written beside it (one computation)
    report = json.loads((result.out_dir / "explain" / "report.json").read_text())
    assert summary["answer"] == report["answer"] == result.answer
    for name in ("tiny-a", "tiny-b"):
        own = [w["models"][name]["clues"]["spatial"]["own_block"] for w in report["windows"]]
        assert summary["numbers"][name]["own_block"] == pytest.approx(np.mean(own))
        n = summary["numbers"][name]
        assert n["own_block"] + n["neighbour_blocks"] + n["beyond"] == pytest.approx(1)
    technical = next(p for p in result.answer if "of its evidence (LAM)" in p)
    assert f"{100 * summary['numbers']['tiny-a']['own_block']:.0f} % of its evidence (LAM)" in technical
    # the layered answer: the plain, causal paragraph first, its picture in the page right after it
    assert result.answer[0].startswith("In plain words:") and "dB" in result.answer[0]
    assert html_first_picture(result.out_dir)
    html = (result.out_dir / "index.html").read_text()
    assert all(escape(p) in html for p in result.answer)
    for label in ("DI, whole map (as LAM)", "DI, receptive box", "Crop PSNR-Y", "whole-image PSNR-Y"):
        assert label in html
    assert html.index('class="answer"') < html.index("<h2>The numbers</h2>")
    assert "--windows 2 --lam-steps 2 --ig-steps 2" in summary["command"]
    assert [p.name for p in tmp_path.iterdir()] == ["tour"]  # no temporary folders left behind
    umask = os.umask(0)
    os.umask(umask)
    assert result.out_dir.stat().st_mode & 0o777 == 0o777 & ~umask  # not mkdtemp's private 0700


def html_first_picture(folder) -> bool:
    """The tour page shows the causal picture between the plain paragraph(s) and the technical ones."""
    html = (folder / "index.html").read_text()
    answer = html[html.index('class="answer"'): html.index("</div>", html.index('class="answer"'))]
    pic = answer.find("window1_causal.png")
    return pic > answer.find("In plain words") > 0 and pic < answer.find("of its evidence (LAM)") and \
        (folder / "explain" / "window1_causal.png").is_file() and (folder / "original.png").is_file()


def test_tour_prints_the_answer_and_the_named_numbers(tmp_path, test_image, tiny_model, capsys):
    from explain.tour import print_result

    result = run_tour(test_image, scale=2, quality=15, out_dir=tmp_path / "tour", models={"m": tiny_model},
                      progress=False, windows=1, lam_steps=2, ig_steps=2, randomise="none")
    print_result(result)
    out = capsys.readouterr().out
    assert out.startswith("In plain words:") and all(p in out for p in result.answer)
    assert "The file: a baseline JPEG" in out
    for label in ("own block", "8 neighbouring blocks", "DI, whole map (as LAM)", "DI, receptive box"):
        assert label in out
    di = result.explanation.windows[0].clues["m"].spatial.lam.di_receptive
    row = next(line for line in out.splitlines() if line.startswith("DI, receptive box"))
    assert row.split()[-1] == f"{di:.1f}"


def test_headline_scene_is_the_file_the_explain_command_reads(tmp_path):
    from explain.headline import headline_scene, jpeg_photo
    from explain.jpeg_facts import read_photo
    from explain.notebooks import make_scene

    sc = headline_scene("astronaut", 4, 20)
    nb = make_scene("astronaut", scale=4, quality=20)
    np.testing.assert_array_equal(sc.lr, nb.lr)  # notebook 00 sees the same pixels
    assert sc.photo.facts.quality.quality == 20 and sc.photo.facts.subsampling == "4:2:0"
    assert sc.photo.facts.grid_phase == (0, 0) and len(sc.data) == nb.info.nbytes
    (tmp_path / "input_lr.jpg").write_bytes(sc.data)
    np.testing.assert_array_equal(read_photo(tmp_path / "input_lr.jpg").image, sc.lr)
    photo, data = jpeg_photo(sc.lr_clean, 20)
    assert data == sc.data and photo.facts.source == "JPEG q=20 4:2:0"


def test_tour_bad_input_leaves_nothing(tmp_path, test_image, tiny_model):
    with pytest.raises(ValueError, match="quality"):
        run_tour(test_image, quality=0, out_dir=tmp_path / "t", models={"m": tiny_model})
    with pytest.raises(ValueError, match="integer scale"):
        run_tour(test_image, scale=2.5, out_dir=tmp_path / "t", models={"m": tiny_model})
    assert not (tmp_path / "t").exists()


def test_tour_refuses_to_replace_a_folder_that_is_not_its_report(tmp_path, test_image, tiny_model, monkeypatch):
    keep = tmp_path / "work"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    monkeypatch.chdir(keep)
    for out, message in ((".", "is the current folder"), (str(tmp_path), "or holds it"),
                         (str(keep / "notes.txt"), "not a folder")):
        with pytest.raises(ValueError, match=message):
            run_tour(test_image, out_dir=out, models={"m": tiny_model})
    other = tmp_path / "other"
    other.mkdir()
    (other / "data.csv").write_text("1")
    with pytest.raises(ValueError, match="neither empty nor an earlier tour report"):
        run_tour(test_image, out_dir=other, models={"m": tiny_model})
    assert (keep / "notes.txt").read_text() == "mine" and (other / "data.csv").read_text() == "1"


def test_cli_upscale_and_errors(tmp_path, tiny_model, capsys):
    from explain.models import save_model

    ckpt = tmp_path / "m.pt"
    save_model(tiny_model, ckpt)
    Image.fromarray((np.random.default_rng(0).random((10, 12, 3)) * 255).astype(np.uint8)).save(tmp_path / "in.png")
    assert main(["upscale", str(tmp_path / "in.png"), str(tmp_path / "out.png"), "--scale", "2.5",
                 "--model", str(ckpt)]) == 0
    assert Image.open(tmp_path / "out.png").size == (30, 25)
    assert main(["upscale", str(tmp_path / "missing.png"), str(tmp_path / "o2.png"), "--scale", "2",
                 "--model", str(ckpt)]) == 2
    assert "no such image" in capsys.readouterr().err
    assert not (tmp_path / "o2.png").exists()
    # An output path the system refuses is an error message, not a traceback, and leaves no file.
    (tmp_path / "file").write_text("x")
    assert main(["upscale", str(tmp_path / "in.png"), str(tmp_path / "file" / "o3.png"), "--scale", "2",
                 "--model", str(ckpt)]) == 2
    assert "liif-explain upscale: error:" in capsys.readouterr().err


def test_tour_notes_that_a_jpeg_file_is_compressed_again(tmp_path):
    from explain.tour import jpeg_file_note

    rgb = (np.random.default_rng(0).random((16, 16, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "old.jpg", quality=40)
    Image.fromarray(rgb).save(tmp_path / "clean.png")
    Image.fromarray(rgb).save(tmp_path / "named-like-a-png.png.jpeg", format="PNG")
    note = jpeg_file_note(tmp_path / "old.jpg")
    assert "is a JPEG" in note and f"liif-explain explain {tmp_path / 'old.jpg'}" in note
    assert jpeg_file_note(tmp_path / "clean.png") is None
    assert jpeg_file_note(tmp_path / "named-like-a-png.png.jpeg") is None  # the bytes decide, not the name
    assert jpeg_file_note("astronaut") is None and jpeg_file_note(tmp_path / "missing.jpg") is None
