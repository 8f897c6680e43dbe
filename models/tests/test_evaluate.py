"""Evaluation metrics and the CLI, on synthetic data and a tiny untrained classifier."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from training import evaluate
from training.classifier_net import ClassifierConfig, ClassifierNet


def test_psnr():
    a = np.zeros((2, 1, 4, 4))
    assert evaluate.psnr(a, a + 0.2) == pytest.approx(10 * np.log10(4 / 0.04))
    assert evaluate.psnr(a, a) == float("inf")


def test_gray_is_the_channel_mean_the_engine_colorizes():
    rng = np.random.default_rng(0)
    gray = np.repeat(rng.uniform(-1, 1, (3, 1, 5, 5)), 3, axis=1).astype(np.float32)
    assert np.allclose(evaluate.gray_baseline(gray), gray, atol=1e-6)
    red = np.zeros((1, 3, 2, 2), dtype=np.float32)
    red[:, 0] = 1
    assert evaluate.gray_of(red).shape == (1, 1, 2, 2)
    # (r + g + b) / 3, not BT.601's 0.299 r: colorize keeps this mean, so the baseline must use it.
    out = evaluate.gray_baseline(red)
    assert out.shape == red.shape and np.allclose(out, 1 / 3)
    with pytest.raises(ValueError):
        evaluate.gray_baseline(np.zeros((1, 1, 2, 2)))


def test_task_images_mix_the_classes_of_a_sorted_test_split(monkeypatch):
    # As the CIFAR-10 archive: 10 classes of 100 test images, class by class; pixel value = class.
    labels = np.repeat(np.arange(10), 100)
    images = np.broadcast_to(labels[:, None, None, None], (1000, 2, 2, 3)).astype(np.uint8)
    monkeypatch.setattr(evaluate, "load_split", lambda name, split, size=32: (images, labels))
    data = evaluate.Data("cifar10", 32)
    first = evaluate.test_images(data, 50)
    classes = np.rint((first[:, 0, 0, 0] + 1) * 127.5).astype(int)
    assert len(set(classes)) >= 8
    # The order is fixed: every figure of a model is measured on the same images.
    assert np.array_equal(evaluate.test_images(data, 50), first)
    assert sorted(np.rint((evaluate.test_images(data)[:, 0, 0, 0] + 1) * 127.5)) == list(labels)


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


def make_model_dir(tmp_path, monkeypatch, channels: int, config: str, classifier_dataset: str):
    """A model folder whose manifest names `config`, with a tiny clean classifier trained on
    `classifier_dataset`; load_split serves random images and records what it was asked for."""
    rng = np.random.default_rng(0)
    fake = {split: (rng.integers(0, 256, (n, 8, 8, channels), dtype=np.uint8), rng.integers(0, 3, n))
            for split, n in (("train", 300), ("test", 120))}
    asked = []

    def load_split(name, split, size=32):
        asked.append((name, split, size))
        return fake[split]
    monkeypatch.setattr(evaluate, "load_split", load_split)
    torch.manual_seed(0)
    net = ClassifierNet(ClassifierConfig(in_channels=channels, num_classes=3, channels=(8, 8), groups=4,
                                         time_embed_dim=0))
    folder = tmp_path / "toy"
    folder.mkdir()
    torch.save({"dataset": classifier_dataset, "kind": "clean", "config": net.config.to_dict(),
                "model": net.state_dict(), "step": 1}, folder / evaluate.EVAL_CLASSIFIER_FILE)
    (folder / "model.json").write_text(json.dumps({
        "format": 1, "score": {"file": "s.onnx"}, "training": {"config": config}, "metrics": {"bpd": 3.0}}))
    return folder, fake, asked


@pytest.fixture
def model_dir(tmp_path, monkeypatch):
    return make_model_dir(tmp_path, monkeypatch, 1, "fashion28-vp", "fashion-mnist")[0]


@pytest.fixture
def rgb_model(tmp_path, monkeypatch):
    """A face model measured with the features of a CIFAR-10 classifier, as celeba32-vp is."""
    return make_model_dir(tmp_path, monkeypatch, 3, "celeba32", "cifar10")


def metrics_of(folder):
    return json.loads((folder / "model.json").read_text())["metrics"]


def test_cli_merges_sample_metrics_into_manifest(model_dir, tmp_path):
    rng = np.random.default_rng(1)
    samples = rng.uniform(-1, 1, (40, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "samples.npy", samples)
    (tmp_path / "report.json").write_text('progress\n{"nfe": 21, "seconds": 1.5}\n')
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "samples.npy"),
                          "--sample-report", str(tmp_path / "report.json"), "--baselines"]) == 0
    manifest = json.loads((model_dir / "model.json").read_text())
    assert manifest["score"] == {"file": "s.onnx"} and manifest["metrics"]["bpd"] == 3.0
    fd = manifest["metrics"]["fd"]
    assert fd["samples"] == 40 and fd["fd_test"] >= 0 and fd["fd_train_vs_test"] >= 0
    assert fd["nfe"] == 21 and fd["seconds"] == 1.5 and "accuracy" not in fd
    assert fd["features"].startswith("penultimate layer (8-d)")
    assert manifest["metrics"]["inpaint"]["box"]["harmonic_psnr"] > 0
    assert "colorize" not in manifest["metrics"]


def write_class_samples(tmp_path, seed: int) -> list[str]:
    """Ten random 8x8 'samples' for each of 3 classes, file k holding class k."""
    rng = np.random.default_rng(seed)
    files = [str(tmp_path / f"class-{k}.npy") for k in range(3)]
    for path in files:
        np.save(path, rng.uniform(-1, 1, (10, 1, 8, 8)).astype(np.float32))
    return files


def test_class_samples_are_filed_per_guidance(model_dir, tmp_path):
    files = write_class_samples(tmp_path, seed=1)
    assert evaluate.main(["--model-dir", str(model_dir), "--class-samples", *files, "--guidance", "3",
                          "--sampler-note", "dpm++3m, 20 steps"]) == 0
    metrics = metrics_of(model_dir)
    entry = metrics["class_conditional"]["guidance_3"]
    assert entry["samples"] == 30 and entry["guidance"] == 3.0 and entry["sampler"] == "dpm++3m, 20 steps"
    assert 0 <= entry["accuracy"] <= 1 and entry["fd_test"] >= 0
    # The unconditional FD is another run's: class-conditional samples must not overwrite it.
    assert "fd" not in metrics
    net, _ = evaluate.load_classifier(model_dir / evaluate.EVAL_CLASSIFIER_FILE)
    samples = np.concatenate([np.load(f) for f in files])
    predicted = evaluate.classify(net, samples)[1]
    assert entry["accuracy"] == evaluate.class_accuracy(predicted, np.repeat(np.arange(3), 10))


def test_a_sampler_fd_is_filed_under_its_name(model_dir, tmp_path):
    np.save(tmp_path / "s.npy", np.random.default_rng(1).uniform(-1, 1, (20, 1, 8, 8)).astype(np.float32))
    (tmp_path / "report.json").write_text(
        '{"nfe": 2000, "seconds": 12.5, "sampler": "pc", "settings": {"steps": 1000}}\n')
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "s.npy"),
                          "--sampler-name", "pc", "--sample-report", str(tmp_path / "report.json")]) == 0
    metrics = metrics_of(model_dir)
    assert "fd" not in metrics
    entry = metrics["samplers"]["pc"]
    assert entry["nfe"] == 2000 and entry["seconds"] == 12.5 and entry["steps"] == 1000
    assert entry["samples"] == 20 and entry["fd_test"] >= 0 and entry["fd_train_vs_test"] >= 0


def test_a_sampler_report_must_say_what_it_ran_with(model_dir, tmp_path, capsys):
    np.save(tmp_path / "s.npy", np.zeros((4, 1, 8, 8), dtype=np.float32))
    (tmp_path / "report.json").write_text('{"nfe": 21, "seconds": 1.0}\n')
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "s.npy"),
                          "--sampler-name", "dpm++3m", "--sample-report", str(tmp_path / "report.json")]) == 2
    assert "no settings" in capsys.readouterr().err


def test_class_samples_of_a_sampler_are_filed_under_its_name(model_dir, tmp_path):
    files = write_class_samples(tmp_path, seed=3)
    reports = [str(tmp_path / f"report-{k}.json") for k in range(3)]
    for path in reports:  # one CLI run per class
        Path(path).write_text('{"nfe": 200, "seconds": 3.0, "settings": {"steps": 100}}\n')
    flags = ["--model-dir", str(model_dir), "--class-samples", *files, "--guidance", "8", "--sampler-name", "pc"]
    assert evaluate.main([*flags, "--sample-report", *reports]) == 0
    metrics = metrics_of(model_dir)
    assert "class_conditional" not in metrics
    entry = metrics["samplers"]["pc"]["class_conditional"]
    assert entry["guidance"] == 8.0 and entry["samples"] == 30 and entry["steps"] == 100
    assert entry["nfe"] == 200 and entry["seconds"] == 9.0 and 0 <= entry["accuracy"] <= 1
    Path(reports[2]).write_text('{"nfe": 40, "seconds": 3.0, "settings": {"steps": 20}}\n')
    assert evaluate.main([*flags, "--sample-report", *reports]) == 2


def test_a_sampler_is_compared_with_the_ode_solution_of_the_same_noise(model_dir, tmp_path):
    rng = np.random.default_rng(2)
    (tmp_path / "report.json").write_text('{"nfe": 21, "seconds": 1.0, "settings": {"steps": 20}}\n')
    report = ["--sample-report", str(tmp_path / "report.json")]
    reference = rng.uniform(-1, 1, (20, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "ode.npy", reference)
    np.save(tmp_path / "fast.npy", reference + np.float32(0.25) * np.sign(rng.standard_normal(reference.shape)))
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "fast.npy"),
                          "--sampler-name", "dpm++3m", "--ode-reference", str(tmp_path / "ode.npy"), *report]) == 0
    assert metrics_of(model_dir)["samplers"]["dpm++3m"]["mean_abs_diff_vs_ode"] == pytest.approx(0.25, abs=1e-6)
    np.save(tmp_path / "short.npy", reference[:5])
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "fast.npy"),
                          "--sampler-name", "x", "--ode-reference", str(tmp_path / "short.npy"), *report]) == 2


def test_the_data_set_is_the_models_not_the_feature_classifiers(rgb_model, tmp_path):
    folder, fake, asked = rgb_model
    np.save(tmp_path / "s.npy", evaluate.to_model_range(fake["train"][0][:50]))
    assert evaluate.main(["--model-dir", str(folder), "--samples", str(tmp_path / "s.npy")]) == 0
    fd = metrics_of(folder)["fd"]
    assert fd["dataset"] == "celeba" and fd["features_dataset"] == "cifar10"
    assert "cifar10" in fd["features"]
    assert asked and all(name == "celeba" and size == 32 for name, _, size in asked)


def test_a_model_without_training_config_is_refused(model_dir, capsys):
    (model_dir / "model.json").write_text(json.dumps({"format": 1, "metrics": {}}))
    assert evaluate.main(["--model-dir", str(model_dir), "--baselines"]) == 2
    assert "training.config" in capsys.readouterr().err


def test_fd_of_real_images_is_below_fd_of_noise(model_dir, tmp_path):
    data = evaluate.model_data(model_dir)
    real = evaluate.to_model_range(evaluate.split_images(data, "train")[:100])
    np.save(tmp_path / "real.npy", real)
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "real.npy"), "--dry-run"]) == 0
    net, _ = evaluate.load_classifier(model_dir / evaluate.EVAL_CLASSIFIER_FILE)
    noise = np.random.default_rng(2).normal(size=real.shape).astype(np.float32) * 3
    fd_real = evaluate.sample_metrics(net, data, real, None)["fd_test"]
    fd_noise = evaluate.sample_metrics(net, data, noise, None)["fd_test"]
    assert fd_real < fd_noise


def test_inpainted_file_is_scored_on_the_written_task(model_dir, tmp_path):
    assert evaluate.main(["--model-dir", str(model_dir), "--write-tasks", str(tmp_path / "task")]) == 0
    images = np.load(tmp_path / "task" / "images_box.npy")
    masks = np.load(tmp_path / "task" / "masks_box.npy")
    assert masks.shape == (len(images), 1, 8, 8)
    # A gray model has no colorization task.
    assert not (tmp_path / "task" / "colorize_gray.npy").exists()
    np.save(tmp_path / "perfect.npy", images)
    np.save(tmp_path / "zero.npy", np.zeros_like(images))
    assert evaluate.main(["--model-dir", str(model_dir), "--inpainted", str(tmp_path / "perfect.npy"),
                          "--variance", str(tmp_path / "zero.npy")]) == 0
    # A perfect fill has infinite PSNR, which JSON cannot hold: it is written as null.
    text = (model_dir / "model.json").read_text()
    assert "Infinity" not in text
    assert json.loads(text)["metrics"]["inpaint"]["box"]["model_psnr"] is None


def test_a_partial_fill_is_compared_with_the_baseline_on_the_same_images(model_dir, tmp_path):
    assert evaluate.main(["--model-dir", str(model_dir), "--write-tasks", str(tmp_path / "task")]) == 0
    images = np.load(tmp_path / "task" / "images_stroke.npy")[:3]
    masks = np.load(tmp_path / "task" / "masks_stroke.npy")[:3]
    flat = np.where(masks > 0, 0.0, images).astype(np.float32)
    np.save(tmp_path / "flat.npy", flat)
    # The samples spread by 0.1 about their mean of 0 at every filled pixel.
    np.save(tmp_path / "variance.npy", np.where(masks > 0, 0.01, 0.0) * np.ones_like(flat))
    (tmp_path / "bench.json").write_text('{"task": "inpaint", "nfe": 400, "seconds": 9, "snr": 0.36}\n')
    assert evaluate.main(["--model-dir", str(model_dir), "--inpainted", str(tmp_path / "flat.npy"),
                          "--mask-kind", "stroke", "--sampler-note", "test", "--variance", str(tmp_path / "variance.npy"),
                          "--sample-report", str(tmp_path / "bench.json")]) == 0
    result = metrics_of(model_dir)["inpaint"]["stroke"]
    assert result["model_images"] == 3 and result["model_sampler"] == "test"
    assert result["model_nfe_per_image"] == 400 and result["model_seconds"] == 9 and result["model_snr"] == 0.36
    truth = images[masks > 0]
    assert result["model_psnr"] == pytest.approx(10 * np.log10(4 / np.mean(truth.astype(np.float64) ** 2)), rel=1e-6)
    assert result["harmonic_psnr_same_images"] is not None
    # The per-image comparison with the same harmonic fills (its logic: test_the_paired_gain_...).
    assert set(result["vs_harmonic"]) == {"mean_gain_db", "paired_t"}
    assert np.isfinite(result["vs_harmonic"]["mean_gain_db"])
    # The posterior mean's error is the mean's less its variance (posterior_mean_psnr's test).
    post = result["posterior_mean"]
    assert post["psnr"] == pytest.approx(10 * np.log10(4 / (np.mean(truth.astype(np.float64) ** 2) - 0.01)), rel=1e-6)
    assert post["vs_harmonic"]["mean_gain_db"] > result["vs_harmonic"]["mean_gain_db"]


def test_the_paired_gain_separates_a_consistent_edge_from_noise():
    rng = np.random.default_rng(0)
    truth = rng.uniform(-1, 1, (30, 1, 8, 8))
    baseline = evaluate.per_image_psnr(truth + 0.2 * rng.standard_normal(truth.shape), truth, None)
    better = evaluate.per_image_psnr(truth + 0.15 * rng.standard_normal(truth.shape), truth, None)
    edge = evaluate.paired_gain(better, baseline)
    assert edge["mean_gain_db"] == pytest.approx(20 * np.log10(0.2 / 0.15), abs=0.3) and edge["paired_t"] > 5
    same = evaluate.paired_gain(evaluate.per_image_psnr(truth + 0.2 * rng.standard_normal(truth.shape), truth, None),
                                baseline)
    assert abs(same["paired_t"]) < 3
    assert evaluate.paired_gain(baseline, baseline) == {"mean_gain_db": 0.0, "paired_t": 0.0}


def test_per_image_psnr_scores_the_filled_pixels_and_floors_exact_ones():
    rng = np.random.default_rng(0)
    truth = rng.uniform(-1, 1, (3, 2, 8, 8))
    masks = np.zeros((3, 8, 8), dtype=bool)
    masks[:, :4] = True
    off = truth + np.where(masks[:, None], 0.1, 5.0)  # worse only where nothing is scored
    assert np.allclose(evaluate.per_image_psnr(off, truth, masks), 10 * np.log10(4 / 0.01))
    # Exact fills (a flat background) are floored, so two of them are level, not inf - inf.
    assert np.allclose(evaluate.per_image_psnr(truth, truth, masks), 10 * np.log10(4 / evaluate.QUANTIZATION_MSE))


def test_the_posterior_mean_estimate_removes_the_sample_count_from_the_error():
    rng = np.random.default_rng(1)
    truth = rng.uniform(-1, 1, (40, 3, 16, 16))
    mu = truth + 0.1 * rng.standard_normal(truth.shape)  # the posterior mean, 20 dB off the truth
    n, spread = 8, 0.3
    samples = mu + spread * rng.standard_normal((n, *truth.shape))
    mean, variance = samples.mean(0), samples.var(0, ddof=1) / n
    masks = rng.random((40, 16, 16)) < 0.5
    pooled, per_image = evaluate.posterior_mean_psnr(mean, variance, truth, masks)
    target = 10 * np.log10(4 / 0.01)
    # The mean of 8 pays 0.3^2 / 8 of extra error, ~0.5 dB; the estimate recovers the posterior mean's.
    assert evaluate.masked_psnr(mean, truth, masks) < target - 0.4
    assert pooled == pytest.approx(target, abs=0.05)
    assert np.mean(per_image) == pytest.approx(target, abs=0.1)
    # An image whose estimate falls below zero (few samples, a lucky mean) is floored, not NaN.
    _, lucky = evaluate.posterior_mean_psnr(truth[:1], np.full(truth[:1].shape, 0.01), truth[:1], None)
    assert lucky[0] == pytest.approx(10 * np.log10(4 / evaluate.QUANTIZATION_MSE))


def test_a_variance_file_must_fit_its_result(tmp_path):
    result = np.zeros((2, 1, 8, 8), dtype=np.float32)
    np.save(tmp_path / "wrong.npy", np.zeros((3, 1, 8, 8), dtype=np.float32))
    np.save(tmp_path / "negative.npy", np.full((2, 1, 8, 8), -1e-3, dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        evaluate.load_variance(tmp_path / "wrong.npy", result)
    with pytest.raises(ValueError, match="below zero"):
        evaluate.load_variance(tmp_path / "negative.npy", result)


def test_colorized_file_is_scored_beside_gray_on_the_same_images(rgb_model, tmp_path):
    folder, _, _ = rgb_model
    assert evaluate.main(["--model-dir", str(folder), "--write-tasks", str(tmp_path / "task"), "--baselines"]) == 0
    gray = np.load(tmp_path / "task" / "colorize_gray.npy")
    truth = np.load(tmp_path / "task" / "images_box.npy")
    assert gray.shape == (len(truth), 1, 8, 8) and np.allclose(gray[:, 0], truth.mean(axis=1), atol=1e-6)
    assert metrics_of(folder)["colorize"]["gray_psnr"] > 0
    # A colorization half-way between the gray input and the truth: error halves, +6.02 dB.
    gray3 = np.repeat(gray[:4], 3, axis=1)
    np.save(tmp_path / "half.npy", ((gray3 + truth[:4]) / 2).astype(np.float32))
    np.save(tmp_path / "zero.npy", np.zeros_like(gray3))
    assert evaluate.main(["--model-dir", str(folder), "--colorized", str(tmp_path / "half.npy"),
                          "--variance", str(tmp_path / "zero.npy"), "--sampler-note", "pc, mean of 2"]) == 0
    entry = metrics_of(folder)["colorize"]
    assert entry["model_images"] == 4 and entry["model_sampler"] == "pc, mean of 2"
    assert entry["gray_psnr_same_images"] == pytest.approx(evaluate.psnr(gray3, truth[:4]))
    assert entry["model_psnr"] - entry["gray_psnr_same_images"] == pytest.approx(20 * np.log10(2), abs=1e-3)
    # Every image gains the same 6.02 dB: the paired t is unbounded.
    assert entry["vs_gray"]["mean_gain_db"] == pytest.approx(20 * np.log10(2), abs=1e-3)
    assert entry["vs_gray"]["paired_t"] > 1e3 or entry["vs_gray"]["paired_t"] is None
    assert entry["images"] == len(truth)  # the baseline over the whole task is kept beside it
    # Samples that all agree: the posterior mean is their mean.
    assert entry["posterior_mean"]["psnr"] == pytest.approx(entry["model_psnr"])


def test_colorized_needs_an_rgb_model(model_dir, tmp_path, capsys):
    np.save(tmp_path / "c.npy", np.zeros((2, 3, 8, 8), dtype=np.float32))
    assert evaluate.main(["--model-dir", str(model_dir), "--colorized", str(tmp_path / "c.npy"),
                          "--variance", str(tmp_path / "c.npy")]) == 2
    assert "not RGB" in capsys.readouterr().err


def test_ode_figures_come_from_the_cli_reports(model_dir, tmp_path):
    assert evaluate.main(["--model-dir", str(model_dir), "--write-tasks", str(tmp_path), "--ode-images", "5"]) == 0
    test = np.load(tmp_path / "test.npy")
    deq = np.load(tmp_path / "test_dequantized.npy")
    assert test.shape == deq.shape == (5, 1, 8, 8)
    # Dequantization spreads each level over its bin: within 1/256 of the level, never beyond.
    assert np.all(np.abs(deq - test) <= 2 / 256) and not np.allclose(deq, test)
    decoded = test + np.float32(0.01)
    decoded[0, 0, 0, 0] += 0.1
    np.save(tmp_path / "decoded.npy", decoded)
    (tmp_path / "lik.json").write_text(json.dumps({
        "bpd": 3.5, "bpdPerImage": [3.5] * 5, "divergence": "hutchinson (1 probe(s))", "rtol": 1e-5,
        "atol": 1e-5, "nfe": 300, "seconds": 4.0}))
    (tmp_path / "enc.json").write_text(json.dumps({"rtol": 1e-5, "atol": 1e-5, "nfe": 200, "seconds": 2.0}))
    (tmp_path / "dec.json").write_text(json.dumps({"nfe": 210, "seconds": 2.1}))
    assert evaluate.main(["--model-dir", str(model_dir), "--likelihood-report", str(tmp_path / "lik.json"),
                          "--decoded", str(tmp_path / "decoded.npy"), "--encode-report", str(tmp_path / "enc.json"),
                          "--decode-report", str(tmp_path / "dec.json")]) == 0
    metrics = metrics_of(model_dir)
    assert metrics["bits_per_dim"]["images"] == 5 and metrics["bits_per_dim"]["nfe"] == 300
    ed = metrics["encode_decode"]
    assert ed["images"] == 5 and ed["nfe_encode"] == 200 and ed["nfe_decode"] == 210
    assert ed["max_abs_error"] == pytest.approx(0.11, abs=1e-5)
    assert ed["mean_abs_error"] == pytest.approx(0.01 + 0.1 / decoded.size, abs=1e-5)


def test_bad_input_exits_with_2(model_dir, tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.full((2, 1, 8, 8), np.nan, dtype=np.float32))
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "bad.npy")]) == 2
    assert "NaN" in capsys.readouterr().err
    assert evaluate.main(["--model-dir", str(tmp_path / "missing"), "--baselines"]) == 2
    (tmp_path / "r.json").write_text('{"seconds": 1}\n')
    np.save(tmp_path / "ok.npy", np.zeros((2, 1, 8, 8), dtype=np.float32))
    assert evaluate.main(["--model-dir", str(model_dir), "--samples", str(tmp_path / "ok.npy"),
                          "--sample-report", str(tmp_path / "r.json")]) == 2
    assert "no nfe" in capsys.readouterr().err
    np.save(tmp_path / "big.npy", np.zeros((2, 1, 9, 9), dtype=np.float32))
    assert evaluate.main(["--model-dir", str(model_dir), "--inpainted", str(tmp_path / "big.npy"),
                          "--variance", str(tmp_path / "big.npy")]) == 2
    np.save(tmp_path / "fill.npy", np.zeros((2, 1, 8, 8), dtype=np.float32))
    assert evaluate.main(["--model-dir", str(model_dir), "--write-tasks", str(tmp_path / "task")]) == 0
    assert evaluate.main(["--model-dir", str(model_dir), "--inpainted", str(tmp_path / "fill.npy"),
                          "--variance", str(tmp_path / "big.npy")]) == 2
    assert "expected the result's shape" in capsys.readouterr().err


@pytest.mark.parametrize("flags", [
    ["--guidance", "3", "--samples", "s.npy"],              # guidance without class labels
    ["--class-samples", "a.npy"],                           # class samples without guidance
    ["--sampler-name", "pc"],                               # nothing to file under it
    ["--samples", "s.npy", "--sampler-name", "pc"],         # without the report of its settings
    ["--class-samples", "a.npy", "--guidance", "1", "--sampler-name", "pc", "--sample-report", "r.json",
     "--ode-reference", "o.npy"],                           # the ODE has no class-conditional samples
    ["--sampler-note", "x", "--inpainted", "a.npy", "--colorized", "b.npy", "--variance", "v.npy"],  # of which?
    ["--inpainted", "a.npy"],                               # without its variance
    ["--variance", "v.npy", "--baselines"],                 # a variance of no result
    ["--decoded", "d.npy"],                                 # without the reports
    ["--samples", "s.npy", "--ode-reference", "o.npy"],     # a reference for no sampler
])
def test_flags_that_do_not_go_together_are_refused(model_dir, flags):
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["--model-dir", str(model_dir), *flags])
    assert exit_info.value.code == 2


def test_pc_becomes_the_fast_sampler_only_when_clearly_better(model_dir):
    table = {"dpm++3m": {"fd_test": 10.0, "samples": 100}, "pc": {"fd_test": 3.0, "steps": 100, "samples": 100}}
    assert evaluate.recommend_fast_sampler(table)["sampler"] == "pc"
    assert evaluate.recommend_fast_sampler(table)["steps"] == 100
    close = {**table, "pc": {**table["pc"], "fd_test": 6.0}}
    assert evaluate.recommend_fast_sampler(close) is None
    assert evaluate.recommend_fast_sampler({"dpm++3m": {"fd_test": 1.0}}) is None
    evaluate.merge_metrics(model_dir, {"samplers": table})
    assert evaluate.main(["--model-dir", str(model_dir), "--recommend"]) == 0
    manifest = json.loads((model_dir / "model.json").read_text())
    assert manifest["fastSampler"]["sampler"] == "pc" and "3.00" in manifest["fastSampler"]["why"]
    evaluate.merge_metrics(model_dir, {"samplers": close})
    evaluate.main(["--model-dir", str(model_dir), "--recommend"])
    assert "fastSampler" not in json.loads((model_dir / "model.json").read_text())


def test_pc_becomes_the_fast_sampler_when_clearly_more_often_of_the_class():
    def table(dpm_accuracy, pc_accuracy, pc_fd=3.4, pc_guidance=8):
        return {"dpm++3m": {"fd_test": 4.1, "steps": 20, "class_conditional": {
                    "guidance": 8, "samples": 300, "accuracy": dpm_accuracy}},
                "pc": {"fd_test": pc_fd, "steps": 100, "samples": 100, "class_conditional": {
                    "guidance": pc_guidance, "samples": 300, "accuracy": pc_accuracy}}}
    choice = evaluate.recommend_fast_sampler(table(0.47, 0.59))
    assert choice["sampler"] == "pc" and choice["steps"] == 100
    assert choice["why"].startswith("class accuracy of 300 samples at guidance 8: pc 59%, dpm++3m 47%")
    assert evaluate.recommend_fast_sampler(table(0.52, 0.59)) is None                 # within noise
    assert evaluate.recommend_fast_sampler(table(0.47, 0.59, pc_fd=4.5)) is None      # worse samples
    assert evaluate.recommend_fast_sampler(table(0.47, 0.59, pc_guidance=4)) is None  # not comparable


def test_the_posterior_mean_decides_where_it_was_measured():
    # The mean of 8 is level with harmonic fill; the posterior mean it estimates is clearly ahead.
    entry = {"model_psnr": 18.35, "harmonic_psnr_same_images": 18.25, "model_images": 50,
             "vs_harmonic": {"mean_gain_db": 0.19, "paired_t": 0.7},
             "posterior_mean": {"psnr": 19.1, "vs_harmonic": {"mean_gain_db": 0.9, "paired_t": 2.6}}}
    assert evaluate.weak_tasks({"inpaint": {"stroke": entry}}) == {}
    # ... and it is the posterior mean's shortfall that the reason quotes.
    behind = {**entry, "model_psnr": 18.5,
              "posterior_mean": {"psnr": 19.0, "vs_harmonic": {"mean_gain_db": 0.4, "paired_t": 1.1}}}
    assert evaluate.weak_tasks({"inpaint": {"stroke": behind}})["inpaint"] == (
        "the posterior mean of the stroke fills scores 19.0 dB, harmonic fill 18.2 dB, a per-image gain of "
        "0.40 dB within the noise of 50 images (paired t 1.1)")


def test_a_task_that_does_not_beat_its_baseline_is_not_recommended(model_dir):
    good = {"model_psnr": 17.0, "harmonic_psnr_same_images": 15.0}
    bad = {"model_psnr": 14.4, "harmonic_psnr_same_images": 15.2}
    assert evaluate.weak_tasks({"inpaint": {"box": good, "stroke": good}}) == {}
    weak = evaluate.weak_tasks({"inpaint": {"box": good, "stroke": bad},
                                "colorize": {"model_psnr": 20.9, "gray_psnr_same_images": 21.3}})
    assert weak["inpaint"] == "stroke fills score 14.4 dB, harmonic fill 15.2 dB"
    assert weak["colorize"] == "colorizations score 20.9 dB, the gray input 21.3 dB"
    # Figures one decimal would print equal are given two, so the reason reads as one.
    level = {"model_psnr": 16.37, "harmonic_psnr_same_images": 16.42}
    assert evaluate.weak_tasks({"inpaint": {"box": level, "stroke": good}})["inpaint"] == (
        "box fills score 16.37 dB, harmonic fill 16.42 dB")
    # Each kind that falls short is named.
    assert evaluate.weak_tasks({"inpaint": {"box": level, "stroke": bad}})["inpaint"] == (
        "box fills score 16.37 dB, harmonic fill 16.42 dB; stroke fills score 14.4 dB, harmonic fill 15.2 dB")
    # Ahead over the images but not clearly so image by image: not beaten either.
    noisy = {"model_psnr": 23.29, "gray_psnr_same_images": 22.90, "model_images": 50,
             "vs_gray": {"mean_gain_db": 0.09, "paired_t": 0.18}}
    assert evaluate.weak_tasks({"colorize": noisy})["colorize"] == (
        "colorizations score 23.3 dB, the gray input 22.9 dB, a per-image gain of 0.09 dB within the "
        "noise of 50 images (paired t 0.2)")
    clear = {**noisy, "vs_gray": {"mean_gain_db": 0.4, "paired_t": 2.5}}
    assert evaluate.weak_tasks({"colorize": clear}) == {}
    # A t filed as null (JSON has no inf: every image gained the same) would be a clear gain.
    assert evaluate.weak_tasks({"colorize": {**noisy, "vs_gray": {"mean_gain_db": 0.4, "paired_t": None}}}) == {}
    evaluate.merge_metrics(model_dir, {"inpaint": {"box": bad}})
    assert evaluate.main(["--model-dir", str(model_dir), "--recommend"]) == 0
    manifest = json.loads((model_dir / "model.json").read_text())
    assert list(manifest["notRecommendedFor"]) == ["inpaint"]
