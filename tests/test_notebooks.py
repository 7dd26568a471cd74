"""The notebooks: jupytext sources paired with stored output-free .ipynb, parameters, helpers, the
`liif-explain notebook` command, and every notebook executed in quick mode."""

import os
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pytest
from notebook_checks import quick_run_problems, summarise
from PIL import Image
from test_browser import BROWSER_NOTEBOOKS
from test_browser import _missing as browser_missing
from test_browser_lesson import LESSON

import explain
import explain.notebooks
from explain.notebook_cli import (
    inject_parameters,
    notebook_names,
    parameter_names,
    resolve_notebook,
)
from explain.notebooks import (
    AS_IS,
    QUICK_ENV,
    blockiest_block,
    check_quality,
    focus_model,
    make_scene,
    model_line,
    quick_mode,
    run_notebook,
    settings,
    setup,
    trained_on,
)

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
PAGES = {"09_explain_your_jpeg.ipynb"}  # the page `liif-explain app` serves (tests/test_app_browser.py drives it)
# Models the executed notebooks get instead of their defaults (comma-separated names), e.g. while the default
# models are not installed yet: EXPLAIN_NOTEBOOK_MODELS=liif-jpeg,liif-clean
MODELS_ENV = "EXPLAIN_NOTEBOOK_MODELS"


def _cells(nb):
    return [(c.cell_type, c.source, tuple(c.get("metadata", {}).get("tags", []))) for c in nb.cells]


def test_every_notebook_is_a_jupytext_pair_in_sync():
    sources = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    assert len(NAMES) == 10 and sorted(n.replace(".ipynb", ".py") for n in NAMES) == sources
    assert not (NOTEBOOKS / "build_notebooks.py").exists()
    for name in NAMES:
        stored = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert stored.metadata.jupytext.formats == "ipynb,py:percent", name
        source = jupytext.read(NOTEBOOKS / name.replace(".ipynb", ".py"))
        assert _cells(source) == _cells(stored), (
            f"{name} and its .py differ: edit the .py (or the notebook in Jupyter with jupytext) and run "
            "`jupytext --sync notebooks/[0-9]*.py`")


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_stored_without_outputs_and_take_parameters(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "parameters" in code[0].metadata.get("tags", []), "the first code cell must be tagged 'parameters'"
    names = parameter_names(nb)
    assert {"image", "scale", "models"} <= set(names)
    if not name.startswith("07"):  # 07 picks its own JPEG qualities
        assert "quality" in names
    # models come from the constants in explain.models.names, never spelled out in the sources
    assert "DEFAULT_MODELS" in code[0].source
    text = (NOTEBOOKS / name.replace(".ipynb", ".py")).read_text()
    for old in ('"liif-jpeg"', '"liif-clean"', "'liif-jpeg'", "'liif-clean'"):
        assert old not in text, f"{name} names a model ({old}); take it from the parameters"


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


def _jpeg(tmp_path, quality=20, name="photo.jpg"):
    """The astronaut ×4-downscaled and saved as a JPEG file (a user's 'old web JPEG'); returns its path."""
    lr = explain.downscale(explain.load_image("astronaut"), 4)
    path = tmp_path / name
    Image.fromarray((lr * 255).round().astype(np.uint8)).save(path, quality=quality)
    return path


def test_quality_parameter_takes_numbers_and_as_is():
    assert check_quality(30) == 30 and check_quality("45") == 45
    for text in ("as is", "As-Is", "asis", " as_is "):
        assert check_quality(text) == AS_IS
    for bad in (0, 101, 2.5, True, "best", None):
        with pytest.raises(ValueError, match="quality"):
            check_quality(bad)
    s = settings(False, image="coffee", quality="as-is", scale=2)
    assert (s.image, s.quality, s.scale, s.as_is) == ("coffee", AS_IS, 2, True)
    with pytest.raises(ValueError, match="unknown notebook parameter"):
        settings(False, models=["x"])
    with pytest.raises(ValueError, match="scale"):
        settings(False, scale=0)


def test_as_is_scene_takes_the_file_itself(tmp_path):
    path = _jpeg(tmp_path)
    decoded = explain.load_image(path)
    sc = make_scene(path, scale=4, quality=AS_IS)
    assert sc.hr is None and sc.lr_clean is None and not sc.has_reference
    np.testing.assert_array_equal(sc.lr, decoded)  # 128×128: already a multiple of 8, nothing re-coded
    assert sc.info.nbytes == path.stat().st_size and sc.info.bpp == pytest.approx(8 * sc.info.nbytes / 128 ** 2)
    assert sc.output_size == (512, 512) and "as is" in sc.describe()
    crop = make_scene(path, scale=4, quality=AS_IS, lr_crop=64)
    r0, c0 = crop.origin[0] // 4, crop.origin[1] // 4
    assert r0 % 8 == 0 and c0 % 8 == 0 and crop.cropped
    np.testing.assert_array_equal(crop.lr, decoded[r0:r0 + 64, c0:c0 + 64])
    # an odd-sized image is cut at the bottom/right only, so a JPEG keeps its grid phase
    odd = tmp_path / "odd.png"
    Image.fromarray((decoded[:101, :90] * 255).round().astype(np.uint8)).save(odd)
    assert make_scene(odd, quality=AS_IS).lr.shape == (96, 88, 3)


def test_full_mode_crops_large_images_to_max_lr():
    sc = make_scene("astronaut", scale=1, quality=20, max_lr=256)  # a 512² LR image
    assert sc.lr.shape == (256, 256, 3) and sc.cropped
    assert sc.origin[0] % 8 == 0 and sc.origin[1] % 8 == 0
    assert not make_scene("astronaut", scale=4, quality=20, max_lr=256).cropped  # 128² stays whole


def test_model_lines_come_from_the_metadata(tiny_model):
    assert trained_on(tiny_model) == "unknown"
    assert "not trained by this project" in model_line("x", tiny_model)
    tiny_model.meta = {"steps": 500, "total_steps": 2500, "train_config": {"degradation": "jpeg", "init_from": "b"},
                       "stages": [{"steps": 2000, "train_config": {"init_from": "liif-edsr"}}, {"steps": 500}]}
    line = model_line("twin", tiny_model)
    assert "2,500 steps in 2 stages" in line and "JPEG inputs" in line and "fine-tuned from liif-edsr" in line
    assert focus_model({"a": object(), "twin": tiny_model}) == "twin"


def test_setup_builds_the_scene_window_and_header(tiny_model, make_tiny_model, capsys):
    tiny_model.meta = {"steps": 10, "train_config": {"degradation": "none"}}
    ctx = setup("astronaut", 20, 4, {"clean": tiny_model, "other": make_tiny_model()}, quick=True)
    out = capsys.readouterr().out
    assert out.startswith("QUICK MODE: astronaut") and "clean: " in out and "explained in detail: clean" in out
    assert ctx.scene.lr.shape == (64, 64, 3) and ctx.window == ctx.choice.window_hr and ctx.window[2] == 32
    assert ctx.straddle == (ctx.window[0] - 16, ctx.window[1] - 16, 32, 32) or min(ctx.window[:2]) < 16
    with pytest.raises(ValueError, match="image must be"):
        setup("no-such-photo.jpg", 20, 4, {"a": tiny_model})
    with pytest.raises(ValueError, match="as is"):
        setup("astronaut", "as is", 4, {"a": tiny_model}, require_original=True, verbose=False)


def _probe(tmp_path, source="print('got', image, quality, scale, models)"):
    params = nbformat.v4.new_code_cell("image = 'astronaut'\nquality = 20\nscale = 4\nmodels = ['a']",
                                       metadata={"tags": ["parameters"]})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# probe"), params,
                                         nbformat.v4.new_code_cell(source)])
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    return path


