"""The page's pieces without a browser: uploads and their refusals, the one-job runner, the ZIP, the server's
settings, and one explanation through the Page's widgets on a tiny model."""

from __future__ import annotations

import io
import json
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from explain.app import jobs, server, uploads
from explain.cli import build_parser


def _jpeg_bytes(shape=(64, 80), quality=30, mode="RGB") -> bytes:
    rng = np.random.default_rng(0)
    img = Image.fromarray((rng.random((*shape, 3)) * 255).astype(np.uint8)).convert(mode)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def _with_frame_header(data: bytes, marker: int, bits: int = 8) -> bytes:
    i = data.index(b"\xff\xc0")
    out = bytearray(data)
    out[i + 1], out[i + 4] = marker, bits
    return bytes(out)


# ---------------------------------------------------------------------------------------------------- uploads
def test_an_upload_is_read_and_named_as_the_person_called_it(tmp_path):
    up = uploads.read_upload("My Holiday (1998).jpg", _jpeg_bytes(), tmp_path)
    assert up.photo.image.shape == (64, 80, 3) and up.stem == "My_Holiday_1998"
    assert up.describe().startswith("My Holiday (1998).jpg: a baseline JPEG, 80×64 pixels")
    assert str(tmp_path) not in up.describe()


@pytest.mark.parametrize("case, match", [
    ("not an image", "'bad.jpg' is not an image file Pillow can read"),
    ("truncated", "'bad.jpg' is truncated"),
    ("12-bit", "'bad.jpg' is a 12-bit JPEG"),
    ("lossless", "'bad.jpg'"),
    ("empty", "'bad.jpg' is empty"),
])
def test_bad_uploads_get_one_plain_line_naming_the_file(tmp_path, case, match):
    good = _jpeg_bytes()
    data = {"not an image": b"hello, this is text", "truncated": good[: len(good) // 2],
            "12-bit": _with_frame_header(good, 0xC1, bits=12), "lossless": _with_frame_header(good, 0xC3),
            "empty": b""}[case]
    with pytest.raises(ValueError, match=match) as err:
        uploads.read_upload("bad.jpg", data, tmp_path)
    text = str(err.value)
    assert "\n" not in text and str(tmp_path) not in text and "Traceback" not in text
    assert not any(tmp_path.rglob("*.jpg"))  # nothing kept of a refused file


def test_limits_are_stated_and_enforced(tmp_path, monkeypatch):
    text = uploads.limits_text(4)
    assert f"{uploads.MAX_PIXELS:,} pixels" in text and f"{uploads.MAX_MB} MB" in text
    monkeypatch.setattr(uploads, "MAX_BYTES", 1000)
    with pytest.raises(ValueError, match="'big.jpg' is .* MB; the page takes files up to"):
        uploads.read_upload("big.jpg", _jpeg_bytes(), tmp_path)
    monkeypatch.setattr(uploads, "MAX_BYTES", 10 ** 9)
    monkeypatch.setattr(uploads, "MAX_PIXELS", 1000)
    with pytest.raises(ValueError, match=r"'wide.jpg' is 80×64 = 0.0 MP; the page takes photos up to"):
        uploads.read_upload("wide.jpg", _jpeg_bytes(), tmp_path)


def test_a_cmyk_jpeg_is_read_with_its_note(tmp_path):
    up = uploads.read_upload("print.jpg", _jpeg_bytes(mode="CMYK"), tmp_path)
    assert up.photo.image.shape == (64, 80, 3) and "CMYK" in up.describe()


def test_an_original_must_be_scale_times_the_photo(tmp_path):
    up = uploads.read_upload("small.jpg", _jpeg_bytes((32, 40)), tmp_path)
    buf = io.BytesIO()
    Image.new("RGB", (160, 128)).save(buf, "PNG")
    assert uploads.read_original("orig.png", buf.getvalue(), tmp_path, up.photo, 4).shape == (128, 160, 3)
    with pytest.raises(ValueError, match="'orig.png', the original: the original is 160×128 pixels but the output"):
        uploads.read_original("orig.png", buf.getvalue(), tmp_path, up.photo, 2)


def test_a_sample_is_the_tours_jpeg_with_its_original(tmp_path):
    s = uploads.read_sample("astronaut", tmp_path)
    assert s.name == "astronaut_q20.jpg" and s.photo.image.shape == (128, 128, 3)
    assert s.original.shape == (512, 512, 3) and s.photo.facts.quality.quality == 20
    with pytest.raises(ValueError, match="unknown sample"):
        uploads.read_sample("nope", tmp_path)


# ------------------------------------------------------------------------------------------------------- jobs
def test_one_job_at_a_time_and_errors_reach_the_page_as_one_line(tmp_path, caplog):
    release = threading.Event()
    done, errors = [], []
    runner = jobs.JobRunner(tmp_path / "job.lock")
    other = jobs.JobRunner(tmp_path / "job.lock")  # another kernel of the same server

    def work(progress):
        progress("working")
        release.wait(10)
        return 42

    seen = []
    assert runner.start(work, seen.append, done.append, errors.append)
    assert runner.busy and not runner.start(work, seen.append, done.append, errors.append)
    assert not other.start(work, seen.append, done.append, errors.append)  # the lock file is held
    release.set()
    runner.join(10)
    assert done == [42] and seen == ["working"] and not runner.busy
    assert other.start(lambda p: 1 / 0, seen.append, done.append, errors.append)
    other.join(10)
    assert isinstance(errors[0], ZeroDivisionError)


def test_progress_line_and_durations():
    from explain.report.stages import ProgressEvent

    ev = ProgressEvent("causal clues", "liif-edsr-jpeg", 2, 3, 30.0, 60.0, 12.0, 84.0,
                       "window 2 of 3 · liif-edsr-jpeg · causal clues")
    assert jobs.progress_line(ev) == "window 2 of 3 · liif-edsr-jpeg · causal clues — 50 %, about 1 min 24 s left"
    assert jobs.duration(None) == "" and jobs.duration(3) == "under 5 s" and jobs.duration(42) == "about 42 s"
    assert jobs.effort(True)["windows"] == 1 and jobs.effort(False) == {}


def test_zip_holds_the_report_under_the_photos_name(tmp_path):
    report = tmp_path / "report"
    report.mkdir()
    for name in ("index.html", "report.json", "window1_causal.png"):
        (report / name).write_text(name)
    path = jobs.zip_folder(report, tmp_path / "dl" / "holiday.zip")
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["holiday/index.html", "holiday/report.json", "holiday/window1_causal.png"]
    assert not list((tmp_path / "dl").glob("*.part"))


# ----------------------------------------------------------------------------------------------------- server
def test_the_app_command_and_its_settings(tmp_path):
    args = build_parser().parse_args(["app", "--no-browser"])
    assert args.host == "127.0.0.1" and args.port is None and args.no_browser
    cmd = server.voila_command(tmp_path / "p.ipynb", "127.0.0.1", 8999, tmp_path)
    assert "--preheat_kernel=True" in cmd and f"--template={server.TEMPLATE}" in cmd
    assert not any("progressive_rendering" in c for c in cmd)
    server.voila_config(tmp_path)
    config = json.loads((tmp_path / "voila.json").read_text())
    assert config["Voila"]["tornado_settings"]["websocket_max_message_size"] >= uploads.MAX_BYTES * 4 // 3
    assert config["VoilaConfiguration"]["show_tracebacks"] is False
    page = server.page_notebook(tmp_path)
    assert "Page(" in page.read_text()
    template = server.TEMPLATES / "voila" / "templates" / server.TEMPLATE / "index.html.j2"
    assert "cdn.jsdelivr.net" in template.read_text()  # the links it removes, by their exact text


def test_a_taken_port_is_refused_with_one_line():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ValueError, match=f"port {port} on 127.0.0.1 is in use"):
            server.choose_port("127.0.0.1", port)
        assert server.choose_port("127.0.0.1", None) != port


