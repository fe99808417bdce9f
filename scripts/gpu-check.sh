#!/usr/bin/env bash
# The GPU paths in one short run, for a machine with an NVIDIA GPU: CUDA and bf16 training and
# evaluation throughput (the benchmark, eager and compiled), and a short real training run on CUDA
# with bf16, workers and a fixed evaluation stage. Prints figures; exits non-zero on the first failure.
# Usage: bash scripts/gpu-check.sh   (after `npm install`; about 5 minutes on one GPU)
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/setup.mjs
python=engine/.venv/bin/python
nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv
"$python" -c "import torch; assert torch.cuda.is_available(), 'torch sees no CUDA GPU'; print('torch', torch.__version__, 'on', torch.cuda.get_device_name(0), 'bf16:', torch.cuda.is_bf16_supported())"

echo "== benchmark: fp32, then bf16 with torch.compile"
npx coconut bench --device cuda --steps 20
npx coconut bench --device cuda --bf16 --compile --steps 20

echo "== a real run on CUDA: generated data, bf16, 2 batch workers, evaluation at stage 2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npx coconut data generate reachability --count 4000 --seed 1 --out "$work/train.json" >/dev/null
npx coconut data generate reachability --count 200 --seed 2 --out "$work/val.json" >/dev/null
cat > "$work/run.yaml" <<YAML
coconut: true
train_path: $work/train.json
val_path: $work/val.json
device: cuda
precision: bf16
workers: 2
eval_stage: 2
c_thought: 1
epochs_per_stage: 1
max_latent_stage: 2
pad_latent_to_max: true
num_epochs: 3
batch_size_training: 64
lr: 0.001
max_new_tokens: 16
YAML
time npx coconut train --config "$work/run.yaml" --run-dir "$work/run"
grep '"type": *"step"' "$work/run/events.jsonl" | tail -1
grep '"type": *"eval"' "$work/run/events.jsonl"
