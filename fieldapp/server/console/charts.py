"""The unit report's chart, drawn on the server as SVG: per worker, measures met against missed.

No script and no chart library in the browser: a locked-down agency browser shows it as an image, a
screen reader reads its title and description, and each bar carries its number as text so colour is never
the only cue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    met: int
    missed: int


MET_COLOUR = "#1a7f37"
MISSED_COLOUR = "#b42318"


def met_missed_chart(title: str, bars: Sequence[Bar], width: int = 720) -> str:
    """An SVG document (inline in the page) with two bars per worker and a legend."""
    label_w, row_h, bar_h, top = 190, 46, 16, 40
    plot_w = width - label_w - 60
    most = max([1, *(max(b.met, b.missed) for b in bars)])
    height = top + row_h * max(1, len(bars)) + 10
    summary = "; ".join(f"{b.label}: {b.met} met, {b.missed} missed" for b in bars) or "no workers"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="chart-title chart-desc" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(summary)}</desc>',
        f'<rect x="{label_w}" y="8" width="14" height="14" fill="{MET_COLOUR}"/>',
        f'<text x="{label_w + 20}" y="20" font-size="14">Met</text>',
        f'<rect x="{label_w + 80}" y="8" width="14" height="14" fill="{MISSED_COLOUR}"/>',
        f'<text x="{label_w + 100}" y="20" font-size="14">Missed</text>',
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_h
        out.append(
            f'<text x="{label_w - 10}" y="{y + bar_h + 4}" font-size="14" text-anchor="end">{escape(bar.label)}</text>'
        )
        for j, (value, colour) in enumerate(((bar.met, MET_COLOUR), (bar.missed, MISSED_COLOUR))):
            w = round(plot_w * value / most)
            by = y + j * (bar_h + 2)
            out.append(f'<rect x="{label_w}" y="{by}" width="{max(w, 1)}" height="{bar_h}" fill="{colour}"/>')
            out.append(
                f'<text x="{label_w + max(w, 1) + 6}" y="{by + bar_h - 3}" font-size="13">{value}</text>'
            )
    out.append("</svg>")
    return "".join(out)
