"""Write a MeetingReport in the formats the ``report`` command offers, every file atomically."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OptionError
from ..files import atomic_write_bytes, spreadsheet_safe, sub_dir

if TYPE_CHECKING:
    from ..analytics.meeting import MeetingReport

REPORT_FORMATS = ("html", "png", "csv", "parquet", "xlsx")


def parse_formats(value: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in REPORT_FORMATS]
    if unknown or not formats:
        raise OptionError(f"unknown report format {', '.join(unknown) or value!r}; "
                          f"choose from {','.join(REPORT_FORMATS)}")
    return formats


def report_stem(path: str | Path) -> str:
    """The name a report's files get: a result directory's name without ``_analytics``, or a JSON's stem."""
    p = Path(path)
    name = p.name if p.is_dir() else p.stem
    return name.removesuffix("_analytics") if name != "_analytics" else "report"


def write_charts(report: MeetingReport, directory: Path, dpi: int = 120) -> list[Path]:
    written = []
    for name, fig in report.plot.all().items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        written.append(atomic_write_bytes(directory / f"{name}.png", buf.getvalue()))
    return written


def xlsx_bytes(report: MeetingReport) -> bytes:
    """One sheet per frame, plus the meeting summary; text a spreadsheet would run as a formula (a speaker
    named ``=1+2``, an utterance ``=cmd|...``) escaped, as in the CSVs (``files.spreadsheet_safe``)."""
    import pandas as pd

    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        meeting = pd.DataFrame([report.meeting.to_dict()]).astype(str)
        spreadsheet_safe(meeting).to_excel(xl, sheet_name="meeting", index=False)
        for name, frame in report.frames().items():
            spreadsheet_safe(frame).to_excel(xl, sheet_name=name[:31], index=False)
    return buf.getvalue()


def write_report(report: MeetingReport, output_dir: str | Path, stem: str, formats: tuple[str, ...]) -> list[Path]:
    """``html`` -> DIR/stem.html, ``png`` -> DIR/stem_charts/*.png, ``csv``/``parquet`` -> DIR/stem_analytics/,
    ``xlsx`` -> DIR/stem.xlsx."""
    out = Path(output_dir)
    written: list[Path] = []
    tables = tuple(f for f in formats if f in ("csv", "parquet"))
    if tables:
        written += report.save(sub_dir(out / f"{stem}_analytics"), formats=tables)
    if "html" in formats:
        report.to_html(out / f"{stem}.html")
        written.append(out / f"{stem}.html")
    if "png" in formats:
        written += write_charts(report, sub_dir(out / f"{stem}_charts"))
    if "xlsx" in formats:
        written.append(atomic_write_bytes(out / f"{stem}.xlsx", xlsx_bytes(report)))
    return written
