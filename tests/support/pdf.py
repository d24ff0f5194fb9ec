"""Read a PDF back as a reader would: the text of each page (poppler's pdftotext, which dev/run-tests
installs with poppler-utils)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def pdf_pages(pdf: bytes | Path) -> list[str]:
    """The text of every page, in reading order (pdftotext -layout), one string per page."""
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install Debian's poppler-utils (dev/run-tests does)"
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    assert data.startswith(b"%PDF-"), "not a PDF"
    out = subprocess.run(
        [tool, "-layout", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    pages = out.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_text(pdf: bytes | Path) -> str:
    """All the text, with runs of whitespace made single spaces (line wraps do not split a phrase)."""
    return " ".join(" ".join(pdf_pages(pdf)).split())
