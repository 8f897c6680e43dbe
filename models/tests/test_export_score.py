import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from training.export_score import export, main
from training.train import Trainer

REPO_ROOT = Path(__file__).resolve().parents[2]
ORT_RUN = Path(__file__).with_name("ort_run.mjs")
HAVE_NODE_ORT = shutil.which("node") is not None and (REPO_ROOT / "node_modules" / "onnxruntime-node").is_dir()


def _trained(cfg, run_dir, steps=3):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (16, cfg.size, cfg.size, cfg.unet.channels), dtype=np.uint8)
    trainer = Trainer(cfg, run_dir, images)
    trainer.run(steps, log=lambda _: None)
    return trainer


def _run_onnx_with_node(model_path: Path, tmp_path: Path, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    args = []
    for name, value in inputs.items():
        np.save(tmp_path / f"in_{name}.npy", value)
        args.append(f"{name}={tmp_path / f'in_{name}.npy'}")
    out_dir = tmp_path / "ort_out"
    out_dir.mkdir()
    subprocess.run(["node", str(ORT_RUN), str(model_path), str(out_dir), *args], check=True, timeout=120)
    return {p.stem: np.load(p) for p in out_dir.glob("*.npy")}


def test_manifest_fields_and_foreign_keys_are_kept_and_old_figures_dropped(tiny_config, tmp_path):
    cfg = tiny_config()
    _trained(cfg, tmp_path / "run")
    out = tmp_path / "fashion28-vp"
    out.mkdir()
    (out / "model.json").write_text(json.dumps({
        "id": "stale", "classifier": {"file": "classifier.onnx", "labels": ["a"]},
        "metrics": {"fid": 12.5, "classifier": {"steps": 3000}}, "fastSampler": {"sampler": "pc"},
        "notRecommendedFor": {"colorize": "..."}, "fastCorrector": {"inpaint": {"steps": 2}},
        "homepage": "https://example.org",
    }))
    export(cfg, tmp_path / "run", out)
    manifest = json.loads((out / "model.json").read_text())
    assert manifest["format"] == 1 and manifest["id"] == "fashion28-vp"
    assert manifest["image"] == {"channels": 1, "height": 28, "width": 28, "range": [-1, 1]}
    assert manifest["sde"] == {"type": "vp", "beta_min": 0.1, "beta_max": 20.0, "N": 1000, "eps": 0.001}
    assert manifest["score"] == {"file": "score.onnx", "predicts": "noise"}
    assert manifest["classifier"] == {"file": "classifier.onnx", "labels": ["a"]}
    # The old weights' figures and what was recommended from them are gone; the classifier's stay.
    assert manifest["metrics"] == {"classifier": {"steps": 3000}}
    assert not {"fastSampler", "notRecommendedFor", "fastCorrector"} & set(manifest)
    assert manifest["homepage"] == "https://example.org"
    assert "MIT" in manifest["license"] and "Fashion-MNIST" in manifest["data"]
    assert manifest["training"]["steps"] == 3 and manifest["training"]["config"] == "fashion28-vp"
    card = (out / "MODEL_CARD.md").read_text()
    assert "MIT" in card and "Steps: 3" in card and '"fid"' not in card


def test_onnx_graph_has_named_inputs_and_a_dynamic_batch(tiny_config, tmp_path):
    cfg = tiny_config()
    _trained(cfg, tmp_path / "run", steps=1)
    export(cfg, tmp_path / "run", tmp_path / "m")
    graph = onnx.load(str(tmp_path / "m" / "score.onnx")).graph
    assert [i.name for i in graph.input] == ["x", "t"]
    assert [o.name for o in graph.output] == ["score"]
    for value in (*graph.input, *graph.output):
        assert value.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert not list((tmp_path / "m").glob("*.tmp*"))


def test_no_checkpoint_is_a_clear_error(tiny_config, tmp_path):
    with pytest.raises(FileNotFoundError):
        export(tiny_config(), tmp_path / "empty", tmp_path / "m")


@pytest.mark.skipif(not HAVE_NODE_ORT, reason="node or onnxruntime-node is not installed")
@pytest.mark.parametrize("name,predicts", [("fashion28-vp", "noise"), ("celeba64", "score")])
def test_onnx_matches_pytorch_ema_weights(tiny_config, tmp_path, name, predicts):
    cfg = tiny_config(name)
    trainer = _trained(cfg, tmp_path / "run")
    # A few steps barely move the zero-initialized output layer; random weights make the
    # comparison meaningful everywhere in the graph.
    with torch.no_grad():
        for p in trainer.ema.model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    trainer.save()
    manifest = export(cfg, tmp_path / "run", tmp_path / "m")
    assert manifest["score"]["predicts"] == predicts
    rng = np.random.default_rng(1)
    # A batch size other than the one used for export, and times across [eps, 1].
    x = rng.standard_normal((3, cfg.unet.channels, cfg.size, cfg.size)).astype(np.float32)
    t = np.array([cfg.make_sde().eps, 0.37, 1.0], dtype=np.float32)
    outputs = _run_onnx_with_node(tmp_path / "m" / "score.onnx", tmp_path, {"x": x, "t": t})
    with torch.no_grad():
        expected = trainer.ema.model.eval()(torch.from_numpy(x), torch.from_numpy(t)).numpy()
    assert outputs["score"].shape == expected.shape
    assert np.abs(outputs["score"] - expected).max() <= 1e-4 * max(1.0, np.abs(expected).max())


@pytest.mark.parametrize("name,weights", [("fashion28-vp", "MIT"), ("celeba32", "non-commercial")])
def test_the_weights_license_follows_the_training_data(tiny_config, tmp_path, name, weights):
    cfg = tiny_config(name)
    _trained(cfg, tmp_path / "run")
    manifest = export(cfg, tmp_path / "run", tmp_path / "m")
    assert manifest["license"].startswith(f"Model weights: {weights}")
    assert f"- Model weights: {weights}" in (tmp_path / "m" / "MODEL_CARD.md").read_text()


def test_the_card_is_rewritten_from_new_metrics(tiny_config, tmp_path):
    cfg = tiny_config()
    _trained(cfg, tmp_path / "run")
    export(cfg, tmp_path / "run", tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "model.json").read_text())
    manifest["metrics"] = {"fd": {"fd_test": 1.25}}
    manifest["fastCorrector"] = {"inpaint": {"steps": 2, "why": "18.0 dB vs 17.3"},
                                 "colorize": {"steps": 1, "posteriorSteps": 1, "why": "26.1 dB vs 25.4"}}
    manifest["notRecommendedFor"] = {"colorize": "20.8 dB, the gray input 21.3"}
    (tmp_path / "m" / "model.json").write_text(json.dumps(manifest))
    onnx_bytes = (tmp_path / "m" / "score.onnx").read_bytes()
    assert main(["--config", cfg.name, "--out", str(tmp_path / "m"), "--card-only"]) == 0
    card = (tmp_path / "m" / "MODEL_CARD.md").read_text()
    assert '"fd_test": 1.25' in card
    # What the editor does with the model, and why, ahead of the raw figures.
    assert "- Inpainting (Fast preset): 2 corrector steps per predictor step (18.0 dB vs 17.3)." in card
    assert ("- Colorization (Fast preset): 1 corrector step per predictor step, with the posterior correction "
            "of the score, 1 CG step (26.1 dB vs 25.4).") in card
    assert "- Not offered for colorization: 20.8 dB, the gray input 21.3." in card
    assert (tmp_path / "m" / "score.onnx").read_bytes() == onnx_bytes
