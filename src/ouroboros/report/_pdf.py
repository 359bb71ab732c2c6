"""Print the HTML report to PDF with the system's Chromium (headless)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ouroboros.errors import InputError

__all__ = ["CHROMIUM_NAMES", "find_chromium", "print_pdf"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Executables tried, in order, when no browser is named."""

OFFLINE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Chromium with no sandbox (run as root) that opens no connection of its own."""

_FLAGS = (
    "--headless",
    *OFFLINE_FLAGS,
    "--disable-extensions",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
    "--virtual-time-budget=20000",
)


def find_chromium(explicit: str | os.PathLike[str] | None = None) -> str:
    """The Chromium executable: ``explicit``, ``$OUROBOROS_CHROMIUM``, or the first of
    :data:`CHROMIUM_NAMES` on ``PATH``.

    Raises
    ------
    InputError
        If none is found (``field="pdf"``).
    """
    for cand in (explicit, os.environ.get("OUROBOROS_CHROMIUM")):
        if cand:
            found = shutil.which(str(cand))
            if found:
                return found
            raise InputError(f"no Chromium executable at {cand}", field="pdf")
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise InputError(
        "--pdf needs Chromium: install it (Debian: apt-get install chromium) or set "
        "$OUROBOROS_CHROMIUM to the browser's path",
        field="pdf",
    )


def print_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str],
    *,
    chromium: str | os.PathLike[str] | None = None,
    timeout: float = 180.0,
) -> Path:
    """Print a local HTML file to PDF with headless Chromium; return the PDF's path.

    The browser runs with a throw-away profile, no network features, and a virtual-time
    budget so the inline Plotly charts are drawn before printing.
    """
    exe = find_chromium(chromium)
    src = Path(html_path).resolve()
    out = Path(pdf_path).resolve()
    if not src.is_file():
        raise InputError(f"no HTML file at {src}", field="out")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ouroboros-chromium-") as profile:
        cmd = [exe, *_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={out}", src.as_uri()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise InputError(
                f"Chromium did not finish printing within {timeout:g} s", field="pdf"
            ) from None
    if proc.returncode != 0 or not out.is_file() or out.read_bytes()[:4] != b"%PDF":
        tail = (proc.stderr or "").strip().splitlines()[-3:]
        raise InputError(
            f"Chromium could not print {src.name} to PDF (exit {proc.returncode}): "
            + " | ".join(tail),
            field="pdf",
        )
    return out
