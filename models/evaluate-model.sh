#!/usr/bin/env bash
# Measures a model with the app's own engine (the Node CLI and benches) and writes the figures into
# its model.json `metrics` through training.evaluate, which holds the scoring (see its docstring):
#   fd                  Frechet distance of SAMPLES unconditional samples (dpm++3m, 20 steps) in the
#                       features of the clean classifier eval_classifier.pt, real-vs-real beside it
#   class_conditional   class accuracy and FD of PER_CLASS samples per class, per guidance scale
#                       (models with a classifier)
#   samplers.<name>     FD, NFE, seconds and settings of SAMPLER_SAMPLES samples of each sampler, same
#                       seed, and the ODE solvers' distance to the RK45 solution of the same noise; with
#                       a classifier, dpm++3m's and pc's class accuracy at the recommended guidance
#   inpaint.box|stroke  PSNR of the mean of INPAINT_N inpaintings of held-out images vs harmonic fill,
#                       and of the posterior mean that mean estimates (its error less the mean's
#                       variance), which decides whether the editor offers the model for the task
#   colorize            the same for colorizations vs the gray input (RGB models)
#   tuning.<task>       the corrections (of TUNE_SETTINGS: kC is C Langevin corrector steps per PC
#                       step, kC-pP adds P CG steps of the posterior correction of the score) that
#                       inpainting and colorization run best with, on TUNE_IMAGES tuning images
#                       (training.tune_corrector); the manifest's fastCorrector, which the tasks part
#                       then measures with, follows it
#   bits_per_dim, encode_decode  on the first ODE_IMAGES test images
# Usage: bash models/evaluate-model.sh MODEL   (a bundled id, or the path of a model folder)
# Sizes (environment): SAMPLES (1000), PER_CLASS (100), GUIDANCES ('1 3'), SAMPLER_SAMPLES (200),
# SAMPLERS ('ode dpm++3m dpm++2m heun-karras euler heun pc'), PC_STEPS (1000), INPAINT_IMAGES (50),
# INPAINT_N (32), INPAINT_SAMPLER (pc), INPAINT_STEPS (100: the Fast preset's) (the INPAINT_* settings
# size colorization and tuning too), TUNE_IMAGES (20), TUNE_N (8: tuning compares counts on the same
# images and seeds, where fewer samples serve), TUNE_SETTINGS ('k1 k2 k1-p1'), ODE_IMAGES (32), FAST_SAMPLER
# (dpm++3m), FAST_STEPS (20), THREADS (0 = all), WORK (intermediate files, .runs/eval/<folder name>),
# PARTS ('class fd tune tasks ode samplers': what to measure; e.g. PARTS=tasks after a change to
# conditional sampling keeps the other figures).
set -euo pipefail
ref=${1:?usage: evaluate-model.sh MODEL_ID_OR_FOLDER}
# As the CLI's --model: a path when it looks like one or names a folder, otherwise a bundled id.
if [[ $ref == */* || $ref == .* || -d $ref ]]; then dir=$(cd "$ref" && pwd); else dir=""; fi
cd "$(dirname "$0")/.."
dir=${dir:-$PWD/models/$ref}
[ -f "$dir/model.json" ] || { echo "error: no model.json in $dir" >&2; exit 2; }
work=${WORK:-.runs/eval/$(basename "$dir")}
mkdir -p "$work"
SAMPLES=${SAMPLES:-1000} PER_CLASS=${PER_CLASS:-100} GUIDANCES=${GUIDANCES:-1 3}
SAMPLER_SAMPLES=${SAMPLER_SAMPLES:-200} PC_STEPS=${PC_STEPS:-1000}
SAMPLERS=${SAMPLERS:-ode dpm++3m dpm++2m heun-karras euler heun pc}
# The posterior mean's per-image PSNR is the log of an estimate, so its noise biases it upwards:
# on cifar10-vp's colorizations by 0.30 dB from 8 samples against the estimate from 32.
INPAINT_IMAGES=${INPAINT_IMAGES:-50} INPAINT_N=${INPAINT_N:-32}
INPAINT_SAMPLER=${INPAINT_SAMPLER:-pc} INPAINT_STEPS=${INPAINT_STEPS:-100}
TUNE_IMAGES=${TUNE_IMAGES:-20} TUNE_N=${TUNE_N:-8} TUNE_SETTINGS=${TUNE_SETTINGS:-k1 k2 k1-p1}
ODE_IMAGES=${ODE_IMAGES:-32} THREADS=${THREADS:-0} PARTS=${PARTS:-class fd tune tasks ode samplers}
# The sampler of the FD and class-accuracy runs: the editor's Fast preset for this model (a model
# whose manifest names a fastSampler is measured with it: pass FAST_SAMPLER=pc FAST_STEPS=100).
FAST_SAMPLER=${FAST_SAMPLER:-dpm++3m} FAST_STEPS=${FAST_STEPS:-20}

# training.evaluate prints what it merged; the log keeps it out of the way.
evaluate() { PYTHONPATH=models /usr/bin/python3 -m training.evaluate --model-dir "$dir" "$@" >>"$work/evaluate.log"; }
cli() { npx tsx main/cli/index.ts "$@" --model "$dir" --threads "$THREADS" --json; }
conditional_mean() { # IMAGES N [FLAGS...]
  local count=$1 n=$2
  shift 2
  npx tsx main/bench/index.ts conditional-mean --model "$dir" --threads "$THREADS" --count "$count" \
    --n "$n" --sampler "$INPAINT_SAMPLER" --steps "$INPAINT_STEPS" "$@"
}
# The corrector and posterior CG steps the editor's Fast preset runs TASK with on this model
# (manifest fastCorrector), as the name of a tuning setting (kC or kC-pP).
fast_setting() {
  node -e "const c = require('$dir/model.json').fastCorrector?.['$1'];
    console.log('k' + (c?.steps ?? 1) + (c?.posteriorSteps ? '-p' + c.posteriorSteps : ''))"
}
# The bench's flags of a tuning setting kC or kC-pP.
setting_flags() {
  [[ $1 =~ ^k([0-9]+)(-p([0-9]+))?$ ]] || { echo "error: TUNE_SETTINGS: $1 is not kC or kC-pP" >&2; exit 2; }
  echo "--corrector-steps ${BASH_REMATCH[1]} --posterior-steps ${BASH_REMATCH[3]:-0}"
}
# Each sampler of the table runs with the engine's defaults, which its report records (`settings`);
# pc alone is given PC_STEPS predictor steps, each with a corrector.
sampler_flags() {
  if [[ $1 == pc ]]; then echo "--steps $PC_STEPS"; fi
}

wants() { [[ " $PARTS " == *" $1 "* ]]; }

meta=$(node -e "const m = require('$dir/model.json');
  console.log((m.classifier?.labels ?? []).length, m.image.channels, m.classifier?.guidance ?? 1)")
read -r labels channels guidance <<<"$meta"
evaluate --baselines --write-tasks "$work" --ode-images "$ODE_IMAGES"

# PER_CLASS samples of every label from SAMPLER at GUIDANCE with the sampler FLAGS, into files[] and
# their CLI reports into reports[]. The files are named by those arguments and kept for the run, so
# a set that two parts need (with FAST_SAMPLER=pc, the Fast sampler's at the recommended guidance)
# is drawn once.
rm -rf "$work/class" && mkdir -p "$work/class"
class_samples() { # SAMPLER GUIDANCE [FLAGS...]
  local s=$1 g=$2 k
  shift 2
  local tag
  tag=$(echo "$s-g$g${*:+ $*}" | tr ' ' '_')
  files=() reports=()
  for ((k = 0; k < labels; k++)); do
    files+=("$work/class/$tag-$k.npy") reports+=("$work/class/$tag-$k.json")
    [[ -f ${files[-1]} ]] || cli sample --class "$k" --guidance "$g" --n "$PER_CLASS" --seed "$k" \
      --sampler "$s" "$@" --out "${files[-1]}" >"${reports[-1]}"
  done
}

if ((labels > 0)) && wants class; then
  for g in $GUIDANCES; do
    class_samples "$FAST_SAMPLER" "$g" --steps "$FAST_STEPS"
    evaluate --class-samples "${files[@]}" --guidance "$g" --sampler-note "$FAST_SAMPLER, $FAST_STEPS steps"
  done
fi

if wants fd; then
  cli sample --n "$SAMPLES" --seed 0 --sampler "$FAST_SAMPLER" --steps "$FAST_STEPS" --out "$work/uncond.npy" \
    >"$work/uncond.json"
  evaluate --samples "$work/uncond.npy" --sample-report "$work/uncond.json" \
    --sampler-note "$FAST_SAMPLER, $FAST_STEPS steps"
fi

# Every tried setting on the same tuning images and seeds; the scores choose the manifest's
# fastCorrector (training.tune_corrector), which the tasks part below measures with.
if wants tune; then
  tune() { PYTHONPATH=models /usr/bin/python3 -m training.tune_corrector --model-dir "$dir" "$@"; }
  tuning=$work/tune
  tune --write "$tuning" --count "$TUNE_IMAGES"
  for setting in $TUNE_SETTINGS; do
    flags=$(setting_flags "$setting")
    for kind in box stroke; do
      # shellcheck disable=SC2086  # the flags are several words
      conditional_mean "$TUNE_IMAGES" "$TUNE_N" --task inpaint --images "$tuning/tune_images.npy" \
        --masks "$tuning/tune_masks_$kind.npy" $flags --out "$tuning/tune-inpaint-$kind-$setting.npy" \
        --variance "$tuning/tune-inpaint-$kind-$setting-variance.npy" >/dev/null
    done
    if ((channels == 3)); then
      # shellcheck disable=SC2086
      conditional_mean "$TUNE_IMAGES" "$TUNE_N" --task colorize --images "$tuning/tune_colorize_gray.npy" \
        $flags --out "$tuning/tune-colorize-$setting.npy" --variance "$tuning/tune-colorize-$setting-variance.npy" \
        >/dev/null
    fi
  done
  # shellcheck disable=SC2086  # the settings are several words
  tune --score "$tuning" --tried $TUNE_SETTINGS \
    --sampler-note "$INPAINT_SAMPLER, $INPAINT_STEPS steps, mean of $TUNE_N" >>"$work/evaluate.log"
fi

if wants tasks; then
  task_note() { # SETTING
    local per="" k p
    read -r _ k _ p <<<"$(setting_flags "$1")"
    if ((k > 1)); then per=", $k corrector steps"; fi
    if ((p == 1)); then per="$per, 1 posterior CG step"; fi
    if ((p > 1)); then per="$per, $p posterior CG steps"; fi
    echo "$INPAINT_SAMPLER, $INPAINT_STEPS steps$per, mean of $INPAINT_N"
  }
  setting=$(fast_setting inpaint)
  flags=$(setting_flags "$setting")
  for kind in box stroke; do
    # shellcheck disable=SC2086  # the flags are several words
    conditional_mean "$INPAINT_IMAGES" "$INPAINT_N" --task inpaint --images "$work/images_$kind.npy" --masks "$work/masks_$kind.npy" \
      $flags --out "$work/inpaint-$kind.npy" --variance "$work/inpaint-$kind-variance.npy" >"$work/inpaint-$kind.json"
    evaluate --inpainted "$work/inpaint-$kind.npy" --variance "$work/inpaint-$kind-variance.npy" --mask-kind "$kind" \
      --sampler-note "$(task_note "$setting")" --sample-report "$work/inpaint-$kind.json"
  done
  if ((channels == 3)); then
    setting=$(fast_setting colorize)
    flags=$(setting_flags "$setting")
    # shellcheck disable=SC2086
    conditional_mean "$INPAINT_IMAGES" "$INPAINT_N" --task colorize --images "$work/colorize_gray.npy" $flags \
      --out "$work/colorize.npy" --variance "$work/colorize-variance.npy" >"$work/colorize.json"
    evaluate --colorized "$work/colorize.npy" --variance "$work/colorize-variance.npy" --sampler-note "$(task_note "$setting")" \
      --sample-report "$work/colorize.json"
  fi
fi

# Bits/dim on dequantized test images and encode-decode error on the same images, through the CLI.
if wants ode; then
  cli likelihood --image "$work/test_dequantized.npy" >"$work/likelihood.json"
  cli encode --image "$work/test.npy" --out "$work/z.npy" >"$work/encode.json"
  cli decode --latent "$work/z.npy" --out "$work/decoded.npy" >"$work/decode.json"
  evaluate --likelihood-report "$work/likelihood.json" --decoded "$work/decoded.npy" \
    --encode-report "$work/encode.json" --decode-report "$work/decode.json"
fi

# Every sampler from the same seed: the table of quality against cost, pc last as the slowest. The
# fixed-step ODE solvers are also compared image by image with the RK45 solution of the same noise
# (mean_abs_diff_vs_ode), a figure that, unlike FD, few samples resolve; so ode runs first.
ode_ref=()
wants samplers || SAMPLERS=""
for s in $SAMPLERS; do
  # shellcheck disable=SC2046  # the flags are several words
  cli sample --n "$SAMPLER_SAMPLES" --seed 0 --sampler "$s" $(sampler_flags "$s") --out "$work/sampler-$s.npy" \
    >"$work/sampler-$s.json"
  ref=()
  if [[ $s != ode && $s != pc ]]; then ref=("${ode_ref[@]}"); fi
  evaluate --samples "$work/sampler-$s.npy" --sampler-name "$s" --sample-report "$work/sampler-$s.json" "${ref[@]}"
  if [[ $s == ode ]]; then ode_ref=(--ode-reference "$work/sampler-ode.npy"); fi
done
# The two candidates for the Fast preset, also by how often their samples are of the class asked,
# at the guidance the editor uses.
if ((labels > 0)) && wants samplers; then
  for s in dpm++3m pc; do
    # shellcheck disable=SC2046
    class_samples "$s" "$guidance" $(sampler_flags "$s")
    evaluate --class-samples "${files[@]}" --guidance "$guidance" --sampler-name "$s" --sample-report "${reports[@]}"
  done
fi
# What the editor offers: PC as the Fast sampler where the table shows it clearly better than
# DPM-Solver++, and no task whose result does not beat its baseline.
evaluate --recommend
echo "metrics written to $dir/model.json"
