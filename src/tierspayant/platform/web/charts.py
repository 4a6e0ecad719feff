"""Bar charts as inline SVG, rendered on the server (no script, no build step, readable by screen readers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    name: str
    colour: str  # a CSS colour or var(--…)


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1/2/2.5/5 × 10ⁿ at or above ``value`` (axis maximum)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        candidate = step.scaleb(exponent)
        if candidate >= value:
            return candidate
    return Decimal(10).scaleb(exponent)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ")


def grouped_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[Decimal]],
    unit: str = "€",
    width: int = 900,
    height: int = 300,
) -> Markup:
    """One group of bars per category, one bar per series; ``values[c][s]`` is category c, series s."""
    left, right, top, bottom = 70, 10, 30, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_ceiling(max((v for row in values for v in row), default=Decimal(0)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title"><title id="chart-title">{escape(title)}</title>',
        f'<text x="{left}" y="18" font-size="14" font-weight="600" fill="#1d2733">{escape(title)}</text>',
    ]
    for tick in range(5):
        value = top_value * tick / 4
        y = top + plot_h - float(value / top_value) * plot_h
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dee4"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#5b6775">'
            f"{escape(_money(value))} {escape(unit)}</text>"
        )
    if not categories:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" fill="#5b6775">'
            "nothing to show yet</text>"
        )
    group_w = plot_w / max(len(categories), 1)
    bar_w = min(48.0, group_w * 0.8 / max(len(series), 1))
    for c, category in enumerate(categories):
        x0 = left + c * group_w + (group_w - bar_w * len(series)) / 2
        for s, one in enumerate(series):
            value = values[c][s]
            h = float(value / top_value) * plot_h if top_value else 0.0
            x, y = x0 + s * bar_w, top + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="{one.colour}" '
                f'data-series="{escape(one.name)}" data-category="{escape(category)}" data-value="{value}">'
                f"<title>{escape(category)} — {escape(one.name)}: {escape(_money(value))} {escape(unit)}</title></rect>"
            )
        label = category if len(category) <= 14 else category[:13] + "…"
        parts.append(
            f'<text x="{left + c * group_w + group_w / 2:.1f}" y="{top + plot_h + 18}" font-size="11" '
            f'text-anchor="middle" fill="#1d2733">{escape(label)}</text>'
        )
    legend_x = left
    for one in series:
        parts.append(f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{one.colour}"/>')
        parts.append(
            f'<text x="{legend_x + 14}" y="{height - 5}" font-size="11" fill="#1d2733">{escape(one.name)}</text>'
        )
        legend_x += 24 + 7 * len(one.name)
    parts.append("</svg>")
    return Markup("".join(parts))
