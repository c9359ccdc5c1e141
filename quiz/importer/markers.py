"""Reading one line's words: question prefixes, difficulty markers, answer labels, source links, list items.

Every function here looks at one stripped line of at most ``MAX_LINE`` characters with anchored patterns and
no nested repetition, so its time grows with the line's length and no faster.
"""

import re
import unicodedata
from typing import NamedTuple

EASY, MEDIUM, HARD = "easy", "medium", "hard"
ASKS = ("?", "\uff1f")  # a question mark, and the full-width one of Chinese and Japanese banks
UNRATED = "unrated"
TAGS = {"e": EASY, "m": MEDIUM, "h": HARD, "easy": EASY, "medium": MEDIUM, "hard": HARD}
# What banks put after a question to rate it (alexeygrigorev/data-science-interviews: 👶 ⭐️ 🚀).
DEFAULT_MARKERS = {
    "👶": EASY,
    "⭐️": MEDIUM,
    "⭐": MEDIUM,
    "🚀": HARD,
    "(easy)": EASY,
    "(medium)": MEDIUM,
    "(hard)": HARD,
    "[easy]": EASY,
    "[medium]": MEDIUM,
    "[hard]": HARD,
    "[e]": EASY,
    "[m]": MEDIUM,
    "[h]": HARD,
}
LEADING_TAG_RE = re.compile(r"\[(e|m|h|easy|medium|hard)\](?=[ \t]|$)[ \t]*", re.IGNORECASE)
# "Q5:", "Q.", "Question 3)", "3)", "12.", "#4" before a question's words.
PREFIX_RE = re.compile(
    r"(?:q(?:uestion)?[ \t]*\d{0,4}[ \t]*[:.)]|\d{1,4}[ \t]*[.)]|#\d{1,4}[:.)]?)[ \t]*", re.IGNORECASE
)
SECTION_NUMBER_RE = re.compile(r"\d{1,3}(?:\.\d{1,3})+\.?[ \t]")  # "5.1.1 Vectors" numbers a section
QUESTION_WORDS = frozenset(
    [
        "what",
        "what's",
        "whats",
        "why",
        "how",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "explain",
        "describe",
        "define",
        "compare",
        "contrast",
        "name",
        "list",
        "give",
        "can",
        "could",
        "would",
        "should",
        "is",
        "are",
        "do",
        "does",
        "did",
        "will",
        "tell",
        "discuss",
        "write",
        "implement",
        "derive",
        "prove",
        "calculate",
        "compute",
        "estimate",
        "suppose",
        "imagine",
        "design",
        "differentiate",
        "distinguish",
        "outline",
        "walk",
        "briefly",
        "mention",
        "identify",
        "elaborate",
        "justify",
        "summarize",
        "summarise",
        "find",
        "show",
        "illustrate",
    ]
)
SCENARIO_WORDS = frozenset(["say", "given", "let", "assume", "consider", "if", "you", "we", "in", "for"])
ANSWER_LABEL_RE = re.compile(
    r"(?:\*\*|__)?(?:a[ \t]*:|ans\.|ans\b|(?:(?:strong|short|sample|model|ideal|expected|example|suggested|"
    r"good|best|brief|quick|detailed|my)[ \t]+)?answers?\b|solution\b)(?:\*\*|__)?[ \t]*:?(?:\*\*|__)?[ \t]*",
    re.IGNORECASE,
)
QUESTION_LABEL_RE = re.compile(
    r"(?:\*\*|__)?(?:q|question)(?:[ \t]*\d{1,4})?[ \t]*[:.)](?:\*\*|__)?[ \t]*", re.IGNORECASE
)
INLINE_ANSWER_RE = re.compile(r"(?:\*\*|__)(?:a|ans|answer)[ \t]*[:.]?(?:\*\*|__)|\banswer:", re.IGNORECASE)
NO_ANSWER = frozenset({"", "tbd", "tba", "todo", "answer here", "not answered", "no answer", "...", "…"})
# Words that defer the answer ("Coming soon!", "To be added", "WIP", "Answer will be added later"): no answer.
PLACEHOLDER_RE = re.compile(
    r"(?:answers?[ \t]+)?(?:coming[ \t]+soon|to[ \t]+(?:be[ \t]+)?(?:added|written|updated|done|do|come)"
    r"|(?:will[ \t]+be|to[ \t]+be)[ \t]+(?:added|written|updated)(?:[ \t]+(?:soon|later))?"
    r"|wip|work[ \t]+in[ \t]+progress|pending|under[ \t]+construction|placeholder"
    r"|not[ \t]+(?:yet[ \t]+)?answered(?:[ \t]+yet)?|tbd|todo|tba)"
    r"[ \t]*[.!…]*",
    re.IGNORECASE,
)
SOURCE_LINK_RE = re.compile(r"\[\[[^\[\]]*\](?:\([^()\s]*\)\]|\]\([^()\s]*\))")
MARKER_RE = re.compile(r"(\d{1,9}[.)]|[-*+]|[a-z][.)]|[ivx]{2,5}[.)])(?=[ \t]|$)", re.IGNORECASE)
TAG_RE = re.compile(r"<[^<>]{0,300}>")
# "### Follow-up: [H] And what if…?", "**Follow-up:** [M] …", "Follow-up: [E] …": a follow-up question.
FOLLOW_UP_RE = re.compile(r"(?:\*\*|__)?follow[- ]?up[ \t]*:(?:\*\*|__)?[ \t]*", re.IGNORECASE)


