"""The Parquet dataset of a corpus: ``OUT/rows/<image key>-<params hash>.parquet``, one file per image.

Each file is written whole to a temporary name beside it and renamed into place (:func:`explain.fileio.atomic_path`),
so a file is either absent or complete: "done" means the file exists. A rerun of the same image with the same
parameters replaces its file, so a row is never there twice. Every file has the same schema (:data:`SCHEMA`);
read the whole dataset with ``pandas.read_parquet(OUT / "rows")`` and keep one ``params_hash``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..fileio import atomic_path

ROWS_DIR = "rows"

# One row per (image, model, window, figure); an image that failed has one row with status "error".
SCHEMA = pa.schema([
    ("image", pa.string()),            # the image's name: its path relative to the folder given, else as given
    ("path", pa.string()),             # its absolute path
    ("image_key", pa.string()),        # 16 hex digits of the absolute path (the rows file's stem)
    ("content_sha256", pa.string()),   # of the file's bytes (null when unreadable)
    ("status", pa.string()),           # "ok" or "error"
    ("error", pa.string()),            # the one-line message of an error row
    ("model", pa.string()),            # model label (a name or a checkpoint file name)
    ("window", pa.int32()),            # 1-based explained window (block) of the image
    ("block_row", pa.int32()),         # LR pixel at the top-left of the explained 8×8 block
    ("block_col", pa.int32()),
    ("blockiness", pa.float64()),      # the window's local blocking D_B − D_B^c (NaN for a user's block)
    ("figure", pa.string()),           # the figure's name (explain.headline.QUANTITIES words, trust checks, …)
    ("figure_key", pa.string()),       # its short key
    ("kind", pa.string()),             # share (0–1) / ratio (×) / index (0–100) / check (1 = passes)
    ("value", pa.float64()),
    ("quality", pa.float64()),         # estimated JPEG quality (luma table, IJG scale); NaN when not a JPEG
    ("quality_band", pa.string()),     # q ≤ 30 / q 31–60 / q 61–85 / q > 85 / not a JPEG / unknown
    ("is_jpeg", pa.bool_()),
    ("subsampling", pa.string()),
    ("bpp", pa.float64()),             # bits per pixel of the file
    ("height", pa.int32()),
    ("width", pa.int32()),
    ("scale", pa.float64()),
    ("params_hash", pa.string()),      # explain.corpus.params.params_hash
    ("liif_explain_version", pa.string()),
    ("torch_version", pa.string()),
    ("seconds", pa.float64()),         # compute time of the image on its worker
    ("worker", pa.string()),           # the worker that computed it (address or "local")
])


def rows_dir(out) -> Path:
    return Path(out) / ROWS_DIR


def rows_file(out, key: str, params: str) -> Path:
    """The rows file of image ``key`` under parameters ``params``."""
    return rows_dir(out) / f"{key}-{params}.parquet"


def to_table(rows: list[dict], schema: pa.Schema = SCHEMA) -> pa.Table:
    """Rows (dicts; missing columns are null, unknown ones an error) as an Arrow table of ``schema``."""
    names = set(schema.names)
    for row in rows:
        extra = set(row) - names
        if extra:
            raise ValueError(f"row columns not in the schema: {sorted(extra)}")
    return pa.Table.from_pylist(rows, schema=schema)


def write_rows(path, rows: list[dict], schema: pa.Schema = SCHEMA) -> Path:
    """Write ``rows`` to the Parquet file ``path`` atomically (complete or absent). Returns the path."""
    table = to_table(rows, schema)
    with atomic_path(path, suffix=".tmp") as tmp:
        pq.write_table(table, tmp)
    return Path(path)


def finished(out, params: str) -> dict[str, dict]:
    """image key → {"content_sha256", "status"} of every rows file under ``out`` with parameters ``params``."""
    found = {}
    folder = rows_dir(out)
    if not folder.is_dir():
        return found
    for path in folder.glob(f"*-{params}.parquet"):
        key = path.name[: -len(f"-{params}.parquet")]
        try:
            t = pq.read_table(path, columns=["content_sha256", "status"])
        except (OSError, pa.ArrowInvalid):  # not a complete file: explain the image again
            continue
        if t.num_rows:
            found[key] = {"content_sha256": t.column("content_sha256")[0].as_py(),
                          "status": t.column("status")[0].as_py()}
    return found


def read_rows(out, params: str | None = None):
    """The dataset as a pandas DataFrame (only the files of ``params`` when given; empty when none)."""
    import pandas as pd

    folder = rows_dir(out)
    pattern = f"*-{params}.parquet" if params else "*.parquet"
    files = sorted(folder.glob(pattern)) if folder.is_dir() else []
    if not files:
        return SCHEMA.empty_table().to_pandas()
    return pd.concat([pq.read_table(f, schema=SCHEMA).to_pandas() for f in files], ignore_index=True)
