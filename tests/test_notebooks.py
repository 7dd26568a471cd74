"""The notebooks: stored clean and in sync with their generator, helpers, and every notebook executed in quick mode."""

import importlib.util
from pathlib import Path

import nbformat
import numpy as np
import pytest

import explain.notebooks
from explain.notebooks import (
    QUICK_ENV,
    blockiest_block,
    make_scene,
    quick_mode,
    run_notebook,
    settings,
)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", NOTEBOOKS / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_notebook_is_listed_and_up_to_date(tmp_path):
    builder = _builder()
    assert NAMES == sorted(builder.NOTEBOOKS), "notebooks/ and build_notebooks.NOTEBOOKS disagree"
    assert len(NAMES) == 8
    assert builder.main(["--check"]) == 0, "run `python notebooks/build_notebooks.py` and commit the result"
    builder.main(["--out", str(tmp_path)])  # writing is deterministic
    for name in NAMES:
        assert (tmp_path / name).read_text() == (NOTEBOOKS / name).read_text()


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_quick_mode_reads_the_environment(monkeypatch):
    monkeypatch.delenv(QUICK_ENV, raising=False)
    assert not quick_mode() and settings().lr_crop is None
    for value, expected in (("1", True), ("yes", True), ("0", False), ("", False)):
        monkeypatch.setenv(QUICK_ENV, value)
        assert quick_mode() is expected
    monkeypatch.setenv(QUICK_ENV, "1")
    s = settings()
    assert s.quick and s.lr_crop == 64 and s.steps <= 8 and s.rd_region
    assert len(s.qualities) < len(settings(False).qualities)


def test_scene_crop_is_grid_aligned_around_the_blockiest_window():
    full = make_scene("astronaut", scale=4, quality=20)
    assert full.lr.shape == (128, 128, 3) and full.origin == (0, 0)
    crop = make_scene("astronaut", scale=4, quality=20, lr_crop=64)
    assert crop.lr.shape == (64, 64, 3) and crop.hr.shape == (256, 256, 3)
    assert crop.origin[0] % 32 == 0 and crop.origin[1] % 32 == 0
    np.testing.assert_array_equal(crop.hr, full.hr[crop.origin[0]:crop.origin[0] + 256,
                                                   crop.origin[1]:crop.origin[1] + 256])
    # the crop holds the whole image's blockiest window
    r, c = explain_blockiest(full.lr)
    r0, c0 = crop.origin[0] // 4, crop.origin[1] // 4
    assert r0 <= r and r + 16 <= r0 + 64 and c0 <= c and c + 16 <= c0 + 64
    with pytest.raises(ValueError, match="multiple of 8"):
        make_scene("astronaut", lr_crop=60)


def explain_blockiest(lr):
    from explain import blockiest_window

    return blockiest_window(lr, 16)


def test_blockiest_block_is_the_block_at_the_window_centre():
    lr = make_scene("astronaut", scale=4, quality=20, lr_crop=64).lr
    choice = blockiest_block(lr, 4)
    r, c, side, _ = choice.window_lr
    br, bc = choice.block_lr
    assert br % 8 == 0 and bc % 8 == 0
    assert br <= r + side // 2 < br + 8 and bc <= c + side // 2 < bc + 8
    assert choice.window_hr == (4 * br, 4 * bc, 32, 32)


def test_run_notebook_passes_quick_mode_and_exports_html(tmp_path):
    source = ("import torch\nfrom explain.notebooks import quick_mode\n"
              "print('quick', quick_mode(), torch.get_num_threads())")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    # through the command line (python -m explain.notebooks), which calls run_notebook
    argv = [str(path), "--html", str(tmp_path / "probe.html"), "--ipynb", str(tmp_path / "out.ipynb"), "--quick",
            "--threads", "1", "--timeout", "120"]
    assert explain.notebooks.main(argv) == 0
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert "quick True 1" in out.cells[0].outputs[0]["text"]
    assert "quick True 1" in (tmp_path / "probe.html").read_text()
    with pytest.raises(ValueError, match="no notebook"):
        run_notebook(tmp_path / "missing.ipynb")


def test_run_notebook_reports_a_failing_cell(tmp_path):
    from nbclient.exceptions import CellExecutionError

    path = tmp_path / "fails.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('boom')")]), path)
    with pytest.raises(CellExecutionError, match="boom"):
        run_notebook(path, timeout=60)


def test_run_notebook_does_not_stall_between_quick_widget_cells(tmp_path):
    """Many fast cells sending widget messages: without sliced polling, a reply now and then went unnoticed
    until the per-cell timeout, so a run took at least that timeout in most runs instead of a few seconds.
    The timeout (30 s) is set well above the whole run on a loaded machine (14 s seen at nice 19 beside a
    2-thread training), so only a stall reaches it."""
    import time

    setup = ("import ipywidgets as w\nfrom IPython.display import display\n"
             "s = w.IntSlider(); o = w.Output(); display(s, o)")
    step = "s.value += 1\nwith o:\n    o.clear_output(wait=True)\n    print(s.value)"
    cells = [nbformat.v4.new_code_cell(setup)] + [nbformat.v4.new_code_cell(step) for _ in range(80)]
    path = tmp_path / "widgets.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    start = time.perf_counter()
    run_notebook(path, timeout=30)
    assert time.perf_counter() - start < 30


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_in_quick_mode(name, tmp_path):
    """Executes the notebook end to end (kernel python3 of this environment) with EXPLAIN_QUICK=1.

    One torch thread per kernel: the test suite shares the machine with other work, and OpenMP threads
    oversubscribing busy cores make attribution several times slower.
    """
    nb = run_notebook(NOTEBOOKS / name, quick=True, threads=1, timeout=600)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "QUICK MODE" in "".join(o.get("text", "") for o in first.outputs)
