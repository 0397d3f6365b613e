"""PNG charts for Discord: events per week or day by kind, and counts by kind, group and place.

Pure functions from plain rows to PNG bytes. They use matplotlib's object API with the Agg canvas and never
pyplot, so there is no global figure state and they are safe to run in worker threads (callers do:
`await asyncio.to_thread(events_per_week_png, rows)`), which keeps the event loop free.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

KIND_COLORS = {"militia_attack": "#c0392b", "us_strike": "#1f6fb2"}
KIND_LABELS = {"militia_attack": "Militia attacks", "us_strike": "US strikes"}
OTHER_COLOR = "#7f8c8d"
DPI = 100

Row = tuple[date, str, int]  # (period start, kind, count)


def events_per_week_png(rows: Sequence[Row], *, title: str = "Events per week") -> bytes:
    """Stacked bars of events per week by kind. `rows` are (week start (a Monday), kind, count)."""
    weeks = [day - timedelta(days=day.weekday()) for day, _, _ in rows]
    periods = _periods(weeks, timedelta(days=7))
    counts = _counts([(w, kind, n) for w, (_, kind, n) in zip(weeks, rows, strict=True)])
    return _stacked(periods, counts, title, label_format="%d %b %y", bar_width=0.8)


def events_per_day_png(rows: Sequence[Row], *, title: str = "Events per day") -> bytes:
    """Stacked bars of events per day by kind. `rows` are (day, kind, count)."""
    periods = _periods([day for day, _, _ in rows], timedelta(days=1))
    return _stacked(periods, _counts(rows), title, label_format="%d %b", bar_width=0.8)


def stats_png(
    by_kind: Mapping[str, int],
    by_group: Mapping[str, int],
    by_place: Mapping[str, int],
    *,
    title: str = "Events",
    top: int = 10,
) -> bytes:
    """Three panels of horizontal bars: counts by kind, by group and by place (the `top` largest of each)."""
    figure = Figure(figsize=(11, 4.5), dpi=DPI, layout="constrained")
    figure.suptitle(_safe(title))
    panels = (("By kind", by_kind), ("By group", by_group), ("By place", by_place))
    for index, (name, counts) in enumerate(panels, start=1):
        axes = figure.add_subplot(1, 3, index)
        axes.set_title(name)
        items = sorted(((_safe(_label(k)), v) for k, v in counts.items() if v > 0),
                       key=lambda item: (-item[1], item[0]))[:top]
        if not items:
            axes.text(0.5, 0.5, "no data", ha="center", va="center", transform=axes.transAxes)
            axes.set_axis_off()
            continue
        labels = [label for label, _ in reversed(items)]
        values = [value for _, value in reversed(items)]
        colors = [KIND_COLORS.get(k, OTHER_COLOR) if counts is by_kind else "#5d6d7e"
                  for k in _keys_for(labels, counts)]
        bars = axes.barh(labels, values, color=colors)
        axes.bar_label(bars, padding=2, fontsize=8)
        axes.tick_params(axis="y", labelsize=8)
        axes.margins(x=0.15)
    return _png(figure)


def _stacked(periods: list[date], counts: dict[str, dict[date, int]], title: str, *, label_format: str,
             bar_width: float) -> bytes:
    figure = Figure(figsize=(9, 4), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(_safe(title))
    if not periods:
        axes.text(0.5, 0.5, "no events in this period", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return _png(figure)
    positions = list(range(len(periods)))  # bars at index positions; the dates are only tick labels
    bottom = [0] * len(periods)
    for kind in sorted(counts, key=lambda k: (k not in KIND_COLORS, k)):
        values = [counts[kind].get(period, 0) for period in periods]
        axes.bar(positions, values, width=bar_width, bottom=bottom, label=_safe(_label(kind)),
                 color=KIND_COLORS.get(kind, OTHER_COLOR))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_ylabel("events")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    step = max(1, len(periods) // 12)  # at most about a dozen date labels
    axes.set_xticks(positions[::step], [p.strftime(label_format) for p in periods[::step]], rotation=45,
                    ha="right", fontsize=8)
    axes.legend(loc="upper left", fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure)


def _periods(starts: Sequence[date], step: timedelta) -> list[date]:
    """Every period from the first to the last, so gaps show as empty bars instead of disappearing."""
    if not starts:
        return []
    first, last = min(starts), max(starts)
    count = (last - first) // step + 1
    return [first + step * i for i in range(count)]


def _counts(rows: Sequence[Row]) -> dict[str, dict[date, int]]:
    counts: dict[str, dict[date, int]] = {}
    for period, kind, count in rows:
        per_kind = counts.setdefault(kind, {})
        per_kind[period] = per_kind.get(period, 0) + int(count)
    return counts


def _keys_for(labels: Sequence[str], counts: Mapping[str, int]) -> list[str]:
    by_label = {_safe(_label(k)): k for k in counts}
    return [by_label.get(label, label) for label in labels]


def _label(key: str) -> str:
    return KIND_LABELS.get(key, key.replace("_", " "))


def _safe(text: str) -> str:
    # matplotlib reads $...$ as math; a group or place name must show literally.
    return text.replace("$", r"\$")


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