def test_inject_parameters_after_the_parameters_cell(tmp_path):
    nb = nbformat.read(_probe(tmp_path), as_version=4)
    assert parameter_names(nb) == ["image", "quality", "scale", "models"]
    inject_parameters(nb, {"image": "/x/photo.jpg", "quality": AS_IS})
    inject_parameters(nb, {"image": "/x/photo.jpg", "models": ["m1", "m2"]})  # replaces the earlier injection
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and nb.cells.index(injected[0]) == 2
    assert "image = '/x/photo.jpg'" in injected[0].source and "models = ['m1', 'm2']" in injected[0].source
    assert "quality" not in injected[0].source
    with pytest.raises(ValueError, match="unknown parameter"):
        inject_parameters(nb, {"colour": 1})
    with pytest.raises(ValueError, match="literal"):
        inject_parameters(nb, {"image": object()})
    nb.cells[1].metadata["tags"] = []
    with pytest.raises(ValueError, match="tagged 'parameters'"):
        parameter_names(nb)


def test_resolve_notebook_by_number_name_or_path(tmp_path):
    names = notebook_names()
    assert len(names) == 10 and names[2].startswith("02_")
    assert resolve_notebook("2").name == names[2] == resolve_notebook("02").name
    assert resolve_notebook("gradient_attribution").name == names[2]
    assert resolve_notebook(NOTEBOOKS / names[3].replace(".ipynb", ".py")).name == names[3]
    probe = _probe(tmp_path)
    assert resolve_notebook(probe) == probe
    with pytest.raises(ValueError, match="is no notebook"):
        resolve_notebook("99")
    with pytest.raises(ValueError, match="several"):
        resolve_notebook("_")