class Item(NamedTuple):
    """A list item: its indentation in columns, its marker's kind and number, and its text. A tuple, not a
    dataclass: the importer builds one per list line, twice, and a 40,000-line file must parse in well under
    a second."""

    indent: int
    kind: str  # "number", "bullet" or "letter"
    number: int
    text: str


def list_item(line: str) -> Item | None:
    body = line.lstrip(" \t")
    # Most lines start no list: tell them by one or two characters, before any regular expression.
    if not body or not (
        body[0] in "-*+" or body[0].isdigit() or body[1:2] in (".", ")") or body[0] in "ivxIVX"
    ):
        return None
    indent = len(line[: len(line) - len(body)].expandtabs(4))
    match = MARKER_RE.match(body)
    if not match:
        return None
    marker = match[1]
    if marker[0].isdigit():
        kind, number = "number", int(marker[:-1])
    elif marker in "-*+":
        # "**bold**" and "* * *" are no bullets
        if marker == "*" and body[1:2] == "*":
            return None
        kind, number = "bullet", 0
    else:
        kind, number = "letter", 0
    return Item(indent, kind, number, body[match.end() :].strip(" \t"))


def strip_prefix(text: str) -> tuple[bool, str]:
    """Whether ``text`` had a question number or ``Q:`` prefix, and the text without it."""
    if SECTION_NUMBER_RE.match(text):
        return False, text
    match = PREFIX_RE.match(text)
    if match and match.end() < len(text):
        return True, text[match.end() :]
    return False, text


def drop_source_link(text: str) -> str:
    """``What is X? [[src](http://…)]`` -> ``What is X?``."""
    start = text.rfind("[[")
    if start > 0 and SOURCE_LINK_RE.fullmatch(text, start):
        return text[:start].rstrip(" \t")
    return text


def split_difficulty(text: str, markers: dict[str, str]) -> tuple[str | None, str]:
    """The difficulty a leading ``[E]`` or a trailing marker gives (None without one), and the text without
    them."""
    difficulty = None
    if match := LEADING_TAG_RE.match(text):
        difficulty, text = TAGS[match[1].lower()], text[match.end() :]
    if not text.rstrip(" \t\u200d\ufe0f").lower().endswith(tuple(markers)):
        return difficulty, text.strip(" \t\u200d")  # most lines: one C call tells there is no marker
    changed = True
    for _ in range(3):  # "What is X? 👶 (easy)" at most; never a loop as long as the line
        if not changed:
            break
        changed = False
        trimmed = text.rstrip(" \t\u200d\ufe0f")
        lowered = trimmed.lower()
        for marker, level in markers.items():
            if lowered.endswith(marker) and len(trimmed) > len(marker):
                difficulty, text, changed = difficulty or level, trimmed[: -len(marker)], True
                break
    return difficulty, text.strip(" \t\u200d")


def words_start(text: str) -> str:
    first = text.lstrip("*_`\"'([").split(None, 1)
    return first[0].lower().strip(",.:;!?'’\"") if first else ""


def looks_like_question(text: str) -> bool:
    """Ends with "?" or starts with a word that asks or sets a task ("Explain…", "Describe…")."""
    plain = text.rstrip(" \t*_`")
    return plain.endswith(ASKS) or words_start(plain) in QUESTION_WORDS


def looks_like_list_question(text: str) -> bool:
    """As ``looks_like_question``, also counting scenarios ("Given…", "Say you…", "Let a dataset…")."""
    return looks_like_question(text) or words_start(text) in SCENARIO_WORDS


def answer_label(text: str) -> tuple[bool, str]:
    """Whether ``text`` opens with an answer label (``Answer:``, ``**Ans.**``, ``A:``, a line that is only
    "Answer", "✅ Strong answer:"), and the rest. "Answer the question." and "Answer." are no labels."""
    text = drop_leading_symbols(text) if text[:1] > "~" else text
    match = ANSWER_LABEL_RE.match(text)
    if not match:
        return False, text
    label = match[0]
    if (
        ":" in label
        or label.startswith(("**", "__"))
        or label.lower().startswith("ans.")
        or not text[match.end() :]
    ):
        return True, text[match.end() :]
    return False, text


