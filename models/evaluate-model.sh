#!/usr/bin/env bash
# Measures a bundled model with the app's own engine (the Node CLI) and writes the figures into
# its model.json `metrics` through training.evaluate:
#   Frechet distance of unconditional samples (fast sampler), class accuracy of class-conditional
#   samples (when the model has a classifier), mean-of-samples inpainting PSNR against harmonic
#   fill on held-out images with box and stroke masks, bits/dim and encode-decode error.
# Usage: bash models/evaluate-model.sh MODEL_ID
# Sizes (environment): SAMPLES (1000), PER_CLASS (100), GUIDANCES ('1 3'), INPAINT_IMAGES (50),
# INPAINT_N (4), INPAINT_SAMPLER (pc), INPAINT_STEPS (200), ODE_IMAGES (32), THREADS (0 = all).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: evaluate-model.sh MODEL_ID}
dir=models/$model
work=.runs/eval/$model
mkdir -p "$work"
SAMPLES=${SAMPLES:-1000} PER_CLASS=${PER_CLASS:-100} GUIDANCES=${GUIDANCES:-1 3}
INPAINT_IMAGES=${INPAINT_IMAGES:-50} INPAINT_N=${INPAINT_N:-4}
INPAINT_SAMPLER=${INPAINT_SAMPLER:-pc} INPAINT_STEPS=${INPAINT_STEPS:-200} THREADS=${THREADS:-0}
ODE_IMAGES=${ODE_IMAGES:-32}
evaluate() { (cd models && /usr/bin/python3 -m training.evaluate --model-dir "$model" "$@"); }
cli() { npx tsx main/cli/index.ts "$@" --threads "$THREADS"; }

evaluate --baselines --write-inpaint-task "../$work" >/dev/null

labels=$(node -e "const m=require('./$dir/model.json'); console.log((m.classifier?.labels ?? []).length)")
if [ "$labels" -gt 0 ]; then
  for g in $GUIDANCES; do
    for ((k = 0; k < labels; k++)); do
      cli sample --model "$model" --class "$k" --guidance "$g" --n "$PER_CLASS" --seed "$k" \
        --out "$work/class-$k.npy" --json
    done
    /usr/bin/python3 - "$work" "$labels" "$PER_CLASS" <<'PY'
import sys, numpy as np
work, k, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
np.save(f"{work}/cond.npy", np.concatenate([np.load(f"{work}/class-{i}.npy") for i in range(k)]))
np.save(f"{work}/cond-labels.npy", np.repeat(np.arange(k, dtype=np.int64), n))
PY
    evaluate --samples "../$work/cond.npy" --labels "../$work/cond-labels.npy" >/dev/null
    # One entry per guidance scale, with that run's FD; the unconditional run below owns `fd`.
    /usr/bin/python3 - "$dir/model.json" "$g" <<'PY'
import json, sys
path, g = sys.argv[1], sys.argv[2]
m = json.load(open(path))
met = m["metrics"]
acc = met.pop("class_accuracy")
met.setdefault("class_conditional", {})[f"guidance_{g}"] = {
    **acc, "guidance": float(g), "sampler": "dpm++3m, 20 steps", "fd_test": met["fd"]["fd_test"]}
json.dump(m, open(path, "w"), indent=2)
open(path, "a").write("\n")
PY
  done
fi

cli sample --model "$model" --n "$SAMPLES" --seed 0 --out "$work/uncond.npy" --json
evaluate --samples "../$work/uncond.npy" >/dev/null

for kind in box stroke; do
  npx tsx main/bench/index.ts inpaint-mean --model "$model" --images "$work/images_$kind.npy" \
    --masks "$work/masks_$kind.npy" --count "$INPAINT_IMAGES" --n "$INPAINT_N" \
    --sampler "$INPAINT_SAMPLER" --steps "$INPAINT_STEPS" --threads "$THREADS" --out "$work/inpaint-$kind.npy"
  evaluate --inpainted "../$work/inpaint-$kind.npy" --mask-kind "$kind" \
    --sampler-note "$INPAINT_SAMPLER, $INPAINT_STEPS steps, mean of $INPAINT_N" >/dev/null
done
# Bits/dim and encode-decode error on the first ODE_IMAGES test images, through the same CLI.
/usr/bin/python3 - "$model" "$work" "$ODE_IMAGES" <<'PY'
import json, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, "models")
from training.data import load_split, to_model_range
model, work, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
from training.configs import get_config
dataset = get_config(json.load(open(f"models/{model}/model.json"))["training"]["config"]).dataset
u8 = load_split(dataset, "test")[0][:n]
np.save(work / "test.npy", to_model_range(u8))
# Uniform dequantization as in score_sde: level k becomes (k + U[0,1)) / 256, then [-1, 1].
u = (u8.astype(np.float64) + np.random.default_rng(0).random(u8.shape)) / 256
np.save(work / "test-dequantized.npy", (2 * u - 1).transpose(0, 3, 1, 2).astype(np.float32))
PY
cli likelihood --model "$model" --image "$work/test-dequantized.npy" --json > "$work/likelihood.json"
cli encode --model "$model" --image "$work/test.npy" --out "$work/z.npy" --json > "$work/encode.json"
cli decode --model "$model" --latent "$work/z.npy" --out "$work/decoded.npy" --json > "$work/decode.json"
/usr/bin/python3 - "$dir/model.json" "$work" <<'PY'
import json, sys
import numpy as np
path, work = sys.argv[1], sys.argv[2]
lik = json.load(open(f"{work}/likelihood.json"))
enc, dec = json.load(open(f"{work}/encode.json")), json.load(open(f"{work}/decode.json"))
err = np.abs(np.load(f"{work}/decoded.npy").astype(np.float64) - np.load(f"{work}/test.npy"))
m = json.load(open(path))
m["metrics"]["bits_per_dim"] = {
    "images": len(lik["bpdPerImage"]), "bpd": lik["bpd"], "probes": 1, "dequantized": "uniform, score_sde",
    "nfe": lik["nfe"]}
m["metrics"]["encode_decode"] = {
    "images": int(err.shape[0]), "max_abs_error": float(err.max()), "mean_abs_error": float(err.mean()),
    "rtol": 1e-5, "atol": 1e-5, "nfe_encode": enc["nfe"], "nfe_decode": dec["nfe"]}
json.dump(m, open(path, "w"), indent=2)
open(path, "a").write("\n")
PY
echo "metrics written to $dir/model.json"
