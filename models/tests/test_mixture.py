"""The analytic Gaussian-mixture math, and the ONNX model folders that serve it to the engine."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from analytic import make_mixture_models as mk
from reference.sde_reference import sde_from_params

REPO = Path(mk.__file__).resolve().parents[2]
NODE_RUNNER = Path(mk.__file__).with_name("check_with_node.mjs")
needs_node = pytest.mark.skipif(
    shutil.which("node") is None or not (REPO / "node_modules/onnxruntime-node").is_dir(),
    reason="node with onnxruntime-node is needed to run the ONNX graphs",
)


def marginals(sde, t):
    m, std = np.array([sde.marginal(float(v)) for v in np.atleast_1d(t)]).T
    return m, std


def points_at_random_times(name, rng, n):
    """Samples of p_t at random times (t = eps and t = 1 included) plus some points anywhere."""
    sde_params, mixture, _, _ = mk.FOLDERS[name]
    sde = sde_from_params(sde_params)
    t = np.concatenate([[sde.eps, sde.eps, 1.0, 0.01], rng.uniform(sde.eps, 1.0, n - 4)])
    x, _ = mixture.sample(rng, n, *marginals(sde, t))
    x[:8] = rng.uniform(-1.5, 1.5, (8, mixture.dim))
    return sde, mixture, x, t


def central_difference(f, x, h):
    grad = np.zeros_like(x)
    for d in range(x.shape[1]):
        step = np.zeros_like(x)
        step[:, d] = h
        grad[:, d] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def assert_within(error, bound):
    ratio = np.max(error / bound)
    assert ratio <= 1, f"error up to {ratio:.3g} times the bound"


def problem_scale(mixture, x, m, std):
    """Largest component score of each item: the size float errors are measured against."""
    return np.abs(mixture.component_scores(x, m, std)).max(axis=(1, 2))[:, None]


@pytest.mark.parametrize("name", mk.FOLDERS)
def test_score_and_class_grad_are_gradients_of_the_log_densities(name):
    sde, mixture, x, t = points_at_random_times(name, np.random.default_rng(1), 40)
    m, std = marginals(sde, t)
    scale = problem_scale(mixture, x, m, std)
    h = 1e-6
    fd_score = central_difference(lambda p: mixture.log_density(p, m, std), x, h)
    assert_within(np.abs(mixture.score(x, m, std) - fd_score), 1e-5 * scale)
    y = np.arange(len(x)) % len(mixture.weights)

    def log_posterior(p):
        return np.log(mixture.posterior(p, m, std)[np.arange(len(p)), y])

    fd_grad = central_difference(log_posterior, x, h)
    assert_within(np.abs(mixture.class_grad(x, y, m, std) - fd_grad), 1e-5 * scale)


@pytest.mark.parametrize("name,t", [("ve", 0.3), ("vp", 0.05), ("subvp", 0.5)])
def test_perturbed_density_integrates_to_one(name, t):
    sde_params, mixture, _, _ = mk.FOLDERS[name]
    m, std = sde_from_params(sde_params).marginal(t)
    axis = np.linspace(-6, 6, 1201)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    mass = np.exp(mixture.log_density(grid, m, std)).sum() * (axis[1] - axis[0]) ** 2
    assert mass == pytest.approx(1.0, abs=1e-6)


def test_clean_samples_are_classified_by_their_component():
    _, mixture, _, _ = mk.FOLDERS["vp"]
    x, labels = mixture.sample(np.random.default_rng(2), 2000)
    posterior = mixture.posterior(x, 1.0, 1e-3)
    np.testing.assert_allclose(posterior.sum(axis=1), 1.0, rtol=1e-12)
    assert np.mean(posterior.argmax(axis=1) == labels) > 0.999


def test_committed_folders_are_what_the_generator_writes(tmp_path):
    for name in mk.FOLDERS:
        fresh = mk.write_folder(name, tmp_path)
        for file in ("model.json", "score.onnx", "classifier.onnx"):
            committed = mk.OUTPUT_DIR / name / file
            assert committed.read_bytes() == (fresh / file).read_bytes(), (
                f"{committed} is stale: rerun cd models && python3 -m analytic.make_mixture_models"
            )


@pytest.mark.parametrize("name", mk.FOLDERS)
def test_manifest_and_graph_signatures(name):
    sde_params, mixture, labels, shape = mk.FOLDERS[name]
    folder = mk.OUTPUT_DIR / name
    manifest = json.loads((folder / "model.json").read_text())
    assert manifest["id"] == name
    assert manifest["sde"] == sde_params
    assert manifest["score"] == {"file": "score.onnx", "predicts": "score"}
    assert manifest["classifier"]["labels"] == labels
    assert [manifest["image"][k] for k in ("channels", "height", "width")] == list(shape)
    assert manifest["mixture"] == mixture.to_json()

    def signature(values):
        return {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
                for v in values}

    score = onnx.load(folder / "score.onnx")
    assert score.opset_import[0].version == mk.OPSET
    assert signature(score.graph.input) == {"x": ["B", *shape], "t": ["B"]}
    assert signature(score.graph.output) == {"score": ["B", *shape]}
    classifier = onnx.load(folder / "classifier.onnx")
    assert signature(classifier.graph.input) == {"x": ["B", *shape], "t": ["B"], "y": ["B"]}
    outputs = {"logits": ["B", len(labels)], "grad": ["B", *shape]}
    assert signature(classifier.graph.output) == outputs


def run_with_node(model_path, feeds):
    request = {
        "model": str(model_path),
        "feeds": {
            name: {"type": "int64" if a.dtype == np.int64 else "float32", "dims": list(a.shape),
                   "data": a.ravel().tolist()}
            for name, a in feeds.items()
        },
    }
    done = subprocess.run(["node", str(NODE_RUNNER)], input=json.dumps(request),
                          capture_output=True, text=True, timeout=120, check=True)
    return {k: np.reshape(v["data"], v["dims"]) for k, v in json.loads(done.stdout).items()}


@needs_node
@pytest.mark.parametrize("name", mk.FOLDERS)
def test_onnx_graphs_match_numpy_in_onnxruntime(name):
    sde, mixture, x, t = points_at_random_times(name, np.random.default_rng(3), 64)
    shape = mk.FOLDERS[name][3]
    x32, t32 = x.astype(np.float32), t.astype(np.float32)
    y = np.random.default_rng(4).integers(0, len(mixture.weights), len(x))
    # numpy sees exactly the float32 inputs the graph sees
    x64 = x32.astype(np.float64)
    m, std = marginals(sde, t32.astype(np.float64))
    scale = problem_scale(mixture, x64, m, std)
    feeds = {"x": x32.reshape(-1, *shape), "t": t32}

    score = run_with_node(mk.OUTPUT_DIR / name / "score.onnx", feeds)["score"]
    assert score.shape == (len(x), *shape)
    assert_within(np.abs(score.reshape(len(x), -1) - mixture.score(x64, m, std)), 2e-6 * scale)

    out = run_with_node(mk.OUTPUT_DIR / name / "classifier.onnx", {**feeds, "y": y})
    logits = mixture.logits(x64, m, std)
    assert_within(np.abs(out["logits"] - logits), 2e-6 * (1 + np.abs(logits)))
    grad = out["grad"].reshape(len(x), -1)
    assert_within(np.abs(grad - mixture.class_grad(x64, y, m, std)), 2e-6 * scale)


@needs_node
def test_one_minus_exp_keeps_float32_precision_near_zero(tmp_path):
    """The graphs' substitute for -expm1, on the arguments 2 lmc(t) that VP and sub-VP produce."""
    g = mk.OnnxGraph()
    g.op("Identity", g.one_minus_exp("a"), output="out")
    vector = ["n"]
    model = mk.to_model(g, "one_minus_exp",
                        [helper.make_tensor_value_info("a", TensorProto.FLOAT, vector)],
                        [helper.make_tensor_value_info("out", TensorProto.FLOAT, vector)])
    onnx.save(model, tmp_path / "one_minus_exp.onnx")
    a = -np.logspace(-8, 1.5, 60).astype(np.float32)
    out = run_with_node(tmp_path / "one_minus_exp.onnx", {"a": a})["out"]
    np.testing.assert_allclose(out, -np.expm1(a.astype(np.float64)), rtol=5e-7)
