import argparse
import hashlib
import json
import re

import numpy as np
import pytest
from PIL import Image

from explain.cards import (
    END_MARKER,
    START_MARKER,
    add_arguments,
    build_card,
    format_duration,
    read_card,
    render_card_markdown,
    run,
    update_readme_cards,
    write_card,
)
from explain.evaluate import Row, write_csv
from explain.models import LIIF, LIIFConfig, save_model
from explain.models.checkpoint import read_checkpoint
from explain.training.trainer import TrainConfig, Trainer

TINY = LIIFConfig(n_resblocks=1, channels=8, hidden=(16, 16), skip="bicubic").to_dict()


@pytest.fixture
def trained(tmp_path):
    """A 2-step JPEG-degradation run of a tiny model on two random 40×40 images: (model.pt path, folder)."""
    folder = tmp_path / "trainset"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray((rng.random((40, 40, 3)) * 255).astype(np.uint8)).save(folder / f"{i}.png")
    config = TrainConfig(model=TINY, folders=[str(folder)], steps=2, batch_size=2, patch=16, queries=16,
                         lr=4e-4, warmup_steps=1, degradation="jpeg", jpeg_qmin=20, jpeg_qmax=40,
                         jpeg_subsamplings=["4:2:0"], checkpoint_every=0, validate_every=0, threads=1)
    Trainer(config, tmp_path / "run", progress=False).run()
    return tmp_path / "run" / "model.pt", folder


def _rows():
    return [Row("bsd100", 4, "jpeg30", "bicubic", 24.5, 0.61, 23.9, 100),
            Row("bsd100", 4, "jpeg30", "liif-jpeg", 25.6, 0.66, 25.4, 100)]


