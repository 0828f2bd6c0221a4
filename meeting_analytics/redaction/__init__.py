"""Personal data out of every output (``--redact``): names, numbers and contact details found in a
transcript's words (``detect``: Microsoft Presidio on spaCy's small English model, plus recognisers of
what is SAID: digit sequences read out in pieces, "at ... dot com" addresses, spelled names; ``spoken``),
replaced in the transcript before anything is written or cached (``apply``), and optionally silenced in a
copy of the recording (``audio``).

Light to import: Presidio and spaCy load when a ``Detector`` is built (the ``redact`` extra:
``pip install 'meeting-analytics[redact]'``). Measured on a labelled set (``benchmarks/redaction.py``,
BENCHMARKS.md "Redaction"): without the spoken recognisers Presidio finds almost none of the numbers a
caller reads out as words; see there for precision and recall per entity and the cost.
"""

from __future__ import annotations

from .apply import POLICIES, Redactor, redact_transcript
from .detect import DEFAULT_ENTITIES, ENTITIES, Detection, Detector, require

__all__ = ["DEFAULT_ENTITIES", "ENTITIES", "POLICIES", "Detection", "Detector", "Redactor",
           "redact_transcript", "require"]
