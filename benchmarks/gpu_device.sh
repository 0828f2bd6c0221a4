#!/usr/bin/env bash
# The GPU check of BENCHMARKS.md (GPU section), as run on the lent CUDA 13 machine: pyannote.audio's
# wheels not in its image travel in .whl/, the 60-minute file (long_file.py's, as Ogg/Opus) and the
# two checkpoints without optimizer state in .gpu/. Results land in $OUT (or ./gpu-out).
# Made beforehand on the CPU machine (both folders are git-ignored):
#   pip download --no-deps --only-binary=:all: --python-version 3.12 --platform manylinux_2_28_x86_64 ... -d .whl \
#       pyannote.audio==4.0.7 and each of its requirements the GPU image lacks (BENCHMARKS.md, GPU)
#   python -c "import sys; sys.path.insert(0, 'benchmarks'); import long_file, pathlib; \
#       long_file.build(60, pathlib.Path('.gpu/long60.wav'))"      # then, with soundfile:
#   sf.write('.gpu/long60.ogg', audio, 16000, format='OGG', subtype='OPUS', compression_level=0.85)
#   torch.save(lightning checkpoint minus 'optimizer_states'/'lr_schedulers'/'callbacks', '.gpu/seg.bin')
#   torch.save({'model_state': resemblyzer pretrained.pt's 'model_state'}, '.gpu/ge2e.pt')
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
