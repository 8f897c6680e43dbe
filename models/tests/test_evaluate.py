"""Evaluation metrics and the CLI, on synthetic data and a tiny untrained classifier."""
import json

import numpy as np
import pytest
import torch

from training import evaluate
from training.classifier_net import ClassifierConfig, ClassifierNet


def test_psnr():
    a = np.zeros((2, 1, 4, 4))
    assert evaluate.psnr(a, a + 0.2) == pytest.approx(10 * np.log10(4 / 0.04))
    assert evaluate.psnr(a, a) == float("inf")


def test_gray_baseline_keeps_gray_and_replicates_luma():
    rng = np.random.default_rng(0)
    gray = np.repeat(rng.uniform(-1, 1, (3, 1, 5, 5)), 3, axis=1).astype(np.float32)
    assert np.allclose(evaluate.gray_baseline(gray), gray, atol=1e-6)
    red = np.zeros((1, 3, 2, 2), dtype=np.float32)
    red[:, 0] = 1
    out = evaluate.gray_baseline(red)
    assert out.shape == red.shape and np.allclose(out, 0.299)
    with pytest.raises(ValueError):
        evaluate.gray_baseline(np.zeros((1, 1, 2, 2)))


def test_class_accuracy():
    assert evaluate.class_accuracy(np.array([1, 2, 3, 3]), np.array([1, 2, 0, 3])) == 0.75
    with pytest.raises(ValueError):
        evaluate.class_accuracy(np.array([1]), np.array([1, 2]))


def test_deep_merge_keeps_what_is_not_recomputed():
    old = {"fd": {"fd_test": 3.0, "samples": 10}, "inpaint": {"box": {"harmonic_psnr": 20.0}}, "bpd": 3.1}
    new = {"fd": {"fd_test": 2.0}, "inpaint": {"box": {"model_psnr": 25.0}}}
    assert evaluate.deep_merge(old, new) == {
        "fd": {"fd_test": 2.0, "samples": 10},
        "inpaint": {"box": {"harmonic_psnr": 20.0, "model_psnr": 25.0}}, "bpd": 3.1}


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    fake = {split: (rng.integers(0, 256, (n, 8, 8, 1), dtype=np.uint8), rng.integers(0, 3, n))
            for split, n in (("train", 300), ("test", 120))}
    monkeypatch.setattr(evaluate, "load_split", lambda name, split: fake[split])
    torch.manual_seed(0)
    net = ClassifierNet(ClassifierConfig(num_classes=3, channels=(8, 8), groups=4, time_embed_dim=0))
    folder = tmp_path / "toy"
    folder.mkdir()
    torch.save({"dataset": "toy", "kind": "clean", "config": net.config.to_dict(), "model": net.state_dict(),
                "step": 1}, folder / evaluate.EVAL_CLASSIFIER_FILE)
    (folder / "model.json").write_text(json.dumps({"format": 1, "score": {"file": "s.onnx"}, "metrics": {"bpd": 3.0}}))
    return folder


def test_cli_merges_sample_metrics_into_manifest(model_dir, tmp_path):
    rng = np.random.default_rng(1)
    samples = rng.uniform(-1, 1, (40, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "samples.npy", samples)
    np.save(tmp_path / "labels.npy", rng.integers(0, 3, 40))
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "samples.npy"),
                          "--labels", str(tmp_path / "labels.npy"), "--baselines"]) == 0
    manifest = json.loads((model_dir / "model.json").read_text())
    assert manifest["score"] == {"file": "s.onnx"} and manifest["metrics"]["bpd"] == 3.0
    fd = manifest["metrics"]["fd"]
    assert fd["samples"] == 40 and fd["fd_test"] >= 0 and fd["fd_train_vs_test"] >= 0
    assert 0 <= manifest["metrics"]["class_accuracy"]["accuracy"] <= 1
    assert manifest["metrics"]["inpaint"]["box"]["harmonic_psnr"] > 0


def test_fd_of_real_images_is_below_fd_of_noise(model_dir, tmp_path):
    real = evaluate.to_model_range(evaluate.load_split("toy", "train")[0][:100])
    np.save(tmp_path / "real.npy", real)
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "real.npy"), "--dry-run"]) == 0
    net, _ = evaluate.load_classifier(model_dir / evaluate.EVAL_CLASSIFIER_FILE)
    noise = np.random.default_rng(2).normal(size=real.shape).astype(np.float32) * 3
    fd_real = evaluate.sample_metrics(net, "toy", real, None)["fd"]["fd_test"]
    fd_noise = evaluate.sample_metrics(net, "toy", noise, None)["fd"]["fd_test"]
    assert fd_real < fd_noise


def test_inpainted_file_is_scored_on_the_written_task(model_dir, tmp_path):
    assert evaluate.main(["--model-dir", str(model_dir), "--write-inpaint-task", str(tmp_path / "task")]) == 0
    images = np.load(tmp_path / "task" / "images_box.npy")
    masks = np.load(tmp_path / "task" / "masks_box.npy")
    assert masks.shape == (len(images), 1, 8, 8)
    np.save(tmp_path / "perfect.npy", images)
    assert evaluate.main(["--model-dir", str(model_dir), "--inpainted", str(tmp_path / "perfect.npy")]) == 0
    # A perfect fill has infinite PSNR, which JSON cannot hold: it is written as null.
    text = (model_dir / "model.json").read_text()
    assert "Infinity" not in text
    assert json.loads(text)["metrics"]["inpaint"]["box"]["model_psnr"] is None


def test_a_partial_fill_is_compared_with_the_baseline_on_the_same_images(model_dir, tmp_path):
    assert evaluate.main(["--model-dir", str(model_dir), "--write-inpaint-task", str(tmp_path / "task")]) == 0
    images = np.load(tmp_path / "task" / "images_stroke.npy")[:3]
    masks = np.load(tmp_path / "task" / "masks_stroke.npy")[:3]
    flat = np.where(masks > 0, 0.0, images).astype(np.float32)
    np.save(tmp_path / "flat.npy", flat)
    assert evaluate.main(["--model-dir", str(model_dir), "--inpainted", str(tmp_path / "flat.npy"),
                          "--mask-kind", "stroke", "--sampler-note", "test"]) == 0
    result = json.loads((model_dir / "model.json").read_text())["metrics"]["inpaint"]["stroke"]
    assert result["model_images"] == 3 and result["model_sampler"] == "test"
    truth = images[masks > 0]
    assert result["model_psnr"] == pytest.approx(10 * np.log10(4 / np.mean(truth.astype(np.float64) ** 2)), rel=1e-6)
    assert result["harmonic_psnr_same_images"] is not None


def test_bad_input_exits_with_2(model_dir, tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.full((2, 1, 8, 8), np.nan, dtype=np.float32))
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "bad.npy")]) == 2
    assert "NaN" in capsys.readouterr().err
    assert evaluate.main(["--model-dir", str(tmp_path / "missing"), "--baselines"]) == 2
