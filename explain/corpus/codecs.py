"""``liif-explain codecs --images DIR`` on Dask: the codec study, one task per image, resumable like a corpus.

Each task runs :func:`explain.studies.codec_study.codec_study` on one image and writes its rows — the study's
rate–distortion rows (``table`` "rd", one per codec × point × method) and LAM rows ("attribution", one per
target rate × codec × model) — as ``OUT/rows/<image key>-<params hash>.parquet`` (:data:`CODEC_SCHEMA`), or one
"error" row. The driver then rebuilds the :class:`CodecStudy` of every finished image (curves and BD-rates over
images, as the serial study computes them), writes the study's usual files, and the corpus answer per codec at
equal bpp: each figure's mean over images with a bootstrap 95 % interval (``OUT/answer.md``, ``OUT/index.html``).
"""

from __future__ import annotations

import dataclasses
import html
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..fileio import atomic_write_text, staged_folder
from . import store
from .answer import ALL, summarise
from .params import params_hash, versions, weights_sha256
from .report import _html_table, _md_table, _tables
from .rows import NO_QUALITY, error_row
from .sources import collect_images, display_name, file_sha256, image_key

CODEC_SCHEMA = pa.schema([
    ("table", pa.string()),  # "rd" (rate–distortion row), "attribution" (LAM row) or "error"
    ("image", pa.string()), ("path", pa.string()), ("image_key", pa.string()), ("content_sha256", pa.string()),
    ("status", pa.string()), ("error", pa.string()),
    # rd rows: explain.studies.codec_study.results.CodecRow
    ("codec", pa.string()), ("point", pa.string()), ("settings", pa.string()), ("target_bpp", pa.float64()),
    ("bpp", pa.float64()), ("nbytes", pa.int64()), ("matched", pa.bool_()), ("method", pa.string()),
    ("psnr_y", pa.float64()), ("ssim", pa.float64()), ("psnr_b", pa.float64()), ("bef", pa.float64()),
    ("block_ratio", pa.float64()), ("bef_reference", pa.float64()), ("block_ratio_reference", pa.float64()),
    # attribution rows: AttributionRow (window as row, col, height, width in LR pixels)
    ("model", pa.string()), ("win_row", pa.int32()), ("win_col", pa.int32()), ("win_h", pa.int32()),
    ("win_w", pa.int32()), ("di", pa.float64()), ("di_receptive", pa.float64()), ("own", pa.float64()),
    ("neighbours", pa.float64()), ("beyond", pa.float64()), ("boundary_enrichment", pa.float64()),
    ("params_hash", pa.string()), ("liif_explain_version", pa.string()), ("torch_version", pa.string()),
    ("seconds", pa.float64()), ("worker", pa.string()),
])

_MODELS: dict[tuple, dict] = {}


def _worker_models(pairs) -> dict:
    """label → model for ((label, spec), …), loaded once per worker process."""
    key = tuple(tuple(p) for p in pairs)
    if key not in _MODELS:
        from ..studies._common import load_models

        _MODELS[key] = load_models(dict(key))
    return _MODELS[key]


def codec_image(job: dict) -> dict:
    """One image's codec study and its rows file (see the module docstring); returns a summary dict."""
    import torch

    from .tasks import _maybe_kill, _worker_name

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    base = {"image": job["name"], "path": job["path"], "image_key": job["key"], "content_sha256": None,
            "params_hash": job["params"], "liif_explain_version": job["versions"]["liif-explain"],
            "torch_version": job["versions"]["torch"], "worker": _worker_name()}
    _maybe_kill(job["name"])
    try:
        from ..studies.codec_study.study import codec_study

        base["content_sha256"] = file_sha256(job["path"])
        study = codec_study(images=[job["path"]], models=_worker_models(job["models"]), progress=False,
                            **job["study"])
        base["seconds"] = time.perf_counter() - t0
        rows = [{**base, "table": "rd", "status": "ok", **dataclasses.asdict(r), "image": job["name"]}
                for r in study.rows]
        for a in study.attribution:
            d = dataclasses.asdict(a)
            d["win_row"], d["win_col"], d["win_h"], d["win_w"] = (int(v) for v in d.pop("window"))
            rows.append({**base, "table": "attribution", "status": "ok", **d, "image": job["name"]})
        status, message = "ok", None
    except Exception as exc:  # one image's failure is its error row
        message = str(exc) if isinstance(exc, (ValueError, OSError)) else f"{type(exc).__name__}: {exc}"
        base["seconds"] = time.perf_counter() - t0
        rows = [{**error_row(base, message), "table": "error"}]
        status, message = "error", rows[0]["error"]
    store.write_rows(store.rows_file(job["out"], job["key"], job["params"]), rows, CODEC_SCHEMA)
    return {"key": job["key"], "name": job["name"], "status": status, "error": message, "rows": len(rows)}


