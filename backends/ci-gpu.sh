#!/usr/bin/env bash
# Installs and exports what the GPU proofs of clasp-backends need on a machine without a GPU.
# Source it from the repo root (.ci/run does), then run the tests in the same shell:
#   source backends/ci-gpu.sh
# 1. lavapipe (software Vulkan) so the WGPU kernels run; 2. Debian's clang-15 + lld-15 + HIP headers +
# ROCm device libraries to compile the generated HIP C++ (NEVER install `hipcc`: its hipconfig
# makes cubecl-hip-sys pick bindings it does not have); 3. NVRTC from PyPI in a venv to compile
# the generated CUDA C++ to PTX; 4. the variables the tests read, with CI=true so a missing tool
# FAILS instead of being reported, and CLASP_REQUIRE_GPU=1 so a missing wgpu adapter fails too.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends mesa-vulkan-drivers libvulkan1 clang-15 lld-15 libamdhip64-dev rocm-device-libs python3-venv

NVRTC_VENV=${NVRTC_VENV:-/opt/clasp-nvrtc}
if [ ! -x "$NVRTC_VENV/bin/python" ]; then
  python3 -m venv "$NVRTC_VENV"
fi
"$NVRTC_VENV/bin/pip" install --quiet nvidia-cuda-nvrtc-cu12 nvidia-cuda-runtime-cu12
SITE=$("$NVRTC_VENV/bin/python" -c 'import site; print(site.getsitepackages()[0])')
NVRTC_LIB="$SITE/nvidia/cuda_nvrtc/lib"
# cudarc looks for libnvrtc.so (unversioned) among its candidates; the wheel ships .so.12 only.
ln -sf libnvrtc.so.12 "$NVRTC_LIB/libnvrtc.so"

export LD_LIBRARY_PATH="$NVRTC_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CLASP_CUDA_INCLUDE="$SITE/nvidia/cuda_runtime/include"
export CLASP_HIP_CLANG=clang++-15
export CLASP_ROCM_DEVICE_LIBS=/usr/lib/x86_64-linux-gnu/amdgcn/bitcode
export XDG_RUNTIME_DIR=/tmp
export CI=true
export CLASP_REQUIRE_GPU=1
