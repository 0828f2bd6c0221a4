#!/usr/bin/env bash
# The GPU check of BENCHMARKS.md (GPU section), as run on the lent CUDA 13 machine: pyannote.audio's
# wheels not in its image travel in .whl/, the 60-minute file (long_file.py's, as Ogg/Opus) and the
# two checkpoints without optimizer state in .gpu/. Results land in $OUT (or ./gpu-out).
set -u
OUT=${OUT:-gpu-out}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
nproc
common=(--audio .gpu/long60.ogg --rttm .gpu/long60.rttm --segmentation .gpu/seg.bin --embedding .gpu/ge2e.pt --out "$OUT")
# the shipped batch sizes (tuned for 2 CPU cores), then larger ones
python3 benchmarks/gpu_diarization.py "${common[@]}" --device cuda --embedding_batch_size 32,32 2>&1 | grep -v -i -E "warn|upgrade"
python3 benchmarks/gpu_diarization.py "${common[@]}" --device cuda --segmentation_batch_size 64 --embedding_batch_size 128 2>&1 | grep -v -i -E "warn|upgrade"
