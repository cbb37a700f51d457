#!/usr/bin/env bash
# GPU check for a machine with an NVIDIA GPU (not part of `npm test`; about 8 minutes at most): greedy tokens on
# the GPU equal the CPU's, decode ms/token at the 124M and 355M shapes, and whether the 1.5B shape loads and
# decodes in fp16. Knobs: GPU_DEVICES (webgpu,cuda), GPU_SHAPES (gpt2,gpt2-medium), GPU_XL (1).
#
# WebGPU is built into onnxruntime-node and keeps the K/V cache in GPU buffers (the device graph); it needs the
# Vulkan loader (libvulkan.so.1) and the driver's Vulkan ICD. A machine without the loader can use one unpacked
# beside this script: `test/bench/gpu.sh --prepare` on a machine with Debian's apt puts it in test/bench/gpu-libs/
# (git-ignored; carry it to the GPU machine). CUDA needs onnxruntime-node's CUDA provider, which
# `ONNXRUNTIME_NODE_INSTALL=cuda12 npm install` downloads (CUDA 12 + cuDNN 9); without it CUDA is reported missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
libs="$PWD/test/bench/gpu-libs"
if [[ "${1:-}" == "--prepare" ]]; then
  mkdir -p "$libs" && tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download libvulkan1 >/dev/null && dpkg-deb -x libvulkan1_*.deb root)
  cp -L "$tmp"/root/usr/lib/x86_64-linux-gnu/libvulkan.so.1 "$libs"/ && rm -rf "$tmp"
  echo "Vulkan loader in $libs"
  exit 0
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || { echo "no NVIDIA GPU visible" >&2; exit 2; }
[[ -d "$libs" ]] && export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
ls /usr/share/vulkan/icd.d/ /etc/vulkan/icd.d/ 2>/dev/null | grep -i nvidia || echo "note: no NVIDIA Vulkan ICD file found; WebGPU may find no adapter" >&2
timeout 480 npx tsx test/bench/gpu.ts
