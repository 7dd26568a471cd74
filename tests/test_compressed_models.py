import numpy as np
import pytest
import torch

from explain.images import load_image
from explain.studies import compressed_models as cm
from explain.studies._common import spearman
from explain.upscale import upscale


@pytest.mark.parametrize("amount", [0.5, 0.7, 0.9])
def test_magnitude_pruning_is_exact_and_global(tiny_model, amount):
    pruned = cm.compressed_copy(tiny_model, f"prune{round(amount * 100)}")
    n = sum(w.numel() for w in cm.prunable_weights(tiny_model))
    assert cm.sparsity(pruned) == round(amount * n) / n
    assert cm.sparsity(tiny_model) == 0.0  # the original is untouched
    before = torch.cat([w.detach().abs().flatten() for w in cm.prunable_weights(tiny_model)])
    after = torch.cat([w.detach().flatten() for w in cm.prunable_weights(pruned)])
    kept = after != 0
    assert before[kept].min() >= before[~kept].max()  # global ranking: every survivor beats every pruned weight
    biases = [m.bias for m in pruned.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert all((b != 0).all() for b in biases)


def test_layerwise_pruning_and_emptied_layers(tiny_model):
    pruned = cm.compressed_copy(tiny_model, "lprune70")
    for w in cm.prunable_weights(pruned):
        assert int((w == 0).sum()) == round(0.7 * w.numel())
    info = cm.describe_copy(pruned, "lprune70")
    assert info["emptied_layers"] == [] and all(abs(s - 0.7) < 0.02 for s in info["layer_sparsity"].values())
    # a layer with tiny weights (like a zero-initialised residual head) is emptied first by global pruning
    with torch.no_grad():
        tiny_model.imnet.layers[-1].weight.mul_(1e-3)
    info = cm.describe_copy(cm.compressed_copy(tiny_model, "prune50"), "prune50")
    assert "imnet.layers.4" in info["emptied_layers"]


def test_magnitude_prune_rejects_bad_amounts(tiny_model):
    for amount in (-0.1, 1.0, True, "half"):
        with pytest.raises(ValueError):
            cm.magnitude_prune(tiny_model, amount)
    with pytest.raises(ValueError, match="unknown compression"):
        cm.compressed_copy(tiny_model, "int4")
    with pytest.raises(ValueError, match="scope"):
        cm.magnitude_prune(tiny_model, 0.5, scope="row")


def test_fp16_and_int8_copies_agree_closely(tiny_model, small_image):
    full = upscale(tiny_model, small_image, scale=2)
    for kind, tol in (("fp16", 5e-3), ("int8", 2e-2)):
        copy = cm.compressed_copy(tiny_model, kind)
        out = upscale(copy, small_image, scale=2)
        diff = np.abs(out - full).max()
        assert 0 < diff < tol, (kind, diff)  # close, but really a different computation
    int8 = cm.compressed_copy(tiny_model, "int8")
    quantised = [m for m in int8.imnet.modules() if "quantized" in type(m).__module__ and type(m).__name__ == "Linear"]
    assert len(quantised) == len(tiny_model.config.hidden)  # every Linear after the first
    # the encoder stays float32 and unchanged
    for a, b in zip(tiny_model.encoder.parameters(), int8.encoder.parameters()):
        assert b.dtype == torch.float32 and torch.equal(a, b)
    assert next(cm.compressed_copy(tiny_model, "fp16").parameters()).dtype == torch.float16


def test_spearman_and_ranks():
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(3 / np.sqrt(10))  # ties share their average rank
    x = np.arange(10.0)
    assert spearman(x, x ** 3) == pytest.approx(1.0)
    assert spearman(x, -np.exp(x)) == pytest.approx(-1.0)
    assert np.isnan(spearman(x, np.ones(10)))
    assert spearman([1, 2, np.nan, 4, 5], [1, 2, 3, 4, 5]) == pytest.approx(1.0)  # NaN pairs dropped


def test_knn_rarity_ranks_outliers_and_excludes():
    rng = np.random.default_rng(0)
    bank = rng.normal(size=(200, 4))
    queries = np.array([[0.0, 0, 0, 0], [6.0, 6, 6, 6]])
    r = cm.knn_rarity(queries, bank, k=3)
    assert r[1] > 3 * r[0]
    # excluding the nearest rows makes a query rarer
    exclude = np.zeros((2, 200), bool)
    d = np.linalg.norm((bank - bank.mean(0)) / bank.std(0) - queries[0], axis=1)
    exclude[0, np.argsort(d)[:10]] = True
    assert cm.knn_rarity(queries, bank, k=3, exclude=exclude)[0] > r[0]
    with pytest.raises(ValueError):
        cm.knn_rarity(queries, bank, k=0)


def test_audit_on_tiny_inputs(tiny_model, tmp_path):
    images = [load_image("astronaut")[100:164, 150:214], load_image("coffee")[:64, :64]]
    bank = [load_image("chelsea")[:64, :64], load_image("rocket")[:64, :64]]
    result = cm.audit(tiny_model, images=images, variants=("int8", "prune90"), scale=2, conditions=("jpeg20",),
                      crop=None, bank=bank, k=2, top=3, progress=False)
    n = 2 * 4  # two 32×32 LR images → four 16×16 patches each
    assert result.disagreement.shape == (2, n) and result.rarity.shape == (n,)
    assert result.patch_box.shape == (n, 4) and set(result.patch_box[:, 2]) == {16}
    for i, v in enumerate(result.variants):
        top = result.top[v]
        assert len(top) == 3 and list(result.disagreement[i, top]) == sorted(result.disagreement[i], reverse=True)[:3]
        assert result.top_patches[v]["copy"].shape == (3, 32, 32, 3)
        assert set(result.correlations[v]) == {"blocking", "jpeg_error", "rarity", "full_error"}
    assert result.agreement["prune90"]["mean"] > result.agreement["int8"]["mean"]
    assert result.copies["prune90"]["sparsity"] == pytest.approx(0.9, abs=1e-3)
    assert "proxy" in result.params["note"]
    paths = cm.write_audit(result, tmp_path)
    assert all(p.exists() for p in paths.values())
    with pytest.raises(ValueError, match="rarity bank"):
        cm.audit(tiny_model, images=images, bank=str(tmp_path / "no-such-folder"), progress=False)
    assert "Proxy, not memorisation" in cm.render_markdown(result)
