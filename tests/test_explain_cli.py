"""`liif-explain explain PHOTO`: the report on a generated JPEG, and every bad input as a one-line error (exit 2)."""

import json
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from explain.cli import main
from explain.images import downscale, load_image, to_uint8
from explain.models import LIIF, save_model
from explain.report import explain_photo

FAST = ["--windows", "1", "--lam-steps", "2", "--ig-steps", "2", "--quiet"]

def file_paragraph(rep) -> str:
    """The answer's paragraph on the file (after the plain, causal layer)."""
    return next(p for p in rep.answer if p.startswith("The file:"))


def technical(rep) -> str:
    """The answer's paragraph on the gradient clues."""
    return next(p for p in rep.answer if "of its evidence (LAM)" in p)


@pytest.fixture(scope="module")

def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("explain")
    torch.manual_seed(0)
    save_model(LIIF(n_resblocks=1, channels=8, hidden=(16, 16)).eval(), d / "tiny.pt")
    photo = to_uint8(downscale(load_image("astronaut"), size=(56, 64)))
    Image.fromarray(photo).save(d / "photo.jpg", "JPEG", quality=20)
    return d, photo


def _run(argv, capsys):
    status = main(["explain", *map(str, argv)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_writes_the_report(files, capsys):
    d, _ = files
    out = d / "report"
    status, stdout, err = _run([d / "photo.jpg", "--out", out, "--models", d / "tiny.pt", *FAST], capsys)
    assert status == 0, err
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "report.json", "grid_phase.png", "windows.png", "window1_outputs.png",
            "window1_spatial.png", "window1_frequency.png", "window1_frequency_ig.png", "window1_channel.png",
            "window1_ensemble_latent.png"} <= names
    report = json.loads((out / "report.json").read_text())
    assert report["facts"]["is_jpeg"] and report["facts"]["quality"]["quality"] == 20
    assert report["facts"]["subsampling"] == "4:2:0"
    assert report["models"] == ["tiny.pt"] and len(report["windows"]) == 1
    clue = report["windows"][0]["models"]["tiny.pt"]["clues"]
    own = clue["spatial"]["own_block"]
    # The words at the top come from the numbers in the JSON.
    answer = " ".join(report["answer"])
    assert f"{100 * own:.0f} % of its evidence (LAM) from the block itself" in answer
    assert "colour detail (Cb, Cr) from luma" in answer and "Which clues to trust" in answer
    html = (out / "index.html").read_text()
    assert report["answer"][1][:60] in html and html.index("class=\"answer\"") < html.index("<h2>The file</h2>")
    assert "report:" in stdout and "In plain words:" in stdout and "In detail, from the gradients:" in stdout
    # the causal clues without an original: relative changes, every intervention in report.json
    causal = report["windows"][0]["causal"]["tiny.pt"]
    assert causal["has_original"] is False and causal["figure"] == "change_model"
    assert {"own_ac", "neighbours_ac", "neighbours_low_ac", "neighbours_high_ac", "neighbours_coarse", "chroma_ac",
            "neighbour_above_left", "neighbour_below_right", "neighbours_natural"} <= set(causal["interventions"])
    assert "window1_causal.png" in names and report["causal_roles"] == {"tiny.pt": "explained"}
    for png in names - {"index.html", "report.json"}:
        with Image.open(out / png) as im:
            assert im.size[0] > 300
    # Running again into the same report folder replaces it.
    status, _, err = _run([d / "photo.jpg", "--out", out, "--models", d / "tiny.pt", *FAST], capsys)
    assert status == 0, err


def test_user_windows_and_python_api(files):
    d, _ = files
    rep = explain_photo(d / "photo.jpg", None, models=[str(d / "tiny.pt")], blocks=[(3, 3), (50, 60)], lam_steps=2,
                        ig_steps=2, randomise="none", progress=False)
    assert [w.block_box for w in rep.windows] == [((0, 8), (0, 8)), ((48, 56), (56, 64))]
    assert all(w.chosen_by == "user" for w in rep.windows) and "the 2 blocks you chose" in technical(rep)
    assert "the 2 blocks you chose" in rep.answer[0]  # the plain layer names them too
    assert "not run" in rep.answer[-1]


def _cmyk_progressive_rotated(path, photo):
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(photo).convert("L").save(path, "JPEG", quality=25, progressive=True, exif=exif)


def test_documented_conversions_run(files, capsys, tmp_path):
    d, photo = files
    _cmyk_progressive_rotated(tmp_path / "odd.jpg", photo)
    rep = explain_photo(tmp_path / "odd.jpg", None, models=[str(d / "tiny.pt")], windows=1, lam_steps=2, ig_steps=2,
                        randomise="none", progress=False)
    assert rep.photo.image.shape[:2] == (64, 56)  # turned by the EXIF orientation
    assert rep.facts.progressive and rep.facts.subsampling == "grayscale"
    assert "grayscale" in technical(rep) and "EXIF orientation" in file_paragraph(rep)
    Image.fromarray(photo).convert("CMYK").save(tmp_path / "cmyk.jpg", "JPEG", quality=30)
    rep = explain_photo(tmp_path / "cmyk.jpg", None, models=[str(d / "tiny.pt")], windows=1, lam_steps=2,
                        ig_steps=2, randomise="none", progress=False)
    assert "CMYK" in file_paragraph(rep)


def _bomb(path):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 30001)) + chunk(b"IEND", b""))


