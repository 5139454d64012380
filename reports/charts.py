"""Charts of the dashboard drawn on the server as SVG (no script: they print, they swap with
htmx, and they work on the LAN's oldest tablet). A Chart holds the figures; `geometry()` turns
them into the shapes templates/reports/_chart.html draws. Every chart also has its figures as a
table (the panel's "Show figures"), so nothing is only a picture.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
# Okabe–Ito colours: told apart by people with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]


@dataclass(frozen=True)
class Series:
    """One line or set of bars: `values` line up with the chart's `labels` (None: no figure)."""

    name: str
    values: list[float | Decimal | int | None]


@dataclass(frozen=True)
class Band:
    """A shaded interval (e.g. a forecast's 80 % interval) over the chart's labels."""

    name: str
    low: list[float]
    high: list[float]


@dataclass(frozen=True)
class Chart:
    """`kind` "bar" (series side by side; negative values below the axis) or "line".
    `limit` draws a dashed level line (a ward's capacity), `unit` follows the axis figures."""

    title: str
    kind: str
    labels: list[str]
    series: list[Series]
    unit: str = ""
    limit: tuple[str, float] | None = None
    band: Band | None = None
    notes: list[str] = field(default_factory=list)

    def geometry(self) -> dict:
        return _geometry(self)


def _nice_step(span: float) -> float:
    raw = span / 4 or 1
    magnitude = 10 ** (len(str(int(raw))) - 1) if raw >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if raw <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _geometry(chart: Chart) -> dict:
    values = [float(v) for s in chart.series for v in s.values if v is not None]
    if chart.band:
        values += chart.band.low + chart.band.high
    if chart.limit:
        values.append(float(chart.limit[1]))
    top = max(values + [0.0])
    bottom = min(values + [0.0])
    step = _nice_step(top - bottom)
    top = step * -(-top // step) if top > 0 else 0.0
    bottom = step * (bottom // step) if bottom < 0 else 0.0
    span = (top - bottom) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(chart.labels), 1)
    slot = plot_w / count

    def y(value: float) -> float:
        return round(TOP + (top - value) / span * plot_h, 1)

    def x(index: int) -> float:
        return round(LEFT + slot * (index + 0.5), 1)

    ticks = []
    level = bottom
    while level <= top + step / 2:
        ticks.append({"y": y(level), "label": _figure(level)})
        level += step
    every = max(1, count // 10)
    x_labels = [
        {"x": x(i), "label": label} for i, label in enumerate(chart.labels) if i % every == 0
    ]
    shapes = []
    bar_w = slot * 0.8 / max(len(chart.series), 1)
    for n, series in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        if chart.kind == "bar":
            bars = []
            for i, value in enumerate(series.values):
                if value is None:
                    continue
                left = LEFT + slot * i + slot * 0.1 + bar_w * n
                y0, y1 = sorted((y(0.0), y(float(value))))
                bars.append(
                    f'<rect class="chart-series-{n}" x="{round(left, 1)}" y="{y0}"'
                    f' width="{round(bar_w, 1)}" height="{round(y1 - y0, 1)}" fill="{colour}"/>'
                )
            # Written here, not by the template: two years of days are some 1,500 bars, and a
            # template variable per attribute cost a two-year page over 100 ms. Only numbers
            # and the palette's colours go in, so the markup is safe as it is.
            shapes.append(
                {"name": series.name, "colour": colour, "bars": mark_safe("".join(bars))}  # noqa: S308
            )
        else:
            points = " ".join(
                f"{x(i)},{y(float(v))}" for i, v in enumerate(series.values) if v is not None
            )
            shapes.append({"name": series.name, "colour": colour, "points": points})
    band = None
    if chart.band:
        upper = [f"{x(i)},{y(v)}" for i, v in enumerate(chart.band.high)]
        lower = [f"{x(i)},{y(v)}" for i, v in reversed(list(enumerate(chart.band.low)))]
        band = {"name": chart.band.name, "points": " ".join(upper + lower)}
    limit = None
    if chart.limit:
        level = y(float(chart.limit[1]))
        # The label sits 4 px above its line (in Python: the template's `add` drops the decimals).
        limit = {"label": chart.limit[0], "y": level, "label_y": round(level - 4, 1)}
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "zero": y(0.0),
        "ticks": ticks,
        "x_labels": x_labels,
        "shapes": shapes,
        "band": band,
        "limit": limit,
        "axis_y": HEIGHT - BOTTOM + 16,
    }


def _figure(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if abs(value) >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"
