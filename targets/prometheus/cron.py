"""The longest gap between two runs of a cron schedule, for the backup-age alerts.

A backup is late when no run succeeded for longer than the schedule ever leaves between two
runs (plus a grace for the dump itself). `0 3 * * *` gives 24h, `0 3 * * 0` 7d, `0 3 1 * *`
31d (the longest month), `0 */6 * * *` 6h. The gap is computed exactly over eight calendar
years, which covers every month length and the leap-year cycle, so a schedule that only runs on
29 February gets its real four-year gap.

Standard five-field syntax (Kubernetes CronJob's): `*`, `a`, `a-b`, `*/n`, `a-b/n`, lists,
month and weekday names, `7` for Sunday, the `@daily`-style macros, and Vixie cron's rule that
a restricted day-of-month and a restricted day-of-week mean either day. Anything else is not a
schedule this module understands: `longest_gap` returns None.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (low, high, names) of minute, hour, day of month, month, day of week.
_FIELDS: tuple[tuple[int, int, list[str]], ...] = (
    (0, 59, []),
    (0, 23, []),
    (1, 31, []),
    (1, 12, _MONTHS),
    (0, 7, _DAYS),
)
_START = dt.date(2024, 1, 1)
_DAYS_SPAN = (dt.date(2032, 1, 1) - _START).days


def _value(text: str, low: int, names: list[str]) -> int:
    if text.lower() in names:
        return names.index(text.lower()) + low
    if not re.fullmatch(r"[0-9]+", text):
        raise ValueError(text)
    return int(text)


def _field(text: str, low: int, high: int, names: list[str]) -> tuple[set[int], bool]:
    """The values a field allows, and whether it is unrestricted (`*`, `*/1`)."""
    out: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        if step_text and not re.fullmatch(r"[0-9]+", step_text):
            raise ValueError(part)
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(part)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = _value(a, low, names), _value(b, low, names)
        else:
            first = _value(base, low, names)
            last = high if step_text else first
        if not low <= first <= last <= high:
            raise ValueError(part)
        out.update(range(first, last + 1, step))
    return out, text in ("*", "*/1")


def longest_gap(schedule: str) -> int | None:
    """Seconds of the longest interval between two consecutive runs, or None when `schedule` is
    not a five-field cron expression or runs less than twice in eight years."""
    fields = _MACROS.get(schedule.strip().lower(), schedule).split()
    if len(fields) != 5:
        return None
    try:
        parsed = [_field(text, low, high, names) for text, (low, high, names) in zip(fields, _FIELDS, strict=True)]
    except ValueError:
        return None
    (minutes, _), (hours, _), (mdays, any_mday), (months, _), (wdays, any_wday) = parsed
    wdays = {d % 7 for d in wdays}
    times = sorted(h * 60 + m for h in hours for m in minutes)
    gap = max((b - a for a, b in itertools.pairwise(times)), default=0)
    previous: int | None = None
    for offset in range(_DAYS_SPAN):
        day = _START + dt.timedelta(days=offset)
        if day.month not in months:
            continue
        by_mday, by_wday = day.day in mdays, day.isoweekday() % 7 in wdays
        # Vixie cron: when both day fields are restricted, either one matching is enough.
        matches = (by_mday or by_wday) if not (any_mday or any_wday) else (by_mday and by_wday)
        if not matches:
            continue
        if previous is not None:
            gap = max(gap, (offset - previous) * 1440 + times[0] - times[-1])
        previous = offset
    if previous is None or gap == 0:
        return None
    return gap * 60
