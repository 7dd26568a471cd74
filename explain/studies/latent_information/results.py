"""What the latent-information probes return: plain dataclasses of scores, and their reading order."""

from __future__ import annotations

from dataclasses import dataclass, field

INPUT_REFERENCE = "input 3×3"  # the label of the probes on the input pixels instead of the codes
DEFAULT_QUALITY_BINS = (10, 30, 50, 70, 90)
DEFAULT_PHASE_QUALITIES = (20, 40)


@dataclass
class ProbeScore:
    """One linear probe's scores: test / train accuracy in [0, 1] against ``chance`` (the most frequent test
    class's share), for ``task`` read from ``model``'s codes (or the input-pixel reference)."""

    task: str
    model: str
    classes: int
    n_train: int
    n_test: int
    train_accuracy: float
    test_accuracy: float
    chance: float


@dataclass
class InfoScore:
    """One InfoNCE bound (nats, at most ``log_n``) between ``model``'s codes of ``input`` ("clean" / "jpegQ")
    inputs and the ``target`` patches ("hr" / "detail")."""

    model: str
    input: str
    target: str
    bound: float
    train_bound: float
    log_n: float


@dataclass
class LatentInformation:
    """The probes' result: one :class:`ProbeScore` per (task, model) and one :class:`InfoScore` per
    (model, input, target); ``params`` records the settings of the run."""

    probes: list[ProbeScore]
    infonce: list[InfoScore]
    params: dict = field(default_factory=dict)

    def accuracy(self, task: str, model: str) -> float:
        for p in self.probes:
            if p.task == task and p.model == model:
                return p.test_accuracy
        raise KeyError(f"no probe {task!r} for model {model!r}")

    def tasks(self) -> list[str]:
        """Probe tasks in reading order (see :func:`task_order`)."""
        return task_order(self)

    def labels(self) -> list[str]:
        """Models in the order given, then the input-pixel reference (see :func:`label_order`)."""
        return label_order(self)


def task_order(result: LatentInformation) -> list[str]:
    """Probe tasks in reading order: block phase, row / column phase, codec, quality, then the clean control."""
    tasks = list(dict.fromkeys(s.task for s in result.probes))
    return sorted(tasks, key=lambda t: ("clean control" in t, t.startswith("JPEG"), t.startswith("codec")))


def label_order(result: LatentInformation) -> list[str]:
    """Models in the order they were given, then the input-pixel reference."""
    labels = list(dict.fromkeys(p.model for p in result.probes))
    return [m for m in labels if m != INPUT_REFERENCE] + ([INPUT_REFERENCE] if INPUT_REFERENCE in labels else [])
