"""A corpus on Dask (`liif-explain explain DIR_OR_GLOB`): rows complete and unique, a killed worker, an interruption
and a rerun lose nothing and duplicate nothing, a bad file is an error row and exit 1, and an external scheduler
with two `dask worker` processes gives the same rows as the embedded LocalCluster. Tiny model, 48×48 JPEGs."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from distributed import Client
from PIL import Image

from explain.cli import main
from explain.corpus import answer, rows, sources, store
from explain.corpus.params import params_hash, weights_sha256
from explain.corpus.tasks import KILL_ENV
from explain.headline import QUANTITIES, block_numbers
from explain.models import LIIF, save_model
from explain.report import explain_photo

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--windows", "1", "--lam-steps", "2", "--ig-steps", "2", "--randomise", "first", "--quiet"]
KEY = ["image", "model", "window", "figure_key"]
QUALITIES = (10, 40, 70, 95)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A folder of 4 small JPEGs (one per quality band) and a corrupt one, and a tiny checkpoint."""
    from skimage import data

    d = tmp_path_factory.mktemp("corpus")
    torch.manual_seed(0)
    save_model(LIIF(n_resblocks=1, channels=8, hidden=(16, 16)).eval(), d / "tiny.pt")
    (d / "photos").mkdir()
    for q, image in zip(QUALITIES, (data.astronaut(), data.coffee(), data.chelsea(), data.rocket())):
        Image.fromarray(image).resize((48, 48), Image.BICUBIC).save(d / "photos" / f"q{q:02d}.jpg", "JPEG", quality=q)
    (d / "photos" / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(40)))
    (d / "photos" / "notes.txt").write_text("not an image")
    return d


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def _check_rows(df: pd.DataFrame, images: int, failed: int = 1) -> None:
    """Rows complete and unique: every image has rows, every ok image every figure once per model and window."""
    assert df["image"].nunique() == images
    assert not df.duplicated(KEY).any()
    assert df["params_hash"].nunique() == 1
    ok = df[df["status"] == "ok"]
    assert (df["status"] == "error").sum() == failed
    names = {v[0] for v in QUANTITIES.values()}
    causal = {f"causal: {n}" for n in ("own_ac", "neighbours_ac", "neighbours_natural")}
    for (_, model, window), g in ok.groupby(["image", "model", "window"]):
        assert causal <= set(g["figure"])  # every model has its causal clues (no randomised copy: it cannot fail)
        assert not model.endswith("(randomised)")
        # every headline figure, except those a completeness gap over 5 % kept out (the tiny models' gaps vary);
        # gradient × coefficient is no path method, so it is always there
        assert QUANTITIES["neighbour_dc_low_ac"][0] in set(g["figure"])
        assert {f for f in g["figure"] if not f.startswith(("causal: ", "trust check"))} <= names
        assert ("trust checks passed" in set(g["figure"])) == (window == 1)  # randomised on the first window
    assert ok["value"].notna().all() and ok["quality_band"].isin([b[0] for b in rows.QUALITY_BANDS]).all()
    assert set(df.columns) == set(store.SCHEMA.names)


# ------------------------------------------------------------------------------------------------ units
def test_report_rows_one_per_model_window_figure(corpus):
    report = explain_photo(corpus / "photos" / "q10.jpg", None, models=[str(corpus / "tiny.pt")], windows=2,
                           lam_steps=2, ig_steps=2, randomise="first", progress=False)
    base = {"image": "q10.jpg", "image_key": "k", "params_hash": "p"}
    out = rows.report_rows(report, base)
    df = pd.DataFrame(out)
    assert not df.duplicated(["model", "window", "figure_key"]).any()
    assert set(df["window"]) == {1, 2}
    # the causal clues: the model's only (no randomised copy), relative changes without an original
    nb = df[df["figure_key"] == "causal:neighbours_ac"].set_index(["model", "window"])["value"]
    assert set(nb.index.get_level_values(0)) == {"tiny.pt"}
    effect = report.windows[0].causal["tiny.pt"].effects["neighbours_ac"]
    assert nb[("tiny.pt", 1)] == pytest.approx(effect.change_model)
    assert set(df[df["figure_key"].str.startswith("causal:")]["kind"]) == {"change"}
    df = df[df["model"] == "tiny.pt"]
    first = set(df[df["window"] == 1]["figure"])
    # every headline figure the answer quotes; one a completeness gap over 5 % kept out (NaN) has no row
    quoted = {QUANTITIES[k][0] for k, v in block_numbers(report.windows[0].clues["tiny.pt"]).items() if np.isfinite(v)}
    assert {f for f in first if not f.startswith(("causal: ", "trust check"))} == quoted
    assert "trust checks passed" in first and "trust checks passed" not in set(df[df["window"] == 2]["figure"])
    checks = df[df["kind"] == "check"]
    assert set(checks["value"]) <= {0.0, 1.0} and len(checks) == len(report.windows[0].clues["tiny.pt"].checks)
    assert (df["quality"] == 10).all() and (df["quality_band"] == "q ≤ 30").all()
    table = store.to_table(out)  # the rows fit the dataset's schema
    assert table.num_rows == len(out)
    with pytest.raises(ValueError, match="not in the schema"):
        store.to_table([{**out[0], "surprise": 1}])


