#!/usr/bin/env bash
# Draws a bundled model's figures with the app's own engine (the Node CLI) into its folder:
#   samples.png        64 unconditional samples (the model's Fast sampler: fastSampler, else dpm++3m)
#   interpolation.png  a probability-flow walk between two seeds (10 frames)
#   interpolation-images.png  the same walk between two encoded test images (IMAGES=a,b)
#   classes.png        one row of 10 samples per class, at the recommended guidance (models with a classifier)
# Usage: bash models/make-figures.sh MODEL_ID   (THREADS, SCALE, IMAGES from the environment)
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:?usage: make-figures.sh MODEL_ID}
dir=models/$model
work=.runs/figures/$model
THREADS=${THREADS:-0} SCALE=${SCALE:-2}
mkdir -p "$work"
cli() { npx tsx main/cli/index.ts "$@" --model "$model" --threads "$THREADS"; }
# Samples are drawn as the editor's Fast preset draws them: the manifest's fastSampler, if any.
read -r -a fast <<<"$(node -e "const f = require('./$dir/model.json').fastSampler;
  console.log(f ? '--sampler ' + f.sampler + (f.steps ? ' --steps ' + f.steps : '') : '')")"

cli sample --n 64 --seed 0 "${fast[@]}" --out "$dir/samples.png" --json
cli interpolate --seeds 1,2 --frames 10 --scale "$SCALE" --out "$dir/interpolation.png" --json
if [ -n "${IMAGES:-}" ]; then
  cli interpolate --images "$IMAGES" --frames 10 --scale "$SCALE" --out "$dir/interpolation-images.png" --json
fi
labels=$(node -e "const m=require('./$dir/model.json'); console.log((m.classifier?.labels ?? []).length)")
if [ "$labels" -gt 0 ]; then
  rows=()
  for ((k = 0; k < labels; k++)); do
    cli sample --class "$k" --n 10 --seed "$k" "${fast[@]}" --out "$work/class-$k.npy" --json
    rows+=("../$work/class-$k.npy")
  done
  (cd models && /usr/bin/python3 -m training.figures rows --scale "$SCALE" --out "$model/classes.png" "${rows[@]}")
fi
echo "figures written to $dir"