# ------------------------------------------------------------------------------------------------ the page
def test_the_page_explains_a_photo_on_its_worker_thread(tmp_path, tiny_model, monkeypatch):
    pytest.importorskip("ipywidgets")
    from explain.app.page import Page

    monkeypatch.delenv(jobs.APP_DIR_ENV, raising=False)
    tiny_model.name = "tiny"
    page = Page(models=[tiny_model], quick=True, workdir=tmp_path)
    page.take_photo("notes.jpg", b"not an image")
    assert "notes.jpg" in page.status.value and "error" in page.status.value and "Traceback" not in page.status.value
    page.take_photo("holiday.jpg", _jpeg_bytes((48, 56)))
    assert page.source.value == "upload" and "holiday.jpg: a baseline JPEG" in page.status.value
    looks = []
    first_look = page._first_look

    def record(look):  # pictures first: shown while the explanation still runs
        first_look(look)
        looks.append((look.index, page.report, [type(w).__name__ for w in page.answer.children],
                      list(look.outputs)))

    page._first_look = record
    assert page.explain()
    assert not page.explain() and "Busy" in page.busy_line.value  # a second click while it runs
    page.runner.join(300)
    assert page.report is not None, page.status.value
    assert page.report.facts.source == "holiday.jpg" and len(page.answer.children) >= 5
    assert looks == [(1, None, ["HTML", "Image"], ["input (nearest)", "bicubic", "tiny"])]
    assert "First look" not in page.answer.children[0].value  # the answer replaced it
    with zipfile.ZipFile(page.zip_path) as z:
        assert page.zip_path.name == "holiday.zip"
        report = json.loads(z.read("holiday/report.json"))
        assert report["answer"] == page.report.answer and "holiday/index.html" in z.namelist()


def test_an_unexpected_failure_shows_one_line_and_logs_the_traceback(tmp_path, tiny_model, monkeypatch, capfd):
    pytest.importorskip("ipywidgets")
    import explain.report.explain as explain_module
    from explain.app.page import Page

    def broken(*args, **kwargs):
        raise RuntimeError("a bug deep inside")

    monkeypatch.delenv(jobs.APP_DIR_ENV, raising=False)
    monkeypatch.setattr(explain_module, "explain_photo", broken)
    tiny_model.name = "tiny"
    page = Page(models=[tiny_model], quick=True, workdir=tmp_path)
    page.take_photo("holiday.jpg", _jpeg_bytes((48, 56)))
    assert page.explain()
    page.runner.join(60)
    assert "failed on the server" in page.status.value and "a bug deep inside" not in page.status.value
    assert page.report is None and not page.runner.busy and page.answer.children == ()
    log = capfd.readouterr().err
    assert "Traceback" in log and "RuntimeError: a bug deep inside" in log
