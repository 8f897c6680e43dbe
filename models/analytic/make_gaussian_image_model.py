"""Build a tiny RGB model folder whose "network" is the exact score of one isotropic Gaussian, so
that the image tasks (inpaint, colorize, encode/decode, likelihood) run end to end in seconds.

Run from the repository root:
    cd models && /usr/bin/python3 -m analytic.make_gaussian_image_model
Output: main/engine/__fixtures__/gaussian-rgb8/{model.json,score.onnx,mean.npy}.

Data p_0 = N(mu, s0^2 I) over [3, 8, 8], with mu a smooth colour pattern (red to blue left to
right, darker to brighter top to bottom) so that colorization has a colour to find. It is the
one-component case of analytic.mixture, so the score graph is make_mixture_models' own, and p_t,
log p_t and the conditionals of inpainting and colorization are closed forms for the tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx

from analytic.make_mixture_models import VP, score_model, to_json
from analytic.mixture import GaussianMixture

OUTPUT_DIR = Path(__file__).resolve().parents[2] / "main/engine/__fixtures__/gaussian-rgb8"
SHAPE = (3, 8, 8)
STD = 0.1


def mean_image() -> np.ndarray:
    """[3, 8, 8] in [-1, 1]: every channel differs, and no two pixels have the same colour."""
    _, height, width = SHAPE
    u = np.linspace(0, 1, width)[None, :]
    v = np.linspace(0, 1, height)[:, None]
    red = 0.8 - 1.2 * u + 0.2 * v
    green = np.broadcast_to(-0.4 + 0.8 * v, (height, width))
    blue = -0.6 + 1.2 * u + 0.2 * v
    return np.stack([red, green, blue]).astype(np.float32)


def manifest() -> dict:
    channels, height, width = SHAPE
    return {
        "format": 1,
        "id": "gaussian-rgb8",
        "name": "Exact vp score of an 8x8 RGB Gaussian",
        "image": {"channels": channels, "height": height, "width": width, "range": [-1, 1]},
        "sde": VP,
        "score": {"file": "score.onnx", "predicts": "score"},
        "license": "MIT",
        "data": "analytic Gaussian N(mean.npy, std^2 I) (see the gaussian key)",
        "training": {
            "method": "none: closed-form score, models/analytic/make_gaussian_image_model.py"
        },
        "metrics": {},
        "gaussian": {"mean": "mean.npy", "std": STD},
    }


def write_folder(out_dir: Path = OUTPUT_DIR) -> Path:
    mean = mean_image()
    mixture = GaussianMixture.from_lists(weights=[1.0], means=[mean.ravel()], stds=[STD])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.json").write_text(to_json(manifest()) + "\n")
    onnx.save(score_model(VP, mixture, SHAPE), out_dir / "score.onnx")
    np.save(out_dir / "mean.npy", mean)
    return out_dir


def main() -> None:
    folder = write_folder()
    sizes = {p.name: p.stat().st_size for p in sorted(folder.iterdir())}
    print(f"wrote {folder} {sizes}")


if __name__ == "__main__":
    main()
