import zipfile

import pytest
import torch

from explain.models import LIIF, CheckpointError, load_model, save_model
from explain.models.checkpoint import save_official
from explain.models.names import JPEG_TWIN


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_project_format_round_trip(tmp_path, tiny_model):
    path = tmp_path / "m.pt"
    save_model(tiny_model, path, meta={"steps": 3})
    loaded = load_model(path)
    assert _same_weights(tiny_model, loaded)
    assert loaded.config == tiny_model.config and loaded.meta["steps"] == 3
    assert not loaded.training


def test_half_precision_storage_is_close(tmp_path, tiny_model):
    save_model(tiny_model, tmp_path / "h.pt", half=True)
    loaded = load_model(tmp_path / "h.pt")
    lr = torch.rand(1, 3, 6, 6)
    with torch.no_grad():
        a, b = tiny_model.encode(lr).features, loaded.encode(lr).features
    assert torch.allclose(a, b, atol=1e-3)


def test_official_format_round_trip_with_mean_shift_keys(tmp_path):
    model = LIIF(n_resblocks=2, channels=8, hidden=(16, 16)).eval()
    path = tmp_path / "official.pth"
    save_official(model, path)
    ckpt = torch.load(path, weights_only=True)
    sd = ckpt["model"]["sd"]
    assert "encoder.head.0.weight" in sd and "encoder.body.2.weight" in sd and "imnet.layers.4.weight" in sd
    # Official EDSR checkpoints carry (unused) mean-shift parameters: they must be tolerated.
    sd["encoder.sub_mean.weight"] = torch.eye(3).view(3, 3, 1, 1)
    sd["encoder.sub_mean.bias"] = torch.zeros(3)
    ckpt["epoch"] = 1000
    torch.save(ckpt, path)
    loaded = load_model(path)
    assert _same_weights(model, loaded)
    assert loaded.config.n_resblocks == 2 and loaded.config.hidden == (16, 16)


def test_official_format_paper_spec_builds_paper_model(tmp_path):
    model = LIIF().eval()
    save_official(model, tmp_path / "p.pth")
    assert load_model(tmp_path / "p.pth").num_parameters() == 1_567_299


def test_mismatched_keys_and_shapes_are_named(tmp_path, tiny_model):
    path = tmp_path / "bad.pt"
    save_official(tiny_model, path)
    ckpt = torch.load(path, weights_only=True)
    sd = ckpt["model"]["sd"]
    del sd["imnet.layers.2.weight"]
    sd["imnet.layers.0.bias"] = torch.zeros(5)
    sd["encoder.tail.weight"] = torch.zeros(1)
    torch.save(ckpt, path)
    with pytest.raises(CheckpointError) as err:
        load_model(path)
    msg = str(err.value)
    assert "imnet.layers.2.weight" in msg and "encoder.tail.weight" in msg and "imnet.layers.0.bias" in msg


def test_truncated_and_foreign_files(tmp_path, tiny_model):
    good = tmp_path / "good.pt"
    save_model(tiny_model, good)
    data = good.read_bytes()
    (tmp_path / "trunc.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load_model(tmp_path / "trunc.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(CheckpointError, match=r"'.*text\.pt' is not a PyTorch checkpoint \(neither") as err:
        load_model(tmp_path / "text.pt")
    assert "load key" not in str(err.value)  # no raw unpickler tail
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint .the file is empty"):
        load_model(tmp_path / "empty.pt")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as zf:
        zf.writestr("readme.txt", "not weights")
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint .a zip archive"):
        load_model(tmp_path / "other.zip")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="neither"):
        load_model(tmp_path / "foreign.pt")
    with pytest.raises(ValueError, match="no checkpoint"):
        load_model(tmp_path / "missing.pt")
    ours = torch.load(good, weights_only=True)
    for name, change, message in (("nostate.pt", {"state_dict": None}, "lacks"),
                                  ("badconfig.pt", {"config": {"channels": 8, "colour": 1}}, "config"),
                                  ("strings.pt", {"state_dict": {**ours["state_dict"], "x": "y"}}, "not tensors")):
        torch.save({**ours, **change}, tmp_path / name)
        with pytest.raises(CheckpointError, match=message):
            load_model(tmp_path / name)
    nan = {k: v.clone() for k, v in ours["state_dict"].items()}
    next(v for v in nan.values() if v.is_floating_point()).fill_(float("nan"))
    torch.save({**ours, "state_dict": nan}, tmp_path / "nan.pt")
    with pytest.raises(CheckpointError, match="NaN"):
        load_model(tmp_path / "nan.pt")


def test_load_model_checks_its_arguments(tiny_model):
    with pytest.raises(ValueError, match="not a torch device name"):
        load_model(tiny_model, device="bogus")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no CUDA GPU"):
            load_model(JPEG_TWIN, device="cuda")
    with pytest.raises(TypeError, match="load_model takes"):
        load_model([tiny_model])
    with pytest.raises(ValueError, match="no checkpoint file"):
        load_model("x" * 300)


def test_unsafe_pickle_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"model": Evil()}, path)
    with pytest.raises(CheckpointError):
        load_model(path)


def test_unsupported_official_encoder(tmp_path, tiny_model):
    path = tmp_path / "rdn.pth"
    save_official(tiny_model, path)
    ckpt = torch.load(path, weights_only=True)
    ckpt["model"]["args"]["encoder_spec"]["name"] = "rdn"
    torch.save(ckpt, path)
    with pytest.raises(CheckpointError, match="rdn"):
        load_model(path)