def test_models_load_once_per_worker_process(corpus, monkeypatch):
    from explain.corpus import tasks

    monkeypatch.setattr(tasks, "_MODELS", {})
    first = tasks.worker_models([str(corpus / "tiny.pt")])
    again = tasks.worker_models([str(corpus / "tiny.pt")])
    assert [m.name for m in first] == ["tiny.pt"] and all(a is b for a, b in zip(first, again))


def test_quality_bands_bootstrap_and_summary():
    assert [rows.quality_band(q) for q in (1, 30, 31, 60, 61, 85, 86, 100, None, float("nan"))] == \
        ["q ≤ 30", "q ≤ 30", "q 31–60", "q 31–60", "q 61–85", "q 61–85", "q > 85", "q > 85", rows.NO_QUALITY,
         rows.NO_QUALITY]
    v = np.random.default_rng(1).normal(0.4, 0.1, 50)
    lo, hi = answer.bootstrap_interval(v)
    assert lo < v.mean() < hi and hi - lo < 0.1 and (lo, hi) == answer.bootstrap_interval(v)  # seeded
    assert all(np.isnan(answer.bootstrap_interval([0.3])))
    df = pd.DataFrame([{"image": f"i{i}", "status": "ok", "model": "m", "window": w, "figure_key": "own_block",
                        "figure": "own block", "kind": "share", "value": x + 0.1 * w, "quality": q,
                        "quality_band": rows.quality_band(q)}
                       for i, (x, q) in enumerate([(0.2, 10), (0.4, 20), (0.6, 90)]) for w in (1, 2)])
    values = answer.image_values(df)
    assert len(values) == 3 and np.allclose(sorted(values["value"]), [0.35, 0.55, 0.75])  # window means
    s = answer.summarise(values)
    whole = s[s["band"] == answer.ALL].iloc[0]
    assert whole["n"] == 3 and np.isclose(whole["mean"], 0.55) and whole["lo"] < 0.55 < whole["hi"]
    assert set(s["band"]) == {answer.ALL, "q ≤ 30", "q > 85"}
    assert np.isnan(s[s["band"] == "q > 85"].iloc[0]["lo"])  # one image: no interval


def test_distribution_figure_has_labelled_axes_and_legend():
    from explain.figures.corpus import plot_corpus_distributions

    values = pd.DataFrame([{"image": f"i{i}", "model": m, "figure_key": k, "figure": name, "kind": kind,
                            "value": v + 0.01 * i, "quality_band": "q ≤ 30"}
                           for i in range(5) for m in ("a", "b")
                           for k, name, kind, v in (("own_block", "own block", "share", 0.5),
                                                    ("di_receptive_box", "DI, receptive box", "index", 12.0))])
    summary = answer.summarise(values)
    fig = plot_corpus_distributions(values, summary[summary["band"] == answer.ALL])
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["own block", "DI, receptive box"]
    assert [ax.get_ylabel() for ax in axes] == ["share (%)", "index (0–100)"]
    assert [t.get_text() for t in axes[0].get_xticklabels()] == ["a", "b"]
    assert {t.get_text() for t in axes[0].get_legend().get_texts()} == {"one image",
                                                                          "mean, 95 % bootstrap interval"}
    with pytest.raises(ValueError, match="no values"):
        plot_corpus_distributions(values.iloc[:0], summary)


