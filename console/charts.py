"""Server-side SVG charts for the dashboard: pictures, drawn here, no chart library and no
script. Each chart carries a <title> and an aria-label so a screen reader gets the figures."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 560
BAR = 22
GAP = 8
LABEL_W = 170
PALETTE = ("#1f5fa8", "#b3541e", "#2e7d32", "#6a3d9a", "#8c6d1f", "#00838f")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as a person reads it: "12.5 h", "¥80.00", "33 %"


def bar_chart(title: str, bars: list[Bar], *, empty: str = "nothing in this range") -> str:
    """Horizontal bars, one per label, scaled to the largest value."""
    if not bars:
        return (
            f'<svg role="img" aria-label="{escape(title)}: {escape(empty)}" viewBox="0 0 {WIDTH} 40" '
            f'class="chart"><title>{escape(title)}</title>'
            f'<text x="0" y="24" class="chart-empty">{escape(empty)}</text></svg>'
        )
    top = max(b.value for b in bars) or 1
    height = len(bars) * (BAR + GAP) + GAP
    span = WIDTH - LABEL_W - 90
    parts = []
    for i, b in enumerate(bars):
        y = GAP + i * (BAR + GAP)
        w = max(2.0, span * b.value / top) if b.value else 0
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + BAR * 0.7:.0f}" text-anchor="end" class="chart-label">{escape(b.label)}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{colour}" rx="2"/>'
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + BAR * 0.7:.0f}" class="chart-value">{escape(b.shown)}</text>'
        )
    described = "; ".join(f"{b.label} {b.shown}" for b in bars)
    return (
        f'<svg role="img" aria-label="{escape(title)}: {escape(described)}" viewBox="0 0 {WIDTH} {height}" '
        f'class="chart"><title>{escape(title)}</title>{"".join(parts)}</svg>'
    )


def rate_chart(title: str, rates: dict[str, float | None]) -> str:
    """Rates (0..1) as bars out of 100 %."""
    bars = [Bar(k, v * 100, f"{v * 100:.0f} %") for k, v in rates.items() if v is not None]
    return bar_chart(title, bars, empty="no closed complaints in this range")
