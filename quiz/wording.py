"""Counts in words: "1 flag", "3 flags", never "1 flags" or "0 flags resolved" in a sentence about a save."""


def counted(number: int, singular: str, plural: str | None = None) -> str:
    """``number`` and the noun that agrees with it; ``plural`` for nouns that do not just take an "s"."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