def test_sources_and_params(corpus, tmp_path):
    photos = corpus / "photos"
    found = sources.collect_images([photos])
    assert [p.name for p in found] == ["corrupt.jpg", "q10.jpg", "q40.jpg", "q70.jpg", "q95.jpg"]
    assert [p.name for p in sources.collect_images([str(photos / "q*.jpg"), photos / "q10.jpg"])] == \
        ["q10.jpg", "q40.jpg", "q70.jpg", "q95.jpg"]
    assert sources.is_corpus([photos]) and sources.is_corpus(["a.jpg", "b.jpg"]) and sources.is_corpus(["x/*.jpg"])
    assert not sources.is_corpus([photos / "q10.jpg"])
    assert sources.display_name(photos / "q10.jpg", [str(photos / "q*.jpg")]) == "q10.jpg"
    assert sources.display_name(photos / "q10.jpg", [corpus]) == "photos/q10.jpg"
    with pytest.raises(ValueError, match="matches no file"):
        sources.collect_images([str(tmp_path / "*.jpg")])
    with pytest.raises(ValueError, match="no such file"):
        sources.collect_images([tmp_path / "missing"])
    a, b = LIIF(n_resblocks=1, channels=8, hidden=(16, 16)), LIIF(n_resblocks=1, channels=8, hidden=(16, 16))
    b.load_state_dict(a.state_dict())
    assert weights_sha256(a) == weights_sha256(b)
    with torch.no_grad():
        next(b.parameters()).add_(1e-3)
    assert weights_sha256(a) != weights_sha256(b)
    s = {"scale": 4.0, "windows": 1}
    assert params_hash(s, {"m": "x"}) == params_hash(dict(s), {"m": "x"}) != params_hash({**s, "windows": 2},
                                                                                          {"m": "x"})


def test_bad_command_lines_exit_2_before_any_cluster(corpus, tmp_path, capsys):
    photos = corpus / "photos"
    cases = [([photos], ["--models", tmp_path / "nope.pt"], "no such file"),
             ([tmp_path / "*.jpg", photos], [], "matches no file"),
             ([photos], ["--workers", "0"], "--workers"),
             ([photos], ["--lam-steps", "0"], "lam_steps"),
             ([photos], ["--window", "3", "4"], "--window")]
    for entries, options, message in cases:
        out = tmp_path / "out"
        argv = ["explain", *map(str, entries), "--out", str(out), *FAST, *map(str, options)]
        if "--models" not in options:
            argv += ["--models", str(corpus / "tiny.pt")]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
        assert not (out / "rows").exists() or not any((out / "rows").iterdir())


