"""Numbers as the pages say them: counts with a noun that agrees ("1 flag", "3 flags", never "1 flags"), and
shares as whole percents."""

from datetime import datetime


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` and the noun that agrees with it; ``plural`` for nouns that do not just take an "s"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def percent_of(part: float, whole: float) -> int:
    """``part`` of ``whole`` as a whole percent; 0 of nothing is 0%, not an error."""
    return round(100 * part / whole) if whole else 0


def interval_from(now: datetime, due: datetime) -> str:
    """When a card comes back, in words, as the grade buttons say it: "in 10 minutes", "in 5 hours",
    "tomorrow", "in 3 days", "in 2 months", "in 1.5 years". Rounded to the unit a person would use."""
    minutes = max(round((due - now).total_seconds() / 60), 1)
    if minutes < 60:
        return f"in {counted(minutes, 'minute')}"
    hours = round(minutes / 60)
    if hours < 24:
        return f"in {counted(hours, 'hour')}"
    days = round(minutes / (60 * 24))
    if days == 1:
        return "tomorrow"
    if days < 31:
        return f"in {days} days"
    if days < 365:
        return f"in {counted(round(days / 30.4), 'month')}"
    years = round(days / 365, 1)
    return f"in {years:g} year{'' if years == 1 else 's'}"
