"""Time rules for workshop files: local times and event offsets resolved to UTC, and local display.

Every time a workshop file names is either a local date-time in the workshop's timezone or an offset from
the event ("3 days before at 09:00", "2 hours before", "30 minutes after start", "at end"). Both resolve to
an aware UTC datetime here, so the rest of the bot only ever sees UTC.

Daylight-saving rules (PEP 495 semantics, chosen so a file never fails to load over a clock change):
- a local time that does not exist (skipped by the spring-forward gap) is moved forward by the length of the
  gap, e.g. 01:30 on 26 Mar 2017 in Europe/London becomes 02:30 BST;
- a local time that happens twice (the autumn fold) means its first occurrence, e.g. 01:30 BST.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OFFSET_EXAMPLES = '"3 days before at 09:00", "2 hours before", "30 minutes after start" or "at end"'

_OFFSET = re.compile(
    r"(?P<count>\d{1,4})\s+(?P<unit>minute|hour|day|week)s?\s+(?P<direction>before|after)"
    r"(?:\s+(?P<anchor>start|end))?(?:\s+at\s+(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
)
_ANCHOR_ONLY = re.compile(r"at\s+(?P<anchor>start|end)")


class ScheduleError(ValueError):
    """A time value cannot be understood; the message says what is wrong, without a file or field name."""


def timezone_named(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or a ScheduleError naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # ValueError covers names ZoneInfo refuses outright, such as absolute paths or "..".
        raise ScheduleError(f'unknown timezone "{name}" (use an IANA name such as "Europe/London")') from None


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Interpret a naive wall-clock time in `tz` and return it in UTC (gaps shift forward, folds take the first)."""
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    # fold=0 gives both DST rules at once: in a gap it applies the pre-transition offset, which lands the
    # instant after the gap by the gap's length; in a fold it selects the earlier of the two instants.
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def format_local(when: datetime, tz: ZoneInfo | str) -> str:
    """`when` as the workshop's wall clock, e.g. "Fri 12 May 2017 09:00 BST"."""
    zone = timezone_named(tz) if isinstance(tz, str) else tz
    try:
        local = when.astimezone(zone)
    except OverflowError:  # only at the very ends of the calendar
        return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"


@dataclass(frozen=True, slots=True)
class EventClock:
    """The frame every workshop time is resolved in: the timezone plus the event's UTC start and end."""

    tz: ZoneInfo
    starts: datetime
    ends: datetime

    def resolve(self, value: object) -> datetime:
        """A TOML date-time or an offset string as an aware UTC datetime; ScheduleError otherwise."""
        try:
            return self._resolve(value)
        except OverflowError:
            raise ScheduleError(f"{value} is outside the calendar's range") from None

    def _resolve(self, value: object) -> datetime:
        if isinstance(value, datetime):
            return to_utc(value, self.tz)
        if isinstance(value, date | time):
            raise ScheduleError(
                f"{value.isoformat()} is not a date-time; write a local date-time like 2017-05-12T09:00:00"
            )
        if isinstance(value, str):
            return self._resolve_offset(value)
        raise ScheduleError(f"expected a local date-time or an offset such as {OFFSET_EXAMPLES}")

    def _resolve_offset(self, text: str) -> datetime:
        normalised = " ".join(text.lower().split())
        if anchor_only := _ANCHOR_ONLY.fullmatch(normalised):
            return self.starts if anchor_only["anchor"] == "start" else self.ends
        match = _OFFSET.fullmatch(normalised)
        if match is None:
            raise ScheduleError(
                f'cannot read "{text}": use a local date-time or an offset such as {OFFSET_EXAMPLES}'
            )
        direction = match["direction"]
        anchor_name = match["anchor"] or ("start" if direction == "before" else "end")
        anchor = self.starts if anchor_name == "start" else self.ends
        count = int(match["count"]) * (-1 if direction == "before" else 1)
        unit = match["unit"]
        if unit in ("minute", "hour"):
            if match["hour"] is not None:
                raise ScheduleError(f'cannot read "{text}": "at HH:MM" only goes with days or weeks')
            # Elapsed time, not wall-clock time: "2 hours before" is two real hours even across a DST change.
            return anchor + timedelta(**{f"{unit}s": count})
        days = count * (7 if unit == "week" else 1)
        local_anchor = anchor.astimezone(self.tz)
        wall_clock = local_anchor.time().replace(tzinfo=None)
        if match["hour"] is not None:
            wall_clock = _wall_clock(text, int(match["hour"]), int(match["minute"]))
        # Calendar days, so "3 days before at 09:00" stays 09:00 local whatever the clocks did meanwhile.
        return to_utc(datetime.combine(local_anchor.date() + timedelta(days=days), wall_clock), self.tz)


def _wall_clock(text: str, hour: int, minute: int) -> time:
    if hour > 23 or minute > 59:
        raise ScheduleError(f'cannot read "{text}": {hour:02d}:{minute:02d} is not a time of day')
    return time(hour, minute)
