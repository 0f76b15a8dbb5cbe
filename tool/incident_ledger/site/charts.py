"""The metrics page's charts: static SVG drawn at build time with matplotlib.

The Agg backend needs no display; text is written as SVG text in a generic font family,
so nothing is fetched and the browser uses a local font. The figures drawn are the ones
the tables beside the charts print (both come from `metrics`).
"""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from .. import metrics
from .render import plain


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "incident-ledger",
            "font.family": "sans-serif",
            "font.size": 9,
        }
    )
    import matplotlib.pyplot as plt

    return plt


def _label(name: str) -> str:
    """A record value as a chart label: plain text, and `$` kept from starting mathtext."""
    return plain(name).replace("$", r"\$")


def _svg(figure: Any) -> bytes:
    buffer = io.BytesIO()
    # No date in the metadata: the same records make the same file.
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(figure)
    return buffer.getvalue()


# One colour per severity, by its rank in the policy (most severe first), the same in every
# chart: red for the worst, through orange and amber, to blue; grey for not yet classified.
SEVERITY_COLOURS = ("#b71c1c", "#e65100", "#f9a825", "#1565c0", "#6a1b9a", "#00838f")
UNCLASSIFIED_COLOUR = "#9e9e9e"
MEASURE_COLOURS = ("#00897b", "#3949ab", "#8e24aa")


def severity_colours(severities: list[str]) -> dict[str, str]:
    ranked = [s for s in severities if s != metrics.UNCLASSIFIED]
    colours = {s: SEVERITY_COLOURS[n % len(SEVERITY_COLOURS)] for n, s in enumerate(ranked)}
    return colours | {metrics.UNCLASSIFIED: UNCLASSIFIED_COLOUR}


def month_range(months: list[str]) -> list[str]:
    """Every month from the first to the last given (YYYY-MM), so empty months show as gaps."""
    if not months:
        return []
    (year, month), (last_year, last_month) = (tuple(map(int, m.split("-"))) for m in (min(months), max(months)))
    result = []
    while (year, month) <= (last_year, last_month):
        result.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


def quarter_range(quarters: list[str]) -> list[str]:
    """Every quarter from the first to the last given (YYYY-Qn)."""
    if not quarters:
        return []
    (year, q), (last_year, last_q) = ((int(x[:4]), int(x[-1])) for x in (min(quarters), max(quarters)))
    result = []
    while (year, q) <= (last_year, last_q):
        result.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return result


def per_month(months: dict[str, Counter[str]], severities: list[str]) -> bytes:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(8, 3))
    labels = month_range(list(months))
    positions = list(range(len(labels)))  # not the labels: "2026-01" would be read as a date
    bottom = [0] * len(labels)
    colours = severity_colours(severities)
    for severity in severities:
        values = [months.get(m, Counter())[severity] for m in labels]
        # Every severity is in the legend, with or without incidents: the key never shifts.
        axes.bar(positions, values, bottom=bottom, label=severity, color=colours[severity])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_xticks(positions, labels, rotation=90)
    axes.set_ylabel("incidents")
    axes.legend(loc="upper left", fontsize=8, ncols=len(severities), frameon=False, bbox_to_anchor=(0, 1.18))
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


def durations(groups: dict[str, dict[str, metrics.Stats]], measures: list[str], quarters: bool = False) -> bytes:
    """Medians per group: acknowledgement in minutes on its own axis (it is minutes where
    resolution is hours, and would vanish on a shared axis), resolve and recover in hours."""
    plt = _pyplot()
    figure, (fast, slow) = plt.subplots(1, 2, figsize=(9, 3), width_ratios=(2, 3))
    names = quarter_range(list(groups)) if quarters else list(groups)
    empty = {m: metrics.stats([]) for m in measures}
    panels = ((fast, measures[:1], 1, "minutes"), (slow, measures[1:], 60, "hours"))
    for axes, shown, unit, label in panels:
        width = 0.8 / max(1, len(shown))
        for index, measure in enumerate(shown):
            values = [(groups.get(n, empty)[measure].median or 0) / unit for n in names]
            colour = MEASURE_COLOURS[measures.index(measure) % len(MEASURE_COLOURS)]
            axes.bar(
                [x + index * width for x in range(len(names))],
                values,
                width,
                label=f"median time to {measure}",
                color=colour,
            )
        axes.set_xticks([x + width * (len(shown) - 1) / 2 for x in range(len(names))], names, rotation=90)
        axes.set_ylabel(label)
        axes.legend(loc="lower left", fontsize=8, frameon=False, bbox_to_anchor=(0, 1.0))
    return _svg(figure)


def services(counts: list[tuple[str, int]], limit: int = 20) -> bytes:
    """Horizontal bars of incident counts (by service, or by category), the largest on top."""
    plt = _pyplot()
    shown = counts[:limit][::-1]
    figure, axes = plt.subplots(figsize=(8, 0.6 + 0.25 * max(1, len(shown))))
    axes.barh(range(len(shown)), [count for _, count in shown])
    axes.set_yticks(range(len(shown)), [_label(name) for name, _ in shown])
    axes.set_xlabel("incidents" + (f" (top {limit})" if len(counts) > limit else ""))
    axes.xaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


def follow_through(follow: metrics.FollowThrough) -> bytes:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(8, 1.6))
    labels = ["done", "open, not yet due", "overdue", "won't fix"]
    values = [follow.done, follow.open_on_track, follow.overdue, follow.wontfix]
    axes.barh(labels[::-1], values[::-1], color=["#9e9e9e", "#c62828", "#1e88e5", "#43a047"])
    axes.set_xlabel("action items")
    axes.xaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


NAMES = ("per-month.svg", "durations.svg", "durations-quarter.svg", "services.svg", "categories.svg", "actions.svg")


def render_all(data: dict[str, Any]) -> dict[str, bytes]:
    """Every chart of the metrics page, {file name: SVG}, from the page's figures."""
    return {
        "per-month.svg": per_month(data["months"], data["severities"]),
        "durations.svg": durations(data["by_severity"], data["measures"]),
        "durations-quarter.svg": durations(data["by_quarter"], data["measures"], quarters=True),
        "services.svg": services(data["services"]),
        "categories.svg": services(data["categories"]),
        "actions.svg": follow_through(data["follow"]),
    }
