"""Time rules: local date-times and event offsets resolve to UTC, across daylight-saving changes."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.workshops.schedule import (
    EventClock,
    ScheduleError,
    format_local,
    timezone_named,
    to_utc,
)

LONDON = ZoneInfo("Europe/London")


def clock_for(starts: datetime, ends: datetime) -> EventClock:
    return EventClock(LONDON, to_utc(starts, LONDON), to_utc(ends, LONDON))


# The event after the spring change (clocks went forward on Sun 26 Mar 2017): 14:00-17:00 BST.
SPRING = clock_for(datetime(2017, 3, 27, 14), datetime(2017, 3, 27, 17))
# The event after the autumn change (clocks went back on Sun 29 Oct 2017): 14:00-17:00 GMT.
AUTUMN = clock_for(datetime(2017, 10, 30, 14), datetime(2017, 10, 30, 17))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _instants_shown_as(local: datetime) -> set[datetime]:
    """Every instant at which London's clocks showed `local` (none in a gap, two in a fold), per the stdlib."""
    candidates = {local.replace(tzinfo=LONDON, fold=fold).astimezone(UTC) for fold in (0, 1)}
    return {instant for instant in candidates if instant.astimezone(LONDON).replace(tzinfo=None) == local}


def test_local_datetime_is_read_in_the_workshop_timezone() -> None:
    assert SPRING.resolve(datetime(2017, 3, 24, 9, 0)) == utc(2017, 3, 24, 9, 0)  # GMT
    assert SPRING.resolve(datetime(2017, 3, 27, 9, 0)) == utc(2017, 3, 27, 8, 0)  # BST


def test_days_before_at_a_time_keeps_local_wall_clock_across_the_spring_change() -> None:
    resolved = SPRING.resolve("3 days before at 09:00")
    assert resolved == utc(2017, 3, 24, 9, 0)
    assert format_local(resolved, LONDON) == "Fri 24 Mar 2017 09:00 GMT"


def test_days_after_at_a_time_keeps_local_wall_clock_across_the_autumn_change() -> None:
    event = clock_for(datetime(2017, 10, 27, 14), datetime(2017, 10, 27, 17))  # Friday, BST
    resolved = event.resolve("3 days after at 09:00")
    assert resolved == utc(2017, 10, 30, 9, 0)
    assert format_local(resolved, LONDON) == "Mon 30 Oct 2017 09:00 GMT"


def test_days_before_without_a_time_keeps_the_start_wall_clock() -> None:
    assert AUTUMN.resolve("2 days before") == utc(2017, 10, 28, 13, 0)  # 14:00 BST on the Saturday


def test_hours_and_minutes_are_elapsed_time() -> None:
    assert SPRING.resolve("2 hours before") == utc(2017, 3, 27, 11, 0)
    assert SPRING.resolve("30 minutes after") == utc(2017, 3, 27, 16, 30)
    assert SPRING.resolve("1 hour after start") == utc(2017, 3, 27, 14, 0)
    assert SPRING.resolve("15 minutes before end") == utc(2017, 3, 27, 15, 45)


def test_elapsed_hours_across_the_change_are_real_hours() -> None:
    event = clock_for(datetime(2017, 3, 26, 3), datetime(2017, 3, 26, 4))  # 03:00 BST = 02:00 UTC
    assert event.resolve("2 hours before") == utc(2017, 3, 26, 0, 0)  # 00:00 GMT, not 01:00


def test_start_and_end_anchors() -> None:
    assert SPRING.resolve("at start") == utc(2017, 3, 27, 13, 0)
    assert SPRING.resolve("  At   END ") == utc(2017, 3, 27, 16, 0)


def test_weeks_are_seven_calendar_days() -> None:
    assert SPRING.resolve("1 week before at 10:30") == utc(2017, 3, 20, 10, 30)


def test_nonexistent_local_time_moves_forward_by_the_gap() -> None:
    gap = datetime(2017, 3, 26, 1, 30)
    assert _instants_shown_as(gap) == set()  # the clocks jumped from 01:00 to 02:00
    assert to_utc(gap, LONDON) == utc(2017, 3, 26, 1, 30)
    assert format_local(to_utc(gap, LONDON), LONDON) == "Sun 26 Mar 2017 02:30 BST"


def test_offset_landing_in_the_gap_moves_forward_too() -> None:
    event = clock_for(datetime(2017, 3, 27, 14), datetime(2017, 3, 27, 17))
    assert format_local(event.resolve("1 day before at 01:30"), LONDON) == "Sun 26 Mar 2017 02:30 BST"


def test_ambiguous_local_time_means_the_first_occurrence() -> None:
    fold = datetime(2017, 10, 29, 1, 30)
    assert _instants_shown_as(fold) == {utc(2017, 10, 29, 0, 30), utc(2017, 10, 29, 1, 30)}  # BST, then GMT
    assert to_utc(fold, LONDON) == utc(2017, 10, 29, 0, 30)
    assert format_local(to_utc(fold, LONDON), LONDON) == "Sun 29 Oct 2017 01:30 BST"


def test_aware_datetime_is_taken_as_given() -> None:
    assert SPRING.resolve(datetime(2017, 3, 24, 9, 0, tzinfo=ZoneInfo("America/New_York"))) == utc(
        2017, 3, 24, 13
    )


def test_format_local_reads_like_a_calendar() -> None:
    assert format_local(utc(2017, 5, 12, 8, 0), "Europe/London") == "Fri 12 May 2017 09:00 BST"
    assert format_local(utc(2017, 5, 5, 8, 0), LONDON) == "Fri 5 May 2017 09:00 BST"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3 dayz before", 'cannot read "3 dayz before": use a local date-time or an offset such as'),
        ("2 hours before at 09:00", '"at HH:MM" only goes with days or weeks'),
        ("1 day before at 25:00", "25:00 is not a time of day"),
        (date(2017, 3, 24), "2017-03-24 is not a date-time"),
        (42, "expected a local date-time or an offset"),
    ],
)
def test_unreadable_values_are_refused_with_a_reason(value: object, message: str) -> None:
    with pytest.raises(ScheduleError, match=message.replace("(", r"\(")):
        SPRING.resolve(value)


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ScheduleError, match='unknown timezone "Europe/Cambridge"'):
        timezone_named("Europe/Cambridge")
    with pytest.raises(ScheduleError, match="unknown timezone"):
        timezone_named("../etc/passwd")
