"""The corpus answer as files: ``OUT/answer.md``, ``OUT/index.html``, ``OUT/summary.csv`` and the distribution
plots, written together (:func:`explain.fileio.staged_folder`) from the rows dataset."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from ..fileio import staged_folder
from .answer import ALL, BAND_ORDER, answer_sentence, format_interval, image_values, summarise
from .store import ROWS_DIR
from .tasks import REPORTS_DIR, report_folder

FIGURE_FILES = {"distributions.png": "headline figures", "checks.png": "trust checks"}


def _tables(summary: pd.DataFrame, checks: bool) -> list[tuple[str, list[str], list[list[str]]]]:
    """[(heading, header, rows)]: one table per band; a row per figure, a column per model."""
    if summary.empty:
        return []
    sel = summary[summary["figure_key"].str.startswith("check:") == checks]
    models = list(dict.fromkeys(summary["model"]))
    out = []
    for band in BAND_ORDER:
        b = sel[sel["band"] == band]
        if b.empty:
            continue
        n = int(b["n"].max())
        heading = f"{band} ({n} image{'s' if n != 1 else ''})"
        rows = []
        for key in dict.fromkeys(b["figure_key"]):
            r = b[b["figure_key"] == key]
            cells = []
            for m in models:
                x = r[r["model"] == m]
                cells.append("–" if x.empty else format_interval(x["kind"].iloc[0], x["mean"].iloc[0],
                                                                  x["lo"].iloc[0], x["hi"].iloc[0]))
            rows.append([r["figure"].iloc[0], *cells])
        out.append((heading, ["figure", *models], rows))
    return out


def _md_table(header, rows) -> str:
    esc = [[c.replace("|", "\\|") for c in row] for row in [header, *rows]]
    lines = ["| " + " | ".join(esc[0]) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in esc[1:]])


def _html_table(header, rows) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def write_answer(out, rows: pd.DataFrame, *, params: str, settings: dict, models: list[str]) -> dict[str, Path]:
    """Aggregate ``rows`` (one parameters hash) and write the answer files into ``out``; returns name → path."""
    from ..figures.corpus import plot_corpus_distributions

    out = Path(out)
    values = image_values(rows)
    summary = summarise(values)
    images = rows.drop_duplicates("image_key")
    failed = images[images["status"] == "error"].sort_values("image")
    n_ok = int((images["status"] == "ok").sum())
    sentence = answer_sentence(summary, n_ok)
    main, checks = _tables(summary, False), _tables(summary, True)
    setting_text = ", ".join(f"{k} {v}" for k, v in settings.items() if v is not None)
    intro = (f"{len(images)} image(s): {n_ok} explained, {len(failed)} failed. Models: {', '.join(models)}. "
             f"Settings: {setting_text}. Parameters hash {params}. A figure's value for an image is its mean over "
             "the image's explained blocks; each cell is the mean over images and its 95 % bootstrap interval "
             "(images resampled, 2,000 times).")
    read_me = (f'import pandas as pd\nrows = pd.read_parquet("{out / ROWS_DIR}")\n'
               f'rows = rows[rows.params_hash == "{params}"]\n'
               'per_image = rows[rows.status == "ok"].groupby(["image", "model", "figure"]).value.mean()')
    md = ["# Corpus answer", "", sentence, "", intro, ""]
    for heading, header, trs in main:
        md += [f"## {heading}", "", _md_table(header, trs), ""]
    if checks:
        md += ["## Trust checks (share of images where the check passes; explained window 1)", ""]
        for heading, header, trs in checks:
            md += [f"### {heading}", "", _md_table(header, trs), ""]
    if not failed.empty:
        md += [f"## Failed images ({len(failed)})", "",
               _md_table(["image", "error"], [[r.image, str(r.error)] for r in failed.itertuples()]), ""]
    md += ["## The rows", "", f"One row per (image, model, window, figure) in `{out / ROWS_DIR}`:", "",
           "```python", read_me, "```", ""]
    with staged_folder(out) as stage:
        pictures = []
        if not values.empty:
            allrows = summary[summary["band"] == ALL]
            keys = [k for k in dict.fromkeys(values["figure_key"]) if not k.startswith("check:")]
            fig = plot_corpus_distributions(values, allrows, keys, title="each figure over images, per model")
            fig.savefig(stage / "distributions.png", dpi=110)
            pictures.append("distributions.png")
            ckeys = [k for k in dict.fromkeys(values["figure_key"]) if k.startswith("check:")]
            if ckeys:
                fig = plot_corpus_distributions(values, allrows, ckeys, title="trust checks over images (1 = passes)")
                fig.savefig(stage / "checks.png", dpi=110)
                pictures.append("checks.png")
        md += [f"![{FIGURE_FILES[p]}]({p})" for p in pictures] + [""]
        (stage / "answer.md").write_text("\n".join(md), encoding="utf-8")
        summary.to_csv(stage / "summary.csv", index=False)
        (stage / "index.html").write_text(_html(sentence, intro, main, checks, failed, pictures, read_me, out,
                                                images), encoding="utf-8")
        (stage / "answer.json").write_text(json.dumps({"answer": sentence, "params_hash": params,
                                                       "images": len(images), "explained": n_ok,
                                                       "failed": len(failed)}, indent=1), encoding="utf-8")
    return {name: out / name for name in ["answer.md", "index.html", "summary.csv", "answer.json", *pictures]}


def _html(sentence, intro, main, checks, failed, pictures, read_me, out, images) -> str:
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>Corpus answer</title><style>"
             "body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px}"
             "td:not(:first-child){text-align:right}img{max-width:100%}</style></head><body>",
             "<h1>Corpus answer</h1>", f"<p><b>{html.escape(sentence)}</b></p>", f"<p>{html.escape(intro)}</p>"]
    for heading, header, trs in main:
        parts += [f"<h2>{html.escape(heading)}</h2>", _html_table(header, trs)]
    parts += [f"<p><img src='{p}' alt='{html.escape(FIGURE_FILES[p])}'></p>" for p in pictures]
    if checks:
        parts.append("<h2>Trust checks (share of images where the check passes; explained window 1)</h2>")
        for heading, header, trs in checks:
            parts += [f"<h3>{html.escape(heading)}</h3>", _html_table(header, trs)]
    if not failed.empty:
        parts += [f"<h2>Failed images ({len(failed)})</h2>",
                  _html_table(["image", "error"], [[r.image, str(r.error)] for r in failed.itertuples()])]
    links = []
    for r in images[images["status"] == "ok"].sort_values("image").itertuples():
        folder = report_folder(out, r.image, r.image_key)
        if (folder / "index.html").is_file():
            links.append(f"<li><a href='{REPORTS_DIR}/{html.escape(folder.name)}/index.html'>"
                         f"{html.escape(r.image)}</a></li>")
    if links:
        parts += ["<h2>Each image's report</h2>", "<ul>" + "".join(links) + "</ul>"]
    parts += ["<h2>The rows</h2>", f"<pre>{html.escape(read_me)}</pre>", "</body></html>"]
    return "\n".join(parts)
