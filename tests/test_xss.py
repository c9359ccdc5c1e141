"""Hostile text stays text: every payload of tests/security/xss_payloads.txt goes through every place where a
user's or an admin's text reaches HTML, and the rendered responses are parsed to prove none became markup.

Places: the reference answer (and prompt) through ``Question.save()`` -> ``*_html`` on the question card, the
results, the question page, the bank, the flag form, the review queue, the answer editor and the admin (change
form, history, revert form, answer diff, live preview); the answer diff learners see; the private note; the
typed answer (card textarea, results, the question's history); the flag comment and the reviewer's note (My
flags, the review queue, the answer editor, the admin); and query parameters echoed back (search, ``next``).

Each page is rendered twice over the same rows, once with benign text and once with the payloads, so the app's
own htmx attributes and scripts are told apart from injected ones.
"""

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from quiz.admin import QuestionAdmin
from quiz.diffing import diff_html
from quiz.exporter import answer_problem
from quiz.models import Flag, InterviewItem, MockInterview, Question, QuestionNote, ReviewState, Section
from quiz.rendering import render_markdown
from quiz.views import flags as flag_views
from quiz.views import questions as question_views

CORPUS = Path(__file__).parent / "security" / "xss_payloads.txt"
LINE_BREAK = "⏎"


def load_payloads() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").split("\n")  # not splitlines(): payloads may hold U+2028 & co.
    return [line.replace(LINE_BREAK, "\n") for line in lines if line.strip() and not line.startswith("# ")]


PAYLOADS = load_payloads()
BATCH = "\n\n".join(PAYLOADS)

# What hostile text may legitimately add to a page: the markdown allow-list of quiz/rendering/, restated
# here so that widening it is a decision this test sees; <ins> from answer diffs; <option> for the one more
# revision the admin's diff picker lists after the hostile save.
MARKDOWN_TAGS = {
    "p", "br", "hr", "blockquote", "pre", "code", "span", "div", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "dl", "dt", "dd", "strong", "em", "b", "i", "del", "sub", "sup", "kbd", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
GROWABLE_TAGS = MARKDOWN_TAGS | {"ins", "option"}
# The MathML that maths ($…$ and co.) may add: latex2mathml's output, less href, style, class and backgrounds.
MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac",
    "msqrt", "mroot", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mstyle", "menclose",
    "mpadded", "mphantom",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "xmlns", "display", "mathvariant", "mathsize", "mathcolor", "stretchy", "fence", "separator", "form",
    "largeop", "movablelimits", "minsize", "maxsize", "accent", "accentunder", "lspace", "rspace", "width",
    "height", "depth", "voffset", "linebreak", "linethickness", "notation", "columnalign", "columnlines",
    "columnspacing", "rowlines", "rowspacing", "frame", "displaystyle", "scriptlevel", "symmetric",
}  # fmt: skip
# tabindex, role and aria-label: the renderer's own scrolling box around display maths (never typed markup's).
MARKDOWN_ATTRIBUTES = {
    "href",
    "title",
    "rel",
    "src",
    "alt",
    "class",
    "align",
    "start",
    "tabindex",
    "role",
    "aria-label",
}
NEVER_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet", "portal", "style"}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "data", "codebase", "dynsrc",
    "lowsrc", "ping", "cite", "longdesc", "srcset", "to", "values", "from", "by", "content",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")
CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")
NONCE = re.compile(r"'nonce-([^']+)'")


# -- reading a page as a browser's tree builder would see its tags


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str]]
    text: str = ""  # for <script> and <textarea>

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.attrs if key == name), None)

    def __str__(self) -> str:
        attrs = "".join(f" {key}={value!r}" for key, value in self.attrs)
        return f"<{self.tag}{attrs}>"[:200]


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: Element | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        element = Element(tag, [(name, value or "") for name, value in attrs])
        self.elements.append(element)
        if tag in ("script", "textarea"):
            self._open = element

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open.tag:
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.text += data


@functools.lru_cache(maxsize=8)  # a benign page is compared with many hostile ones
def elements(html: str) -> list[Element]:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.elements


