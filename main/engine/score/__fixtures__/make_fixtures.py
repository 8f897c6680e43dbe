"""Builds the tiny ONNX graphs the score-model loader tests run against.

Run from the repository root with `/usr/bin/python3 main/engine/score/__fixtures__/make_fixtures.py`;
the .onnx files are committed so the TypeScript tests need no Python. Every graph works on
[B, 1, 4, 4] images with a dynamic batch dimension, small enough that the files stay a few hundred
bytes and the expected outputs are easy to write down in the tests.
"""

from pathlib import Path

import onnx
from onnx import TensorProto, helper

OUT = Path(__file__).resolve().parent
IMAGE = ["B", 1, 4, 4]


def save(name, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(OUT / f"{name}.onnx"))


def image(name, shape=IMAGE):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def times(name="t"):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["B"])


def const(name, values, dims, dtype=TensorProto.FLOAT):
    return helper.make_tensor(name, dtype, dims, values)


# t as [B,1,1,1] so it broadcasts over the image.
T_COLUMN = [helper.make_node("Reshape", ["t", "t_shape"], ["t4"])]
T_SHAPE = const("t_shape", [-1, 1, 1, 1], [4], TensorProto.INT64)


def score_graph():
    """score = -x / (1 + t): the exact score of N(0, (1+t) I) data, handy to check by hand."""
    nodes = T_COLUMN + [
        helper.make_node("Add", ["t4", "one"], ["var"]),
        helper.make_node("Neg", ["x"], ["minus_x"]),
        helper.make_node("Div", ["minus_x", "var"], ["score"]),
    ]
    save("score", nodes, [image("x"), times()], [image("score")], [T_SHAPE, const("one", [1.0], [])])


def renamed_input_graph():
    """Like score.onnx but its image input is called `img`."""
    nodes = [helper.make_node("Neg", ["img"], ["score"]), helper.make_node("Identity", ["t"], ["t_out"])]
    save("bad-input-name", nodes, [image("img"), times()], [image("score"), times("t_out")])


def wrong_channels_graph():
    """Declares 3 channels where the fixtures' manifests say 1."""
    shape = ["B", 3, 4, 4]
    nodes = T_COLUMN + [helper.make_node("Mul", ["x", "t4"], ["score"])]
    save("bad-shape", nodes, [image("x", shape), times()], [image("score", shape)], [T_SHAPE])


def nan_graph():
    """0/0 everywhere: a model that loads but whose output is not finite."""
    nodes = [
        helper.make_node("Sub", ["x", "x"], ["zero"]),
        helper.make_node("Div", ["zero", "zero"], ["nan"]),
        helper.make_node("Reshape", ["t", "t_shape"], ["t4"]),
        helper.make_node("Add", ["nan", "t4"], ["score"]),
    ]
    save("nan", nodes, [image("x"), times()], [image("score")], [T_SHAPE])


def classifier_graph():
    """Two classes, logits = [s, -s] with s = sum(x); grad = d/dx log softmax(logits)[y] exactly.

    d/dx log softmax_y = (dlogit_y/ds - sum_k p_k dlogit_k/ds) * ds/dx with ds/dx = 1, and
    dlogit/ds = [1, -1], so grad = sign_y - (p0 - p1) with sign_y = 1 - 2y, broadcast over pixels.
    """
    nodes = [
        helper.make_node("ReduceSum", ["x", "axes"], ["s4"], keepdims=1),
        helper.make_node("Reshape", ["s4", "column"], ["s"]),  # [B,1]
        helper.make_node("Neg", ["s"], ["minus_s"]),
        helper.make_node("Concat", ["s", "minus_s"], ["logits"], axis=1),  # [B,2]
        helper.make_node("Softmax", ["logits"], ["p"], axis=1),
        helper.make_node("Mul", ["p", "signs"], ["signed_p"]),
        helper.make_node("ReduceSum", ["signed_p", "one_axis"], ["p_diff"], keepdims=1),  # [B,1]
        helper.make_node("Cast", ["y"], ["y_float"], to=TensorProto.FLOAT),
        helper.make_node("Reshape", ["y_float", "column"], ["y_col"]),  # [B,1]
        helper.make_node("Mul", ["y_col", "two"], ["two_y"]),
        helper.make_node("Sub", ["one", "two_y"], ["sign_y"]),
        helper.make_node("Sub", ["sign_y", "p_diff"], ["g"]),  # [B,1]
        helper.make_node("Reshape", ["g", "t_shape"], ["g4"]),
        helper.make_node("Sub", ["x", "x"], ["zeros"]),
        helper.make_node("Add", ["zeros", "g4"], ["grad_x"]),
        # t is an input of every classifier; a zero-weight use keeps it in the graph.
        helper.make_node("Reshape", ["t", "t_shape"], ["t4"]),
        helper.make_node("Mul", ["t4", "zero"], ["t_zero"]),
        helper.make_node("Add", ["grad_x", "t_zero"], ["grad"]),
    ]
    inits = [
        const("axes", [1, 2, 3], [3], TensorProto.INT64),
        const("one_axis", [1], [1], TensorProto.INT64),
        const("column", [-1, 1], [2], TensorProto.INT64),
        const("signs", [1.0, -1.0], [1, 2]),
        const("one", [1.0], []),
        const("two", [2.0], []),
        const("zero", [0.0], []),
        T_SHAPE,
    ]
    y = helper.make_tensor_value_info("y", TensorProto.INT64, ["B"])
    logits = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["B", 2])
    save("classifier", nodes, [image("x"), times(), y], [logits, image("grad")], inits)


if __name__ == "__main__":
    score_graph()
    renamed_input_graph()
    wrong_channels_graph()
    nan_graph()
    classifier_graph()
