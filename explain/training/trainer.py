"""The LIIF trainer: resumable, seeded, optionally distributed (torchrun + DistributedDataParallel).

Recipe (LIIF, Sec. 4.1): 48×48 LR patches, s ~ U(1, 4), L1 loss on normalised RGB, Adam, step decay.
A run is fully described by :class:`TrainConfig`; its checkpoint holds model, optimiser, schedule, torch
RNG state and step. The batch of step ``t`` is drawn from its own generator, seeded by (seed, rank, t), so
batches can be made ahead in background workers (``loader_workers``) and a killed run resumed from its last
checkpoint ends with the same weights as an uninterrupted run of the same length.

Runs on the CPU or on a CUDA GPU (``device``; under ``torchrun`` each process takes the GPU of its
``LOCAL_RANK``), optionally with bf16 autocast (``precision``).
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.utils.data
from tqdm.auto import tqdm

from ..images import load_image, resize_uint8, to_uint8, upscale_bicubic
from ..metrics import psnr_y
from ..models.checkpoint import atomic_save, load_state_checked, save_model
from ..models.coords import output_coords
from ..models.liif import LIIFConfig
from ..models.registry import make_model
from .data import JPEGDegradation, PatchSampler, default_train_folders, list_training_images, load_uint8_rgb


@dataclass
class TrainConfig:
    model: dict = field(default_factory=lambda: LIIFConfig().to_dict())
    folders: list[str] = field(default_factory=list)  # empty → ../shared/data/train/*
    steps: int = 1000
    batch_size: int = 16
    patch: int = 48
    scale_min: float = 1.0
    scale_max: float = 4.0
    queries: int = 2304
    lr: float = 1e-4
    warmup_steps: int = 0
    milestones: list[int] = field(default_factory=list)  # step decay points
    gamma: float = 0.5
    grad_clip: float = 0.0
    degradation: str = "none"  # "none" | "jpeg"
    jpeg_qmin: int = 10
    jpeg_qmax: int = 60
    jpeg_subsamplings: list[str] = field(default_factory=lambda: ["4:2:0", "4:4:4"])
    jpeg_random_phase: bool = True
    jpeg_clean_fraction: float = 0.0  # share of patches left unencoded in a "jpeg" run
    seed: int = 0
    threads: int = 0  # 0 → torch default
    checkpoint_every: int = 200
    validate_every: int = 500
    # Centre 192² crops of images scikit-image ships (never benchmark images): 6 crops keep the ±0.07 dB
    # wander of a 2-crop validation down enough to compare stages.
    validation_images: list[str] = field(default_factory=lambda: ["astronaut", "coffee", "chelsea", "rocket",
                                                                  "camera", "immunohistochemistry"])
    validation_quality: int = 30
    keep_snapshots: bool = False  # also write snapshots/model-<step>.pt at every validation
    init_from: str = ""  # warm start: a model checkpoint or a name (weights only)
    device: str = "auto"  # "auto" (a CUDA GPU when torch sees one, else the CPU) | "cpu" | "cuda" | "cuda:N"
    precision: str = "fp32"  # "fp32" | "bf16" (autocast; measured slower than fp32 on the 2-core CPU)
    loader_workers: int = 0  # processes making batches ahead of the training step (0: in the training process)

    def __post_init__(self):
        if self.degradation not in ("none", "jpeg"):
            raise ValueError(f"degradation must be 'none' or 'jpeg', got {self.degradation!r}")
        if self.steps < 0 or self.batch_size < 1 or self.queries < 1 or self.patch < 8:
            raise ValueError("steps >= 0, batch_size >= 1, queries >= 1 and patch >= 8 are required")
        if not (1.0 <= self.scale_min <= self.scale_max):
            raise ValueError(f"need 1 <= scale_min <= scale_max, got {self.scale_min}, {self.scale_max}")
        if not (self.device in ("auto", "cpu", "cuda") or _is_cuda_index(self.device)):
            raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {self.device!r}")
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', got {self.precision!r}")
        if self.loader_workers < 0:
            raise ValueError(f"loader_workers must be >= 0, got {self.loader_workers}")

    def make_degradation(self):
        if self.degradation == "jpeg":
            return JPEGDegradation(self.jpeg_qmin, self.jpeg_qmax, tuple(self.jpeg_subsamplings),
                                   self.jpeg_random_phase, self.jpeg_clean_fraction)
        return None


def model_from_spec(spec: dict):
    """A new model from ``TrainConfig.model``: the config fields of a LIIF, or of the registered family named by
    an extra ``"family"`` key (see :mod:`explain.models.registry`). ValueError for fields that do not fit."""
    if not isinstance(spec, dict):
        raise ValueError(f"TrainConfig.model must be a dict of model config fields, got {type(spec).__name__}")
    fields = dict(spec)
    return make_model(fields.pop("family", "liif"), fields)


def _is_cuda_index(name: str) -> bool:
    return name.startswith("cuda:") and name[5:].isdigit()


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """The torch device for a config's ``device`` string; "cuda" means this process's GPU (``LOCAL_RANK``)."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for, but this torch build sees no CUDA GPU "
                         f"(torch {torch.__version__}); use device='cpu' or 'auto'")
    index = int(name[5:]) if _is_cuda_index(name) else local_rank
    if index >= torch.cuda.device_count():
        raise ValueError(f"device {name!r} (process {local_rank}) needs GPU {index}, "
                         f"but only {torch.cuda.device_count()} are visible")
    return torch.device("cuda", index)


