"""Where the models run: the device check made before any model loads, and torch's CPU threads."""

from __future__ import annotations

from contextlib import contextmanager

from .errors import DeviceError


def check_device(device: str) -> None:
    """Before any model loads: both halves must see the GPU (CTranslate2 for the ASR, torch for the rest)."""
    if not device.startswith("cuda"):
        return
    import ctranslate2
    import torch

    index = int(device.split(":")[1]) if ":" in device else 0
    found = {"CTranslate2 (speech recognition)": ctranslate2.get_cuda_device_count(),
             "torch (VAD, diarization)": torch.cuda.device_count() if torch.cuda.is_available() else 0}
    missing = [f"{lib} sees {n} CUDA device{'s' if n != 1 else ''}" for lib, n in found.items() if n <= index]
    if missing:
        raise DeviceError(f"--device {device}: {'; '.join(missing)}; a CUDA 12 driver with cuBLAS and cuDNN 9 is "
                          f"needed (torch {torch.__version__}, built for CUDA {torch.version.cuda or 'none'}), or "
                          "use --device cpu")


def set_torch_threads(threads: int) -> None:
    """For a process that runs only this package (the CLI, a batch or web worker): torch's CPU threads."""
    import torch

    torch.set_num_threads(threads)


@contextmanager
def torch_threads(threads: int):
    """torch's CPU threads while a run lasts, put back afterwards (a library call changes nothing for
    the rest of the process); free when the process is set to that count already."""
    import torch

    before = torch.get_num_threads()
    if before != threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
