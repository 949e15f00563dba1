"""Charts for reports and pages: matplotlib draws them once as SVG (screens, PDF) and PNG (DOCX).

matplotlib is imported inside the functions: importing it costs about half a second and most
requests never draw. The figure API is used without pyplot, so there is no global state and no GUI
backend. Text is drawn as paths (svg.fonttype "path") with DejaVu Sans, which ships with matplotlib
and covers Vietnamese, so a chart looks the same on every machine and in every viewer.
"""

import base64
import hashlib
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Where matplotlib keeps its font cache: never $HOME, which may be read-only on a server.
MPLCONFIGDIR = Path(tempfile.gettempdir()) / f"tincay-matplotlib-{os.getuid()}"

WIDTH_CM, HEIGHT_CM = 16, 8.5  # the text width of an A4 page with Decree 30 margins
PNG_DPI = 150
COLOURS = ["#1f4e79", "#c0504d", "#4f8f3a", "#e69a28", "#7f5fa8", "#3b9ab2"]

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "svg.fonttype": "path",
    "svg.hashsalt": "tincay",  # stable element ids, so the same data gives the same SVG
    "text.parse_math": False,  # a "$" in a district's name is text, not mathematics
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | int | None]


@dataclass(frozen=True)
class ChartImage:
    title: str
    svg: str  # a standalone <svg> document without scripts
    png: bytes

    def data_uri(self) -> str:
        """For <img src="...">: an SVG shown through <img> runs no script and loads nothing."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def line_chart(
    title: str,
    x_labels: list[str],
    series: list[Series],
    y_label: str = "",
    percent: bool = False,
    *,
    width_cm: float = WIDTH_CM,
    height_cm: float = HEIGHT_CM,
) -> ChartImage:
    """One line per series; a missing value (None) leaves a gap. With percent=True the values are
    percentages (0-100). The size is the size on paper: text keeps its size in a smaller chart."""

    def draw(ax):
        for i, s in enumerate(series):
            ax.plot(
                x_labels,
                _floats(s.values),
                marker="o",
                markersize=4,
                linewidth=1.8,
                color=COLOURS[i % len(COLOURS)],
                label=s.label,
            )

    return _chart(title, x_labels, series, y_label, percent, draw, (width_cm, height_cm))


def bar_chart(
    title: str,
    x_labels: list[str],
    series: list[Series],
    y_label: str = "",
    percent: bool = False,
    *,
    width_cm: float = WIDTH_CM,
    height_cm: float = HEIGHT_CM,
    horizontal: bool = False,
) -> ChartImage:
    """Grouped bars, one group per label, with the value over each bar when they fit. Horizontal
    bars (horizontal=True) list the labels top down: for names, which read badly turned."""

    def draw(ax):
        group = 0.8
        width = group / max(len(series), 1)
        for i, s in enumerate(series):
            offsets = [x - group / 2 + width * (i + 0.5) for x in range(len(x_labels))]
            colour = COLOURS[i % len(COLOURS)]
            if horizontal:
                bars = ax.barh(offsets, _floats(s.values), width, color=colour, label=s.label)
            else:
                bars = ax.bar(offsets, _floats(s.values), width, color=colour, label=s.label)
            if len(x_labels) * len(series) <= 16:  # more labels than that overlap; the axis reads better
                ax.bar_label(bars, labels=[_value_label(v, percent) for v in s.values], fontsize=7, padding=1)
        if horizontal:
            ax.set_yticks(range(len(x_labels)), x_labels)
            ax.invert_yaxis()  # the first label on top
        else:
            ax.set_xticks(range(len(x_labels)), x_labels)

    return _chart(title, x_labels, series, y_label, percent, draw, (width_cm, height_cm), horizontal)


def cached(name: str, figures, draw, timeout: int = 24 * 3600):
    """What `draw()` returns (charts), kept in Django's cache under a hash of the figures they
    show: drawing takes matplotlib a few hundred milliseconds, and new figures make a new key."""
    from django.core.cache import cache

    key = f"charts:{name}:" + hashlib.sha256(repr(figures).encode()).hexdigest()
    drawn = cache.get(key)
    if drawn is None:
        drawn = draw()
        cache.set(key, drawn, timeout)
    return drawn


def _chart(title, x_labels, series, y_label, percent, draw, size_cm=(WIDTH_CM, HEIGHT_CM), horizontal=False):
    os.environ.setdefault("MPLCONFIGDIR", str(MPLCONFIGDIR))
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(size_cm[0] / 2.54, size_cm[1] / 2.54), layout="constrained")
        ax = fig.add_subplot()
        draw(ax)
        if horizontal:  # over the whole figure: the names at the left leave the bars little width
            fig.suptitle(title, fontsize=11, fontweight="bold")
        else:
            ax.set_title(title, fontsize=11, fontweight="bold")
        # The axis of the values: y, or x for horizontal bars; it starts at 0.
        value_axis_name = "x" if horizontal else "y"
        if horizontal:
            values_axis, set_limits = ax.xaxis, ax.set_xlim
            ax.set_xlabel(y_label)
        else:
            values_axis, set_limits = ax.yaxis, ax.set_ylim
            ax.set_ylabel(y_label)
        set_limits(0, None)
        ax.grid(axis=value_axis_name, color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if percent:
            values_axis.set_major_formatter(PercentFormatter(100, decimals=0))
            if all(v is None or v <= 100 for s in series for v in s.values):
                set_limits(None, 105)  # the whole scale, with room for a point at 100%
        else:
            ax.ticklabel_format(axis=value_axis_name, style="plain", useOffset=False)
            if all(isinstance(v, int) for s in series for v in s.values if v is not None):
                # At most 10 steps on a full-size axis, fewer on a smaller one: labels need room.
                length, full = (size_cm[0], WIDTH_CM) if horizontal else (size_cm[1], HEIGHT_CM)
                steps = max(3, min(10, round(10 * length / full)))
                values_axis.set_major_locator(MaxNLocator(nbins=steps, integer=True))
        if len(x_labels) > 6 and not horizontal:  # long lists of district names need room
            ax.tick_params(axis="x", labelrotation=35)
            # A turned label needs about 0.6 cm of the axis: on a narrow chart only every other
            # one (or fewer) is shown, always the last (the latest day).
            step = math.ceil(len(x_labels) / max(int((size_cm[0] - 1.5) / 0.6), 2))
            last = len(x_labels) - 1
            for i, label in enumerate(ax.get_xticklabels()):
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
                label.set_visible((last - i) % step == 0)
        if len(series) > 1:  # under the plot, where it never hides a bar or a point
            fig.legend(loc="outside lower center", ncols=_legend_columns(series, size_cm[0]), frameon=False, fontsize=8)
        svg, png = io.StringIO(), io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None})
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return ChartImage(title=title, svg=svg.getvalue(), png=png.getvalue())


def _legend_columns(series, width_cm: float) -> int:
    """One row when the labels are short; long labels (statements) in two columns, or in one on a
    chart narrower than the page's."""
    room = 80 * width_cm / WIDTH_CM  # characters of 8 pt labels in one row
    lengths = [len(s.label) for s in series]
    if sum(lengths) <= room:
        return len(series)
    return 2 if width_cm >= WIDTH_CM or 2 * max(lengths) <= room else 1


def _floats(values) -> list[float]:
    return [float("nan") if v is None else v for v in values]


def _value_label(value, percent) -> str:
    if value is None:
        return ""
    text = f"{value:g}"
    return f"{text}%" if percent else text
