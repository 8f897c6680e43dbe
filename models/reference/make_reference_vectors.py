"""Write the SDE / predictor / corrector reference vectors that the TypeScript engine's tests load.

Run from the repository root:
    cd models && /usr/bin/python3 -m reference.make_reference_vectors
Output: main/engine/__fixtures__/sde-reference.json (deterministic: same code, same bytes).

The score in every step is the exact score of Gaussian data N(mu, s0^2) per pixel (see SCORE), so
both sides compute it without a network.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from reference import sde_reference as ref

OUTPUT = Path(__file__).resolve().parents[2] / "main/engine/__fixtures__/sde-reference.json"

SCORE = {"mu": 0.3, "s0": 0.5}
SHAPE = [2, 1, 1, 3]
SNR = 0.16
N_CORRECTOR_STEPS = 1
SEED = 20210112
MARGINAL_TIMES = [1e-5, 1e-3, 0.1, 0.5, 0.9, 1.0]

_VE = {"type": "ve", "sigma_min": 0.01, "sigma_max": 50, "N": 1000, "eps": 1e-5}
_VP = {"type": "vp", "beta_min": 0.1, "beta_max": 20, "N": 1000, "eps": 1e-3}
_SUBVP = {**_VP, "type": "subvp"}
# With N = 10 the DDPM betas b1/N must stay below 1 (sqrt(1 - beta_i), alpha_i = 1 - beta_i), hence
# beta_max = 5 for the coarse VP and sub-VP cases.
_COARSE = {"N": 10, "beta_max": 5}
SDE_CASES = [
    ("ve", _VE),
    ("vp", _VP),
    ("subvp", _SUBVP),
    ("ve-n10", {**_VE, "N": 10}),
    ("vp-n10", {**_VP, **_COARSE}),
    ("subvp-n10", {**_SUBVP, **_COARSE}),
]

PREDICTOR_MODES = [
    ("reverse_diffusion", False),
    ("reverse_diffusion", True),
    ("euler_maruyama", False),
    ("euler_maruyama", True),
    ("ancestral", False),
]


def step_times(sde: ref.Sde) -> list[float]:
    """t = 1, t = eps and two times halfway between discretization boundaries, so that float32
    rounding of t on the engine side cannot move the index floor(t (N - 1) / T)."""
    mids = [(np.floor(frac * (sde.N - 1)) + 0.5) / (sde.N - 1) for frac in (0.7, 0.25)]
    return [1.0, *(float(t) for t in mids), sde.eps]


def _float32_exact(a: np.ndarray) -> np.ndarray:
    """Round inputs to multiples of 2^-8: exact in a Float32Array (so the engine starts from the
    same numbers as the reference) and short in JSON."""
    return np.round(a * 256) / 256


def _numbers(a) -> list[float]:
    return [float(v) for v in np.ravel(a)]


def _perturbed_sample(sde: ref.Sde, t: float, rng: np.random.Generator) -> np.ndarray:
    """x drawn from the perturbed Gaussian at t, so that scores have realistic magnitudes."""
    m, std = sde.marginal(t)
    var = m**2 * SCORE["s0"] ** 2 + std**2
    return _float32_exact(m * SCORE["mu"] + np.sqrt(var) * rng.standard_normal(SHAPE))


def _standard_normal(rng: np.random.Generator, shape: list[int]) -> np.ndarray:
    return _float32_exact(rng.standard_normal(shape))


def _step_cases(sde: ref.Sde, rng: np.random.Generator) -> list[dict]:
    score_fn = ref.gaussian_score(sde, SCORE["mu"], SCORE["s0"])
    cases = []
    for t in step_times(sde):
        for name, probability_flow in PREDICTOR_MODES:
            if name == "ancestral" and sde.type == "subvp":
                continue
            x, noise = _perturbed_sample(sde, t, rng), _standard_normal(rng, SHAPE)
            out_x, out_mean = ref.PREDICTORS[name](sde, score_fn, x, t, noise, probability_flow)
            cases.append(
                {"kind": "predictor", "name": name, "probability_flow": probability_flow, "t": t,
                 "shape": SHAPE, "x": _numbers(x), "noise": _numbers(noise),
                 "out_x": _numbers(out_x), "out_x_mean": _numbers(out_mean)}
            )
        for name, corrector in ref.CORRECTORS.items():
            x = _perturbed_sample(sde, t, rng)
            noises = _standard_normal(rng, [N_CORRECTOR_STEPS, *SHAPE])
            out_x, out_mean = corrector(sde, score_fn, x, t, noises, SNR)
            cases.append(
                {"kind": "corrector", "name": name, "snr": SNR, "n_steps": N_CORRECTOR_STEPS,
                 "t": t, "shape": SHAPE, "x": _numbers(x), "noise": _numbers(noises),
                 "out_x": _numbers(out_x), "out_x_mean": _numbers(out_mean)}
            )
    return cases


def sde_vectors(name: str, params: dict, rng: np.random.Generator) -> dict:
    sde = ref.sde_from_params(params)
    times = step_times(sde)
    sde_rows, discretize_rows = [], []
    for t in times:
        x = 2.0 * _standard_normal(rng, SHAPE)
        drift, g = sde.sde(x, t)
        sde_rows.append({"t": t, "x": _numbers(x), "drift": _numbers(drift), "diffusion": g})
        f, G = sde.discretize(x, t)
        discretize_rows.append({"t": t, "x": _numbers(x), "f": _numbers(f), "G": G})
    z = _float32_exact(sde.prior_std * rng.standard_normal(SHAPE))
    marginals = [dict(zip(("t", "mean", "std"), (t, *sde.marginal(t)))) for t in MARGINAL_TIMES]
    return {
        "name": name,
        "params": params,
        "marginal": marginals,
        "sde": sde_rows,
        "discretize": discretize_rows,
        "prior_logp": [{"shape": SHAPE, "z": _numbers(z), "logp": _numbers(sde.prior_logp(z))}],
        "langevin_alpha": [{"t": t, "alpha": sde.langevin_alpha(t)} for t in times],
        "steps": _step_cases(sde, rng),
    }


def build() -> dict:
    rng = np.random.default_rng(SEED)
    return {"score": SCORE, "sdes": [sde_vectors(name, p, rng) for name, p in SDE_CASES]}


def to_json(value, indent: str = "") -> str:
    """JSON with one line per leaf record (a value with no object inside it): readable diffs at
    close to the size of compact JSON."""
    if not _holds_records(value):
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    inner = indent + " "
    if isinstance(value, dict):
        lines = [f"{inner}{json.dumps(k)}: {to_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(lines) + "\n" + indent + "}"
    lines = [inner + to_json(v, inner) for v in value]
    return "[\n" + ",\n".join(lines) + "\n" + indent + "]"


def _holds_records(value) -> bool:
    if not isinstance(value, (dict, list)):
        return False
    children = value.values() if isinstance(value, dict) else value
    return any(isinstance(c, dict) or (isinstance(c, list) and _holds_records(c)) for c in children)


def main() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(to_json(build()) + "\n")
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
