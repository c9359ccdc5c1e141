from functools import lru_cache

from django import template
from django.utils.html import strip_tags
from django.utils.text import Truncator

from quiz.models import hints

register = template.Library()


@register.filter
def plain_summary(html: str, length: int) -> str:
    """Rendered HTML as plain text cut to ``length`` characters (striptags, then truncatechars), for lists
    of questions. Remembered per text: the same prompts come back on every page, and parsing them again
    shows in the progress page's time."""
    return _plain_summary(html, int(length))


@lru_cache(maxsize=4096)
def _plain_summary(html: str, length: int) -> str:
    return Truncator(strip_tags(html)).chars(length)


@register.filter
def clock(seconds: int | None) -> str:
    """Seconds as m:ss (or h:mm:ss), the way a countdown reads."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, "")


@register.filter
def hints_shown(item) -> list[str]:
    """The gists of the hints an interview item's candidate took (quiz/models/hints.py; no query)."""
    return hints.shown(item)