def dangerous_url(value: str) -> bool:
    # Browsers drop leading spaces and controls, and tabs and newlines anywhere; dropping more is stricter.
    squashed = "".join(ch for ch in value if ch > " " and ch not in "\x7f\ufeff\u200b").lower()
    return squashed.startswith(DANGEROUS_SCHEMES)


def _htmx_attributes(page: list[Element]) -> Counter:
    # Ids, CSRF tokens, signatures (a peer screen's ETag) and query strings (search pages repeat the query in
    # their links) differ between two renders of the same page; the rest must match, as many times as on the
    # benign page.
    return Counter(
        (
            element.tag,
            name,
            re.sub(r"\b[0-9a-f]{24}\b|\d+", "N", CSRF_TOKEN.sub("TOKEN", value.split("?")[0])),
        )
        for element in page
        for name, value in element.attrs
        if name.startswith(("hx-", "data-hx-"))
    )


def live_markup(html: str, baseline: str = "", nonce: str | None = None) -> list[str]:
    """Everything in ``html`` that could run script, restyle the page or make a request, and that the same
    page rendered with benign text (``baseline``) does not have. ``nonce``: every script must carry it."""
    page, base = elements(html), elements(baseline)
    own_scripts = {e.get("src") for e in base if e.tag == "script"}
    found = []
    for element in page:
        for name, value in element.attrs:
            if name.startswith("on"):
                found.append(f"event handler {name}: {element}")
            elif name == "style":
                found.append(f"style attribute: {element}")
            elif name == "srcdoc":
                found.append(f"srcdoc: {element}")
            elif name in URL_ATTRIBUTES and dangerous_url(value):
                found.append(f"{name} with a script or data URL: {element}")
        if element.tag in NEVER_TAGS:
            found.append(f"<{element.tag}> element: {element}")
        if element.tag == "meta" and element.get("http-equiv") is not None:
            found.append(f"<meta http-equiv>: {element}")
        if element.tag == "script":
            if element.text.strip():
                found.append(f"inline script: {element} {element.text[:80]!r}")
            if element.get("src") not in own_scripts and not (element.get("src") or "").startswith(
                "/static/"
            ):
                found.append(f"script not from /static/: {element}")
            if nonce is not None and element.get("nonce") != nonce:
                found.append(f"script without the page's nonce: {element}")
    for key in _htmx_attributes(page) - _htmx_attributes(base):
        found.append(f"htmx attribute the benign page does not have: {key}")

    def scripts(elements_: list[Element]) -> Counter:
        return Counter(e.get("src") for e in elements_ if e.tag == "script")

    def tags(elements_: list[Element]) -> Counter:
        return Counter(e.tag for e in elements_ if e.tag not in GROWABLE_TAGS)

    def attribute_names(elements_: list[Element]) -> Counter:
        return Counter(
            name
            for e in elements_
            if e.tag != "option"
            for name, _ in e.attrs
            if name not in MARKDOWN_ATTRIBUTES and not name.startswith(("hx-", "data-hx-"))
        )

    for src in scripts(page) - scripts(base):
        found.append(f"a script the benign page does not load: {src}")
    for tag in tags(page) - tags(base):
        found.append(f"more <{tag}> elements than with benign text")
    for name in attribute_names(page) - attribute_names(base):
        found.append(f"more {name}= attributes than with benign text")
    return found


def page_nonce(response) -> str | None:
    match = NONCE.search(response.get("Content-Security-Policy", ""))
    return match[1] if match else None


# -- the corpus on its own


def test_corpus_holds_at_least_150_distinct_payloads():
    assert len(PAYLOADS) >= 150
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert sum("window.__xss" in p for p in PAYLOADS) >= 20  # the browser test's sample