def read_codec_rows(out, params: str) -> pd.DataFrame:
    """The codec corpus dataset of ``params`` as a DataFrame (empty when none)."""
    import pyarrow.parquet as pq

    files = sorted(store.rows_dir(out).glob(f"*-{params}.parquet")) if store.rows_dir(out).is_dir() else []
    if not files:
        return CODEC_SCHEMA.empty_table().to_pandas()
    return pd.concat([pq.read_table(f, schema=CODEC_SCHEMA).to_pandas() for f in files], ignore_index=True)


def study_from_rows(df: pd.DataFrame, params: dict):
    """The :class:`CodecStudy` of the finished images' rows: rows, curves, BD-rates (PSNR-Y) and attribution."""
    from ..studies.codec_study.bjontegaard import bd_table
    from ..studies.codec_study.results import AttributionRow, CodecRow, CodecStudy
    from ..studies.codec_study.summary import curve_points

    df = df.sort_values(["image"], kind="stable")
    rd_fields = [f.name for f in dataclasses.fields(CodecRow)]
    rows = []
    for r in df[df["table"] == "rd"][rd_fields].to_dict("records"):
        r = {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        r["nbytes"], r["matched"] = int(r["nbytes"]), bool(r["matched"])
        rows.append(CodecRow(**r))
    attribution = []
    for r in df[df["table"] == "attribution"].to_dict("records"):
        attribution.append(AttributionRow(r["image"], r["codec"], float(r["target_bpp"]), float(r["bpp"]),
                                          r["model"], (int(r["win_row"]), int(r["win_col"]), int(r["win_h"]),
                                                       int(r["win_w"])), float(r["di"]),
                                          float(r["di_receptive"]), float(r["own"]), float(r["neighbours"]),
                                          float(r["beyond"]), float(r["boundary_enrichment"])))
    curves = curve_points(rows)
    bd = bd_table(curves, params["reference"], "psnr_y") if rows else []
    names = list(dict.fromkeys(r.image for r in rows))
    return CodecStudy(rows, curves, bd, attribution, {**params, "images": names})


def equal_bpp_values(study, targets, tolerance: float) -> pd.DataFrame:
    """Per image, at each target rate (the encode nearest to it, within ``tolerance``): each codec's figures.

    Columns image, model (= the codec, the group the answer compares), codec, figure_key, figure, kind, value,
    quality_band. Figures: PSNR-Y gain of each SR model over bicubic (dB), the decoded LR's grid ratio
    D_B / D_B^c, and each model's LAM shares own / neighbouring blocks and DI over the receptive box.
    """
    from ..studies.codec_study.results import BICUBIC, DECODED
    from ..studies.codec_study.summary import select_matched

    out = []

    def add(image, codec, key, name, kind, value):
        out.append({"image": image, "model": codec, "codec": codec, "figure_key": key, "figure": name,
                    "kind": kind, "value": float(value), "quality": float("nan"), "quality_band": NO_QUALITY})

    for target in targets:
        chosen = select_matched(study.rows, target, tolerance)
        base = {(r.image, r.codec): r.psnr_y for r in chosen if r.method == BICUBIC}
        for r in chosen:
            if r.method == DECODED:
                add(r.image, r.codec, f"block_ratio@{target:g}", f"LR grid ratio D_B/D_B^c at {target:g} bpp",
                    "ratio", r.block_ratio)
            elif r.method != BICUBIC and (r.image, r.codec) in base:
                add(r.image, r.codec, f"gain:{r.method}@{target:g}",
                    f"{r.method}: PSNR-Y gain over bicubic at {target:g} bpp", "dB", r.psnr_y - base[r.image, r.codec])
        for a in study.attribution:
            if np.isclose(a.target_bpp, target):
                add(a.image, a.codec, f"neighbours:{a.model}@{target:g}",
                    f"{a.model}: LAM share in neighbouring blocks at {target:g} bpp", "share", a.neighbours)
                add(a.image, a.codec, f"own:{a.model}@{target:g}",
                    f"{a.model}: LAM share in own blocks at {target:g} bpp", "share", a.own)
                add(a.image, a.codec, f"di:{a.model}@{target:g}",
                    f"{a.model}: DI over the receptive box at {target:g} bpp", "index", a.di_receptive)
    return pd.DataFrame(out)


def write_codec_answer(out, study, values: pd.DataFrame, failed: pd.DataFrame, params: str) -> dict[str, Path]:
    """``answer.md``, ``index.html``, ``answer_summary.csv`` and ``answer_codecs.png``: the codecs at equal bpp."""
    from ..figures.corpus import plot_corpus_distributions

    out = Path(out)
    summary = summarise(values) if not values.empty else pd.DataFrame()
    if not summary.empty:
        summary = summary[summary["band"] == ALL]
    tables = _tables(summary, False) if not summary.empty else []
    n = len(study.params.get("images", []))
    intro = (f"{n} image(s) studied, {len(failed)} failed; parameters hash {params}. Each cell: the mean over images "
             "of the figure at the encode nearest the target rate (within the tolerance), with its 95 % bootstrap "
             "interval (images resampled 2,000 times); a column per codec.")
    md = ["# Codecs at equal bpp, over a corpus", "", intro, ""]
    for heading, header, trs in tables:
        md += [f"## {heading}", "", _md_table(["figure", *header[1:]], trs), ""]
    if not failed.empty:
        md += [f"## Failed images ({len(failed)})", "",
               _md_table(["image", "error"], [[r.image, str(r.error)] for r in failed.itertuples()]), ""]
    md += ["The study's own tables: `codecs.md`; every row: `rows/` (Parquet, `pandas.read_parquet`).", ""]
    with staged_folder(out) as stage:
        pictures = []
        if not values.empty:
            fig = plot_corpus_distributions(values, summary, group="model", title="each codec at equal bpp")
            fig.savefig(stage / "answer_codecs.png", dpi=110)
            pictures.append("answer_codecs.png")
            md.append("![each figure over images, per codec](answer_codecs.png)")
        (stage / "answer.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        summary.to_csv(stage / "answer_summary.csv", index=False)
        body = [f"<h1>Codecs at equal bpp, over a corpus</h1><p>{html.escape(intro)}</p>"]
        for heading, header, trs in tables:
            body += [f"<h2>{html.escape(heading)}</h2>", _html_table(header, trs)]
        body += [f"<p><img src='{p}' style='max-width:100%'></p>" for p in pictures]
        if not failed.empty:
            body += [f"<h2>Failed images ({len(failed)})</h2>",
                     _html_table(["image", "error"], [[r.image, str(r.error)] for r in failed.itertuples()])]
        body.append("<p>The study's own tables: <a href='codecs.md'>codecs.md</a>, "
                    "<a href='codecs.csv'>codecs.csv</a>; figures rd.png, blocking.png.</p>")
        (stage / "index.html").write_text("<!doctype html><html><head><meta charset='utf-8'><title>Codecs</title>"
                                          "</head><body style='font-family:sans-serif;max-width:1100px;margin:auto'>"
                                          + "\n".join(body) + "</body></html>", encoding="utf-8")
    return {name: out / name for name in ["answer.md", "index.html", "answer_summary.csv", *pictures]}


def run_codec_corpus(args, grid: dict | None = None, fixed: dict | None = None) -> int:
    """:func:`_run_codec_corpus`, with Ctrl-C outside the cluster part (which handles its own) said in one line."""
    try:
        return _run_codec_corpus(args, grid, fixed)
    except KeyboardInterrupt:
        print(f"\ninterrupted; every finished image is kept in {Path(args.out) / store.ROWS_DIR}; rerun the same "
              "command to go on")
        return 130


def _run_codec_corpus(args, grid: dict | None = None, fixed: dict | None = None) -> int:
    """``liif-explain codecs --images DIR``: the study per image on Dask, then the study over the finished images.

    args: the parsed options of ``liif-explain codecs``; grid / fixed: its ``--grid`` / ``--fixed`` as parsed by
    :mod:`explain.studies.codec_study.cli` (None: target rates / the default fixed settings).
    Exit status 0 (all images), 1 (some failed), 130 (interrupted); bad input raises ValueError up front."""
    from ..codecs import available_codecs
    from ..studies._cli import parse_models, print_report
    from ..studies._common import check_scale, load_models
    from ..studies.codec_study.files import write_study
    from ..studies.codec_study.markdown import render_markdown
    from ..studies.codec_study.settings import DEFAULT_FIXED_SETTINGS, check_bpps, check_fixed, check_grid
    from .run import CorpusRun, _compute, check_corpus_folder

    t0 = time.perf_counter()
    out = check_corpus_folder(args.out, earlier=("codecs.json",))  # an earlier serial study may be replaced
    available = available_codecs()
    codecs = list(available if args.codecs is None else [str(c).lower() for c in args.codecs])
    for codec in codecs:
        if codec not in available:
            raise ValueError(f"unknown or unavailable codec {codec!r}; available codecs: {', '.join(available)}")
    grid = check_grid(grid, codecs) if grid else None
    if grid is not None:
        codecs = [c for c in codecs if c in grid]
    fixed = check_fixed(DEFAULT_FIXED_SETTINGS if fixed is None else fixed, codecs)
    reference = args.reference or ("jpeg" if "jpeg" in codecs else codecs[0])
    if reference not in codecs:
        raise ValueError(f"the reference codec {reference!r} is not among the codecs studied ({', '.join(codecs)})")
    study_kw = {"codecs": codecs, "settings": grid, "target_bpps": check_bpps(args.bpps, "target_bpps"),
                "scale": check_scale(args.scale), "crop": args.crop,
                "attribution_bpps": check_bpps(args.attribution_bpps or (), "attribution_bpps"),
                "attribution_steps": args.attribution_steps, "reference": reference, "fixed_settings": fixed}
    pairs = sorted(parse_models(args.models).items())
    pairs = [(label, str(Path(spec).resolve()) if Path(str(spec)).is_file() else spec) for label, spec in pairs]
    models = load_models(dict(pairs))
    shas = {label: weights_sha256(m) for label, m in models.items()}
    files = collect_images(args.images, exclude=out)
    if args.limit is not None:
        if isinstance(args.limit, bool) or args.limit < 1:
            raise ValueError(f"limit must be a positive number of images, got {args.limit!r}")
        files = files[: args.limit]
    params = params_hash(study_kw, shas, kind="codecs")
    v = versions()
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "corpus.json", json.dumps({"format": "liif-explain-codec-corpus/1",
                                                       "params_hash": params, "study": study_kw,
                                                       "models": pairs, "weights_sha256": shas, "versions": v},
                                                      indent=1, default=str))
    run = CorpusRun(out, params, len(files))
    done = store.finished(out, params)
    jobs = []
    for path in files:
        key = image_key(path)
        prior = done.get(key)
        if prior is not None and prior["status"] == "ok" and prior["content_sha256"] == file_sha256(path):
            run.skipped += 1
            continue
        jobs.append({"path": str(Path(path).resolve()), "name": display_name(path, args.images), "key": key,
                     "out": str(out.resolve()), "params": params, "models": pairs, "study": study_kw,
                     "versions": v, "settings": {"scale": study_kw["scale"]}})
    print(f"{len(files)} image(s): {run.skipped} already done, {len(jobs)} to study; parameters {params}; "
          f"rows in {store.rows_dir(out)}")
    if jobs:
        _compute(jobs, run, args.workers, args.scheduler, not args.no_progress, print, task=codec_image,
                 schema=CODEC_SCHEMA)
    if run.interrupted:
        return run.status
    df = read_codec_rows(out, params)
    images = df.drop_duplicates("image_key")
    failed = images[images["status"] == "error"].sort_values("image")
    study = study_from_rows(df[df["status"] == "ok"], {**study_kw, "models": list(models), "mode": "grid" if grid
                                                       else "target_bpp", "tolerance": 0.15})
    if study.rows:
        print_report(render_markdown(study), write_study(study, out))
    targets = study_kw["attribution_bpps"] or study_kw["target_bpps"]
    values = equal_bpp_values(study, targets, 0.15) if study.rows else pd.DataFrame()
    answer = write_codec_answer(out, study, values, failed, params)
    ok = len(images) - len(failed)
    print(f"{ok} of {len(images)} image(s) studied ({run.skipped} done before, {run.ok} now), {len(failed)} failed; "
          f"rows: {store.rows_dir(out).resolve()}")
    for r in failed.itertuples():
        print(f"  failed: {r.image}: {r.error}")
    print(f"corpus answer: {answer['index.html'].resolve()} ({time.perf_counter() - t0:.0f} s)")
    return 1 if len(failed) else 0
