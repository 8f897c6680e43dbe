#!/usr/bin/env bash
# Measures a bundled model with the app's own engine (the Node CLI) and writes the figures into
# its model.json `metrics` through training.evaluate:
#   Frechet distance of unconditional samples (fast sampler), class accuracy of class-conditional
#   samples (when the model has a classifier), mean-of-samples inpainting PSNR against harmonic
#   fill on held-out images with box and stroke masks.
# Usage: bash models/evaluate-model.sh MODEL_ID
# Sizes (environment): SAMPLES (1000), PER_CLASS (100), GUIDANCES ('1 3'), INPAINT_IMAGES (50),
# INPAINT_N (4), INPAINT_SAMPLER (pc), INPAINT_STEPS (200), THREADS (0 = all).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: evaluate-model.sh MODEL_ID}
dir=models/$model
work=.runs/eval/$model
mkdir -p "$work"
SAMPLES=${SAMPLES:-1000} PER_CLASS=${PER_CLASS:-100} GUIDANCES=${GUIDANCES:-1 3}
INPAINT_IMAGES=${INPAINT_IMAGES:-50} INPAINT_N=${INPAINT_N:-4}
INPAINT_SAMPLER=${INPAINT_SAMPLER:-pc} INPAINT_STEPS=${INPAINT_STEPS:-200} THREADS=${THREADS:-0}
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
echo "metrics written to $dir/model.json"
