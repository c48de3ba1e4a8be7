"""Reading one TOML table of a workshop file: typed getters that record precise problems instead of raising."""

from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from bot.workshops.schedule import EventClock, ScheduleError
from bot.workshops.spec import UNRESOLVED, USER_ID

E = TypeVar("E", bound=StrEnum)


class Problems:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{self.source}: {path}: {message}")


def toml_type(value: object) -> str:
    names = {bool: "a boolean", str: "a string", int: "an integer", float: "a float", list: "an array",
             dict: "a table", datetime: "a date-time"}  # fmt: skip
    return names.get(type(value), "a date or time")


class Table:
    """One TOML table being read: typed getters that record a precise problem instead of raising."""

    def __init__(
        self,
        data: dict[str, Any],
        path: str,
        keys: tuple[str, ...],
        problems: Problems,
        misplaced: dict[str, str] | None = None,  # key -> where it belongs, for a key put in the wrong table
    ) -> None:
        self.data, self.path, self.problems = data, path, problems
        for key in data:
            if key not in keys:
                close = [k for k in keys if _similar(k, key)]
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                if misplaced and key in misplaced:
                    hint = f" ({misplaced[key]})"
                problems.add(self.at(key), f"unknown key{hint}")

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, message: str) -> None:
        self.problems.add(self.at(key), message)

    def get(self, key: str, kind: type, expected: str, *, required: bool) -> Any:
        if key not in self.data:
            if required:
                self.fail(key, "missing required key")
            return None
        value = self.data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.fail(key, f"expected {expected}, got {toml_type(value)}")
            return None
        return value

    def text(self, key: str, *, required: bool = True, limit: int | None = None) -> str:
        value: str | None = self.get(key, str, "a string", required=required)
        if value is None:
            return ""
        value = value.strip()
        if not value and required:
            self.fail(key, "must not be empty")
        elif limit is not None and len(value) > limit:
            self.fail(key, f"is {len(value)} characters; at most {limit} allowed")
        return value

    def whole(self, key: str, default: int, *, low: int, high: int) -> int:
        value: int | None = self.get(key, int, "a whole number", required=False)
        if value is None:
            return default
        if not low <= value <= high:
            self.fail(key, f"must be between {low} and {high}, got {value}")
            return default
        return value

    def flag(self, key: str, default: bool) -> bool:
        value: bool | None = self.get(key, bool, "true or false", required=False)
        return default if value is None else value

    def choice(self, key: str, enum: type[E], default: E | None, *, required: bool = False) -> E | None:
        value: str | None = self.get(key, str, "a string", required=required)
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            choices = [member.value for member in enum]
            self.fail(key, f'unknown {key} "{value}" (use {", ".join(choices[:-1])} or {choices[-1]})')
            return default

    def strings(self, key: str, *, required: bool = False) -> tuple[str, ...] | None:
        value: list[Any] | None = self.get(key, list, "an array of strings", required=required)
        if value is None:
            return None
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(f"{key}[{index}]", f"expected a string, got {toml_type(item)}")
        return tuple(item.strip() for item in value if isinstance(item, str))

    def users(self, key: str, values: tuple[str, ...] | None) -> tuple[str, ...]:
        for index, user in enumerate(values or ()):
            if not USER_ID.fullmatch(user):
                self.fail(
                    f"{key}[{index}]",
                    f'"{user}" is not a Slack user id (U or W then capitals and digits, e.g. "U0123ABCD")',
                )
            elif user in (values or ())[:index]:
                self.fail(f"{key}[{index}]", f'duplicate user id "{user}"')
        return values or ()

    def time(self, key: str, clock: EventClock | None, *, required: bool = True) -> datetime | None:
        if key not in self.data:
            if required:
                self.fail(key, "missing required key")
            return None
        if clock is None:  # the workshop's timezone or event times are wrong, reported already
            return UNRESOLVED
        try:
            return clock.resolve(self.data[key])
        except ScheduleError as exc:
            self.fail(key, str(exc))
            return UNRESOLVED


def _similar(a: str, b: str) -> bool:
    # Typo protection: same first word ("post_time" → "post_at") or a one-letter slip ("phse" → "phase").
    return a.split("_")[0] == b.split("_")[0] or (abs(len(a) - len(b)) <= 1 and len(set(a) ^ set(b)) <= 2)
