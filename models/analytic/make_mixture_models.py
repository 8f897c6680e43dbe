"""Build model folders whose "network" is the exact score of a Gaussian mixture, for engine tests.

Run from the repository root:
    cd models && /usr/bin/python3 -m analytic.make_mixture_models
Output: main/engine/__fixtures__/mixtures/<name>/{model.json,score.onnx,classifier.onnx}.

The graphs (ONNX opset 17, dynamic batch) compute the SDE's marginal m(t), std(t) from the input t
and evaluate the closed forms of analytic.mixture in float32:
  logits_k = log w_k - D/2 log(2 pi v_k) - |x - m mu_k|^2 / (2 v_k),  v_k = m^2 s_k^2 + std^2
  score    = sum_k softmax(logits)_k * (-(x - m mu_k) / v_k)
  grad     = sum_k softmax(logits)_k * (score_y - score_k),  score_k = -(x - m mu_k) / v_k
The softmax subtracts the row maximum before exponentiating. VP's std^2 = 1 - exp(2 lmc) and
sub-VP's std = 1 - exp(2 lmc) lose all precision near t = 0 when computed that way in float32
(lmc ~ -5e-5 at t = eps). ONNX has no expm1, so the graph uses the exact identity
1 - exp(a) = -2 sinh(a/2) exp(a/2), whose factors are accurate in float32 for any a <= 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from analytic.mixture import GaussianMixture

OUTPUT_DIR = Path(__file__).resolve().parents[2] / "main/engine/__fixtures__/mixtures"
OPSET = 17

VE = {"type": "ve", "sigma_min": 0.01, "sigma_max": 3, "N": 1000, "eps": 1e-5}
VP = {"type": "vp", "beta_min": 0.1, "beta_max": 20, "N": 1000, "eps": 1e-3}
SUBVP = {**VP, "type": "subvp"}

MIXTURE_2D = GaussianMixture.from_lists(
    weights=[0.5, 0.3, 0.2],
    means=[[-0.5, -0.5], [0.5, 0.5], [0.5, -0.5]],
    stds=[0.08, 0.05, 0.1],
)
_CHECKER = [0.4 if (row + col) % 2 == 0 else -0.4 for row in range(4) for col in range(4)]
MIXTURE_16D = GaussianMixture.from_lists(
    weights=[0.6, 0.4],
    means=[[0.4] * 16, _CHECKER],
    stds=[0.15, 0.1],
)

# name -> (SDE parameters, mixture, class labels, image shape [C, H, W])
FOLDERS = {
    "ve": (VE, MIXTURE_2D, ["a", "b", "c"], (1, 1, 2)),
    "vp": (VP, MIXTURE_2D, ["a", "b", "c"], (1, 1, 2)),
    "subvp": (SUBVP, MIXTURE_2D, ["a", "b", "c"], (1, 1, 2)),
    "vp-d16": (VP, MIXTURE_16D, ["a", "b"], (1, 4, 4)),
}


class OnnxGraph:
    """Tiny builder over onnx.helper: every op returns the name of its single output."""

    def __init__(self):
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def _name(self, stem: str) -> str:
        return f"{stem}_{len(self.nodes) + len(self.initializers)}"

    def const(self, value, dtype=np.float32) -> str:
        name = self._name("c")
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, output: str | None = None, **attrs) -> str:
        output = output or self._name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], **attrs))
        return output

    def unsqueeze(self, a: str, axis: int) -> str:
        return self.op("Unsqueeze", a, self.const([axis], np.int64))

    def reduce_sum(self, a: str, axis: int, keepdims: int) -> str:
        return self.op("ReduceSum", a, self.const([axis], np.int64), keepdims=keepdims)

    def one_minus_exp(self, a: str) -> str:
        """1 - exp(a) for a <= 0 without cancellation: -2 sinh(a/2) exp(a/2)."""
        half = self.op("Mul", a, self.const(0.5))
        sinh_exp = self.op("Mul", self.op("Sinh", half), self.op("Exp", half))
        return self.op("Mul", sinh_exp, self.const(-2.0))

    def marginal(self, sde: dict, t: str) -> tuple[str, str]:
        """(m, std^2) of the SDE's perturbation kernel at t, each [B, 1]."""
        t1 = self.unsqueeze(t, 1)
        if sde["type"] == "ve":
            log_ratio = math.log(sde["sigma_max"] / sde["sigma_min"])
            std = self.op("Mul", self.op("Exp", self.op("Mul", t1, self.const(log_ratio))),
                          self.const(sde["sigma_min"]))
            return self.const([[1.0]]), self.op("Mul", std, std)
        b0, b1 = sde["beta_min"], sde["beta_max"]
        # lmc = -t^2 (b1 - b0) / 4 - t b0 / 2, written as t (t c2 + c1)
        inner = self.op("Add", self.op("Mul", t1, self.const(-(b1 - b0) / 4)), self.const(-b0 / 2))
        lmc = self.op("Mul", t1, inner)
        mean = self.op("Exp", lmc)
        one_minus = self.one_minus_exp(self.op("Mul", lmc, self.const(2.0)))
        if sde["type"] == "vp":
            return mean, one_minus
        if sde["type"] == "subvp":
            return mean, self.op("Mul", one_minus, one_minus)
        raise ValueError(f"unknown SDE type {sde['type']!r}")


