"""The errors this package raises for its users: each message is one line naming the file (input or
output) or the option at fault, so the CLI prints ``str(exc)`` and nothing else."""


class Error(Exception):
    """A problem with an input, an output or an option, told in one line."""


class UsageError(Error):
    """Options no file can succeed with (an unknown language, a model not available offline)."""
