"""Inline SVG bar charts for reports: no JavaScript, no CSS files, nothing fetched (the report is mailed)."""

from __future__ import annotations

import math
from html import escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 40, 40, 16


def nice_max(value: float) -> int:
    """A round axis maximum at or above ``value``: 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= value)


def bar_chart(title: str, bars: list[tuple[str, float]], colour: str = "#3b6ea5") -> str:
    """A vertical bar chart: one labelled bar per (label, value), value written above each bar."""
    plot_w, plot_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    top = nice_max(max((v for _, v in bars), default=0))
    slot = plot_w / max(len(bars), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}"><title>{escape(title)}</title>',
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 10}" y2="{PAD_TOP + plot_h}" '
        f'stroke="#999"/>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + 4}" font-size="10" text-anchor="end">{top}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{PAD_TOP + plot_h}" font-size="10" text-anchor="end">0</text>',
    ]
    for n, (label, value) in enumerate(bars):
        h = plot_h * value / top
        x = PAD_LEFT + n * slot + slot * 0.1
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{PAD_TOP + plot_h - h:.1f}" width="{slot * 0.8:.1f}" '
            f'height="{h:.1f}" fill="{colour}"><title>{escape(label)}: {value:g}</title></rect>'
        )
        if value:
            parts.append(
                f'<text x="{x + slot * 0.4:.1f}" y="{PAD_TOP + plot_h - h - 2:.1f}" font-size="9" '
                f'text-anchor="middle">{value:g}</text>'
            )
        parts.append(
            f'<text x="{x + slot * 0.4:.1f}" y="{HEIGHT - PAD_BOTTOM + 12}" font-size="9" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
