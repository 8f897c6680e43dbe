"""The README's table of bundled models, made from their `model.json` files.

    cd models && /usr/bin/python3 -m training.model_table                  # print the table
    cd models && /usr/bin/python3 -m training.model_table --write-readme   # rewrite README's block

The figures live in each manifest's `metrics` (written by `evaluate-model.sh`); the README shows
them as one generated block between two marker comments, and a test fails when that block and
the manifests on disk disagree, so the README cannot drift from the measurements.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent.parent
README = MODELS_DIR.parent / "README.md"
BEGIN = "<!-- models:begin (generated from models/*/model.json by training.model_table) -->"
END = "<!-- models:end -->"
MISSING = "—"

HEADER = ("model", "data", "SDE", "image", "parameters", "training steps",
          "FD test (real vs real)", "class accuracy at best guidance",
          "inpainting dB, box / strokes: posterior mean (mean of samples) vs harmonic",
          "colorization dB: posterior mean (mean of samples) vs gray", "bits/dim",
          "dpm++3m NFE, mean abs diff from RK45 (its NFE)")
SDE_NAMES = {"vp": "VP", "ve": "VE", "subvp": "sub-VP"}
CHANNEL_NAMES = {1: "gray", 3: "RGB"}


def bundled_manifests(models_dir: Path = MODELS_DIR) -> list[dict]:
    """Every `models/<folder>/model.json`, by folder name; hidden folders (.runs, .cache) skipped.

    The same rule as the engine's model listing and the packaging filter: a folder is a model
    exactly when it holds a model.json.
    """
    folders = sorted(d for d in models_dir.iterdir()
                     if d.is_dir() and not d.name.startswith(".") and (d / "model.json").is_file())
    return [json.loads((d / "model.json").read_text()) for d in folders]


def _get(tree: dict, *keys):
    """tree[k0][k1]...; None where any level is missing, so absent figures print as a dash."""
    for key in keys:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _num(value, fmt: str) -> str:
    return MISSING if value is None else format(value, fmt)


def _data(m: dict) -> str:
    # The manifest's `data` is a full citation; the table keeps the dataset's name.
    name = m["data"].split(" (")[0].split(",")[0].strip()
    labels = _get(m, "classifier", "labels")
    return f"{name}, {len(labels)} classes" if labels else name


def _image(m: dict) -> str:
    img = m["image"]
    channels = CHANNEL_NAMES.get(img["channels"], f"{img['channels']} channels")
    return f"{img['height']}x{img['width']} {channels}"


def _parameters(m: dict) -> str:
    score = _get(m, "training", "parameters")
    classifier = _get(m, "metrics", "classifier", "parameters")
    text = MISSING if score is None else f"{score / 1e6:.2g}M"
    return text if classifier is None else f"{text} + {classifier / 1e6:.2g}M classifier"


def _fd(metrics: dict) -> str:
    fd, real = _get(metrics, "fd", "fd_test"), _get(metrics, "fd", "fd_train_vs_test")
    if fd is None:
        return MISSING
    return f"{fd:.2f}" if real is None else f"{fd:.2f} ({real:.2f})"


def _class_accuracy(metrics: dict) -> str:
    runs = [r for r in (_get(metrics, "class_conditional") or {}).values() if "accuracy" in r]
    if not runs:
        return MISSING
    best = max(runs, key=lambda r: r["accuracy"])
    return f"{100 * best['accuracy']:.1f}% at {best['guidance']:g}"


def _task_note(m: dict, task: str) -> str:
    """The Fast preset's corrections for the task, where the model's tuning chose other than the
    paper's one corrector step (the figures beside it were measured with them), and whether the
    editor leaves the model off the task (its figures do not clearly beat the baseline's)."""
    steps = _get(m, "fastCorrector", task, "steps")
    posterior = _get(m, "fastCorrector", task, "posteriorSteps")
    notes = ([f"{steps} corrector steps"] if steps and steps > 1 else []) + \
        ([f"posterior correction, {posterior} CG step{'s' if posterior > 1 else ''}"] if posterior else []) + \
        (["not offered"] if _get(m, "notRecommendedFor", task) else [])
    return f" ({', '.join(notes)})" if notes else ""


def _task(entries: list, baseline_key: str) -> str:
    """Task PSNRs (one per entry, " / " between) against the baseline's: the posterior mean's, which
    decide whether the editor offers the model, with the mean of samples they were estimated from in
    brackets; the mean of samples alone for an entry measured without the posterior mean."""
    mean = [_get(e, "model_psnr") for e in entries]
    if all(v is None for v in mean):
        return MISSING
    def joined(values) -> str:
        return " / ".join(_num(v, ".1f") for v in values)
    posterior = [_get(e, "posterior_mean", "psnr") for e in entries]
    model = joined(mean) if all(v is None for v in posterior) else f"{joined(posterior)} ({joined(mean)})"
    return f"{model} vs {joined(_get(e, baseline_key) for e in entries)}"


def _inpaint(metrics: dict) -> str:
    return _task([_get(metrics, "inpaint", k) for k in ("box", "stroke")], "harmonic_psnr_same_images")


def _colorize(metrics: dict) -> str:
    return _task([_get(metrics, "colorize")], "gray_psnr_same_images")


def _samplers(metrics: dict) -> str:
    # The default fast solver's cost, and how far its images are from the accurate (adaptive RK45)
    # solution of the same probability-flow ODE from the same noise: the accuracy it buys.
    runs = _get(metrics, "samplers") or {}
    fast, ode = runs.get("dpm++3m", {}), runs.get("ode", {})
    if "nfe" not in fast:
        return MISSING
    diff = fast.get("mean_abs_diff_vs_ode")
    accuracy = "" if diff is None else f", {diff:.3f} ({ode.get('nfe', MISSING)})"
    return f"{fast['nfe']}{accuracy}"


def _with(cell: str, note: str) -> str:
    return cell if cell == MISSING else cell + note


def row(m: dict) -> list[str]:
    metrics = m.get("metrics") or {}
    return [f"`{m['id']}`", _data(m), SDE_NAMES.get(m["sde"]["type"], m["sde"]["type"]), _image(m),
            _parameters(m), _num(_get(m, "training", "steps"), ","), _fd(metrics),
            _class_accuracy(metrics), _with(_inpaint(metrics), _task_note(m, "inpaint")),
            _with(_colorize(metrics), _task_note(m, "colorize")),
            _num(_get(metrics, "bits_per_dim", "bpd"), ".2f"), _samplers(metrics)]


def table(manifests: list[dict]) -> str:
    def line(cells) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    return "\n".join([line(HEADER), "|" + "---|" * len(HEADER)] + [line(row(m)) for m in manifests])


def with_block(readme: str, table_text: str) -> str:
    """`readme` with the text between the markers replaced by `table_text`."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {BEGIN} ... {END} block")
    return readme[:start] + f"{BEGIN}\n{table_text}\n" + readme[end:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-readme", action="store_true", help=f"rewrite the block in {README}")
    args = ap.parse_args(argv)
    text = table(bundled_manifests())
    if args.write_readme:
        README.write_text(with_block(README.read_text(), text))
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
