"""The page as a person uses it: the real ``liif-explain app`` (Voilà) in Chromium, driven by Playwright.

A module fixture starts ``liif-explain app --no-browser --port P`` on a free port in quick mode (EXPLAIN_QUICK=1,
inherited by the preheated kernel: one block, few steps) and opens one Chromium page on it, recording every request.
The tests, in order:

* a JPEG uploaded with the upload button is explained: the progress line names stages, a second click says the page
  is busy, the answer's pictures and plain paragraph arrive without leaving the page;
* the report's ZIP downloads, named after the photo, and holds report.json (read here), index.html and the PNGs;
* a broken file (uploaded, then dropped on the drop zone) gets one plain line naming it, and the page stays usable;
* the explore section's causal view answers its first action, a click on the photo;
* no request left 127.0.0.1 (the page loads nothing from a CDN);
* Ctrl-C (SIGINT) stops the command and leaves no process of its session behind.

Screenshots: ``$EXPLAIN_APP_SCREENSHOTS`` (a folder) gets the page with its answer at 1366 px wide (full height,
and the first 1366×768 screen). Skips, saying why, without Chromium (``$EXPLAIN_CHROMIUM``, default
/usr/bin/chromium), Playwright or Voilà. ``EXPLAIN_APP_REAL=1`` adds one run with the real models (slow).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("EXPLAIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
ANSWER_TIMEOUT_MS = 420_000  # quick mode: 40–90 s here on a busy 2-core machine
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")

# the tests share one page and its answer (module fixtures): make test keeps a file on one worker (--dist loadfile)
pytestmark = [pytest.mark.browser]


def _missing() -> str | None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    for module, what in (("playwright", "pip install playwright (no browser download: it drives Debian's chromium)"),
                         ("voila", "pip install -e '.[app]'")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed ({what})"
    return None


class App:
    """``liif-explain app`` on a free port; ``url`` from the one line it prints; ``session`` its folder."""

    def __init__(self, log_path: Path, quick: bool = True):
        from explain.app.server import free_port

        self.port = free_port("127.0.0.1")
        env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        if quick:
            env["EXPLAIN_QUICK"] = "1"
        else:
            env.pop("EXPLAIN_QUICK", None)
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([sys.executable, "-m", "explain.cli", "app", "--no-browser",
                                      f"--port={self.port}"], cwd=ROOT, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.url = self.session = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and self.url is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"liif-explain app exited with {self.proc.returncode}:\n{log_path.read_text()}")
            text = log_path.read_text()
            found = re.search(r"the page is at (http://\S+)", text)
            if found:
                self.url = found.group(1)
                self.session = re.search(r"connection files in (/\S*liif-explain-app-[^/\s]+)", text).group(1)
            time.sleep(0.5)
        if self.url is None:
            self.stop()
            raise RuntimeError(f"liif-explain app printed no URL within 180 s:\n{log_path.read_text()}")

    def processes(self) -> list[int]:
        """PIDs whose command line names this app's session folder (Voilà, its kernels)."""
        found = []
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                if self.session.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
        return found

    def interrupt(self, timeout: float = 60) -> int:
        """Ctrl-C: SIGINT to the command; returns its exit status."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.interrupt()
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


def _jpeg(path: Path, image="coffee", quality=15) -> Path:
    from explain import downscale, load_image

    lr = downscale(load_image(image), 4)
    Image.fromarray((np.clip(lr, 0, 1) * 255).round().astype(np.uint8)).save(path, quality=quality)
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    why = _missing()
    if why:
        pytest.skip(why)
    folder = tmp_path_factory.mktemp("app")
    server = App(folder / "app.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser_page(app):
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(app.url)
        page.wait_for_selector(".liif-page-explain", timeout=180_000)
        page.requests, page.page_errors = requests, errors
        yield page
        browser.close()


def _upload(page, selector: str, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.click(selector)
    chooser.value.set_files(str(path))


def _status(page) -> str:
    return page.inner_text(".liif-page-status")


def _screenshots(page, prefix: str = "app") -> None:
    folder = os.environ.get("EXPLAIN_APP_SCREENSHOTS")
    if not folder:
        return
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / f"{prefix}_1366x768.png"))
    height = page.evaluate("document.querySelector('.liif-page').getBoundingClientRect().bottom") + 40
    page.set_viewport_size({"width": 1366, "height": int(height)})
    shot = Image.open(io.BytesIO(page.screenshot()))
    # 256 colours keep the README's copy small (< 300 KB); the figures' text stays sharp
    shot.convert("RGB").quantize(256, dither=Image.Dither.NONE).save(out / f"{prefix}_page.png", optimize=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def test_an_uploaded_jpeg_gets_its_answer_with_pictures(app, browser_page, tmp_path):
    page = browser_page
    photo = _jpeg(tmp_path / "my_coffee.jpg")
    _upload(page, ".liif-page-upload-photo", photo)
    page.wait_for_function("document.querySelector('.liif-page-status').innerText"
                           ".includes('my_coffee.jpg: a baseline')",
                           timeout=30_000)
    page.click(".liif-page-explain")
    page.wait_for_function("/ · |%/.test(document.querySelector('.liif-page-progress').innerText)", timeout=60_000)
    page.click(".liif-page-explain")  # a second click while it computes
    page.wait_for_function("document.querySelector('.liif-page-busyline').innerText.includes('Busy')",
                           timeout=30_000)
    page.wait_for_selector(".liif-page-causal", timeout=ANSWER_TIMEOUT_MS)
    plain = page.inner_text(".liif-page-plain")
    assert plain.startswith("In plain words") and "liif-edsr-jpeg" in plain
    for selector in (".liif-page-outputs", ".liif-page-causal"):  # PNGs that the browser decoded
        width = page.evaluate(f"document.querySelector('{selector}').naturalWidth")
        assert width > 200, selector
    assert "my_coffee.jpg" in _status(page) and "Traceback" not in page.inner_text("body")
    # the zoom swaps the picture (each PNG gets a new blob: URL) and back
    for choice in ("the block alone", "3×3 blocks"):
        shown = page.get_attribute(".liif-page-outputs", "src")
        page.click(f".liif-page-zoom button:has-text('{choice}')")
        page.wait_for_function("(s) => document.querySelector('.liif-page-outputs').src !== s", arg=shown,
                               timeout=30_000)
    _screenshots(page)
    assert not page.page_errors


def test_the_report_zip_downloads_named_after_the_photo(browser_page, tmp_path):
    page = browser_page
    # the link comes when the job has written its report (after the pictures): wait for it on a busy machine
    page.wait_for_selector("a.liif-page-download", timeout=ANSWER_TIMEOUT_MS)
    with page.expect_download() as download:
        page.click("a.liif-page-download")
    assert download.value.suggested_filename == "my_coffee.zip"
    path = tmp_path / "report.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        report = json.loads(z.read("my_coffee/report.json"))
    assert "my_coffee/index.html" in names and any(n.endswith("_causal.png") for n in names)
    assert report["source"] == "my_coffee.jpg" and report["answer"] and report["timings"]["stages"]


def test_a_broken_file_gets_one_plain_line(browser_page, tmp_path):
    page = browser_page
    broken = tmp_path / "holiday.jpg"
    broken.write_bytes(_jpeg(tmp_path / "whole.jpg").read_bytes()[:900])  # truncated
    _upload(page, ".liif-page-upload-photo", broken)
    page.wait_for_function("document.querySelector('.liif-page-status').innerText.includes('holiday.jpg')",
                           timeout=30_000)
    line = _status(page)
    assert "'holiday.jpg' is truncated" in line and "\n" not in line.strip() and "/tmp" not in line
    assert page.locator(".liif-page-status .liif-page-error").count() == 1
    # dropped on the drop zone: the same check, the same kind of line
    data = json.dumps(list(b"this is not a picture"))
    page.evaluate(f"""() => {{
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array({data})], 'notes.jpg', {{type: 'image/jpeg'}}));
        document.querySelector('.liif-page-drop-photo').dispatchEvent(
            new DragEvent('drop', {{dataTransfer: dt, bubbles: true, cancelable: true}}));
    }}""")
    page.wait_for_function("document.querySelector('.liif-page-status').innerText.includes('notes.jpg')",
                           timeout=30_000)
    assert "'notes.jpg' is not an image file Pillow can read" in _status(page)
    assert page.evaluate("window.liifDropGuard") == 1  # a drop beside the zones does not leave the page
    assert "Traceback" not in page.inner_text("body")
    assert page.is_enabled(".liif-page-explain")  # still usable: a sample is explained next time


def test_a_file_over_tornados_default_message_limit_arrives(browser_page, tmp_path):
    """Tornado drops websocket messages over 10 MiB unless told otherwise: an 11 MB upload must reach the kernel."""
    page = browser_page
    noise = np.random.default_rng(0).integers(0, 256, (1900, 1950, 3), dtype=np.uint8)
    big = tmp_path / "big_scan.png"
    Image.fromarray(noise).save(big, compress_level=1)
    assert big.stat().st_size > 10.5 * 2 ** 20
    _upload(page, ".liif-page-upload-photo", big)
    page.wait_for_function("document.querySelector('.liif-page-status').innerText.includes('big_scan.png')",
                           timeout=120_000)
    assert "big_scan.png: a PNG image, 1950×1900 pixels" in _status(page)
    assert page.locator(".liif-page-status .liif-page-error").count() == 0, _status(page)


def test_the_explore_views_first_click_erases_a_block(browser_page):
    page = browser_page
    page.wait_for_selector(".liif-page-explore .jupyter-widget-Collapse-header", timeout=ANSWER_TIMEOUT_MS)
    page.click(".liif-page-explore .jupyter-widget-Collapse-header")
    page.click(".liif-page-explore-open")
    output = ".liif-page-explore .explain-view-output img"
    page.wait_for_selector(output, timeout=180_000)
    before = page.get_attribute(output, "src")
    canvas = page.locator(".liif-page-explore .explain-view-picker canvas").last
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + 0.36 * box["width"], box["y"] + 0.3 * box["height"])  # the first action: a click
    page.wait_for_function("(s) => { const i = document.querySelector('.liif-page-explore .explain-view-output img');"
                           " return i && i.src !== s; }", arg=before, timeout=120_000)
    assert not page.page_errors


def test_no_request_left_127_0_0_1(browser_page):
    outside = [u for u in browser_page.requests if not u.startswith(LOCAL)]
    assert browser_page.requests and not outside, outside
    assert "cdn.jsdelivr.net" not in browser_page.content()


def test_ctrl_c_stops_it_and_leaves_no_process(app):
    assert app.processes()  # Voilà and its (preheated) kernels are running
    assert app.interrupt() == 0
    deadline = time.monotonic() + 15
    while app.processes() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not app.processes() and not Path(app.session).exists()
    assert "Traceback" not in app.log_path.read_text().split("the page is at")[0]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("EXPLAIN_APP_REAL") != "1", reason="the real models' run: EXPLAIN_APP_REAL=1")
def test_real_models_explain_the_tours_image(tmp_path):
    why = _missing()
    if why:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    server = App(tmp_path / "app.log", quick=False)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(server.url)
            page.wait_for_selector(".liif-page-explain", timeout=300_000)
            page.click(".liif-page-explain")  # the first sample: the tour's image, with its original
            page.wait_for_selector(".liif-page-causal", timeout=1_800_000)
            plain = page.inner_text(".liif-page-plain")
            assert "3 blockiest" in plain and " dB" in plain
            _screenshots(page, "real")
            browser.close()
    finally:
        server.stop()


def test_png_bytes_are_small_enough_for_the_readme():
    shot = ROOT / "assets" / "app_page.png"
    if not shot.exists():
        pytest.skip("no screenshot committed yet")
    assert shot.stat().st_size < 300_000
    with Image.open(io.BytesIO(shot.read_bytes())) as im:
        assert im.width >= 800
