"""Checks on the real data beside the checkout (../shared/data); they skip on a machine without it."""

import pytest

from explain.evaluate import evaluate, resolve_root
from explain.training.data import default_train_folders, list_training_images


def _bench_root():
    try:
        return resolve_root(None)
    except ValueError:
        pytest.skip("../shared/data/bench is not on this machine")


def test_default_training_folders_hold_images_and_no_benchmark():
    try:
        folders = default_train_folders()
    except ValueError:
        pytest.skip("../shared/data/train is not on this machine")
    files = list_training_images(folders)
    assert len(files) > 100
    assert not any("bsd100" in str(f).lower() or "bench" in str(f).lower() for f in files)


def test_benchmark_folder_is_refused_for_training():
    root = _bench_root()
    with pytest.raises(ValueError, match="benchmark"):
        list_training_images([root / "bsd100"])


def test_evaluate_on_one_set5_image(tiny_model):
    root = _bench_root()
    rows = evaluate({"tiny": tiny_model}, sets=["set5"], scales=[4], inputs=["clean", "jpeg30"], root=root, limit=1,
                    progress=False)
    by = {(r.input, r.method): r for r in rows}
    assert set(by) == {(i, m) for i in ("clean", "jpeg30") for m in ("bicubic", "tiny")}
    # JPEG damage lowers the bicubic baseline
    assert by[("jpeg30", "bicubic")].psnr_y < by[("clean", "bicubic")].psnr_y
