"""Bar charts as inline SVG, drawn on the server: the staff console shows them without any script
or request to another host (as the API docs are served without a CDN).

Every text that comes from data is escaped; the markup is built here and nowhere else, so what
`mark_safe` vouches for is exactly this module's output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#417690"  # the admin's own blue
EMPTY = "#999"
FONT = 'font-family="-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    hint: str = ""  # a longer label, shown as the bar's tooltip


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def count(value: float) -> str:
    return f"{int(value)}"


def _frame(key: str, title: str, width: int, height: int, body: str) -> SafeString:
    label = escape(title)
    return mark_safe(  # noqa: S308 - every data text in `body` is escaped above
        f'<svg class="tk-chart" id="chart-{escape(key)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{label}" {FONT}>'
        f"<title>{label}</title>{body}</svg>"
    )


def _empty(width: int, height: int) -> str:
    return (
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13" fill="{EMPTY}">Nothing yet</text>'
    )


def column_chart(
    *,
    key: str,
    title: str,
    bars: Sequence[Bar],
    value_text: Callable[[float], str],
    width: int = 440,
    height: int = 190,
) -> SafeString:
    """Vertical bars, one per item, labelled underneath, with their value on top."""
    if not bars or not any(bar.value for bar in bars):
        return _frame(key, title, width, height, _empty(width, height))
    top, bottom, side = 18, 34, 8
    plot = height - top - bottom
    peak = max(bar.value for bar in bars) or 1
    slot = (width - 2 * side) / len(bars)
    thickness = max(4.0, slot * 0.7)
    parts = [f'<line x1="{side}" y1="{top + plot}" x2="{width - side}" y2="{top + plot}" stroke="#ccc"/>']
    for index, bar in enumerate(bars):
        size = plot * bar.value / peak
        x = side + slot * index + (slot - thickness) / 2
        y = top + plot - size
        middle = x + thickness / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{thickness:.1f}" height="{size:.1f}" fill="{BAR}">'
            f"<title>{escape(bar.hint or bar.label)}: {escape(value_text(bar.value))}</title></rect>"
        )
        if bar.value:
            parts.append(
                f'<text x="{middle:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="10" fill="#333">'
                f"{escape(value_text(bar.value))}</text>"
            )
        parts.append(
            f'<text x="{middle:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="10" fill="#555">'
            f"{escape(bar.label)}</text>"
        )
    return _frame(key, title, width, height, "".join(parts))


def bar_chart(
    *, key: str, title: str, bars: Sequence[Bar], value_text: Callable[[float], str], width: int = 440
) -> SafeString:
    """Horizontal bars, one row per item, for long labels (projects, people)."""
    row = 24
    height = max(60, row * len(bars) + 16)
    if not bars or not any(bar.value for bar in bars):
        return _frame(key, title, width, height, _empty(width, height))
    label_width, value_width, side = 120, 56, 8
    plot = width - label_width - value_width - 2 * side
    peak = max(bar.value for bar in bars) or 1
    parts = []
    for index, bar in enumerate(bars):
        y = 8 + row * index
        size = max(1.0, plot * bar.value / peak) if bar.value else 0
        text = bar.label if len(bar.label) <= 18 else bar.label[:17] + "…"
        parts.append(
            f'<text x="{side + label_width - 6}" y="{y + 15}" text-anchor="end" font-size="11" fill="#333">'
            f"{escape(text)}</text>"
        )
        parts.append(
            f'<rect x="{side + label_width}" y="{y + 3}" width="{size:.1f}" height="{row - 8}" fill="{BAR}">'
            f"<title>{escape(bar.hint or bar.label)}: {escape(value_text(bar.value))}</title></rect>"
        )
        parts.append(
            f'<text x="{side + label_width + size + 6:.1f}" y="{y + 15}" font-size="11" fill="#333">'
            f"{escape(value_text(bar.value))}</text>"
        )
    return _frame(key, title, width, height, "".join(parts))
