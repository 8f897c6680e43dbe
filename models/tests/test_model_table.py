"""The README's model table: formatting on synthetic manifests, and README against the disk."""
import json

import pytest

from training import model_table as mt


def manifest(**metrics) -> dict:
    return {
        "id": "rgb32-vp",
        "data": "CIFAR-10 (Krizhevsky 2009), 50,000 training images, 32x32 RGB",
        "image": {"channels": 3, "height": 32, "width": 32, "range": [-1, 1]},
        "sde": {"type": "subvp"},
        "classifier": {"file": "classifier.onnx", "labels": ["a", "b", "c"]},
        "training": {"steps": 120000, "parameters": 1112801},
        "metrics": metrics,
    }


FULL = dict(
    classifier={"parameters": 242090},
    fd={"fd_test": 3.14159, "fd_train_vs_test": 0.2323},
    class_conditional={
        "guidance_1": {"accuracy": 0.547, "guidance": 1.0},
        "guidance_3": {"accuracy": 0.891, "guidance": 3.0},
        "guidance_5": {"accuracy": 0.88, "guidance": 5.0},
    },
    inpaint={
        "box": {"model_psnr": 15.76, "harmonic_psnr": 12.6, "harmonic_psnr_same_images": 11.89,
                "posterior_mean": {"psnr": 16.52}},
        "stroke": {"model_psnr": 17.32, "harmonic_psnr_same_images": 13.98, "posterior_mean": {"psnr": 18.04}},
    },
    colorize={"model_psnr": 21.04, "gray_psnr": 18.0, "gray_psnr_same_images": 17.96,
              "posterior_mean": {"psnr": 21.66}},
    bits_per_dim={"bpd": 3.3064},
    samplers={"pc": {"nfe": 2000}, "dpm++3m": {"nfe": 21, "mean_abs_diff_vs_ode": 0.00762},
              "ode": {"nfe": 393}},
)


def test_row_with_every_figure():
    assert mt.row(manifest(**FULL)) == [
        "`rgb32-vp`", "CIFAR-10, 3 classes", "sub-VP", "32x32 RGB", "1.1M + 0.24M classifier",
        "120,000", "3.14 (0.23)", "89.1% at 3", "16.5 / 18.0 (15.8 / 17.3) vs 11.9 / 14.0",
        "21.7 (21.0) vs 18.0",
        "3.31", "21, 0.008 (393)",
    ]


def test_a_tuned_corrector_count_is_named_beside_its_figures():
    m = manifest(**FULL)
    m["fastCorrector"] = {"inpaint": {"steps": 2, "why": "tuning"}}
    row = mt.row(m)
    assert row[8] == "16.5 / 18.0 (15.8 / 17.3) vs 11.9 / 14.0 (2 corrector steps)"
    assert row[9] == "21.7 (21.0) vs 18.0"
    m["notRecommendedFor"] = {"inpaint": "box fills ...", "colorize": "colorizations ..."}
    assert mt.row(m)[8].endswith("(2 corrector steps, not offered)")
    assert mt.row(m)[9] == "21.7 (21.0) vs 18.0 (not offered)"
    del m["metrics"]["inpaint"]
    assert mt.row(m)[8] == mt.MISSING


def test_a_tuned_posterior_correction_is_named_beside_its_figures():
    m = manifest(**FULL)
    m["fastCorrector"] = {"colorize": {"steps": 1, "posteriorSteps": 1, "why": "tuning"},
                          "inpaint": {"steps": 2, "posteriorSteps": 2, "why": "tuning"}}
    assert mt.row(m)[9] == "21.7 (21.0) vs 18.0 (posterior correction, 1 CG step)"
    assert mt.row(m)[8].endswith("(2 corrector steps, posterior correction, 2 CG steps)")


def test_row_without_figures_prints_dashes():
    m = manifest()
    del m["classifier"], m["training"], m["metrics"]
    m["image"]["channels"] = 1
    m["sde"]["type"] = "ve"
    assert mt.row(m) == ["`rgb32-vp`", "CIFAR-10", "VE", "32x32 gray"] + [mt.MISSING] * 8


def test_partial_figures():
    row = mt.row(manifest(fd={"fd_test": 0.5}, inpaint={"stroke": {"model_psnr": 17.3}},
                          colorize={"model_psnr": 20.0}))
    assert row[6] == "0.50"
    assert row[8] == f"{mt.MISSING} / 17.3 vs {mt.MISSING} / {mt.MISSING}"
    assert row[9] == f"20.0 vs {mt.MISSING}"


def test_table_shape_and_pipe_escaping():
    m = manifest()
    m["data"] = "A|B set"
    lines = mt.table([m, manifest()]).splitlines()
    assert len(lines) == 4
    assert all(line.count(" | ") == len(mt.HEADER) - 1 for line in lines[:1] + lines[2:])
    assert lines[1] == "|" + "---|" * len(mt.HEADER)
    assert "A\\|B set" in lines[2]


def test_with_block_replaces_only_between_markers():
    readme = f"intro\n{mt.BEGIN}\nold table\n{mt.END}\noutro\n"
    assert mt.with_block(readme, "T") == f"intro\n{mt.BEGIN}\nT\n{mt.END}\noutro\n"
    with pytest.raises(ValueError):
        mt.with_block("no markers here", "T")


def test_bundled_manifests_takes_only_visible_folders_with_a_manifest(tmp_path):
    for name in ["b-model", "a-model", ".runs", "training"]:
        (tmp_path / name).mkdir()
    for name in ["b-model", "a-model", ".runs"]:
        (tmp_path / name / "model.json").write_text(json.dumps({"id": name}))
    (tmp_path / "model.json").write_text("{}")  # a file, not a folder
    assert [m["id"] for m in mt.bundled_manifests(tmp_path)] == ["a-model", "b-model"]


def test_readme_block_matches_the_bundled_manifests():
    # Fails when a model's figures change or a model folder is added without regenerating.
    readme = mt.README.read_text()
    expected = mt.with_block(readme, mt.table(mt.bundled_manifests()))
    assert readme == expected, (
        "README's model table is out of date: "
        "cd models && /usr/bin/python3 -m training.model_table --write-readme")