def batch_rng(seed: int, rank: int, step: int) -> np.random.Generator:
    """The generator that draws the batch of ``step`` on process ``rank``: the same wherever it runs."""
    return np.random.default_rng([seed, rank, step])


class StepBatches(torch.utils.data.Dataset):
    """Map-style view of a run's batches: item ``t`` is the batch of step ``t`` (a dict of CPU tensors)."""

    def __init__(self, sampler: PatchSampler, batch_size: int, seed: int, rank: int):
        self.sampler, self.batch_size, self.seed, self.rank = sampler, batch_size, seed, rank

    def __len__(self) -> int:
        return 2 ** 62

    def __getitem__(self, step: int) -> dict[str, torch.Tensor]:
        return self.sampler.batch(self.batch_size, batch_rng(self.seed, self.rank, int(step)))


def learning_rate(config: TrainConfig, step: int) -> float:
    """Linear warm-up then step decay by ``gamma`` at each milestone."""
    lr = config.lr * (config.gamma ** sum(step >= m for m in config.milestones))
    if config.warmup_steps and step < config.warmup_steps:
        lr *= (step + 1) / config.warmup_steps
    return lr


STAGE_KEYS = ("steps", "train_seconds", "hardware", "train_config", "validation")


def with_lineage(previous: dict, run: dict) -> dict:
    """``run``'s meta with ``stages`` (every training stage, oldest first: the warm-start weights' own stages
    or their single record, then this run), ``total_steps`` and ``total_train_seconds``.

    A checkpoint without a training record (e.g. official weights) counts as no stage.
    """
    stages = [dict(stage) for stage in previous.get("stages") or []]
    if not stages and previous.get("steps") is not None and previous.get("train_config"):
        stages = [{key: previous.get(key) for key in STAGE_KEYS}]
    stages.append({key: run.get(key) for key in STAGE_KEYS})
    return {**run, "stages": stages,
            "total_steps": int(sum(stage.get("steps") or 0 for stage in stages)),
            "total_train_seconds": round(float(sum(stage.get("train_seconds") or 0 for stage in stages)), 1)}


