"""The notebooks as users run them: JupyterLab 4 in a real browser (Chromium, driven by Playwright).

One test per notebook (00, 03 and 04 here; 02, 05 and 08 in tests/test_browser_more.py; quick mode). A module
fixture starts JupyterLab on a free localhost port (no token, autosave and news checks off, the app exposed to the
page as ``window.jupyterapp``) and Chromium, once per file; each test opens its notebook in a new page with a fresh
workspace (``?reset``), runs all cells through the Run menu and checks that

* every cell ran without an error output, and no widget shows "Error displaying widget";
* the headless quick run's checks hold on the cells' outputs (``notebook_checks.quick_run_problems``: QUICK MODE,
  one widget per displayed view and its static snapshot) — tests/test_notebooks.py skips its own quick run of these
  notebooks where this test runs;
* every view renders, and its static snapshot is hidden once the live view is there;
* the first action on each view with a pick canvas (ipympl) is a real mouse click on its LR image, which must move
  the explained window or block (or erase the clicked neighbour) and redraw — a first click once went unanswered;
* then changing one control of each view changes the image it displays;
* the page logged no JavaScript error.

Screenshots of the page and of each view go to ``$EXPLAIN_BROWSER_SCREENSHOTS`` (default
``out/browser-test``) when a check fails, and always when that variable is set. The test drives the Debian
``chromium`` package (``$EXPLAIN_CHROMIUM``, default /usr/bin/chromium) and never downloads a browser; it skips,
saying why, where Chromium, Playwright, JupyterLab or ipympl is missing. ``.ci/run`` installs them.
Models: the notebooks' defaults, or the comma-separated names in ``$EXPLAIN_NOTEBOOK_MODELS``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from notebook_checks import LAB_CELLS, quick_run_problems

from explain.notebook_cli import inject_parameters

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BROWSER_NOTEBOOKS = ("00", "02", "03", "04", "05", "08")
CHROMIUM = os.environ.get("EXPLAIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
RUN_TIMEOUT_S = 600  # one notebook's Run All in quick mode (30–90 s here on a busy 2-core machine)
CHANGE_TIMEOUT_S = 120  # one control change → redrawn image
# The control each view's check changes (a dropdown, set to another option than the notebook left it at).
CONTROL = {"Gradient attribution of an SR window": "target", "Latent features": "view", "Local ensemble": "view",
           "Codecs: decoded LR, artefacts, upscales": "codec", "Take a clue away": "erase",
           "Swap units: twin → control": "slider:swapped"}  # "slider:LABEL": moved with the keyboard

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _missing() -> str | None:
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does it)"
    for module, what in (("playwright", "pip install playwright (its driver is bundled; no browser download)"),
                         ("jupyterlab", "pip install -e '.[lab]'"), ("ipympl", "pip install -e '.[lab]'")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed ({what})"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(folder: Path) -> None:
    """User settings of the test's JupyterLab: no autosave, no news or update checks, every cell in the DOM."""
    settings = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                             "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }
    for name, values in settings.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


class Lab:
    """A JupyterLab server of this environment on a free localhost port, serving ``root``; stopped by its PID."""

    def __init__(self, root: Path, state: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        _write_settings(state / "settings")
        env = dict(os.environ, EXPLAIN_QUICK="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   JUPYTERLAB_SETTINGS_DIR=str(state / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(state / "workspaces"),
                   JUPYTER_RUNTIME_DIR=str(state / "runtime"), JUPYTER_CONFIG_DIR=str(state / "config"))
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={self.port}", "--ip=127.0.0.1",
               "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
               f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]  # no PyPI queries from the extension manager
        if os.geteuid() == 0:  # CI containers run as root
            cmd.append("--allow-root")
        self.log = open(state / "jupyterlab.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer on {self.url} within 120 s; see {self.log.name}")

    def stop(self) -> None:
        """SIGTERM to the server's PID (it shuts its kernels down), SIGKILL to its process group if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group this server leads: itself and its kernels
                self.proc.wait(timeout=10)
        self.log.close()


def _prepare(root: Path) -> list[str]:
    """Copies of the notebooks under test in ``root``, with $EXPLAIN_NOTEBOOK_MODELS injected where set."""
    names = []
    models = [m.strip() for m in os.environ.get("EXPLAIN_NOTEBOOK_MODELS", "").split(",") if m.strip()]
    for number in BROWSER_NOTEBOOKS:
        (path,) = NOTEBOOKS.glob(f"{number}_*.ipynb")
        nb = nbformat.read(path, as_version=4)
        if models:
            inject_parameters(nb, {"models": models})
        nbformat.write(nb, root / path.name)
        names.append(path.name)
    return names


# ------------------------------------------------------------------------------------------------ page helpers
NOTEBOOK_STATE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext || !w.sessionContext.session) return null;
  const kernel = w.sessionContext.session.kernel;
  const cells = w.content.widgets.filter(c => c.model.type === 'code');
  return {status: kernel ? kernel.status : 'none',
          ran: cells.filter(c => c.model.executionCount !== null).length, code: cells.length,
          errors: cells.flatMap(c => c.model.outputs.toJSON().filter(o => o.output_type === 'error')
                                 .map(o => o.ename + ': ' + o.evalue))};
}"""


