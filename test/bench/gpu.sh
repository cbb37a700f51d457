#!/usr/bin/env bash
# GPU check for a machine with an NVIDIA GPU: greedy tokens on CUDA equal the CPU's, decode timings at the
# 124M and 355M shapes, and whether the 1.5B shape loads and decodes. One table; about 8 minutes at most.
# Needs onnxruntime-node's CUDA provider: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm install` (CUDA 12 + cuDNN 9).
# Not part of `npm test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || { echo "no NVIDIA GPU visible" >&2; exit 2; }
timeout 480 npx tsx test/bench/gpu.ts "$@"