def _dist_info() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class Trainer:
    """Train a LIIF model. ``out_dir`` receives ``state.pt`` (resumable), ``model.pt`` and ``log.jsonl``."""

    def __init__(self, config: TrainConfig, out_dir, images: list[np.ndarray] | None = None,
                 progress: bool = True):
        self.config, self.out_dir, self.progress = config, Path(out_dir), progress
        self.rank, self.world = _dist_info()
        self.device = resolve_device(config.device, int(os.environ.get("LOCAL_RANK", "0")))
        if config.threads:
            torch.set_num_threads(config.threads)
        if images is None:
            folders = config.folders or [str(p) for p in default_train_folders()]
            images = [load_uint8_rgb(p) for p in list_training_images(folders)]
        self.sampler = PatchSampler(images, config.patch, (config.scale_min, config.scale_max), config.queries,
                                    config.make_degradation())
        torch.manual_seed(config.seed)
        self.model = model_from_spec(config.model)
        self.init_meta: dict = {}  # training record of the warm-start weights (kept in state.pt across resumes)
        if config.init_from:
            from ..models import load_model

            start = load_model(config.init_from)
            load_state_checked(self.model, start.state_dict(), config.init_from)
            self.init_meta = dict(getattr(start, "meta", None) or {})
        self.model.to(self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate(config, 0))
        self.batches = StepBatches(self.sampler, config.batch_size, config.seed, self.rank)
        self.step = 0
        self.elapsed = 0.0
        self.history: list[dict] = []
        self._validation = None
        state_path = self.out_dir / "state.pt"
        if state_path.exists():
            self._resume(state_path)
        self.net = self.model
        if self.world > 1:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids)

    # ------------------------------------------------------------------ state
    def state(self) -> dict:
        return {
            "config": asdict(self.config),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "elapsed": self.elapsed,
            "torch_rng": torch.get_rng_state(),
            "history": json.dumps(self.history),
            "world": self.world,
            "init_meta": json.dumps(self.init_meta),
        }

    def _resume(self, path: Path) -> None:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if state.get("world", 1) != self.world:
            raise ValueError(f"{path} was written by {state.get('world')} processes, resuming with {self.world}")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step, self.elapsed = int(state["step"]), float(state.get("elapsed", 0.0))
        torch.set_rng_state(state["torch_rng"])
        self.history = json.loads(state.get("history", "[]"))
        if "init_meta" in state:  # the warm-start file may have been replaced since the run began
            self.init_meta = json.loads(state["init_meta"])

    def save(self) -> None:
        if self.rank == 0:  # the batches are a function of (seed, rank, step): no data RNG state to gather
            atomic_save(self.state(), self.out_dir / "state.pt")
            save_model(self.model, self.out_dir / "model.pt", meta=self.meta())
        if self.world > 1:
            dist.barrier()

    def meta(self) -> dict:
        """This run's record; a warm-started run also lists every earlier stage (see :func:`with_lineage`)."""
        if self.device.type == "cuda":
            where = f"{torch.cuda.get_device_name(self.device)} × {self.world} process(es), {os.cpu_count()} cpu"
        else:
            where = (f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpu, "
                     f"{torch.get_num_threads()} torch threads × {self.world} process(es)")
        meta = {
            "steps": self.step,
            "train_seconds": round(self.elapsed, 1),
            "hardware": " ".join(where.split()),
            "train_config": asdict(self.config),
            "validation": self.history[-1] if self.history else None,
        }
        return with_lineage(self.init_meta, meta) if self.init_meta else meta

    # ------------------------------------------------------------- training
    def train_step(self, batch: dict[str, torch.Tensor] | None = None) -> float:
        """One optimiser step on ``batch`` (default: the batch of the current step, made here)."""
        cfg = self.config
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate(cfg, self.step)
        if batch is None:
            batch = self.batches[self.step]
        batch = {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}
        self.net.train()
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bf16"):
            pred = self.net(batch["lr"], batch["coords"], batch["cells"])
        loss = (pred.float() - batch["rgb"]).abs().mean() / 0.5  # L1 on (x − 0.5)/0.5 normalised RGB
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.optimizer.step()
        self.step += 1
        return float(loss.detach())

    def run(self, steps: int | None = None, time_limit_s: float | None = None):
        """Train until ``steps`` (default: config.steps) total steps; returns the model.

        ``time_limit_s`` bounds this call's training-loop wall time (loading images and the final save come on
        top): when it is spent, the run checkpoints after the current step and returns early, so a machine lent
        for a fixed time ends with ``state.pt`` and ``model.pt`` of the last step, and the same command resumes
        the schedule where it stopped. Under ``torchrun`` rank 0's clock decides for every process.
        """
        cfg = self.config
        target = cfg.steps if steps is None else steps
        if time_limit_s is not None and not time_limit_s > 0:
            raise ValueError(f"time_limit_s must be a positive number of seconds, got {time_limit_s!r}")
        started = time.perf_counter()
        self.out_dir.mkdir(parents=True, exist_ok=True)
        bar = tqdm(total=target, initial=self.step, desc="train", disable=not self.progress or self.rank != 0)
        smooth = None
        workers = cfg.loader_workers
        loader = torch.utils.data.DataLoader(
            self.batches, batch_size=None, sampler=range(self.step, target), num_workers=workers,
            pin_memory=self.device.type == "cuda", prefetch_factor=4 if workers else None)
        t0 = time.perf_counter()
        for batch in loader:  # yields the batches of steps self.step, self.step + 1, ..., target − 1
            loss = self.train_step(batch)
            now = time.perf_counter()  # wall time per step, waiting for the loader included
            self.elapsed += now - t0
            smooth = loss if smooth is None else 0.98 * smooth + 0.02 * loss
            bar.update(1)
            bar.set_postfix(loss=f"{smooth:.4f}", lr=f"{learning_rate(cfg, self.step):.1e}")
            if cfg.validate_every and self.step % cfg.validate_every == 0 and self.rank == 0:
                record = {"step": self.step, "loss": smooth, "seconds": round(self.elapsed, 1), **self.validate()}
                self.history.append(record)
                with open(self.out_dir / "log.jsonl", "a") as fh:
                    fh.write(json.dumps(record) + "\n")
                bar.write(json.dumps(record))
                if cfg.keep_snapshots:  # weights at every validation, to pick a checkpoint on validation alone
                    (self.out_dir / "snapshots").mkdir(exist_ok=True)
                    save_model(self.model, self.out_dir / "snapshots" / f"model-{self.step:07d}.pt", meta=self.meta())
            if time_limit_s is not None and self._time_is_up(time.perf_counter() - started, time_limit_s):
                bar.write(f"time limit of {time_limit_s:.0f} s reached at step {self.step} of {target}; "
                          "run the same command again to resume")
                break
            if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
                self.save()
            t0 = time.perf_counter()
        bar.close()
        self.save()
        return self.model

    def _time_is_up(self, spent_s: float, limit_s: float) -> bool:
        """Whether to stop now; with several processes rank 0's answer is broadcast so all stop at one step."""
        stop = torch.tensor([float(spent_s >= limit_s)], device=self.device)
        if self.world > 1:
            dist.broadcast(stop, src=0)
        return bool(stop.item())

    # ------------------------------------------------------------- validation
    def _validation_pairs(self) -> dict[str, list]:
        """(lr, hr) float pairs per input kind: "clean" (PIL bicubic ×4) and "jpeg" (then JPEG q, 4:2:0)."""
        if self._validation is None:
            from ..codecs import jpeg_roundtrip_uint8

            cfg, pairs = self.config, {"clean": [], "jpeg": []}
            for name in cfg.validation_images:
                hr = to_uint8(load_image(name))
                h, w = hr.shape[:2]
                hr = hr[h // 2 - 96: h // 2 + 96, w // 2 - 96: w // 2 + 96]
                lr = resize_uint8(hr, 48, 48)
                coded, _ = jpeg_roundtrip_uint8(lr, cfg.validation_quality, "4:2:0")
                for kind, image in (("clean", lr), ("jpeg", coded)):
                    pairs[kind].append((image.astype(np.float32) / 255, hr.astype(np.float32) / 255))
            self._validation = pairs
        return self._validation

    @torch.no_grad()
    def validate(self) -> dict:
        """Mean Y-PSNR (×4, 4-pixel shave) of the model and of bicubic on the validation crops.

        ``val_*`` are for the run's own input kind (JPEG q``validation_quality`` for a "jpeg" run, else clean);
        ``val_clean_gain_db`` and ``val_jpeg_gain_db`` give the gain over bicubic on both kinds, so a checkpoint
        can be picked for both skills without touching benchmark images.
        """
        self.model.eval()
        record = {}
        for kind, pairs in self._validation_pairs().items():
            ours, bic = [], []
            for lr, hr in pairs:
                coords, cells = output_coords(*hr.shape[:2])
                latents = self.model.encode(torch.from_numpy(lr).permute(2, 0, 1)[None].to(self.device))
                sr = self.model.query(latents, coords.to(self.device), cells.to(self.device))[0]
                sr = sr.clamp(0, 1).view(*hr.shape).cpu().numpy()
                ours.append(psnr_y(hr, sr, shave=4))
                bic.append(psnr_y(hr, upscale_bicubic(lr, size=hr.shape[:2]), shave=4))
            record[kind] = (float(np.mean(ours)), float(np.mean(bic)))
        own = record["jpeg" if self.config.degradation == "jpeg" else "clean"]
        return {"val_psnr_y": own[0], "val_bicubic_psnr_y": own[1], "val_gain_db": own[0] - own[1],
                "val_clean_gain_db": record["clean"][0] - record["clean"][1],
                "val_jpeg_gain_db": record["jpeg"][0] - record["jpeg"][1]}


def train(config: TrainConfig, out_dir, progress: bool = True, time_limit_s: float | None = None):
    """Train (or resume) a model into ``out_dir``; works under ``torchrun`` (gloo on CPU, nccl on GPU).

    ``time_limit_s``: stop early (checkpointed, resumable) once this call has trained that long; see
    :meth:`Trainer.run`.
    """
    started = False
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        started = True
    try:
        return Trainer(config, out_dir, progress=progress).run(time_limit_s=time_limit_s)
    finally:
        if started:
            dist.destroy_process_group()