def _wait_for(page, predicate, timeout_s: float, what: str, poll_s: float = 0.5):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        page.wait_for_timeout(int(poll_s * 1000))
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def _image_of(view) -> str:
    """The src of the image a view's output shows now ("" when none)."""
    img = view.locator(".explain-view-output img").first
    return img.get_attribute("src") if img.count() else ""


def _readouts(view) -> dict:
    """Slider label → readout text of a view's sliders."""
    out = {}
    for slider in view.locator(".widget-slider").all():
        label = slider.locator("label").first.inner_text().strip()
        out[label] = slider.locator(".widget-readout").first.inner_text().strip()
    return out


def _title(view) -> str:
    return view.locator(".widget-html b").first.inner_text().strip()


def new_page(browser):
    """A new page of the tests' size, and the list its JavaScript console errors and uncaught exceptions go to."""
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    return page, console


def _run_notebook_in_lab(page, lab: Lab, name: str, shots: Path, problems: list[str]) -> dict:
    page.goto(f"{lab.url}/lab/tree/{name}?reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=120_000)
    _wait_for(page, lambda: (page.evaluate(NOTEBOOK_STATE) or {}).get("status") == "idle", 120,
              f"the kernel of {name} to start")
    started = time.monotonic()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

    def finished():
        st = page.evaluate(NOTEBOOK_STATE) or {}
        return st if st.get("code") and st["ran"] == st["code"] and st["status"] == "idle" else None

    state = _wait_for(page, finished, RUN_TIMEOUT_S, f"Run All Cells of {name}", poll_s=1.0)
    run_s = time.monotonic() - started
    page.wait_for_timeout(1500)  # let the last widget views render
    problems += [f"{name}: {e}" for e in state["errors"]]
    # the headless quick run's checks (tests/test_notebooks.py skips these notebooks where this test runs)
    problems += [f"{name}: {p}" for p in quick_run_problems(page.evaluate(LAB_CELLS))]
    broken = page.get_by_text("Error displaying widget").count()
    if broken:
        problems.append(f"{name}: {broken} × 'Error displaying widget'")
    return {"run_s": run_s, "cells": state["code"]}


def _check_views(page, name: str, shots: Path, problems: list[str], save: bool) -> int:
    views = page.locator(".explain-view").all()
    snapshots = page.locator(".explain-static-view")
    if views and snapshots.count() < len(views):
        problems.append(f"{name}: {len(views)} views but {snapshots.count()} static snapshots")
    for snap in snapshots.all():
        if snap.is_visible():
            problems.append(f"{name}: a static snapshot is visible although its live view rendered")
    for i, view in enumerate(views):
        title = _title(view)
        view.scroll_into_view_if_needed()
        if not view.locator(".explain-view-output img").count():
            problems.append(f"{name}: view {title!r} shows no image")
            continue
        if save:
            view.screenshot(path=str(shots / f"{Path(name).stem}-view{i}-before.png"))
        if view.locator(".explain-view-picker").count():  # the first action on a clickable view: a click
            _check_first_click(page, view, f"{name}: {title!r}", shots / f"{Path(name).stem}-view{i}-click.png",
                               problems, save)
        label = CONTROL[title]
        before = _image_of(view)
        if label.startswith("slider:"):  # a selection slider: one step to the right with the keyboard
            label = label.removeprefix("slider:")
            slider = view.locator(".widget-slider", has=page.locator("label", has_text=label))
            slider.locator(".noUi-handle").first.focus()
            page.keyboard.press("ArrowRight")
            option = "one step right"
        else:
            control = view.locator(".widget-dropdown", has=page.locator("label", has_text=label)).locator("select")
            current = control.evaluate("s => s.options[s.selectedIndex].text")
            option = next(o for o in control.locator("option").all_inner_texts() if o != current)
            control.select_option(label=option)
        try:
            _wait_for(page, lambda v=view, b=before: _image_of(v) not in ("", b), CHANGE_TIMEOUT_S,
                      f"{title!r} to redraw after {label} → {option}")
        except AssertionError as exc:
            problems.append(f"{name}: {exc}")
        if save:
            view.screenshot(path=str(shots / f"{Path(name).stem}-view{i}-{label}.png"))
    return len(views)


def _dropdowns(view) -> list[str]:
    """The values of a view's dropdowns."""
    return [d.input_value() for d in view.locator(".widget-dropdown select").all()]


def _check_first_click(page, view, what: str, shot: Path, problems: list[str], save: bool) -> None:
    """One real mouse click on a view's pick canvas, in its upper-left part, before anything else was done to the
    view: what the view shows must change (its window or block moves: row/col sliders; or the causal view erases
    the clicked neighbour: its "erase" dropdown), its figure is redrawn and the canvas marks the new place.

    In quick mode the LR image is a 64-px crop centred on the blockiest window, so the explained window sits near
    the middle and a click at about a third of the canvas (inside the image axes, which fill the canvas between
    the title, the axis labels and the legend) lies well away from it."""
    canvas = view.locator(".explain-view-picker canvas").last
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    before = (_readouts(view), _dropdowns(view))
    image = _image_of(view)
    marked = canvas.screenshot()
    page.mouse.click(box["x"] + 0.36 * box["width"], box["y"] + 0.3 * box["height"])
    started = time.monotonic()
    try:
        after = _wait_for(page, lambda: (lambda s: s if s != before else None)((_readouts(view), _dropdowns(view))),
                          CHANGE_TIMEOUT_S, "the first click to move the window (or erase a block)")
        _wait_for(page, lambda: _image_of(view) not in ("", image), CHANGE_TIMEOUT_S, "the redraw after the click")
        _wait_for(page, lambda: canvas.screenshot() != marked, 30, "the pick canvas to mark the new place")
        print(f"{what}: first click answered in {time.monotonic() - started:.1f} s: {before} → {after}")
    except AssertionError as exc:
        problems.append(f"{what}: first click on the LR image: {exc}")
    if save:
        view.screenshot(path=str(shot))


# `make test` keeps each file on one worker (--dist loadfile): the notebooks are split over this file and
# tests/test_browser_more.py, of about equal Run All time, so that the two halves can run side by side.
HERE = ("00", "03", "04")


@pytest.fixture(scope="module")
def lab_browser(tmp_path_factory):
    """(JupyterLab serving copies of the notebooks under test, Chromium, the state folder), for the tests of one
    module (this one, or tests/test_browser_more.py which imports it); skips, saying why, where something is
    missing."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    root, state = tmp_path_factory.mktemp("lab-root"), tmp_path_factory.mktemp("lab-state")
    _prepare(root)
    lab = Lab(root, state)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield lab, browser, state
            finally:
                browser.close()
    finally:
        lab.stop()


def check_notebook_in_jupyterlab(number: str, lab_browser) -> None:
    """Run All of notebook ``number`` in a new page of ``lab_browser``, then the checks of the module docstring."""
    lab, browser, state = lab_browser
    (path,) = NOTEBOOKS.glob(f"{number}_*.ipynb")
    name = path.name
    save = bool(os.environ.get("EXPLAIN_BROWSER_SCREENSHOTS"))
    shots = Path(os.environ.get("EXPLAIN_BROWSER_SCREENSHOTS") or ROOT / "out" / "browser-test")
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    timing = {}
    page, console = new_page(browser)
    try:
        timing = _run_notebook_in_lab(page, lab, name, shots, problems)
        timing["views"] = _check_views(page, name, shots, problems, save)
    except Exception as exc:  # a timeout or a missing element: record it, keep the screenshot
        problems.append(f"{name}: {type(exc).__name__}: {exc}")
    problems += [f"{name}: JS console error: {text}" for text in console]
    if save or problems:
        page.screenshot(path=str(shots / f"{path.stem}.png"), full_page=True)
    page.close()
    if timing:
        print(f"browser test of {number}: Run All {timing['run_s']:.0f} s ({timing.get('views', '?')} views)")
    assert not problems, "\n".join(problems) + f"\n(screenshots in {shots}, server log {state / 'jupyterlab.log'})"


@pytest.mark.parametrize("number", HERE)
def test_notebook_in_jupyterlab(number, lab_browser):
    check_notebook_in_jupyterlab(number, lab_browser)
