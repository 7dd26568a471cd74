"""Linear probes: multinomial logistic regression from feature vectors to class labels, fitted by L-BFGS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass
class LinearProbe:
    """A fitted multinomial logistic regression on standardised features.

    weight (K, D), bias (K,), mean / std (D,) of the training features; accuracies in [0, 1];
    ``chance`` = share of the most frequent class among the test labels; ``classes`` = K.
    """

    weight: np.ndarray
    bias: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    classes: int
    train_accuracy: float
    test_accuracy: float
    chance: float
    n_train: int
    n_test: int

    def predict(self, x) -> np.ndarray:
        z = (np.asarray(x, np.float64) - self.mean) / self.std
        return np.argmax(z @ self.weight.T + self.bias, axis=1)


def _check_xy(x, y, name):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0] or x.shape[0] == 0:
        raise ValueError(f"{name}: features must be (N, D) and labels (N,) with N > 0, got {x.shape} and {y.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name}: features contain NaN or infinite values")
    if not np.issubdtype(y.dtype, np.integer) or (y < 0).any():
        raise ValueError(f"{name}: labels must be non-negative integers")
    return x, y.astype(np.int64)


def fit_linear_probe(x_train, y_train, x_test, y_test, classes: int | None = None, l2: float = 1e-3,
                     steps: int = 100, seed: int = 0) -> LinearProbe:
    """Multinomial logistic regression (softmax, L2 penalty ``l2``·|W|²) fitted by L-BFGS for ``steps``
    iterations on standardised features (training mean / std); accuracy on both splits.

    x_*: (N, D) float; y_*: (N,) int labels in [0, classes).
    """
    x_train, y_train = _check_xy(x_train, y_train, "training set")
    x_test, y_test = _check_xy(x_test, y_test, "test set")
    if x_train.shape[1] != x_test.shape[1]:
        raise ValueError(f"train and test features differ in width ({x_train.shape[1]} vs {x_test.shape[1]})")
    k = int(max(y_train.max(), y_test.max()) + 1) if classes is None else int(classes)
    if max(y_train.max(), y_test.max()) >= k:
        raise ValueError(f"labels must be < classes={k}")
    mean, std = x_train.mean(0), x_train.std(0)
    std[std == 0] = 1.0
    gen = torch.Generator().manual_seed(seed)
    xt = torch.from_numpy((x_train - mean) / std).float()
    yt = torch.from_numpy(y_train)
    weight = (0.01 * torch.randn(k, xt.shape[1], generator=gen)).requires_grad_(True)
    bias = torch.zeros(k, requires_grad=True)
    opt = torch.optim.LBFGS([weight, bias], lr=1.0, max_iter=int(steps), line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(xt @ weight.T + bias, yt) + l2 * (weight ** 2).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    probe = LinearProbe(weight.detach().double().numpy(), bias.detach().double().numpy(), mean, std, k, 0.0, 0.0,
                        float(np.bincount(y_test, minlength=k).max() / y_test.size), len(y_train), len(y_test))
    probe.train_accuracy = float((probe.predict(x_train) == y_train).mean())
    probe.test_accuracy = float((probe.predict(x_test) == y_test).mean())
    return probe
