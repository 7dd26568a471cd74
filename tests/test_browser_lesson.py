"""Notebook 01 (the lesson) as a learner runs it: JupyterLab 4 in Chromium, driven by Playwright.

Runs all cells of notebook 01 in quick mode (the JupyterLab server, page helpers and skip rules of
``tests/test_browser.py``), then

* one real mouse click on the linked cursor view's output canvas (ipympl) — the first thing done to that view —
  must pick another output pixel (its row / col sliders follow) and redraw the linked figure;
* one press of a question's Reveal button must show the measured answer;
* no cell errs, no widget fails to display, and the page logs no JavaScript error.
* the headless quick run's checks hold (``notebook_checks.quick_run_problems``): tests/test_notebooks.py skips its
  own quick run of notebook 01 where this test runs.

Screenshots go to ``$EXPLAIN_BROWSER_SCREENSHOTS`` (default ``out/browser-test``) when a check fails, and always
when that variable is set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest
from test_browser import (
    CHANGE_TIMEOUT_S,
    CHROMIUM,
    CHROMIUM_ARGS,
    NOTEBOOKS,
    ROOT,
    Lab,
    _image_of,
    _missing,
    _readouts,
    _run_notebook_in_lab,
    _wait_for,
    new_page,
)

from explain.notebook_cli import inject_parameters

pytestmark = [pytest.mark.slow, pytest.mark.browser]

LESSON = "01_how_liif_rebuilds_detail.ipynb"
CURSOR_TITLE = "One cursor"
REVEAL = "Reveal the measurement"


def _prepare_lesson(root: Path) -> str:
    nb = nbformat.read(NOTEBOOKS / LESSON, as_version=4)
    models = [m.strip() for m in os.environ.get("EXPLAIN_NOTEBOOK_MODELS", "").split(",") if m.strip()]
    if models:
        inject_parameters(nb, {"models": models})
    nbformat.write(nb, root / LESSON)
    return LESSON


def _click_cursor(page, problems: list[str], shots: Path, save: bool) -> None:
    """The first action on the cursor view: a mouse click on its output canvas, away from the picked pixel."""
    view = page.locator(".explain-view", has=page.locator(".widget-html b", has_text=CURSOR_TITLE)).first
    canvas = view.locator(".explain-view-picker canvas").last
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    before = _readouts(view)
    image = _image_of(view)
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.3 * box["height"])
    keys = ("output row", "output col")
    try:
        after = _wait_for(page, lambda: (lambda r: r if [r[k] for k in keys] != [before[k] for k in keys] else None)(
            _readouts(view)), CHANGE_TIMEOUT_S, "the click to pick another output pixel")
        _wait_for(page, lambda: _image_of(view) not in ("", image), CHANGE_TIMEOUT_S, "the linked figure to redraw")
        print(f"cursor click: pixel ({before['output row']}, {before['output col']}) → "
              f"({after['output row']}, {after['output col']})")
    except AssertionError as exc:
        problems.append(f"{LESSON}: click on the cursor view's canvas: {exc}")
    if save:
        view.screenshot(path=str(shots / "01-cursor-after-click.png"))


def _reveal(page, problems: list[str], shots: Path, save: bool) -> None:
    """Pick a guess and press the first question's Reveal button: the measured answer must appear."""
    view = page.locator(".explain-view", has=page.get_by_role("button", name=REVEAL)).first
    view.scroll_into_view_if_needed()
    output = view.locator(".explain-view-output")
    if "Measured:" in output.inner_text():
        problems.append(f"{LESSON}: the answer shows before the reveal")
    view.locator(".widget-radio-box input").first.check()
    view.get_by_role("button", name=REVEAL).click()
    try:
        _wait_for(page, lambda: "Measured:" in output.inner_text() and output.locator("img").count() > 0,
                  CHANGE_TIMEOUT_S, "the revealed answer and its figure")
    except AssertionError as exc:
        problems.append(f"{LESSON}: reveal: {exc}")
    if save:
        view.screenshot(path=str(shots / "01-after-reveal.png"))


def test_lesson_in_jupyterlab(tmp_path):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    save = bool(os.environ.get("EXPLAIN_BROWSER_SCREENSHOTS"))
    shots = Path(os.environ.get("EXPLAIN_BROWSER_SCREENSHOTS") or ROOT / "out" / "browser-test")
    shots.mkdir(parents=True, exist_ok=True)
    root, state = tmp_path / "root", tmp_path / "state"
    root.mkdir()
    name = _prepare_lesson(root)
    problems: list[str] = []
    started = time.monotonic()
    lab = Lab(root, state)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                page, console = new_page(browser)
                try:
                    timing = _run_notebook_in_lab(page, lab, name, shots, problems)
                    _click_cursor(page, problems, shots, save)
                    _reveal(page, problems, shots, save)
                    print(f"lesson: Run All {timing['run_s']:.0f} s, {timing['cells']} code cells")
                except Exception as exc:  # a timeout or a missing element: record it, keep the screenshot
                    problems.append(f"{name}: {type(exc).__name__}: {exc}")
                problems += [f"{name}: JS console error: {text}" for text in console]
                if save or problems:
                    page.screenshot(path=str(shots / "01.png"), full_page=True)
                page.close()
            finally:
                browser.close()
    finally:
        lab.stop()
    print(f"browser test of the lesson: {time.monotonic() - started:.0f} s")
    assert not problems, "\n".join(problems) + f"\n(screenshots in {shots}, server log {state / 'jupyterlab.log'})"
