"""Numbers as the pages say them: counts with a noun that agrees ("1 flag", "3 flags", never "1 flags"), and
shares as whole percents."""


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` and the noun that agrees with it; ``plural`` for nouns that do not just take an "s"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def percent_of(part: float, whole: float) -> int:
    """``part`` of ``whole`` as a whole percent; 0 of nothing is 0%, not an error."""
    return round(100 * part / whole) if whole else 0