def _mixture_terms(g: OnnxGraph, sde: dict, mixture: GaussianMixture) -> tuple[str, str, str]:
    """Graph nodes for logits [B, K], posterior [B, K] and component scores [B, K, D]."""
    m, std2 = g.marginal(sde, "t")
    flat = g.op("Reshape", "x", g.const([-1, mixture.dim], np.int64))
    centers = g.op("Mul", g.unsqueeze(m, 2), g.const(mixture.means[None]))
    diff = g.op("Sub", g.unsqueeze(flat, 1), centers)
    var = g.op("Add", g.op("Mul", g.op("Mul", m, m), g.const(mixture.stds[None] ** 2)), std2)
    sq = g.reduce_sum(g.op("Mul", diff, diff), axis=2, keepdims=0)
    log_norm = g.const(np.log(mixture.weights)[None] - 0.5 * mixture.dim * math.log(2 * math.pi))
    log_det = g.op("Mul", g.op("Log", var), g.const(0.5 * mixture.dim))
    quad = g.op("Div", sq, g.op("Mul", var, g.const(2.0)))
    logits = g.op("Sub", g.op("Sub", log_norm, log_det), quad)
    shifted = g.op("Sub", logits, g.op("ReduceMax", logits, axes=[1], keepdims=1))
    unnorm = g.op("Exp", shifted)
    posterior = g.op("Div", unnorm, g.reduce_sum(unnorm, axis=1, keepdims=1))
    component_scores = g.op("Div", g.op("Neg", diff), g.unsqueeze(var, 2))
    return logits, posterior, component_scores


def _weighted_scores(g: OnnxGraph, weights: str, component_scores: str, output: str) -> str:
    """sum_k weights_k * component_scores_k, reshaped like x."""
    weighted = g.op("Mul", g.unsqueeze(weights, 2), component_scores)
    summed = g.reduce_sum(weighted, axis=1, keepdims=0)
    return g.op("Reshape", summed, g.op("Shape", "x"), output=output)


def _time_input() -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info("t", TensorProto.FLOAT, ["B"])


def _image_input(name: str, shape: tuple[int, int, int]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["B", *shape])


def to_model(g: OnnxGraph, name: str, inputs, outputs) -> onnx.ModelProto:
    graph = helper.make_graph(g.nodes, name, inputs, outputs, initializer=g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="models/analytic/make_mixture_models.py")
    onnx.checker.check_model(model, full_check=True)
    return model


def score_model(sde: dict, mixture: GaussianMixture, shape) -> onnx.ModelProto:
    g = OnnxGraph()
    _, posterior, component_scores = _mixture_terms(g, sde, mixture)
    _weighted_scores(g, posterior, component_scores, output="score")
    inputs = [_image_input("x", shape), _time_input()]
    return to_model(g, "mixture_score", inputs, [_image_input("score", shape)])


def classifier_model(sde: dict, mixture: GaussianMixture, shape) -> onnx.ModelProto:
    g = OnnxGraph()
    logits, posterior, component_scores = _mixture_terms(g, sde, mixture)
    g.op("Identity", logits, output="logits")
    classes = g.const(np.arange(len(mixture.weights))[None], np.int64)
    onehot = g.op("Cast", g.op("Equal", g.unsqueeze("y", 1), classes), to=TensorProto.FLOAT)
    selected = g.op("Mul", g.unsqueeze(onehot, 2), component_scores)
    own_score = g.reduce_sum(selected, axis=1, keepdims=1)
    # sum_k post_k (score_y - score_k) rather than score_y - score: where post_y ~ 1 the latter is a
    # difference of two nearly equal float32 numbers
    gaps = g.op("Sub", own_score, component_scores)
    _weighted_scores(g, posterior, gaps, output="grad")
    inputs = [
        _image_input("x", shape),
        _time_input(),
        helper.make_tensor_value_info("y", TensorProto.INT64, ["B"]),
    ]
    outputs = [
        helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["B", len(mixture.weights)]),
        _image_input("grad", shape),
    ]
    return to_model(g, "mixture_classifier", inputs, outputs)


def manifest(name: str, sde: dict, mixture: GaussianMixture, labels: list[str], shape) -> dict:
    channels, height, width = shape
    return {
        "format": 1,
        "id": name,
        "name": f"Exact {sde['type']} score of a {mixture.dim}-D Gaussian mixture",
        "image": {"channels": channels, "height": height, "width": width, "range": [-1, 1]},
        "sde": sde,
        "score": {"file": "score.onnx", "predicts": "score"},
        "classifier": {"file": "classifier.onnx", "labels": labels},
        "license": "MIT",
        "data": "analytic Gaussian mixture (see the mixture key)",
        "training": {"method": "none: closed-form score, models/analytic/make_mixture_models.py"},
        "metrics": {},
        "mixture": mixture.to_json(),
    }


def to_json(value, indent: str = "") -> str:
    """JSON laid out as prettier lays it out (the manifests are prettier-checked): objects one key
    per line, arrays of numbers on one line, arrays of arrays a row per line, numbers normalized."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and len(value) > 1 and all(isinstance(v, list) for v in value):
        return "[\n" + ",\n".join(inner + to_json(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v, indent) for v in value) + "]"
    if isinstance(value, float):
        mantissa, _, exponent = repr(value).partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return mantissa + (f"e{int(exponent)}" if exponent else "")
    return json.dumps(value, allow_nan=False)


def write_folder(name: str, out_dir: Path = OUTPUT_DIR) -> Path:
    sde, mixture, labels, shape = FOLDERS[name]
    folder = out_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.json").write_text(to_json(manifest(name, sde, mixture, labels, shape)) + "\n")
    onnx.save(score_model(sde, mixture, shape), folder / "score.onnx")
    onnx.save(classifier_model(sde, mixture, shape), folder / "classifier.onnx")
    return folder


def main() -> None:
    for name in FOLDERS:
        folder = write_folder(name)
        sizes = {p.name: p.stat().st_size for p in sorted(folder.iterdir())}
        print(f"wrote {folder} {sizes}")


if __name__ == "__main__":
    main()