# ------------------------------------------------------------------------------------- on a LocalCluster
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def dask_scheduler():
    """The test session's shared Dask cluster: a `dask scheduler` and two `dask worker` processes (one thread
    each) on localhost, as a user starts them for `--scheduler`; its address (stopped by PID at the end)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = _env()
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                                           "--nworkers", "1", "--no-dashboard", "--host", "127.0.0.1"], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def embedded(corpus, tmp_path_factory):
    """The folder on an embedded LocalCluster of 2 worker processes, with the worker of q40.jpg killed mid-task
    once (it runs again on a fresh worker): (status, output folder, rows)."""
    out = tmp_path_factory.mktemp("embedded") / "out"
    marker = out.parent / "killed.txt"
    os.environ[KILL_ENV] = f"q40.jpg|{marker}"
    try:
        status = main(["explain", str(corpus / "photos"), "--out", str(out), "--models", str(corpus / "tiny.pt"),
                       "--workers", "2", *FAST])
    finally:
        del os.environ[KILL_ENV]
    assert marker.is_file()  # the worker did die
    return status, out, store.read_rows(out)


@pytest.mark.slow
def test_embedded_cluster_rows_killed_worker_and_bad_file(embedded, corpus, dask_scheduler, capsys):
    status, out, df = embedded
    assert status == 1  # the corrupt file failed, the others did not
    _check_rows(df, images=5)
    err = df[df["status"] == "error"].iloc[0]
    assert err["image"] == "corrupt.jpg" and "\n" not in err["error"] and "corrupt.jpg" in err["error"]
    assert len(list((out / "rows").glob("*.parquet"))) == 5 and len(list((out / "reports").iterdir())) == 4
    assert df[df["status"] == "ok"]["worker"].nunique() >= 1
    assert pd.read_parquet(out / "rows").shape == df.shape  # the dataset reads as one table
    for name in ("answer.md", "index.html", "summary.csv", "distributions.png", "checks.png"):
        assert (out / name).is_file(), name
    md = (out / "answer.md").read_text()
    assert "Across 4 image(s)" in md and "95 % bootstrap interval" in md and "q ≤ 30 (1 image)" in md
    assert "corrupt.jpg" in md and "read_parquet" in md
    # A rerun with the same parameters (on the shared scheduler: where it runs is no parameter) skips the 4 done
    # images, tries the corrupt one again, duplicates nothing.
    before = {p.name: p.stat().st_mtime_ns for p in (out / "rows").glob("*.parquet")}
    capsys.readouterr()
    assert main(["explain", str(corpus / "photos"), "--out", str(out), "--models", str(corpus / "tiny.pt"),
                 "--scheduler", dask_scheduler, *FAST]) == 1
    text = capsys.readouterr().out
    assert "4 already done, 1 to explain" in text and "1 failed" in text
    after = {p.name: p.stat().st_mtime_ns for p in (out / "rows").glob("*.parquet")}
    assert after.keys() == before.keys() and sum(after[k] != before[k] for k in after) == 1
    again = store.read_rows(out)
    _check_rows(again, images=5)
    pd.testing.assert_frame_equal(again[again.status == "ok"].reset_index(drop=True),
                                  df[df.status == "ok"].reset_index(drop=True))


@pytest.mark.slow
@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_interrupt_then_rerun_loses_and_duplicates_nothing(corpus, tmp_path, how):
    """SIGTERM to the run, or Ctrl-C (SIGINT to its whole process group, workers included, as a terminal sends
    it) midway: exit 130 with a message, finished images kept; the rerun finishes the rest."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for k, p in enumerate(sorted((corpus / "photos").glob("q*.jpg")) * 2):
        (photos / f"{p.stem}_{k}.jpg").write_bytes(p.read_bytes())
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "explain.cli", "explain", str(photos), "--out", str(out), "--models",
           str(corpus / "tiny.pt"), "--workers", "1", *FAST, "--no-reports"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline and len(list((out / "rows").glob("*.parquet"))) < 1 and proc.poll() is None:
            time.sleep(0.1)
        assert proc.poll() is None, proc.stdout.read()
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        text, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, text
    assert ("SIGTERM" if how == "SIGTERM" else "interrupted") in text and "rerun the same command" in text
    assert "Traceback" not in text
    kept = store.read_rows(out)
    assert 1 <= kept["image"].nunique() < 8 and not kept.duplicated(KEY).any()
    assert not list((out / "rows").glob(".*"))  # no half-written file left
    rerun = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{kept['image'].nunique()} already done" in rerun.stdout
    df = store.read_rows(out)
    _check_rows(df, images=8, failed=0)


@pytest.mark.slow
def test_external_scheduler_gives_the_same_rows(embedded, corpus, dask_scheduler, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["explain", str(corpus / "photos"), "--out", str(out), "--models", str(corpus / "tiny.pt"),
                 "--scheduler", dask_scheduler, *FAST, "--no-reports"]) == 1
    assert "2 worker(s) on the scheduler at" in capsys.readouterr().out
    df = store.read_rows(out)
    _check_rows(df, images=5)
    ref = embedded[2]
    cols = [*KEY, "status", "figure", "kind", "value", "quality", "quality_band", "params_hash", "content_sha256"]
    a = df[cols].sort_values(KEY).reset_index(drop=True)
    b = ref[cols].sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(a.drop(columns="value"), b.drop(columns="value"))
    assert np.allclose(a["value"], b["value"], rtol=1e-6, atol=1e-9, equal_nan=True)