def test_the_checker_sees_live_markup():
    """The checker itself: each kind of live markup is reported, escaped text is not."""
    base = '<body hx-headers=\'{"x-csrftoken": "t"}\'><script src="/static/quiz.js" nonce="n"></script>'
    hostile = [
        "<img src=x onerror=alert(1)>",
        '<a href="&#x6A;ava&#x09;script:alert(1)">x</a>',
        '<p style="color:red">x</p>',
        '<div hx-get="/admin/" hx-trigger="load">x</div>',
        "<script>alert(1)</script>",
        '<script src="/static/quiz.js" nonce="old"></script>',
        "<iframe src=https://example.com></iframe>",
        '<meta http-equiv="refresh" content="0">',
        "<svg><a>x</a></svg>",
        "<input autofocus>",
    ]
    for markup in hostile:
        assert live_markup(base + markup, base, nonce="n"), markup
    assert live_markup(base + escape("<img src=x onerror=alert(1)>"), base, nonce="n") == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{n:03d}" for n in range(len(PAYLOADS))])
def test_render_markdown_and_answer_diffs_keep_the_payload_inert(payload):
    for html in (
        render_markdown(payload),
        render_markdown(f"Some text before {payload} and after."),
        render_markdown(f"- a list item\n- {payload}"),
        diff_html("The answer as it was.", payload),
        diff_html(payload, payload + " and more"),
    ):
        assert live_markup(html) == [], f"{payload!r} rendered as {html!r}"


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{n:03d}" for n in range(len(PAYLOADS))])
def test_payloads_written_as_maths_stay_inert(payload):
    """Inside $…$ and co. a payload goes to latex2mathml, not markdown; its MathML is sanitised on its own."""
    flat = payload.replace("\n", " ")
    for text in (f"${flat}$", f"$${payload}$$", f"\\({flat}\\)", f"\\[{payload}\\]", f"$\\text{{{flat}}}$"):
        html = render_markdown(text)
        assert _only_allowed(html), f"{text!r} rendered as {html!r}"


def _only_allowed(html: str) -> bool:
    for element in elements(html):
        if element.tag not in MARKDOWN_TAGS | MATHML_TAGS:
            return False
        for name, value in element.attrs:
            allowed = MATHML_ATTRIBUTES if element.tag in MATHML_TAGS else MARKDOWN_ATTRIBUTES
            if name not in allowed or (name in URL_ATTRIBUTES and dangerous_url(value)):
                return False
    return True


# -- every payload on every page it reaches


def _batches(texts: list[str], limit: int) -> list[str]:
    """``texts`` joined by blank lines into as few strings of at most ``limit`` characters as fit."""
    batches, current = [], ""
    for text in texts:
        joined = f"{current}\n\n{text}" if current else text
        if len(joined) > limit and current:
            batches.append(current)
            joined = text
        current = joined
    return [*batches, current]


def _benign(n: int) -> str:
    return f"Plain text number {n}."


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


HTMX = {"HX-Request": "true"}


@dataclass(frozen=True)
class Page:
    label: str
    url: str
    htmx: bool = False


@dataclass
class Rendered:
    """The same pages rendered over the same rows, first with benign text, then with the payloads."""

    benign: dict = field(default_factory=dict)
    hostile: dict = field(default_factory=dict)
    answers: list[str] = field(default_factory=list)  # each payload question's answer_html, once hostile
    prompts: list[str] = field(default_factory=list)
    batch_answer: str = ""

    def problems(self, labels: set[str]) -> dict[str, list[str]]:
        found = {}
        for page, response in self.hostile.items():
            if page.label in labels:
                benign = self.benign[page].content.decode()
                problems = live_markup(response.content.decode(), benign, nonce=page_nonce(response))
                if problems:
                    found[f"{page.label} {page.url}"] = problems[:10]
        return found

    def html(self, label: str) -> str:
        return "\n".join(r.content.decode() for page, r in self.hostile.items() if page.label == label)


def _missing(html: str, fragments: list[str], what: str) -> list[str]:
    """The fragments (payloads as the page should show them) that ``html`` does not hold."""
    return [f"{what}: {fragment[:80]!r}" for fragment in fragments if fragment not in html]


def linebreaks_br(text: str) -> str:
    """What ``{{ text|linebreaksbr }}`` shows: escaped, each line break a <br>."""
    return escape(text).replace("\n", "<br>")


