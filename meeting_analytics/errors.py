"""Every error this package raises for its users, in one tree.

Each message is one line naming the file (input or output), the option or the program at fault, so
the CLI prints ``str(exc)`` and nothing else: exit 2 for a ``UsageError`` (no file can succeed),
1 when a file failed. A class in parentheses is a second base, kept so that ``except ValueError``
(or ``RuntimeError``, ``ImportError``) around the library keeps working::

    Error                              the root: a problem with an input, an output or an option
    ├── UsageError                     options no file can succeed with; the CLI exits 2
    │   ├── OptionError(ValueError)    a bad option value or combination (language, output format, ...)
    │   ├── DeviceError                a device the libraries cannot use (no GPU, driver or CUDA libraries)
    │   ├── ModelUnavailableError(RuntimeError)  a model that cannot be loaded offline; says how to get it
    │   ├── ProfileError(ValueError)   a voice profile store or file that cannot be used
    │   ├── ReferenceFileError         a reference RTTM, UEM or STM file that cannot be read
    │   ├── MissingToolError(RuntimeError)  a program not on PATH (ffmpeg, espeak-ng, ...); says how to install it
    │   └── MissingExtraError(ImportError)  an optional extra not installed; names the pip install
    ├── AudioError(ValueError)         input audio that cannot be used (unreadable, silent, too short, ...)
    ├── TranscriptError(ValueError)    a transcript file or object that cannot be read
    ├── LexiconError(ValueError)       no built-in filler lexicon for a transcript's language
    ├── ReportError(ValueError)        a saved analytics report that cannot be read back
    ├── CorpusError(ValueError)        batch results that cannot make a corpus report
    ├── UploadError(ValueError)        an upload the web app refuses (HTTP 400)
    │   ├── UploadTooLarge             an upload over the size limit (HTTP 413)
    │   ├── UploadBusy                 too many uploads in flight (HTTP 429)
    │   └── UploadNoSpace              too little free disk for the upload (HTTP 507)
    ├── OutputError                    an output (or cache) that cannot be written; names the output
    ├── BrowserError(RuntimeError)     no headless Chromium, or a screenshot that failed
    └── ServeError                     the web app cannot start (port taken, address not ours)

``tests/test_errors.py`` holds this drawing equal to the classes below, and finds no error class
defined anywhere else in the package. This module imports nothing from the package.
"""

from __future__ import annotations

import os


class Error(Exception):
    """A problem with an input, an output or an option, told in one line."""


# -- no file can succeed ----------------------------------------------------------------------------

class UsageError(Error):
    """Options no file can succeed with (an unknown language, a model not available offline)."""


class OptionError(UsageError, ValueError):
    """A bad option value (language, flag combination, ...); ``str()`` is one line."""


class DeviceError(UsageError):
    """A device the libraries cannot use (no GPU, no driver, no CUDA libraries); one line."""


class ModelUnavailableError(UsageError, RuntimeError):
    """A model that cannot be loaded offline; the message says how to get it."""


class ProfileError(UsageError, ValueError):
    """A profile directory or file that cannot be used (missing, another model, unreadable)."""


class ReferenceFileError(UsageError):
    """A reference file (RTTM, UEM, STM) that cannot be read: nothing can be scored."""


class MissingToolError(UsageError, RuntimeError):
    """A program this needs is not on PATH: one line naming it and how to install its package."""

    def __init__(self, program: str, package: str | None = None):
        self.program, self.package = program, package or program
        super().__init__(f"{program} not found on PATH; install {self.package} "
                         f"(Debian/Ubuntu: apt-get install {self.package}; macOS: brew install {self.package})")


class MissingExtraError(UsageError, ImportError):
    """An optional dependency is not installed: one line naming the extra that installs it."""

    def __init__(self, what: str, extra: str, missing: str):
        self.extra = extra
        super().__init__(f"{what} needs {missing}: pip install 'meeting-analytics[{extra}]'", name=missing)


# -- one input -----------------------------------------------------------------------------------------

class AudioError(Error, ValueError):
    """Input audio that cannot be used; ``str()`` is one line naming the file and the problem."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class TranscriptError(Error, ValueError):
    """A transcript file or object that cannot be read."""


class LexiconError(Error, ValueError):
    """No built-in filler lexicon for a transcript's language (pass one with ``FillerLexicon``)."""


class ReportError(Error, ValueError):
    """A saved report that cannot be read back (one line: the directory and the problem)."""


class CorpusError(Error, ValueError):
    """Batch results that cannot make a corpus report (no results, unreadable manifest)."""


class UploadError(Error, ValueError):
    """An upload the web app refuses; ``status`` is the HTTP status it answers with."""

    status = 400


class UploadTooLarge(UploadError):
    """An upload larger than the server's limit."""

    status = 413


class UploadBusy(UploadError):
    """More uploads in flight than the server takes at once; try again later."""

    status = 429


class UploadNoSpace(UploadError):
    """Too little free disk space left for the upload."""

    status = 507


# -- outputs and the environment ---------------------------------------------------------------------

class OutputError(Error):
    """An output (or cache) that cannot be written; ``str()`` is one line naming the path and the cause."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


class BrowserError(Error, RuntimeError):
    """No headless Chromium found, or a page it could not render in time."""


class ServeError(Error):
    """The web app cannot start: the port is taken, or the address is not this machine's."""
