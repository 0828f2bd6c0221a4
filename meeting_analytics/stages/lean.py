"""Keep pyannote.audio's training stack from importing what no run of this package uses.

pyannote.audio imports lightning for its training classes; lightning imports torchmetrics to read
its version; torchmetrics imports all of its metrics, the BERT score with transformers' model classes
(and scikit-learn behind them), the image metrics with torchvision, and DNSMOS with onnxruntime,
librosa and requests (that import path also looked up Microsoft's telemetry host,
mobile.events.data.microsoft.com, on this machine: a network call nobody asked for). Inference
touches none of those metrics. ``lean_torchmetrics`` marks these optional dependencies as missing for
torchmetrics alone, a configuration torchmetrics supports (they are its extras), when torchmetrics is
first imported. ``import pyannote.audio.pipelines`` took 5.6 s in-process, 4.6–4.8 s with this.

lightning, torchcodec and lightning's logger also import ``torch._dynamo`` (torch.compile's tracer,
sympy behind it: about 1 s on 2 cores) for an ``isinstance`` check and two decorators that matter only
under torch.compile. ``defer_dynamo`` puts a stand-in there that answers those three and loads the real
module for anything else; the CLI uses it, since its process runs nothing but this package
(BENCHMARKS.md, "Side by side with the whisperx CLI", session 8). If a module is already imported, or
a later release renames what is patched, nothing changes but the time.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

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

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]  # this one loader's, on purpose
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


DYNAMO = "torch._dynamo"


class _CompiledModuleType(type):
    """``isinstance(x, OptimizedModule)``: false until the real torch._dynamo is loaded, then the real check
    (nothing can be a compiled module before torch.compile has loaded it)."""

    def __instancecheck__(cls, obj):
        real = _loaded_dynamo()
        return real is not None and isinstance(obj, real.OptimizedModule)

    def __subclasscheck__(cls, sub):
        real = _loaded_dynamo()
        return real is not None and issubclass(sub, real.OptimizedModule)


class OptimizedModule(metaclass=_CompiledModuleType):
    """What ``from torch._dynamo import OptimizedModule`` gets while ``torch._dynamo`` is deferred."""


def _loaded_dynamo():
    module = sys.modules.get(DYNAMO)
    return None if module is None or isinstance(module, DeferredDynamo) else module


class DeferredDynamo(types.ModuleType):
    """``torch._dynamo`` until something needs it: lightning, torchcodec and lightning's logger only import
    it at import time for ``OptimizedModule`` (isinstance checks), ``disallow_in_graph`` and ``disable``
    (decorators that matter only under torch.compile). Any other name, or a submodule, loads the real
    module (``real``), which also gets the ``disallow_in_graph`` calls made meanwhile."""

    def __init__(self, path: list[str]):
        super().__init__(DYNAMO, self.__doc__)
        self.__path__ = path  # so ``import torch._dynamo.x`` reaches ``_DynamoFinder``, which loads the real one
        self.OptimizedModule = OptimizedModule
        self.pending: list = []

    def disallow_in_graph(self, fn):
        self.pending.append(fn)
        return fn

    def disable(self, fn=None, recursive=True, *, reason=None):
        if fn is None:
            return functools.partial(self.disable, recursive=recursive, reason=reason)
        disabled = None

        @functools.wraps(fn)
        def call(*args, **kwargs):
            nonlocal disabled
            disabled = disabled or self.real().disable(fn, recursive, reason=reason)
            return disabled(*args, **kwargs)

        return call

    def real(self):
        if sys.modules.get(DYNAMO) is self:
            del sys.modules[DYNAMO]
        module = importlib.import_module(DYNAMO)
        pending, self.pending = self.pending, []  # two threads may get here; each replays what it took
        for fn in pending:
            module.disallow_in_graph(fn)
        return module

    def __getattr__(self, name):
        if name.startswith("__"):  # the import system's probes (__spec__, __file__ ...)
            raise AttributeError(name)
        return getattr(self.real(), name)


class _DynamoFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        deferred = sys.modules.get(DYNAMO)
        if isinstance(deferred, DeferredDynamo) and name.startswith(DYNAMO + "."):
            deferred.real()
        return None


def defer_dynamo() -> None:
    """Put ``DeferredDynamo`` in place of ``torch._dynamo`` for this process, unless it is loaded already.

    Only for processes that run this package alone (the CLI): a program that compiles models should
    import torch._dynamo itself. torch.compile still works after this (it loads the real module)."""
    if DYNAMO in sys.modules:
        return
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:  # no torch installed: nothing to defer
        return
    sys.modules[DYNAMO] = DeferredDynamo([str(Path(spec.origin).parent / "_dynamo")])
    sys.meta_path.insert(0, _DynamoFinder())


CHATTY_LOGGERS = ("whisperx", "lightning.pytorch.utilities.migration.utils", "lightning_fabric", "pytorch_lightning",
                  "pyannote", "speechbrain", "faster_whisper")
CHATTY_MODULES = ("pyannote", "torchaudio", "torch", "lightning", "pytorch_lightning", "whisperx", "speechbrain",
                  "transformers", "asteroid_filterbanks", "torchcodec", "numpy", "tqdm")


@contextmanager
def chatter_off() -> Iterator[None]:
    """The libraries' chatter off for the length of one library call (a notebook loading models printed
    whisperx's "Performing voice activity detection" and Lightning's checkpoint-upgrade note in every
    output): the loggers' levels and the warning filters are put back afterwards."""
    import logging
    import warnings

    from whisperx.log_utils import get_logger

    get_logger("whisperx")  # whisperx configures its logger on first use, at INFO: let it, then lower it
    loggers = [logging.getLogger(name) for name in CHATTY_LOGGERS]
    levels = [logger.level for logger in loggers]
    with warnings.catch_warnings():
        for module in CHATTY_MODULES:
            warnings.filterwarnings("ignore", module=module)
        try:
            for logger in loggers:
                logger.setLevel(logging.ERROR)
            yield
        finally:
            for logger, level in zip(loggers, levels):
                logger.setLevel(level)


def quiet_libraries() -> None:
    """Keep library chatter (INFO logs, deprecation and checkpoint-upgrade notes) off stderr, for a process
    that runs only this package (the CLI, batch and web workers), which reports progress and errors itself.
    Logging and warning filters are the process's: a library call leaves them as they are."""
    import logging
    import warnings

    lean_torchmetrics()  # before whisperx's import can bring torchmetrics in
    from whisperx.log_utils import setup_logging

    setup_logging(level="error")  # whisperx sets up its logger lazily at INFO; claim it first
    for name in CHATTY_LOGGERS[1:]:
        logging.getLogger(name).setLevel(logging.ERROR)
    for module in CHATTY_MODULES:
        warnings.filterwarnings("ignore", module=module)
