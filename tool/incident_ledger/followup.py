"""Follow-through that can be measured: the share of action items done by their due date.

An action item counts once its outcome is known: done (on time when `done_at`, in UTC,
falls on or before `due`), or still open after its due date (late). Items still open
before their due date are not decided yet, and `wontfix` items were decided against:
neither counts. A done item without `done_at` (recorded before `inc action done`
stamped it) is counted apart, as unknown. Items are grouped by the quarter they were
due in, and by kind (detect, mitigate, prevent, process).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .process import ITEM_DONE, item_due, item_is_open, items_of, today
from .records import parse_time


@dataclass
class OnTime:
    on_time: int = 0
    late: int = 0
    unknown: int = 0  # done, but when is not recorded

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def share(self) -> float | None:
        """The share done on time of the items whose outcome is known, None when there are none."""
        return self.on_time / self.decided if self.decided else None


def outcome(item: Mapping[str, Any], day: date) -> str | None:
    """'on_time', 'late', 'unknown', or None when the item does not count (yet) on `day`."""
    due = item_due(item)
    if due is None:
        return None
    if item.get("status") == ITEM_DONE:
        done = parse_time(item.get("done_at"))
        if done is None:
            return "unknown"
        return "on_time" if today(done) <= due else "late"
    if item_is_open(item) and due < day:
        return "late"
    return None


def quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class FollowThrough:
    by_quarter: dict[str, OnTime]
    by_kind: dict[str, OnTime]
    overall: OnTime


def on_time(records: Iterable[Mapping[str, Any]], day: date) -> FollowThrough:
    """Action items done on time, by the quarter they were due in and by kind."""
    quarters: dict[str, OnTime] = defaultdict(OnTime)
    kinds: dict[str, OnTime] = defaultdict(OnTime)
    overall = OnTime()
    for record in records:
        for item in items_of(record):
            result = outcome(item, day)
            due = item_due(item)
            if result is None or due is None:
                continue
            for bucket in (quarters[quarter(due)], kinds[str(item.get("kind"))], overall):
                setattr(bucket, result, getattr(bucket, result) + 1)
    return FollowThrough({q: quarters[q] for q in sorted(quarters)}, {k: kinds[k] for k in sorted(kinds)}, overall)
