"""An InfoNCE lower bound on the mutual information of paired rows (z, x), with a separable MLP critic."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass
class InfoNCEBound:
    """InfoNCE estimate in nats: ``bound`` on held-out pairs, ``train_bound`` on the last training batches,
    ``log_n`` = log(batch) (the ceiling of the bound)."""

    bound: float
    train_bound: float
    log_n: float
    batch: int
    steps: int


class _Critic(nn.Module):
    def __init__(self, dz: int, dx: int, hidden: int, embed: int):
        super().__init__()
        self.g = nn.Sequential(nn.Linear(dz, hidden), nn.ReLU(), nn.Linear(hidden, embed))
        self.h = nn.Sequential(nn.Linear(dx, hidden), nn.ReLU(), nn.Linear(hidden, embed))

    def forward(self, z, x):  # (N, dz), (N, dx) → (N, N) scores f(z_i, x_j)
        return self.g(z) @ self.h(x).T


def _standardise(train, test):
    mean, std = train.mean(0), train.std(0)
    std[std == 0] = 1.0
    return torch.from_numpy((train - mean) / std).float(), torch.from_numpy((test - mean) / std).float()


def infonce_bound(z_train, x_train, z_test, x_test, batch: int = 128, steps: int = 300, hidden: int = 128,
                  embed: int = 64, lr: float = 1e-3, seed: int = 0) -> InfoNCEBound:
    """Train a separable critic on (z, x) pairs and return the InfoNCE lower bound log N − L on test pairs.

    z_*: (N, Dz), x_*: (N, Dx) paired rows. Each step draws ``batch`` training pairs; the other rows of the
    batch are the negatives. The test estimate averages over disjoint batches of the (shuffled) test set.
    """
    z_train, z_test = (np.asarray(a, np.float64) for a in (z_train, z_test))
    x_train, x_test = (np.asarray(a, np.float64) for a in (x_train, x_test))
    for a, b, name in ((z_train, x_train, "training"), (z_test, x_test, "test")):
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
            raise ValueError(f"{name} pairs must be (N, Dz) and (N, Dx) with the same N, got {a.shape}, {b.shape}")
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 2:
        raise ValueError(f"batch must be an integer >= 2, got {batch!r}")
    if min(len(z_train), len(z_test)) < batch:
        raise ValueError(f"need at least batch={batch} training and test pairs, got {len(z_train)} and {len(z_test)}")
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        critic = _Critic(z_train.shape[1], x_train.shape[1], hidden, embed)
    zt, zv = _standardise(z_train, z_test)
    xt, xv = _standardise(x_train, x_test)
    opt = torch.optim.Adam(critic.parameters(), lr=lr)
    labels = torch.arange(batch)
    log_n = math.log(batch)
    recent = []
    with torch.enable_grad():
        for _ in range(int(steps)):
            idx = torch.randperm(len(zt), generator=gen)[:batch]
            loss = nn.functional.cross_entropy(critic(zt[idx], xt[idx]), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            recent = (recent + [loss.item()])[-20:]
    with torch.no_grad():
        order = torch.randperm(len(zv), generator=gen)
        losses = [float(nn.functional.cross_entropy(critic(zv[idx], xv[idx]), labels))
                  for idx in order[: len(order) // batch * batch].view(-1, batch)]
    return InfoNCEBound(log_n - float(np.mean(losses)), log_n - float(np.mean(recent)) if recent else float("nan"),
                        log_n, batch, int(steps))
