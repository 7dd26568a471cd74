import json

import numpy as np
import pytest
from PIL import Image

from explain.cli import main
from explain.tour import probe_window, run_tour


@pytest.fixture
def test_image():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1, 96, dtype=np.float32)
    img = np.stack([np.outer(x, x), np.outer(1 - x, x), np.outer(x, 1 - x)], -1)
    return np.clip(img + rng.normal(0, 0.05, img.shape), 0, 1).astype(np.float32)


def test_tour_writes_a_complete_report(tmp_path, test_image, make_tiny_model):
    models = {"tiny-a": make_tiny_model(seed=1, skip="bicubic"), "tiny-b": make_tiny_model(seed=2)}
    result = run_tour(test_image, scale=2, quality=15, out_dir=tmp_path / "tour", window_lr=12, models=models,
                      progress=False, lam_steps=3)
    for name in ("index.html", "crops.png", "overview.png", "attribution.png", "ensemble.png", "summary.json"):
        assert (result.out_dir / name).is_file(), name
    summary = json.loads((result.out_dir / "summary.json").read_text())
    assert set(summary["metrics"]) == {"JPEG q=15 input (nearest)", "bicubic", "tiny-a", "tiny-b"}
    assert all(np.isfinite(v["psnr_y"]) for v in summary["metrics"].values())
    for shares in result.probes.values():
        assert shares["own_block"] + shares["neighbour_blocks"] + shares["beyond"] == pytest.approx(1)
    html = (result.out_dir / "index.html").read_text()
    assert "tiny-a" in html and "PSNR-B" in html
    assert [p.name for p in tmp_path.iterdir()] == ["tour"]  # no temporary folders left behind


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


def test_probe_window_lies_inside_one_block():
    r, c, h, w = probe_window((5, 13), 16, scale=4)
    assert (h, w) == (16, 16)
    assert (r // 4) // 8 == (r // 4 + 3) // 8 and (c // 4) // 8 == (c // 4 + 3) // 8


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