def _pages(label: str, url: str, count: int, per_page: int) -> list[Page]:
    return [Page(label, f"{url}?page={n}") for n in range(1, math.ceil(count / per_page) + 1)]


def _render(client: Client, pages: list[Page], into: dict) -> None:
    for page in pages:
        response = client.get(page.url, headers=HTMX if page.htmx else {})
        assert response.status_code == 200, f"{page.label}: {page.url} answered {response.status_code}"
        into[page] = response


def _build_world():
    """One question per payload in a finished interview, each flagged by the learner (dismissed, with the
    reviewer's note) and by another user (open); one question whose answer, note, typed answer and flags
    hold every payload at once; one unanswered question whose prompt does. All with benign text for now."""
    users = get_user_model().objects
    learner, other = users.create_user("ada"), users.create_user("bob")
    reviewer, staff = users.create_user("rita"), users.create_superuser("grace")
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    section = Section.objects.create(key="xss", title="Hostile", source_path="MLE_Interview_QnA/PythonQnA.md")

    def question(n: int, text: str) -> Question:
        return Question(
            key=f"xss/q{n}",
            section=section,
            position=n,
            prompt_md=text,
            prompt_html=render_markdown(text),
            answer_md=text,
            answer_html=render_markdown(text),
            imported_answer_md=text,
            source_path=section.source_path,
            source_line=n,
        )

    # Bulk-created as an import loads them; the hostile answers arrive through save(), as an admin edit does.
    questions = Question.objects.bulk_create(question(n, _benign(n)) for n in range(len(PAYLOADS)))
    plain_batch = "\n\n".join(_benign(n) for n in range(len(PAYLOADS)))
    batch = question(10_000, "The answer before the change.")
    batch.save()
    unanswered = question(10_001, plain_batch)
    unanswered.answer_md = ""
    unanswered.save()
    # Ended early with nothing graded: the results list every question and typed answer.
    finished = MockInterview.start(learner, questions)
    items = list(finished.items.order_by("position"))
    for n, item in enumerate(items):
        item.answer_text = _benign(n)
    InterviewItem.objects.bulk_update(items, ["answer_text"])
    finished.end_early()
    running = MockInterview.start(learner, [batch])
    running.reveal(running.current_item(), answer_text=plain_batch)
    # The learner reviewed the batch question's one-line answer; it changed since, so its pages show a diff
    # from that line (diffing two long answers line by line and word by word would take seconds).
    seen = timezone.now()
    ReviewState.objects.create(user=learner, question=batch, due=seen, last_review=seen)
    batch.answer_md = plain_batch
    batch.save()
    QuestionNote.objects.create(user=learner, question=batch, text=plain_batch)
    Flag.objects.bulk_create(
        [
            *(
                Flag(
                    user=learner,
                    question=q,
                    reason=Flag.Reason.WRONG,
                    comment=_benign(n),
                    status=Flag.Status.DISMISSED,
                    reviewed_at=seen,
                    reviewer_note=_benign(n),
                )
                for n, q in enumerate(questions)
            ),
            *(
                Flag(user=other, question=q, reason=Flag.Reason.UNCLEAR, comment=_benign(n))
                for n, q in enumerate(questions)
            ),
            Flag(user=learner, question=batch, reason=Flag.Reason.TYPO, comment=plain_batch),
            Flag(user=other, question=batch, reason=Flag.Reason.WRONG, comment=plain_batch),
        ]
    )
    return learner, reviewer, staff, questions, batch, unanswered, finished, running