def question_label(text: str) -> tuple[bool, str]:
    """Whether ``text`` opens with ``Q:`` or ``**Question:**``, and the rest."""
    match = QUESTION_LABEL_RE.match(text)
    if match and match.end() < len(text):
        return True, text[match.end() :]
    return False, text


def follow_up(text: str, markers: dict[str, str], heading: bool) -> tuple[str | None, str] | None:
    """(difficulty, prompt) if ``text`` opens a follow-up question, else None.

    A heading (``### Follow-up: …``) always does. A plain or bold line does only with a difficulty tag or a
    prompt ending in "?": answers say "Follow-up: the stored activations are why…" as prose."""
    if text[:1] not in ("F", "f", "*", "_"):  # most lines: told by one character, before the expression
        return None
    match = FOLLOW_UP_RE.match(text)
    if not match or match.end() >= len(text):
        return None
    rest = text[match.end() :]
    if match[0].count("*") == 2 or match[0].count("_") == 2:  # "**Follow-up: [M] all in bold?**"
        rest = rest.rstrip(" \t").removesuffix(match[0][:2])
    difficulty, prompt = split_difficulty(rest, markers)
    if not prompt or not (heading or difficulty or prompt.rstrip(" \t*_").endswith(ASKS)):
        return None
    return difficulty, prompt


def means_unanswered(answer: str) -> bool:
    plain = drop_leading_symbols(answer.strip().strip("*_`.").strip()).strip("*_`.!…()[] ")
    return (
        plain.lower() in NO_ANSWER or plain.upper() == "NOT ANSWERED" or bool(PLACEHOLDER_RE.fullmatch(plain))
    )


def drop_leading_symbols(text: str) -> str:
    """``🔹 Q7: Explain …`` -> ``Q7: Explain …``: the emoji and pictographs a bank leads its headings with."""
    i = 0
    while (
        i < len(text)
        and i < 20
        and (
            text[i] in " \t\u200d\ufe0f\u20e3"
            or (text[i] > "~" and unicodedata.category(text[i]) in ("So", "Cs", "Co"))
        )
    ):
        i += 1
    return text[i:] if i < len(text) else text


LEVEL_LABEL_RE = re.compile(
    r"(?:\*\*|__)?(?:difficulty|level)[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*([a-z]+)[ \t]*(?:\*\*|__)?[ \t]*$",
    re.IGNORECASE,
)
LEVELS = {"easy": EASY, "beginner": EASY, "basic": EASY, "medium": MEDIUM, "intermediate": MEDIUM}
LEVELS |= {"hard": HARD, "advanced": HARD, "expert": HARD}


def level_label(text: str) -> str | None:
    """``**Difficulty:** Medium`` -> "medium"; None for any other line."""
    if text[:1] not in ("*", "_", "D", "d", "L", "l") or not (found := LEVEL_LABEL_RE.match(text)):
        return None
    return LEVELS.get(found[1].lower())


def wholly_bold(text: str) -> bool:
    """``**Encoder**``: one bold span and nothing else."""
    text = text.strip()
    return len(text) > 4 and text[:2] == text[-2:] in ("**", "__") and text.count(text[:2]) == 2


def clean_prompt(prompt: str) -> str:
    """A prompt without the labels a bank leaves in it: a leading emoji, ``Q1:``, ``**`` around or after
    it."""
    text = drop_leading_symbols(prompt.strip())
    if (label := QUESTION_LABEL_RE.match(text)) and label.end() < len(text) and "*" not in label[0]:
        text = text[label.end() :]
    for mark in ("**", "__"):
        if text.count(mark) % 2 == 1:
            if text.endswith(mark):  # "What is X?**": the bold's other half went with the label
                text = text[: -len(mark)].rstrip()
            elif text.startswith(mark):
                text = text[len(mark) :].lstrip()
        if text.startswith(mark) and text.endswith(mark) and text.count(mark) == 2 and len(text) > 4:
            text = text[len(mark) : -len(mark)].strip()  # "**What is X?**" as a whole: the bold says nothing
    return text or prompt.strip()


def plain_html(text: str) -> str:
    return " ".join(TAG_RE.sub(" ", text).split())


def link_only(text: str) -> tuple[str, str] | None:
    """(label, target) if ``text`` is one markdown link and nothing else; labels may hold brackets."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith(")")):
        return None
    depth = 0
    for i, char in enumerate(text):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return (text[1:i].strip(), text[i + 2 : -1]) if text[i + 1 : i + 2] == "(" else None
    return None
