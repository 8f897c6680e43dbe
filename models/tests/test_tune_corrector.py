"""Choosing the Fast preset's corrections per task on tuning images (training.tune_corrector)."""
import json

import numpy as np
import pytest

from training import evaluate, tune_corrector
from training.tune_corrector import (INPUT_GRAY, INPUT_IMAGES, Setting, choose, input_masks, result_name,
                                     variance_name)

K1, K2, K3, K1P1 = Setting(1), Setting(2), Setting(3), Setting(1, 1)

TASK_IMAGES = 60  # the fake test split below has 100


@pytest.fixture
def rgb_model(tmp_path, monkeypatch):
    """A model folder over a fake 100-image RGB test split whose first TASK_IMAGES are task images."""
    rng = np.random.default_rng(0)
    test = rng.integers(0, 256, (100, 8, 8, 3), dtype=np.uint8)
    monkeypatch.setattr(evaluate, "load_split", lambda name, split, size=32: (test, np.zeros(len(test))))
    monkeypatch.setattr(tune_corrector, "TASK_IMAGES", TASK_IMAGES)
    folder = tmp_path / "toy"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps({
        "format": 1, "training": {"config": "celeba32"}, "fastCorrector": {"colorize": {"steps": 3}},
        "metrics": {"bpd": 3.0, "tuning": {"inpaint": {"stale": 1}}}}))
    return folder


def test_tuning_images_are_not_the_reported_task_images(rgb_model, tmp_path):
    data = evaluate.Data("celeba", 32)
    tuning = tune_corrector.tuning_images(data, 20)
    split = evaluate.test_images(data)
    assert np.array_equal(tuning, split[TASK_IMAGES:TASK_IMAGES + 20])
    tasks = {im.tobytes() for im in split[:TASK_IMAGES]}
    assert not any(im.tobytes() in tasks for im in tuning)
    # Nor are the masks theirs: the reported figures' first masks are drawn from other seeds.
    for kind, seed in evaluate.MASK_SEEDS.items():
        reported = evaluate.make_masks(kind, 20, 8, 8, seed)
        assert not np.array_equal(tune_corrector.tuning_masks(kind, 20, 8, 8), reported)
    with pytest.raises(ValueError, match="fewer than 41"):
        tune_corrector.tuning_images(data, 41)


def test_settings_are_named_and_costed_by_their_evaluations():
    assert Setting.parse("k1") == K1 and Setting.parse("k2-p1") == Setting(2, 1)
    assert [K1.name, K1P1.name] == ["k1", "k1-p1"]
    # Per predictor step: C + 1 scores (corrector steps and the predictor), each of 1 + P evaluations.
    assert [K1.cost, K2.cost, K1P1.cost, Setting(2, 1).cost] == [2, 3, 4, 6]
    assert K1P1.describe() == "1 corrector step and 1 posterior CG step"
    assert result_name("inpaint", "box", K1) == "tune-inpaint-box-k1.npy"
    assert variance_name("colorize", None, K1P1) == "tune-colorize-k1-p1-variance.npy"
    for bad in ("2", "k0", "k1-p", "p1", "k1p1"):
        with pytest.raises(ValueError, match="kC or kC-pP"):
            Setting.parse(bad)


def test_a_costlier_setting_is_chosen_only_on_a_clear_paired_gain():
    rng = np.random.default_rng(0)
    base = rng.uniform(15, 20, 40)
    clear = {K1: base, K2: base + 0.5 + rng.normal(0, 0.3, 40)}
    assert choose(clear)[0] == K2
    # The same mean gain buried in per-image noise: not worth the extra evaluations.
    noisy = {K1: base, K2: base + 0.5 + rng.normal(0, 6, 40)}
    k, figures = choose(noisy)
    assert k == K1 and figures["k2"]["paired_t"] < evaluate.CLEAR_PAIRED_T
    assert choose({K1: base, K2: base - 0.5})[0] == K1
    # Each setting is weighed against the one chosen before it: 3 must beat 2, not 1.
    k, figures = choose({K1: base, K2: base + 1.0, K3: base + 1.0 + rng.normal(0, 0.05, 40)})
    assert figures["k3"]["vs"] == "k2" and k in (K2, K3)
    assert choose({K1: base, K2: base + 1.0, K3: base + 0.6})[0] == K2
    # In order of cost: the posterior correction (4 evaluations a step) after a second corrector
    # step (3), whatever order they were given in.
    k, figures = choose({K1P1: base + 2.0 + rng.normal(0, 0.05, 40), K2: base + 1.0, K1: base})
    assert k == K1P1 and list(figures) == ["k1", "k2", "k1-p1"] and figures["k1-p1"]["vs"] == "k2"