def _turn_hostile(questions, batch, unanswered, finished, running) -> None:
    for question, payload in zip(questions, PAYLOADS, strict=True):
        question.prompt_md = question.answer_md = payload
        question.save()
    batch.prompt_md = batch.answer_md = unanswered.prompt_md = BATCH
    batch.save()
    unanswered.save()
    items = list(finished.items.order_by("position"))
    for item, payload in zip(items, PAYLOADS, strict=True):
        item.answer_text = payload
    InterviewItem.objects.bulk_update(items, ["answer_text"])
    running.items.update(answer_text=BATCH)
    QuestionNote.objects.filter(question=batch).update(text=BATCH)
    flags = list(Flag.objects.all())
    payload_of = {q.pk: p for q, p in zip(questions, PAYLOADS, strict=True)}
    for flag in flags:
        flag.comment = payload_of.get(flag.question_id, BATCH)
        flag.reviewer_note = flag.comment if flag.status == Flag.Status.DISMISSED else ""
    Flag.objects.bulk_update(flags, ["comment", "reviewer_note"])


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker) -> Rendered:
    """Every page of the three roles, rendered once for the whole module (building the rows takes a while),
    in a transaction rolled back at the end."""
    result = Rendered()
    with django_db_blocker.unblock(), transaction.atomic(), pytest.MonkeyPatch.context() as patch:
        # Every payload question on one page of the bank, the queue and the admin list (My flags keeps 25).
        patch.setattr(question_views, "PAGE_SIZE", 1000)
        patch.setattr(flag_views, "QUEUE_PAGE_SIZE", 1000)
        patch.setattr(QuestionAdmin, "list_per_page", 1000)
        learner, reviewer, staff, questions, batch, unanswered, finished, running = _build_world()
        count = len(PAYLOADS)
        step = reverse("quiz:interview-step", args=[running.pk])
        flag_form = reverse("quiz:flag-answer", args=[batch.pk])
        queue = reverse("quiz:review-queue")
        # The admin's diff from the first, one-line revision to the latest.
        first = batch.history.order_by("history_date", "history_id").first()
        diff = reverse("admin:quiz_question_answer_diff", args=[batch.pk])
        pages = {
            learner: [
                Page("results", reverse("quiz:results", args=[finished.pk])),
                Page("question page", reverse("quiz:question", args=[batch.pk])),
                Page("question card", step),
                Page("question card", step, htmx=True),
                Page("flag form", flag_form),
                Page("flag form", flag_form, htmx=True),
                *_pages("my flags", reverse("quiz:my-flags"), count + 1, 25),
                Page("question list", reverse("quiz:questions")),
            ],
            reviewer: [
                Page("review queue", queue),
                Page("review queue", queue, htmx=True),
                Page("answer editor", reverse("quiz:answer-edit", args=[batch.pk])),
            ],
            staff: [
                Page("admin change form", reverse("admin:quiz_question_change", args=[batch.pk])),
                Page("admin answer diff", f"{diff}?from={first.history_id}"),
                Page("admin history", reverse("admin:quiz_question_history", args=[batch.pk])),
                Page("admin changelist", reverse("admin:quiz_question_changelist")),
            ],
        }
        clients = {user: client_for(user) for user in pages}

        def latest_revision_form() -> Page:
            latest = batch.history.order_by("-history_date", "-history_id").first()
            url = reverse("admin:quiz_question_simple_history", args=[batch.pk, latest.pk])
            return Page("admin revert form", url)

        for user, client in clients.items():
            _render(client, pages[user], result.benign)
        benign_revert = latest_revision_form()
        _render(clients[staff], [benign_revert], result.benign)
        _turn_hostile(questions, batch, unanswered, finished, running)
        for user, client in clients.items():
            _render(client, pages[user], result.hostile)
        revert = latest_revision_form()
        _render(clients[staff], [revert], result.hostile)
        result.benign[revert] = result.benign.pop(benign_revert)

        saved = Question.objects.in_bulk([q.pk for q in questions])
        result.answers = [saved[q.pk].answer_html for q in questions]
        result.prompts = [saved[q.pk].prompt_html for q in questions]
        result.batch_answer = Question.objects.get(pk=batch.pk).answer_html
        transaction.set_rollback(True)
    return result