def test_build_card_fields(trained):
    path, folder = trained
    command = "liif-explain evaluate --sets bsd100 --scales 4 --inputs jpeg30 --out eval"
    card = build_card("liif-jpeg", path, None, _rows(), command, date="2024-01-02")
    assert card["name"] == "liif-jpeg" and card["date"] == "2024-01-02"
    assert card["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert card["weights"]["bytes"] == path.stat().st_size and card["weights"]["dtype"] == "float32"
    arch = card["architecture"]
    assert arch["config"] == TINY
    assert arch["parameters"] == LIIF(LIIFConfig(**TINY)).num_parameters()
    assert any("bicubic skip" in d for d in arch["departures_from_paper"])
    assert any("depth 1" in d for d in arch["departures_from_paper"])
    assert card["data"] == {"folders": [str(folder.resolve())], "images": 2}
    deg = card["degradation"]
    assert (deg["kind"], deg["quality_min"], deg["quality_max"], deg["subsamplings"]) == ("jpeg", 20, 40, ["4:2:0"])
    assert "U{20..40}" in deg["description"]
    meta = read_checkpoint(path)["meta"]
    assert card["steps"] == 2 == meta["steps"]
    assert card["wall_time_seconds"] == meta["train_seconds"] and card["hardware"] == meta["hardware"]
    recipe = card["training"]["departures_from_paper"]
    assert any(d.startswith("batch size 2") for d in recipe) and any("warm-up" in d for d in recipe)
    assert card["evaluation"]["command"] == command
    assert card["evaluation"]["rows"][1] == {"set": "bsd100", "scale": 4, "input": "jpeg30", "method": "liif-jpeg",
                                             "psnr_y": 25.6, "ssim": 0.66, "psnr_b": 25.4, "images": 100}
    json.dumps(card)  # JSON-ready


def test_paper_config_and_explicit_meta(tmp_path):
    path = tmp_path / "paper.pt"
    save_model(LIIF(), path, half=True)
    card = build_card("paper", path, {"steps": 5, "train_seconds": 7300, "hardware": "H100",
                                      "train_config": {"degradation": "none", "batch_size": 16, "queries": 2304,
                                                       "lr": 1e-4, "folders": [str(tmp_path / "missing")]}})
    assert card["architecture"]["parameters"] == 1_567_299
    assert card["architecture"]["departures_from_paper"] == []
    assert card["training"]["departures_from_paper"] == []
    assert card["degradation"]["kind"] == "bicubic" and card["weights"]["dtype"] == "float16"
    assert card["wall_time"] == "2 h 1 min" and card["hardware"] == "H100" and card["steps"] == 5
    assert card["data"]["images"] is None  # folders not on this machine
    with pytest.raises(ValueError, match="command"):
        build_card("paper", path, {}, _rows(), command="")


def test_multi_stage_card(trained, tmp_path):
    path, folder = trained
    config = TrainConfig(model=TINY, folders=[str(folder)], steps=1, batch_size=2, patch=16, queries=16, lr=1e-4,
                         warmup_steps=0, milestones=[1], degradation="jpeg", checkpoint_every=0, validate_every=0,
                         threads=1, init_from=str(path))
    Trainer(config, tmp_path / "stage2", progress=False).run()
    meta = read_checkpoint(tmp_path / "stage2" / "model.pt")["meta"]
    card = build_card("liif-jpeg", tmp_path / "stage2" / "model.pt")
    assert card["steps"] == 3 == meta["total_steps"]
    assert card["wall_time_seconds"] == meta["total_train_seconds"]
    stages = card["training"]["stages"]
    assert stages[0].startswith("stage 1: 2 steps from scratch, lr 0.0004 (warm-up 1)")
    assert stages[1].startswith("stage 2: 1 step warm-started from ") and ", lr 0.0001, × 0.5 at [1]" in stages[1]
    assert all(f", batch seed {config.seed}," in stage for stage in stages[1:])
    recipe = card["training"]["departures_from_paper"]
    assert any("warm-up over 1 steps" in d for d in recipe) and "trained in 2 stages" in recipe[-1]
    md = render_card_markdown(card)
    assert "3 steps in 2 stages" in md and stages[0] in md and stages[1] in md


def test_format_duration():
    assert [format_duration(s) for s in (None, 9.6, 754, 3600)] == [None, "10 s", "12 min 34 s", "1 h 0 min"]


def test_write_read_and_render(trained, tmp_path):
    path, _ = trained
    card = build_card("liif-jpeg", path, None, _rows(), "liif-explain evaluate --limit 3")
    write_card(card, tmp_path / "cards" / "liif-jpeg.json")
    assert read_card(tmp_path / "cards" / "liif-jpeg.json") == card
    md = render_card_markdown(card)
    assert md.startswith("### liif-jpeg\n")
    assert f"sha256 `{card['sha256']}`" in md
    assert f"| parameters | {card['architecture']['parameters']:,} |" in md
    assert "`liif-explain evaluate --limit 3`" in md
    assert "| bsd100 | ×4 | jpeg30 | 24.50 / **25.60** |" in md
    assert "bicubic skip" in md and "2 steps" in md
    (tmp_path / "junk.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a model card"):
        read_card(tmp_path / "junk.json")


def test_update_readme_replaces_only_the_marked_section(trained, tmp_path):
    path, _ = trained
    card = build_card("liif-jpeg", path, None, _rows(), "cmd")
    readme = tmp_path / "README.md"
    before, after = "# Title\n\nIntro.\n\n", "\n\n## Licence\nMIT\n"
    readme.write_text(before + START_MARKER + "\nold cards\n" + END_MARKER + after)
    new = update_readme_cards(readme, [card])
    assert readme.read_text() == new
    assert new.startswith(before + START_MARKER + "\n### liif-jpeg\n") and new.endswith(END_MARKER + after)
    assert "old cards" not in new
    assert update_readme_cards(readme, [card]) == new  # idempotent
    bad = tmp_path / "BAD.md"
    bad.write_text("# no markers\n")
    with pytest.raises(ValueError, match="model-cards:start"):
        update_readme_cards(bad, [card])
    assert bad.read_text() == "# no markers\n"


def test_cli_writes_card_and_readme(trained, tmp_path, capsys):
    path, _ = trained
    write_csv(_rows(), tmp_path / "eval" / "eval.csv")
    readme = tmp_path / "README.md"
    readme.write_text(f"x\n{START_MARKER}\n{END_MARKER}\ny\n")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "other.json").write_text('{"not": "a card"}')
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["liif-jpeg", "--checkpoint", str(path), "--eval", str(tmp_path / "eval" / "eval.csv"),
                              "--command", "liif-explain evaluate --sets bsd100", "--out",
                              str(tmp_path / "assets" / "liif-jpeg.json"), "--readme", str(readme)])
    card = run(args)
    assert read_card(tmp_path / "assets" / "liif-jpeg.json") == card
    assert [Row(**r) for r in card["evaluation"]["rows"]] == _rows()
    text = readme.read_text()
    assert re.search(r"### liif-jpeg\n", text) and text.startswith("x\n") and text.endswith("y\n")
    assert "### liif-jpeg" in capsys.readouterr().out
    # A README that cannot take the cards is refused before the card is written.
    args.out, args.readme = str(tmp_path / "assets" / "second.json"), str(tmp_path / "missing.md")
    with pytest.raises(ValueError, match="does not exist"):
        run(args)
    assert not (tmp_path / "assets" / "second.json").exists()


