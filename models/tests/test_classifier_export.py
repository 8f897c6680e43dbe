"""classifier.onnx must compute what the PyTorch classifier computes (run with onnxruntime-node)."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from training.classifier_net import ClassifierConfig, ClassifierNet
from training.export_classifier import export_onnx, main as export_main

ORT_RUN = Path(__file__).resolve().parent / "ort_run.mjs"


def _net() -> ClassifierNet:
    torch.manual_seed(0)
    net = ClassifierNet(ClassifierConfig(channels=(8, 16), groups=4, time_embed_dim=32))
    with torch.no_grad():
        for name, p in net.named_parameters():
            if "norm" in name:
                p.add_(0.3 * torch.randn_like(p))
    return net.eval()


def _run_onnx(model: Path, tmp: Path, **inputs: np.ndarray) -> dict:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    args = []
    for name, value in inputs.items():
        np.save(tmp / f"{name}.npy", value)
        args.append(f"{name}={tmp / f'{name}.npy'}")
    out = tmp / "out"
    out.mkdir()
    subprocess.run(["node", str(ORT_RUN), str(model), str(out), *args], check=True, timeout=120)
    return {p.stem: np.load(p) for p in out.glob("*.npy")}


def test_onnx_logits_and_grad_match_pytorch(tmp_path):
    net = _net()
    model = tmp_path / "classifier.onnx"
    export_onnx(net, model, (1, 28, 28))
    graph = onnx.load(str(model)).graph
    assert [i.name for i in graph.input] == ["x", "t", "y"]
    assert [o.name for o in graph.output] == ["logits", "grad"]

    # A batch size other than the one traced checks the dynamic batch axis.
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (5, 1, 28, 28)).astype(np.float32)
    t = rng.uniform(1e-3, 1, 5).astype(np.float32)
    y = np.array([0, 1, 2, 9, 4], dtype=np.int64)
    got = _run_onnx(model, tmp_path, x=x, t=t, y=y)
    logits, grad = net.logits_and_input_grad(torch.from_numpy(x), torch.from_numpy(t), torch.from_numpy(y))
    assert got["logits"].shape == (5, 10) and got["grad"].shape == x.shape
    assert np.abs(got["logits"] - logits.detach().numpy()).max() < 1e-4
    grad = grad.detach().numpy()
    assert np.abs(got["grad"] - grad).max() < 1e-4 * max(1.0, np.abs(grad).max())


def test_cli_keeps_other_manifest_keys(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    net = _net()
    torch.save({"dataset": "fashion-mnist", "kind": "noisy", "labels": [str(i) for i in range(10)],
                "sde": {"type": "vp", "beta_min": 0.1, "beta_max": 20, "N": 1000, "eps": 0.001},
                "config": net.config.to_dict(), "model": net.state_dict(), "step": 7}, run / "checkpoint.pt")
    folder = tmp_path / "fashion28-vp"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps({"format": 1, "score": {"file": "score.onnx"}, "metrics": {"fd": 1.5},
                                                   "classifier": {"file": "old.onnx", "labels": [], "guidance": 3}}))
    assert export_main(["--model-dir", str(folder), "--run", str(run)]) == 0
    manifest = json.loads((folder / "model.json").read_text())
    assert manifest["score"] == {"file": "score.onnx"}
    assert manifest["metrics"]["fd"] == 1.5
    assert manifest["classifier"] == {"file": "classifier.onnx", "labels": [str(i) for i in range(10)], "guidance": 3}
    assert (folder / "classifier.onnx").exists()