@pytest.mark.django_db  # also makes pytest-django create the test database for ``rendered``
def test_learner_pages_show_every_payload_as_text(rendered):
    labels = {"results", "question page", "question card", "flag form", "my flags", "question list"}
    assert rendered.problems(labels) == {}
    batch, lines = [rendered.batch_answer, escape(BATCH)], [escape(line) for line in BATCH.split("\n")]
    missing = [
        *_missing(rendered.html("results"), rendered.answers, "results: reference answer"),
        *_missing(rendered.html("results"), [escape(p) for p in PAYLOADS], "results: typed answer"),
        *_missing(rendered.html("question card"), batch, "card: reference answer, typed answer"),
        *_missing(rendered.html("question page"), batch, "question page: reference answer, note"),
        *_missing(rendered.html("question page"), lines, "question page: the answer's diff"),
        *_missing(rendered.html("flag form"), [escape(BATCH)], "flag form: comment"),
        *_missing(rendered.html("my flags"), [linebreaks_br(p) for p in PAYLOADS], "my flags: comment, note"),
        *_missing(rendered.html("question list"), rendered.prompts, "question list: prompt"),
    ]
    assert missing == []


@pytest.mark.django_db  # also makes pytest-django create the test database for ``rendered``
def test_reviewer_pages_show_every_payload_as_text(rendered):
    assert rendered.problems({"review queue", "answer editor"}) == {}
    queue = rendered.html("review queue")
    missing = [
        *_missing(queue, rendered.answers, "queue: reference answer"),
        *_missing(queue, [linebreaks_br(p) for p in PAYLOADS], "queue: flag comment"),
        *_missing(queue, [escape(BATCH[:137])], "queue: needs an answer"),
        *_missing(rendered.html("answer editor"), [escape(BATCH), linebreaks_br(BATCH)], "answer editor"),
    ]
    assert missing == []


@pytest.mark.django_db  # also makes pytest-django create the test database for ``rendered``
def test_admin_pages_show_every_payload_as_text(rendered):
    labels = {
        "admin change form",
        "admin answer diff",
        "admin history",
        "admin changelist",
        "admin revert form",
    }
    assert rendered.problems(labels) == {}
    change = rendered.html("admin change form")
    lines = [escape(line) for line in BATCH.split("\n")]
    missing = [
        *_missing(change, [rendered.batch_answer, escape(BATCH)], "change form: rendered answer, textarea"),
        *_missing(change, [escape(PAYLOADS[0])], "change form: open flags"),
        *_missing(rendered.html("admin answer diff"), lines, "answer diff"),
        *_missing(rendered.html("admin revert form"), [escape(BATCH)], "revert form"),
    ]
    assert missing == []


# -- payloads posted through the app's own forms


@pytest.fixture
def reviewer(db):
    rita = get_user_model().objects.create_user("rita", password="correct horse battery")
    rita.groups.add(Group.objects.get(name="Reviewers"))
    return rita


def _post(client: Client, url: str, data: dict, htmx: bool = False):
    return client.post(url, data, headers=HTMX if htmx else {})


def _compare(benign, hostile, label: str) -> list[str]:
    assert benign.status_code == hostile.status_code, label
    problems = live_markup(hostile.content.decode(), benign.content.decode(), nonce=page_nonce(hostile))
    return [f"{label}: {problem}" for problem in problems]


