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


def per_month(months: dict[str, Counter[str]], severities: list[str]) -> bytes:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(8, 3))
    labels = list(months)
    positions = list(range(len(labels)))  # not the labels: "2026-01" would be read as a date
    bottom = [0] * len(labels)
    for severity in severities:
        values = [months[m][severity] for m in labels]
        if any(values):
            axes.bar(positions, values, bottom=bottom, label=severity)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_xticks(positions, labels, rotation=90)
    axes.set_ylabel("incidents")
    if labels:
        axes.legend(loc="upper left", fontsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    return _svg(figure)


def durations(groups: dict[str, dict[str, metrics.Stats]], measures: list[str]) -> bytes:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(8, 3))
    names = list(groups)
    width = 0.8 / max(1, len(measures))
    for index, measure in enumerate(measures):
        values = [(groups[n][measure].median or 0) / 60 for n in names]
        axes.bar([x + index * width for x in range(len(names))], values, width, label=f"median time to {measure}")
    axes.set_xticks([x + width * (len(measures) - 1) / 2 for x in range(len(names))], names)
    axes.set_ylabel("hours")
    if names:
        axes.legend(loc="upper right", fontsize=8)
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
        "durations-quarter.svg": durations(data["by_quarter"], data["measures"]),
        "services.svg": services(data["services"]),
        "categories.svg": services(data["categories"]),
        "actions.svg": follow_through(data["follow"]),
    }
