"""Result files of the studies: JSON of dataclasses and numpy values, one CSV line per row, figures; each
written atomically (a reader never sees half a file)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path

import numpy as np

from ..evaluate import atomic_write_text
from ..fileio import atomic_path


def _plain(value):
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(obj, path) -> None:
    """JSON of dataclasses / dicts / numpy values (NaN and inf → null), written atomically."""
    atomic_write_text(path, json.dumps(_plain(obj), indent=1, ensure_ascii=False) + "\n")


def write_rows_csv(rows: Sequence, path) -> None:
    """One CSV line per dataclass row (header = field names; floats at full precision), written atomically."""
    rows = list(rows)
    if not rows:
        atomic_write_text(path, "")
        return
    names = [f.name for f in fields(rows[0])]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = asdict(row)
        writer.writerow({k: (repr(float(v)) if isinstance(v, float) else
                             " ".join(map(str, v)) if isinstance(v, (tuple, list)) else v)
                         for k, v in values.items()})
    atomic_write_text(path, buf.getvalue())


def save_figure(fig, path) -> None:
    """Save a matplotlib Figure (format from the suffix) atomically."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)

