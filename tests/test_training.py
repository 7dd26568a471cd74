import json
import os
import shutil
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from explain.models.checkpoint import read_checkpoint
from explain.models.names import OFFICIAL
from explain.training.data import JPEGDegradation, PatchSampler, list_training_images
from explain.training.trainer import TrainConfig, Trainer, batch_rng, learning_rate, resolve_device, with_lineage

TINY = dict(model=dict(n_resblocks=1, channels=8, hidden=[16], skip="bicubic"), batch_size=2, queries=32,
            checkpoint_every=3, validate_every=3, validation_images=["astronaut"], threads=1)


@pytest.fixture
def image_folder(tmp_path):
    folder = tmp_path / "train" / "tiny"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(3):
        base = rng.random((1, 1, 3)) * 200
        ramp = np.linspace(0, 50, 120)[None, :, None]
        img = np.clip(base + ramp + rng.normal(0, 10, (100, 120, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(img).save(folder / f"img{i}.png")
    return folder


def test_sampler_shapes_and_ranges(image_folder):
    images = [np.asarray(Image.open(p)) for p in list_training_images([image_folder])]
    sampler = PatchSampler(images, patch=16, scale_range=(1, 4), queries=50, degradation=JPEGDegradation(10, 20))
    batch = sampler.batch(3, np.random.default_rng(0))
    assert batch["lr"].shape == (3, 3, 16, 16)
    assert batch["coords"].shape == batch["cells"].shape == (3, 50, 2)
    assert batch["rgb"].shape == (3, 50, 3)
    assert batch["coords"].abs().max() < 1 and batch["lr"].min() >= 0 and batch["lr"].max() <= 1
    again = sampler.batch(3, np.random.default_rng(0))
    assert all(torch.equal(batch[k], again[k]) for k in batch)


def test_jpeg_degradation_moves_the_grid():
    rng = np.random.default_rng(0)
    img = (rng.random((32, 32, 3)) * 255).astype(np.uint8)
    out = JPEGDegradation(10, 10, ("4:4:4",), random_phase=True)(img, np.random.default_rng(3))
    assert out.shape == img.shape
    with pytest.raises(ValueError):
        JPEGDegradation(50, 10)


def test_jpeg_degradation_leaves_its_clean_share_unencoded():
    rng = np.random.default_rng(0)
    img = (rng.random((16, 16, 3)) * 255).astype(np.uint8)
    mixed = JPEGDegradation(10, 10, ("4:2:0",), clean_fraction=0.4)
    kept = [np.array_equal(mixed(img, np.random.default_rng(seed)), img) for seed in range(200)]
    assert 0.3 < np.mean(kept) < 0.5  # q=10 always changes a noise patch, so "equal" means "left clean"
    assert not any(np.array_equal(JPEGDegradation(10, 10)(img, np.random.default_rng(s)), img) for s in range(20))
    with pytest.raises(ValueError, match="clean_fraction"):
        JPEGDegradation(10, 20, clean_fraction=1.0)


def test_benchmark_folders_are_refused(tmp_path):
    bench = tmp_path / "bench" / "set5"
    bench.mkdir(parents=True)
    with pytest.raises(ValueError, match="benchmark"):
        list_training_images([bench])
    with pytest.raises(ValueError, match="does not exist"):
        list_training_images([tmp_path / "nothing"])


def test_learning_rate_schedule():
    cfg = TrainConfig(lr=1e-3, warmup_steps=10, milestones=[100, 200], gamma=0.5)
    assert learning_rate(cfg, 0) == pytest.approx(1e-4)
    assert learning_rate(cfg, 50) == pytest.approx(1e-3)
    assert learning_rate(cfg, 150) == pytest.approx(5e-4)
    assert learning_rate(cfg, 250) == pytest.approx(2.5e-4)


def test_resumed_run_equals_uninterrupted_run(tmp_path, image_folder):
    cfg = TrainConfig(**TINY, folders=[str(image_folder)], steps=6, degradation="jpeg")
    straight = Trainer(cfg, tmp_path / "a", progress=False).run()
    Trainer(cfg, tmp_path / "b", progress=False).run(steps=3)  # "killed" after its step-3 checkpoint
    resumed = Trainer(cfg, tmp_path / "b", progress=False).run()
    for (k, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k
    log = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [3, 6] and all(np.isfinite(r["val_psnr_y"]) for r in log)


def test_time_limit_stops_checkpointed_and_resumes_to_the_same_weights(tmp_path, image_folder):
    cfg = TrainConfig(**{**TINY, "validate_every": 0}, folders=[str(image_folder)], steps=5, degradation="jpeg")
    straight = Trainer(cfg, tmp_path / "a", progress=False).run()
    Trainer(cfg, tmp_path / "b", progress=False).run(time_limit_s=1e-9)  # spent after the first step
    stopped = torch.load(tmp_path / "b" / "state.pt", weights_only=True)
    assert stopped["step"] == 1
    assert read_checkpoint(tmp_path / "b" / "model.pt")["meta"]["steps"] == 1
    resumed = Trainer(cfg, tmp_path / "b", progress=False).run(time_limit_s=3600)
    for (k, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k
    with pytest.raises(ValueError, match="time_limit_s"):
        Trainer(cfg, tmp_path / "c", progress=False).run(time_limit_s=0)


def test_background_loader_workers_give_the_same_weights(tmp_path, image_folder):
    cfg = dict(**{**TINY, "validate_every": 0, "checkpoint_every": 0}, folders=[str(image_folder)], steps=4,
               degradation="jpeg")
    inline = Trainer(TrainConfig(**cfg), tmp_path / "inline", progress=False).run()
    workers = Trainer(TrainConfig(**cfg, loader_workers=2), tmp_path / "workers", progress=False).run()
    for (k, a), b in zip(inline.state_dict().items(), workers.state_dict().values()):
        assert torch.equal(a, b), k


def test_each_step_and_rank_draws_its_own_batch(image_folder):
    images = [np.asarray(Image.open(p)) for p in list_training_images([image_folder])]
    sampler = PatchSampler(images, patch=16, queries=20)
    first, again = sampler.batch(2, batch_rng(0, 0, 5)), sampler.batch(2, batch_rng(0, 0, 5))
    assert torch.equal(first["rgb"], again["rgb"])
    assert not torch.equal(first["rgb"], sampler.batch(2, batch_rng(0, 0, 6))["rgb"])
    assert not torch.equal(first["rgb"], sampler.batch(2, batch_rng(0, 1, 5))["rgb"])


def test_device_and_precision_are_checked(tmp_path, image_folder):
    for bad in (dict(device="gpu"), dict(device="cuda:x"), dict(precision="fp8"), dict(loader_workers=-1)):
        with pytest.raises(ValueError):
            TrainConfig(**bad)
    assert resolve_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            resolve_device("cuda")
        assert resolve_device("auto") == torch.device("cpu")
    cfg = TrainConfig(**{**TINY, "validate_every": 0, "checkpoint_every": 0}, folders=[str(image_folder)],
                      steps=0, device="cpu", precision="bf16")
    assert np.isfinite(Trainer(cfg, tmp_path / "bf16", progress=False).train_step())


def test_warm_start_records_every_stage(tmp_path, image_folder):
    cfg = TrainConfig(**{**TINY, "validate_every": 0}, folders=[str(image_folder)], steps=3)
    Trainer(cfg, tmp_path / "first", progress=False).run()
    first = tmp_path / "first" / "model.pt"
    warm = TrainConfig(**{**TINY, "validate_every": 0}, folders=[str(image_folder)], steps=4, lr=5e-5,
                       init_from=str(first))
    Trainer(warm, tmp_path / "second", progress=False).run(steps=2)
    first_meta = read_checkpoint(first)["meta"]
    shutil.copy(tmp_path / "second" / "model.pt", first)  # the warm-start file is replaced mid-run
    meta = Trainer(warm, tmp_path / "second", progress=False).meta()  # resumed: keeps the original lineage
    assert [s["steps"] for s in meta["stages"]] == [3, 2] and meta["total_steps"] == 5
    assert meta["stages"][0]["train_config"] == first_meta["train_config"]
    assert meta["total_train_seconds"] == pytest.approx(first_meta["train_seconds"] + meta["train_seconds"], abs=0.2)
    third = TrainConfig(**{**TINY, "validate_every": 0}, folders=[str(image_folder)], steps=1,
                        init_from=str(tmp_path / "second" / "model.pt"))
    Trainer(third, tmp_path / "third", progress=False).run()
    meta = read_checkpoint(tmp_path / "third" / "model.pt")["meta"]
    assert [s["steps"] for s in meta["stages"]] == [3, 2, 1] and meta["total_steps"] == 6
    assert meta["stages"][2]["train_config"]["init_from"].endswith("model.pt")


def test_lineage_ignores_weights_without_a_record():
    run = {"steps": 4, "train_seconds": 2.0, "hardware": "cpu", "train_config": {"lr": 1e-4}, "validation": None}
    meta = with_lineage({"origin": "official LIIF checkpoint", "epoch": 1000}, run)
    assert meta["total_steps"] == 4 and len(meta["stages"]) == 1 and meta["steps"] == 4


def test_training_reduces_loss(tmp_path, image_folder):
    cfg = TrainConfig(**{**TINY, "validate_every": 0, "checkpoint_every": 0, "batch_size": 4, "queries": 128},
                      folders=[str(image_folder)], steps=0, lr=3e-3)
    trainer = Trainer(cfg, tmp_path / "c", progress=False)
    batch = trainer.batches[0]  # one fixed batch: the steps must fit it (the fixture's noise is not learnable
    losses = [trainer.train_step(batch) for _ in range(40)]  # across batches, so a fresh-batch loss is noisy)
    assert np.mean(losses[-5:]) < 0.97 * losses[0] and np.all(np.isfinite(losses))


@pytest.mark.slow
def test_distributed_gloo_two_processes(tmp_path, image_folder):
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable)) or shutil.which("torchrun")
    if torchrun is None:
        pytest.skip("torchrun is not installed")
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({**TINY, "folders": [str(image_folder)], "steps": 4, "validate_every": 0,
                                  "checkpoint_every": 2}))

    def launch(out, steps, *extra):
        # One retry: gloo's rendezvous on a freshly picked port occasionally fails on a loaded machine (seen once
        # in a full-suite run, never in isolation); a second failure is a real one and shows both stderr tails.
        errors = []
        for _ in range(2):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            cmd = [torchrun, "--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", str(port),
                   "-m", "explain.cli", "train", "--out", str(out), "--preset", "tiny", "--config", str(config),
                   "--steps", str(steps), *extra]
            env = {**os.environ, "OMP_NUM_THREADS": "1"}
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
            if proc.returncode == 0:
                return
            errors.append(proc.stderr[-2000:])
        raise AssertionError("torchrun failed twice:\n" + "\n-----\n".join(errors))

    launch(tmp_path / "ddp", 4)
    state = torch.load(tmp_path / "ddp" / "state.pt", weights_only=True)
    assert state["step"] == 4 and state["world"] == 2
    launch(tmp_path / "ddp_resumed", 4, "--time-limit", "1e-9")  # both processes stop after step 1
    assert torch.load(tmp_path / "ddp_resumed" / "state.pt", weights_only=True)["step"] == 1
    launch(tmp_path / "ddp_resumed", 4)
    resumed = torch.load(tmp_path / "ddp_resumed" / "state.pt", weights_only=True)["model"]
    for k, v in state["model"].items():
        assert torch.equal(v, resumed[k]), k


def test_command_line_options_reach_the_config():
    import argparse

    from explain.training.cli import PRESETS, add_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--out", "x", "--preset", "gpu", "--device", "cpu", "--loader-workers", "3",
                              "--set", "precision=bf16", "lr=5e-5"])
    cfg = config_from_args(args)
    assert (cfg.device, cfg.loader_workers, cfg.precision, cfg.lr) == ("cpu", 3, "bf16", 5e-5)
    assert cfg.model == PRESETS["finetune"]["model"]  # the gpu preset fine-tunes the official architecture
    assert cfg.init_from == OFFICIAL
    with pytest.raises(ValueError, match="device"):
        config_from_args(parser.parse_args(["--out", "x", "--device", "tpu"]))


def test_command_line_time_limit_is_checked(tmp_path, capsys):
    from explain.cli import main

    assert main(["train", "--out", str(tmp_path / "run"), "--preset", "tiny", "--time-limit", "0"]) == 2
    assert "--time-limit must be a positive number of minutes" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
