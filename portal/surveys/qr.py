"""QR codes for the printed code sheets, drawn with segno (no JavaScript, prints crisply as SVG)."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> str:
    """An inline <svg> of the URL's QR code (error correction M: survives a crease or a smudge)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=3, border=2, xmldecl=False, svgns=True,
                                   omitsize=False, title=None)
    return out.getvalue().decode()


def qr_png(url: str, scale: int = 6) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