def write_results(work, task, kinds, k, noise, truth, seed, variance=0.0):
    rng = np.random.default_rng(seed)
    for kind in kinds:
        result = truth + np.float32(noise) * rng.standard_normal(truth.shape).astype(np.float32)
        np.save(work / result_name(task, kind, k), result)
        np.save(work / variance_name(task, kind, k), np.full(truth.shape, variance, dtype=np.float32))


def test_the_cli_files_the_choice_and_the_figures(rgb_model, tmp_path):
    work = tmp_path / "tune"
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--write", str(work), "--count", "20"]) == 0
    truth = np.load(work / INPUT_IMAGES)
    assert np.load(work / input_masks("stroke")).shape == (20, 1, 8, 8)
    assert np.load(work / INPUT_GRAY).shape == (20, 1, 8, 8)
    # Inpainting gains from a second step; colorization loses.
    write_results(work, "inpaint", ["box", "stroke"], K1, 0.3, truth, 1)
    write_results(work, "inpaint", ["box", "stroke"], K2, 0.2, truth, 2)
    write_results(work, "colorize", [None], K1, 0.2, truth, 3)
    write_results(work, "colorize", [None], K2, 0.3, truth, 4)
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work), "--tried", "k1", "k2",
                                "--sampler-note", "pc, 100 steps, mean of 8"]) == 0
    manifest = json.loads((rgb_model / "model.json").read_text())
    tuning = manifest["metrics"]["tuning"]
    assert manifest["metrics"]["bpd"] == 3.0
    assert tuning["inpaint"]["images"] == 40 and tuning["inpaint"]["chosen"] == "k2"
    assert tuning["inpaint"]["first_test_image"] == TASK_IMAGES and "stale" not in tuning["inpaint"]
    assert tuning["inpaint"]["mask_kinds"] == ["box", "stroke"] and "mask_kinds" not in tuning["colorize"]
    assert tuning["colorize"]["images"] == 20 and tuning["colorize"]["chosen"] == "k1"
    gain = tuning["inpaint"]["settings"]["k2"]
    assert gain["vs"] == "k1" and gain["mean_gain"] > 2 and gain["paired_t"] > 10
    # The manifest names the chosen count for inpainting and drops colorization's old one.
    assert set(manifest["fastCorrector"]) == {"inpaint"}
    assert manifest["fastCorrector"]["inpaint"] == {"steps": 2, "why": (
        "40 tuning images (pc, 100 steps, mean of 8): posterior mean 20.19 dB with 2 corrector steps, "
        "16.72 with 1 corrector step (paired t 15.0)")}

    # The posterior correction beats the second corrector step for colorization.
    write_results(work, "colorize", [None], K1P1, 0.1, truth, 5)
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work), "--tried", "k1", "k2",
                                "k1-p1"]) == 2
    write_results(work, "inpaint", ["box", "stroke"], K1P1, 0.25, truth, 6)
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work), "--tried", "k1", "k2",
                                "k1-p1"]) == 0
    manifest = json.loads((rgb_model / "model.json").read_text())
    assert manifest["metrics"]["tuning"]["colorize"]["chosen"] == "k1-p1"
    assert manifest["fastCorrector"]["colorize"]["steps"] == 1
    assert manifest["fastCorrector"]["colorize"]["posteriorSteps"] == 1
    assert "with 1 corrector step and 1 posterior CG step" in manifest["fastCorrector"]["colorize"]["why"]
    assert manifest["fastCorrector"]["inpaint"] == {"steps": 2, "why": manifest["fastCorrector"]["inpaint"]["why"]}

    # Scored again with the costlier settings no better, the manifest goes back to the paper's.
    write_results(work, "inpaint", ["box", "stroke"], K2, 0.3, truth, 1)
    write_results(work, "colorize", [None], K2, 0.3, truth, 3)
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work), "--tried", "k1", "k2"]) == 0
    assert "fastCorrector" not in json.loads((rgb_model / "model.json").read_text())