def test_recipe_departures_name_each_change():
    from explain.cards import recipe_departures

    assert recipe_departures({"batch_size": 16, "queries": 2304, "lr": 1e-4, "precision": "fp32"}) == []
    found = recipe_departures({"batch_size": 8, "lr": 2e-4, "warmup_steps": 100, "precision": "bf16",
                               "init_from": "liif-jpeg"})
    assert found == ["batch size 8 (paper: 16)", "lr 0.0002 (paper: 0.0001)",
                     "linear learning-rate warm-up over 100 steps", "bf16 autocast (paper: fp32)",
                     "warm-started from liif-jpeg"]


def test_a_fine_tune_of_the_official_weights_carries_their_licence_and_its_clean_share(trained, tmp_path):
    from explain.models.names import OFFICIAL
    from explain.models.weights import LICENCE

    path, _ = trained
    stored = read_checkpoint(path)
    meta = dict(stored["meta"])
    meta["train_config"] = {**meta["train_config"], "init_from": OFFICIAL, "jpeg_clean_fraction": 0.3}
    model = LIIF(LIIFConfig(**stored["config"]))
    model.load_state_dict(stored["state_dict"])
    save_model(model, tmp_path / "twin.pt", meta=meta)
    card = build_card("twin", tmp_path / "twin.pt")
    assert card["fine_tuned_from"]["name"] == OFFICIAL and card["fine_tuned_from"]["licence"] == LICENCE
    assert card["degradation"]["clean_fraction"] == 0.3 and "30 % of the patches left unencoded" in \
        card["degradation"]["description"]
    md = render_card_markdown(card)
    assert f"| fine-tuned from | `{OFFICIAL}`" in md and LICENCE in md
    assert "fine_tuned_from" not in build_card("plain", path)  # a model trained from scratch names no parent


def test_a_second_stage_with_its_own_degradation_keeps_the_root_licence_and_says_each_stage(trained, tmp_path):
    from explain.models.names import OFFICIAL

    path, folder = trained
    stored = read_checkpoint(path)
    meta = dict(stored["meta"])
    meta["train_config"] = {**meta["train_config"], "init_from": OFFICIAL, "jpeg_clean_fraction": 0.3}
    model = LIIF(LIIFConfig(**stored["config"]))
    model.load_state_dict(stored["state_dict"])
    save_model(model, tmp_path / "stage1.pt", meta=meta)
    config = TrainConfig(model=TINY, folders=[str(folder)], steps=1, batch_size=2, patch=16, queries=16, lr=1e-4,
                         degradation="jpeg", jpeg_qmin=10, jpeg_qmax=30, jpeg_clean_fraction=0.15,
                         checkpoint_every=0, validate_every=0, threads=1, init_from=str(tmp_path / "stage1.pt"))
    Trainer(config, tmp_path / "stage2", progress=False).run()
    card = build_card("twin", tmp_path / "stage2" / "model.pt")
    assert card["fine_tuned_from"]["name"] == OFFICIAL  # the lineage's first stage started from the official weights
    description = card["degradation"]["description"]
    assert "stage 1: " in description and "U{20..40}" in description and "30 % of the patches" in description
    assert "stage 2: " in description and "U{10..30}" in description and "15 % of the patches" in description
    stages = card["training"]["stages"]
    assert "JPEG q ~ U{20..40} with 30 % clean patches" in stages[0]
    assert "JPEG q ~ U{10..30} with 15 % clean patches" in stages[1]