def _png16(path, photo):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    a = photo.astype(np.uint16) * 257
    h, w, _ = a.shape
    raw = b"".join(b"\x00" + a[r].astype(">u2").tobytes() for r in range(h))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


BAD = {
    "truncated": (lambda d, p: (d / "bad.jpg").write_bytes((d / "photo.jpg").read_bytes()[:900]), "bad.jpg", [],
                  "truncated"),
    "not an image": (lambda d, p: (d / "bad.jpg").write_text("hello"), "bad.jpg", [], "not an image"),
    "bomb": (lambda d, p: _bomb(d / "bad.png"), "bad.png", [], "decompression bomb"),
    "7×7": (lambda d, p: Image.fromarray(p[:7, :7]).save(d / "bad.png"), "bad.png", [], "7×7 pixels"),
    "window outside": (lambda d, p: None, "photo.jpg", ["--window", "56", "3"], "outside the 64×56 image"),
    "missing file": (lambda d, p: None, "nothing.jpg", [], "no such file"),
    "unknown model": (lambda d, p: None, "photo.jpg", ["--models", "liif-nonsense"], "unknown model 'liif-nonsense'"),
    "output is a file name": (lambda d, p: None, "photo.jpg", ["--out", "{d}/report.txt"], "looks like a file name"),
    "scale too large": (lambda d, p: None, "photo.jpg", ["--scale", "5000"], "larger than the limit"),
    "zero windows": (lambda d, p: None, "photo.jpg", ["--windows", "0"], "positive integer"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_nothing_written(files, capsys, tmp_path, case):
    d, photo = files
    make, name, extra, message = BAD[case]
    for f in ("photo.jpg", "tiny.pt"):
        (tmp_path / f).write_bytes((d / f).read_bytes())
    make(tmp_path, photo)
    out = tmp_path / "out" / "report"
    extra = [e.replace("{d}", str(tmp_path)) for e in extra]
    argv = [tmp_path / name, "--out", out, "--models", tmp_path / "tiny.pt", *FAST]
    if "--out" in extra:
        argv = [tmp_path / name, "--models", tmp_path / "tiny.pt", *FAST]
    if "--models" in extra:
        argv = [tmp_path / name, "--out", out, *FAST]
    before = sorted(p.name for p in tmp_path.iterdir())
    status, stdout, err = _run([*argv, *extra], capsys)
    assert status == 2, (stdout, err)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("liif-explain explain: error:"), err
    assert message in lines[0]
    assert "Traceback" not in err and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_unknown_model_lists_names_as_words(files, capsys):
    d, _ = files
    status, _, err = _run([d / "photo.jpg", "--out", d / "never", "--models", "nope", *FAST], capsys)
    assert status == 2 and "liif-edsr-jpeg" in err and "(" not in err.split("model names")[-1]


def test_16_bit_png_is_explained(files, capsys, tmp_path):
    d, photo = files
    _png16(tmp_path / "deep.png", photo)
    rep = explain_photo(tmp_path / "deep.png", None, models=[str(d / "tiny.pt")], windows=1, lam_steps=2, ig_steps=2,
                        randomise="none", progress=False)
    assert "16-bit colour PNG" in file_paragraph(rep)
    assert "not a JPEG" in file_paragraph(rep) or "probably a JPEG once" in file_paragraph(rep)


@pytest.mark.parametrize("output,scale,message", [("up.txt", "2", "cannot write a .txt image"),
                                                  ("up.png", "1000", "larger than the limit")])
def test_upscale_refuses_before_computing(files, capsys, tmp_path, output, scale, message):
    d, _ = files
    status = main(["upscale", str(d / "photo.jpg"), str(tmp_path / output), "--scale", scale,
                   "--model", str(d / "tiny.pt")])
    err = capsys.readouterr().err
    assert status == 2 and message in err and "%|" not in err  # refused before any upscaling
    assert not (tmp_path / output).exists()


def test_a_refused_file_leaves_one_line_even_with_the_progress_bar_on(files, capsys, tmp_path):
    """Without --quiet the progress bar is on; a file refused at once shows the error line only, no bar."""
    _, photo = files
    Image.fromarray(photo[:7, :7]).save(tmp_path / "small.png")
    status, _, err = _run([tmp_path / "small.png", "--out", tmp_path / "report"], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert status == 2 and len(lines) == 1 and "7×7 pixels" in lines[0], err
    assert not (tmp_path / "report").exists()