def _plain_like(text: str) -> str:
    """Benign text as long as ``text``, so that both pass or fail the same length checks."""
    return ("Plain text. " * (len(text) // 12 + 1))[: len(text)]


def test_payloads_typed_into_the_interview_come_back_as_text(user, make_question):
    client = client_for(user)
    responses = []
    for text in ("A plain answer.", BATCH):
        interview = MockInterview.start(user, [make_question()])
        item = interview.current_item()
        autosave = reverse("quiz:item-answer", args=[interview.pk, item.pk])
        assert _post(client, autosave, {"answer_text": text}, htmx=True).content == b"Saved"
        step = client.get(reverse("quiz:interview-step", args=[interview.pk]))
        reveal = reverse("quiz:item-reveal", args=[interview.pk, item.pk])
        revealed = _post(client, reveal, {"answer_text": text}, htmx=True)
        grade = reverse("quiz:item-grade", args=[interview.pk, item.pk])
        graded = _post(client, grade, {"grade": 3, "answer_text": text}, htmx=True)
        results = client.get(graded.headers["HX-Redirect"])
        responses.append((step, revealed, results))

    problems = []
    for label, benign, hostile in zip(("card", "revealed card", "results"), *responses, strict=True):
        problems += _compare(benign, hostile, label)
        assert escape(BATCH) in hostile.content.decode(), label
    assert problems == []


def test_payloads_saved_as_notes_and_flag_comments_come_back_as_text(user, make_question):
    client = client_for(user)
    plain, hostile = make_question(), make_question()
    problems = []
    # A note holds 10,000 characters and a flag comment 2,000: the corpus goes in as several saves, then as
    # one save too long to keep, which comes back with the text and an error.
    forms = [("quiz:question-note", "text", 10_000), ("quiz:flag-answer", "comment", 2_000)]
    for url_name, field_name, limit in forms:
        for text in [*_batches(PAYLOADS, limit), BATCH]:
            for htmx in (True, False):
                data = {"reason": Flag.Reason.WRONG, field_name: text}
                benign = _post(
                    client, reverse(url_name, args=[plain.pk]), {**data, field_name: _plain_like(text)}, htmx
                )
                bad = _post(client, reverse(url_name, args=[hostile.pk]), data, htmx)
                if bad.status_code == 302:
                    benign, bad = client.get(benign.url), client.get(bad.url)
                problems += _compare(benign, bad, f"{url_name}, {len(text)} characters, htmx={htmx}")
                if url_name == "quiz:question-note" or htmx or len(text) > limit:
                    assert escape(text) in bad.content.decode(), (url_name, len(text), htmx)
    assert problems == []
    assert Flag.objects.get(user=user, question=hostile).comment == _batches(PAYLOADS, 2_000)[-1]


def test_payloads_written_by_a_reviewer_come_back_as_text(reviewer, make_question):
    client = client_for(reviewer)
    edit = "quiz:answer-edit"
    source = make_question().source_path
    keepable = "\n\n".join(p for p in PAYLOADS if not answer_problem(source, p))
    refused = "Plain text.\n\n## A heading the markdown files cannot hold"
    # Previewed; saved whole (refused: a payload line would break the markdown files, so the form comes back
    # with the text and the error, as a benign refused answer does); saved as the payloads the files can hold.
    posts = [
        ({"answer_md": BATCH, "preview": "1"}, {"answer_md": refused, "preview": "1"}),
        ({"answer_md": BATCH}, {"answer_md": refused}),
        ({"answer_md": keepable}, {"answer_md": "Plain text."}),
    ]
    problems = []
    for data, plain_data in posts:
        for htmx in (True, False):
            plain, hostile = make_question(), make_question()
            benign = _post(client, reverse(edit, args=[plain.pk]), plain_data, htmx)
            bad = _post(client, reverse(edit, args=[hostile.pk]), data, htmx)
            if bad.status_code == 302 or "HX-Redirect" in bad.headers:
                assert Question.objects.get(pk=hostile.pk).answer_md == keepable
                benign = client.get(reverse(edit, args=[plain.pk]))
                bad = client.get(reverse(edit, args=[hostile.pk]))
            problems += _compare(benign, bad, f"answer editor {sorted(data)} htmx={htmx}")
            if "preview" not in data:
                assert escape(data["answer_md"]) in bad.content.decode()
    assert problems == []


def test_payloads_saved_in_admin_come_back_as_text(staff_user, make_question):
    client = client_for(staff_user)
    responses = []
    for text in ("Plain.", BATCH):
        question = make_question()
        url = reverse("admin:quiz_question_change", args=[question.pk])
        assert client.post(url, {"answer_md": text, "_save": "Save"}).status_code == 302
        preview = client.post(reverse("admin:quiz_question_preview"), {"answer_md": text})
        responses.append((client.get(url), preview, question))
    (benign_page, _, _), (page, preview, question) = responses

    problems = _compare(benign_page, page, "admin change form after save")
    problems += [f"admin preview: {p}" for p in live_markup(preview.content.decode())]
    assert problems == []
    assert preview.content.decode() == Question.objects.get(pk=question.pk).answer_html
    assert escape(BATCH) in page.content.decode()


# -- query parameters echoed back


def test_search_parameters_are_echoed_as_text(user, make_question):
    for _ in range(26):  # two pages: the page links repeat every query parameter
        make_question()
    client = client_for(user)
    url = reverse("quiz:questions")
    problems = []
    # Forty payloads a request: the search box holds them all (too long for a search, so it shows them back
    # with an error, as for benign text of that length), and forty parameters that the page links echo.
    for chunk in [PAYLOADS[n : n + 40] for n in range(0, len(PAYLOADS), 40)]:
        text = " ".join(chunk)
        hostile = client.get(
            url, {"q": text, "answered": chunk[0], **{f"x{n}": p for n, p in enumerate(chunk)}}
        )
        plain = {f"x{n}": "plain" for n in range(len(chunk))}
        benign = client.get(url, {"q": _plain_like(text), "answered": "plain", **plain})
        problems += _compare(benign, hostile, f"question list with {chunk[0]!r} and the next 39")
        assert escape(text) in hostile.content.decode()
        assert escape(urlencode({"x0": chunk[0]})) in hostile.content.decode()
    assert problems == []


def test_search_excerpts_quote_payloads_as_text(user, make_question):
    """The question list quotes each matching answer around the searched word: every payload sits in that
    window."""
    questions = [
        make_question(prompt_md=f"Question {n}?", answer_md=f"needle {_plain_like(p)} hay")
        for n, p in enumerate(PAYLOADS)
    ]
    client = client_for(user)
    url = reverse("quiz:questions")
    pages = range(1, len(PAYLOADS) // 25 + 2)
    benign = [client.get(url, {"q": "needle", "page": n}) for n in pages]
    for question, payload in zip(questions, PAYLOADS, strict=True):
        question.answer_md = f"needle {payload} hay"
        question.save()
    hostile = [client.get(url, {"q": "needle", "page": n}) for n in pages]
    problems = []
    for n, before, after in zip(pages, benign, hostile, strict=True):
        problems += _compare(before, after, f"bank search, page {n}")
    assert problems == []
    shown = "".join(response.content.decode() for response in hostile)
    assert shown.count('<div class="excerpt"><mark>needle</mark> ') == len(PAYLOADS)


def test_next_parameters_are_echoed_as_text(user, make_question):
    client, anonymous = client_for(user), Client()
    flag_form, login = reverse("quiz:flag-answer", args=[make_question().pk]), reverse("login")
    # A link's scheme is in its first characters: payloads that could start one are sent alone, the others
    # forty to a request (escaping does not depend on what comes before).
    alone = [p for p in PAYLOADS if re.search(r"[:&%]", p[:16]) or re.match(r"""[\s"'`]""", p)]
    rest = [p for p in PAYLOADS if p not in alone]
    values = [*alone, *(" ".join(rest[n : n + 40]) for n in range(0, len(rest), 40))]
    benign_flag_form = client.get(flag_form, {"next": "/my-flags/"}).content.decode()
    benign_login = anonymous.get(login, {"next": "/my-flags/"}).content.decode()
    problems = []
    for value in values:
        for who, url, benign in ((client, flag_form, benign_flag_form), (anonymous, login, benign_login)):
            html = who.get(url, {"next": value}).content.decode()
            problems += [f"{url}?next={value[:80]!r}: {p}" for p in live_markup(html, benign)]
    assert problems == []
    assert len(alone) < len(PAYLOADS) / 2


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exported_answers_are_downloads_not_pages(user, make_question, fmt):
    interview = MockInterview.start(user, [make_question()])
    interview.save_answer(interview.current_item(), BATCH)
    response = client_for(user).get(reverse("quiz:export"), {"format": fmt})
    assert response["Content-Type"].split(";")[0] in {"text/csv", "application/json"}
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_unknown_export_format_is_echoed_as_plain_text(user):
    response = client_for(user).get(reverse("quiz:export"), {"format": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