@pytest.mark.slow
def test_codec_study_per_image_on_dask_matches_the_serial_study(corpus, dask_scheduler, tmp_path, capsys):
    """`liif-explain codecs --images DIR` on the shared scheduler: one task per image; the study's tables equal the
    serial study's on the same images; a corrupt file is an error row (exit 1); a rerun skips what is done."""
    from skimage import data

    from explain.corpus.codecs import read_codec_rows
    from explain.studies.codec_study import codec_study

    photos = tmp_path / "photos"
    photos.mkdir()
    for name, image in (("astro", data.astronaut()), ("cat", data.chelsea())):
        Image.fromarray(image).resize((96, 96), Image.BICUBIC).save(photos / f"{name}.png")
    (photos / "zz.png").write_bytes(b"not a png")
    out = tmp_path / "out"
    argv = ["codecs", "--images", str(photos), "--out", str(out), "--models", str(corpus / "tiny.pt"), "--codecs",
            "jpeg", "webp", "--bpps", "1.2", "2.0", "--attribution-bpps", "1.2", "--attribution-steps", "2",
            "--scheduler", dask_scheduler, "--no-progress"]
    assert main(argv) == 1
    text = capsys.readouterr().out
    assert "1 failed" in text and "zz.png" in text
    params = text.split("parameters ")[1].split(";")[0]
    df = read_codec_rows(out, params)
    assert set(df["table"]) == {"rd", "attribution", "error"}
    assert df[df.table == "error"]["image"].tolist() == ["zz.png"]
    assert not df[df.table == "rd"].duplicated(["image", "codec", "point", "method"]).any()
    serial = codec_study(images=[photos / "astro.png", photos / "cat.png"], codecs=["jpeg", "webp"],
                         target_bpps=[1.2, 2.0], models={"tiny": str(corpus / "tiny.pt")}, attribution_bpps=[1.2],
                         attribution_steps=2, progress=False)
    mine = pd.read_csv(out / "codecs.csv")
    theirs = pd.DataFrame([vars(r) for r in serial.rows])
    assert mine["image"].tolist() == [f"{n}.png" for n in theirs["image"]]
    num = ["bpp", "psnr_y", "ssim", "psnr_b", "block_ratio"]
    assert np.allclose(mine[num].to_numpy(float), theirs[num].to_numpy(float), rtol=1e-6, equal_nan=True)
    assert (mine["nbytes"] == theirs["nbytes"]).all()
    assert (out / "answer.md").is_file() and "bootstrap interval" in (out / "answer.md").read_text()
    assert main(argv) == 1
    assert "2 already done, 1 to study" in capsys.readouterr().out
    assert len(read_codec_rows(out, params)) == len(df)


def test_one_photo_runs_as_before_without_dask(corpus, tmp_path):
    """A single photo takes today's path: its report folder, no corpus files, and Dask is never imported."""
    code = ("import sys; from explain.cli import main; "
            f"status = main(['explain', {str(corpus / 'photos' / 'q10.jpg')!r}, '--out', {str(tmp_path / 'one')!r}, "
            f"'--models', {str(corpus / 'tiny.pt')!r}, '--windows', '1', '--lam-steps', '2', '--ig-steps', '2', "
            "'--quiet']); "
            "assert status == 0, status; assert 'distributed' not in sys.modules and 'dask' not in sys.modules; "
            "assert 'pyarrow' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "one" / "index.html").is_file() and (tmp_path / "one" / "report.json").is_file()
    assert not (tmp_path / "one" / "rows").exists() and "report:" in done.stdout


def test_a_lost_schedulers_heartbeat_traceback_stays_off_the_terminal(caplog):
    """Stopping a run can close the scheduler before a worker's last heartbeat; the embedded workers drop that one
    record (its traceback reached the terminal after SIGTERM), and nothing else."""
    import logging
    import signal

    import torch

    from explain.corpus.cluster import LostSchedulerFilter, _worker_plugin

    logger = logging.getLogger("distributed.worker")
    before, sigint, threads = list(logger.filters), signal.getsignal(signal.SIGINT), torch.get_num_threads()
    try:
        _worker_plugin().setup(worker=None)  # what each worker process runs (it also ignores Ctrl-C, one thread)
        assert any(isinstance(f, LostSchedulerFilter) for f in logger.filters)
        with caplog.at_level(logging.ERROR, logger="distributed.worker"):
            try:
                raise OSError("stream closed")
            except OSError:
                logger.exception("Failed to communicate with scheduler during heartbeat.")
                logger.exception("Something else failed.")
        assert [r.getMessage() for r in caplog.records] == ["Something else failed."]
    finally:
        logger.filters[:] = before
        signal.signal(signal.SIGINT, sigint)
        torch.set_num_threads(threads)
