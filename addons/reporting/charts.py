"""Charts of a report as server-rendered SVG: bars or lines, axis labels, an accessible
title; no JavaScript. Floats only for pixel positions: the values come in as Decimals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 80, 16, 16, 70
COLOURS = ("#2f6fb0", "#e08a1e", "#3b9c5a", "#b0413e", "#7a5cb8")
MAX_CATEGORIES = 40  # more would be unreadable: the first ones are drawn, and said so


def _nice_max(value: float) -> float:
    """A round number at or above ``value`` for the top of the axis."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def render_svg(
    kind: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | int | None]]],
    fmt: Callable[[Any], str] = str,
) -> Markup:
    """An SVG chart: ``kind`` ``bar`` or ``line``; ``series`` (label, values per category);
    ``fmt`` writes a value of the axis in the reader's language."""
    categories = list(categories)[:MAX_CATEGORIES]
    raw = [list(vals)[: len(categories)] for _, vals in series]
    values = [[float(v or 0) for v in vals] for vals in raw]
    high = max([max(vals, default=0) for vals in values] + [0])
    low = min([min(vals, default=0) for vals in values] + [0])
    top, bottom = _nice_max(high), -_nice_max(-low) if low < 0 else 0.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h * (top - value) / ((top - bottom) or 1)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="report-chart" aria-labelledby="chart-title"><title id="chart-title">'
        f"{escape(title)}</title>"
    ]
    for i in range(5):  # horizontal grid and the value axis
        value = bottom + (top - bottom) * i / 4
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{escape(fmt(Decimal(str(round(value, 2)))))}</text>"
        )
    n = max(len(categories), 1)
    band = plot_w / n
    for index, label in enumerate(categories):
        x = LEFT + band * (index + 0.5)
        text = escape(str(label)[:18])
        out.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 14}" font-size="11" text-anchor="end" '
            f'transform="rotate(-35 {x:.1f} {HEIGHT - BOTTOM + 14})">{text}</text>'
        )
    zero = y(0)
    for s, vals in enumerate(values):
        colour = COLOURS[s % len(COLOURS)]
        if kind == "line":
            points = " ".join(
                f"{LEFT + band * (i + 0.5):.1f},{y(v):.1f}" for i, v in enumerate(vals)
            )
            out.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
            )
            continue
        width = band * 0.8 / len(series)
        for i, v in enumerate(vals):
            x = LEFT + band * i + band * 0.1 + width * s
            y0, y1 = sorted((zero, y(v)))
            out.append(
                f'<rect x="{x:.1f}" y="{y0:.1f}" width="{width:.1f}" height="{y1 - y0:.1f}" '
                f'fill="{colour}"><title>{escape(str(categories[i]))}: {escape(fmt(raw[s][i]))}'
                "</title></rect>"
            )
    out.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{zero:.1f}" y2="{zero:.1f}" stroke="#555"/>'
    )
    for s, (name, _) in enumerate(series):  # the legend
        x = LEFT + 150 * s
        out.append(
            f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" '
            f'fill="{COLOURS[s % len(COLOURS)]}"/><text x="{x + 14}" y="{HEIGHT - 5}" '
            f'font-size="11">{escape(str(name))}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