def test_counts_are_weighed_by_their_posterior_mean_not_their_spread(rgb_model, tmp_path):
    work = tmp_path / "tune"
    tune_corrector.main(["--model-dir", str(rgb_model), "--write", str(work), "--count", "20"])
    truth = np.load(work / INPUT_IMAGES)
    # One step: a wide posterior (the mean's error is mostly its variance, 0.09 - 0.08). Two steps:
    # a mean of samples closer to the truth, but only as narrower samples (0.04 - 0).
    for task, kinds in (("inpaint", ["box", "stroke"]), ("colorize", [None])):
        write_results(work, task, kinds, K1, 0.3, truth, 1, variance=0.08)
        write_results(work, task, kinds, K2, 0.2, truth, 2)
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work)]) == 0
    manifest = json.loads((rgb_model / "model.json").read_text())
    assert "fastCorrector" not in manifest
    tuning = manifest["metrics"]["tuning"]
    assert tuning["inpaint"]["chosen"] == "k1" and tuning["inpaint"]["scored"] == "posterior mean"
    assert tuning["inpaint"]["settings"]["k2"]["mean_gain"] < -3
    # Without its variance file a result cannot be scored.
    (work / variance_name("colorize", None, K2)).unlink()
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work), "--dry-run"]) == 2


def test_the_reason_quotes_an_unbounded_t():
    # Every image gained the same: the t is infinite (JSON files it as null, so the reason is
    # written from the figures before that).
    tuning = {"colorize": {"images": 4, "chosen": "k2", "settings": {
        "k1": {"mean_image_psnr": 20.0}, "k2": {"mean_image_psnr": 26.0, "vs": "k1", "paired_t": float("inf")}}}}
    assert tune_corrector.recommend(tuning)["colorize"] == {"steps": 2, "why": (
        "4 tuning images: posterior mean 26.00 dB with 2 corrector steps, 20.00 with 1 corrector step "
        "(paired t inf)")}


def test_an_unbounded_t_is_filed_as_null_beside_its_reason(rgb_model, tmp_path, monkeypatch):
    work = tmp_path / "tune"
    tune_corrector.main(["--model-dir", str(rgb_model), "--write", str(work), "--count", "4"])
    truth = np.load(work / INPUT_IMAGES)
    for task, kinds in (("inpaint", ["box", "stroke"]), ("colorize", [None])):
        write_results(work, task, kinds, K1, 0.2, truth, 1)
        write_results(work, task, kinds, K2, 0.1, truth, 2)
    monkeypatch.setattr(tune_corrector, "paired_t", lambda gain: float("inf"))
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work)]) == 0
    manifest = json.loads((rgb_model / "model.json").read_text())
    assert manifest["metrics"]["tuning"]["colorize"]["settings"]["k2"]["paired_t"] is None
    assert manifest["fastCorrector"]["colorize"]["why"].endswith("(paired t inf)")


def test_results_of_the_wrong_shape_are_refused(rgb_model, tmp_path, capsys):
    work = tmp_path / "tune"
    tune_corrector.main(["--model-dir", str(rgb_model), "--write", str(work), "--count", "5"])
    truth = np.load(work / INPUT_IMAGES)
    for task, kinds in (("inpaint", ["box", "stroke"]), ("colorize", [None])):
        for k in (K1, K2):
            write_results(work, task, kinds, k, 0.1, truth, k.corrector)
    np.save(work / result_name("inpaint", "stroke", K2), truth[:, :1])
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work), "--dry-run"]) == 2
    assert "tune-inpaint-stroke-k2.npy: expected at most 5 images" in capsys.readouterr().err
    np.save(work / result_name("inpaint", "stroke", K2), truth[:3])
    np.save(work / variance_name("inpaint", "stroke", K2), np.zeros_like(truth[:3]))
    assert tune_corrector.main(["--model-dir", str(rgb_model), "--score", str(work), "--dry-run"]) == 2
    assert "different numbers of images" in capsys.readouterr().err
