"""Keep torchmetrics from importing transformers, torchvision and onnxruntime, which no run of this package uses.

pyannote.audio imports lightning for its training classes; lightning imports torchmetrics to read
its version; torchmetrics imports all of its metrics, the BERT score with transformers' model classes
(and scikit-learn behind them), the image metrics with torchvision (and torch._dynamo behind it), and
DNSMOS with onnxruntime, librosa and requests (that import path also looked up Microsoft's telemetry
host, mobile.events.data.microsoft.com, on this machine: a network call nobody asked for).
``import pyannote.audio.pipelines`` took 5.6 s in-process, 4.6–4.8 s with this (2 cores, BENCHMARKS.md),
of a ``transcribe`` on a 10 s clip of about 11 s. Inference touches none of those metrics.

``lean_torchmetrics`` marks these optional dependencies as missing for torchmetrics alone, a
configuration torchmetrics supports (they are its extras), when torchmetrics is first imported. If it is
already imported, or a later torchmetrics renames its flags, nothing changes.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

FLAGS_MODULE = "torchmetrics.utilities.imports"
ABSENT = ("_TRANSFORMERS_AVAILABLE", "_TRANSFORMERS_GREATER_EQUAL_4_4", "_TRANSFORMERS_GREATER_EQUAL_4_10",
          "_TORCHVISION_AVAILABLE", "_ONNXRUNTIME_AVAILABLE")


class _FlagsFinder(importlib.abc.MetaPathFinder):
    """Finds torchmetrics' flags module as usual and marks ``ABSENT`` as unavailable once it has run."""

    def find_spec(self, name, path, target=None):
        if name != FLAGS_MODULE or FLAGS_MODULE in sys.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            mark_absent(module)

        spec.loader.exec_module = exec_module
        return spec


def mark_absent(module) -> None:
    for name in ABSENT:
        flag = getattr(module, name, None)
        if flag is not None and hasattr(flag, "requirement"):  # lightning_utilities' RequirementCache
            flag.available, flag.message = False, f"{flag.requirement}: not loaded by meeting-analytics"


def lean_torchmetrics() -> None:
    """Install the finder, once, unless torchmetrics is already imported."""
    if FLAGS_MODULE in sys.modules or any(isinstance(f, _FlagsFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _FlagsFinder())
