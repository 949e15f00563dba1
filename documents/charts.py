"""Charts for reports and pages: matplotlib draws them once as SVG (screens, PDF) and PNG (DOCX).

matplotlib is imported inside the functions: importing it costs about half a second and most
requests never draw. The figure API is used without pyplot, so there is no global state and no GUI
backend. Text is drawn as paths (svg.fonttype "path") with DejaVu Sans, which ships with matplotlib
and covers Vietnamese, so a chart looks the same on every machine and in every viewer.
"""

import base64
import hashlib
import io
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
    title: str, x_labels: list[str], series: list[Series], y_label: str = "", percent: bool = False
) -> ChartImage:
    """One line per series; a missing value (None) leaves a gap. With percent=True the values are
    percentages (0-100)."""

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

    return _chart(title, x_labels, series, y_label, percent, draw)


def bar_chart(
    title: str, x_labels: list[str], series: list[Series], y_label: str = "", percent: bool = False
) -> ChartImage:
    """Grouped bars, one group per label, with the value over each bar when they fit."""

    def draw(ax):
        group = 0.8
        width = group / max(len(series), 1)
        for i, s in enumerate(series):
            offsets = [x - group / 2 + width * (i + 0.5) for x in range(len(x_labels))]
            bars = ax.bar(offsets, _floats(s.values), width, color=COLOURS[i % len(COLOURS)], label=s.label)
            if len(x_labels) * len(series) <= 16:  # more labels than that overlap; the axis reads better
                ax.bar_label(bars, labels=[_value_label(v, percent) for v in s.values], fontsize=7, padding=1)
        ax.set_xticks(range(len(x_labels)), x_labels)

    return _chart(title, x_labels, series, y_label, percent, draw)


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


def _chart(title, x_labels, series, y_label, percent, draw) -> ChartImage:
    os.environ.setdefault("MPLCONFIGDIR", str(MPLCONFIGDIR))
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    with matplotlib.rc_context(STYLE):
        fig = Figure(figsize=(WIDTH_CM / 2.54, HEIGHT_CM / 2.54), layout="constrained")
        ax = fig.add_subplot()
        draw(ax)
        ax.set_title(title, fontsize=11, fontweight="bold")
        ax.set_ylabel(y_label)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.set_axisbelow(True)
        if percent:
            ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
            if all(v is None or v <= 100 for s in series for v in s.values):
                ax.set_ylim(top=105)  # the whole scale, with room for a point at 100%
        else:
            ax.ticklabel_format(axis="y", style="plain", useOffset=False)
            if all(isinstance(v, int) for s in series for v in s.values if v is not None):
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if len(x_labels) > 6:  # long lists of district names need room
            ax.tick_params(axis="x", labelrotation=35)
            for label in ax.get_xticklabels():
                label.set_horizontalalignment("right")
                label.set_rotation_mode("anchor")
        if len(series) > 1:  # under the plot, where it never hides a bar or a point
            # One row when the labels are short; long labels (statements) in two columns.
            short = sum(len(s.label) for s in series) <= 80
            fig.legend(loc="outside lower center", ncols=len(series) if short else 2, frameon=False, fontsize=8)
        svg, png = io.StringIO(), io.BytesIO()
        fig.savefig(svg, format="svg", metadata={"Date": None})
        fig.savefig(png, format="png", dpi=PNG_DPI, metadata={"Software": None})
    return ChartImage(title=title, svg=svg.getvalue(), png=png.getvalue())


def _floats(values) -> list[float]:
    return [float("nan") if v is None else v for v in values]


def _value_label(value, percent) -> str:
    if value is None:
        return ""
    text = f"{value:g}"
    return f"{text}%" if percent else text