def test_notebook_command_runs_a_notebook_on_a_photo(tmp_path, monkeypatch, capsys):
    from explain import notebook_cli
    from explain.cli import main

    monkeypatch.setattr(notebook_cli, "NOTEBOOKS", tmp_path)
    photo = _jpeg(tmp_path)
    probe = _probe(tmp_path)
    html = tmp_path / "out" / "probe.html"
    argv = ["notebook", str(probe), "--image", str(photo), "--quality", "as-is", "--models", "m1", "m2",
            "--html", str(html), "--ipynb", str(tmp_path / "run.ipynb"), "--timeout", "120"]
    assert main(argv) == 0
    assert f"wrote {html.resolve()}" in capsys.readouterr().out
    run = nbformat.read(tmp_path / "run.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for o in run.cells[3].outputs)
    assert printed.strip() == f"got {photo.resolve()} as is 4 ['m1', 'm2']"
    assert f"got {photo.resolve()} as is" in html.read_text()
    assert nbformat.read(probe, as_version=4).cells[1].metadata["tags"] == ["parameters"]  # stored one untouched
    # errors the user can act on: exit status 2 and a message
    assert main(["notebook", str(probe), "--image", str(tmp_path / "missing.jpg")]) == 2
    assert "no image file" in capsys.readouterr().err
    assert main(["notebook", str(probe), "--image", "astronaut", "--quality", "best"]) == 2
    # a failing cell: exit status 1 and the traceback
    failing = _probe(tmp_path, "raise RuntimeError('cell broke')")
    assert main(["notebook", str(failing), "--image", "astronaut", "--html", str(tmp_path / "f.html")]) == 1
    assert "cell broke" in capsys.readouterr().out


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


def _test_models():
    names = os.environ.get(MODELS_ENV, "").strip()
    return {"models": [n.strip() for n in names.split(",") if n.strip()]} if names else {}


def _run_with(name, tmp_path, **params):
    """Run notebook ``name`` in quick mode with ``params`` injected (plus EXPLAIN_NOTEBOOK_MODELS)."""
    nb = inject_parameters(nbformat.read(NOTEBOOKS / name, as_version=4), {**params, **_test_models()})
    path = tmp_path / name
    nbformat.write(nb, path)
    return run_notebook(path, quick=True, threads=1, timeout=600, cwd=NOTEBOOKS)


def _setup_output(nb) -> str:
    cell = next(c for c in nb.cells if c.cell_type == "code" and "setup(" in c.source)
    return "".join(o.get("text", "") for o in cell.outputs)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_in_quick_mode(name, tmp_path):
    """Executes the notebook end to end (kernel python3 of this environment) with EXPLAIN_QUICK=1, with its
    default parameters (models: those of EXPLAIN_NOTEBOOK_MODELS where set).

    One torch thread per kernel: the test suite shares the machine with other work, and OpenMP threads
    oversubscribing busy cores make attribution several times slower.
    """
    if (name[:2] in BROWSER_NOTEBOOKS or name == LESSON) and browser_missing() is None:
        pytest.skip("run in quick mode and checked the same way (notebook_checks) by a Run All in JupyterLab "
                    "(tests/test_browser.py, tests/test_browser_lesson.py)")
    nb = _run_with(name, tmp_path)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    if name in PAGES:  # the page (liif-explain app) computes nothing until Explain is pressed: one widget, shown
        shown = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                 if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert len(shown) == 1
        return
    # the set-up cell says QUICK MODE; widgets only where a view is displayed (one each; progress bars stay inside
    # the views), and every view also leaves a static snapshot of its first state (an HTML output with the PNG)
    assert not quick_run_problems(summarise(nb))


@pytest.mark.slow
def test_notebook_00_runs_on_a_jpeg_as_is(tmp_path, make_tiny_model):
    """The flagship use: your own old JPEG, taken as it is (no clean original to measure against). Tiny models
    saved as checkpoint files (a user's own models are paths too): notebook 00 runs on the real models in
    JupyterLab (tests/test_browser.py), and what is tested here is the as-is path through the notebook."""
    from explain.models.checkpoint import save_model

    models = []
    for seed, name in enumerate(("tiny-jpeg", "tiny-clean")):  # the answer speaks of the one with "jpeg" in its name
        save_model(make_tiny_model(seed=seed), tmp_path / f"{name}.pt")
        models.append(str(tmp_path / f"{name}.pt"))
    photo = _jpeg(tmp_path, quality=15)
    nb = _run_with("00_why_the_blocks_disappeared.ipynb", tmp_path, image=str(photo), quality=AS_IS, models=models)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert "as is (no clean original)" in _setup_output(nb)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "skipped (PSNR-Y, SSIM and PSNR-B): there is no clean original" in text
    answer = nb.cells[-1].outputs[0]["data"]["text/markdown"]
    assert answer.startswith("**Answer.**") and "ground truth" not in answer
