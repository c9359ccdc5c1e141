"""Playwright against Debian's Chromium and pytest-django's live server.

One browser per session, a fresh context per test. Every page a test opens is watched for console errors,
uncaught exceptions and CSP violations; the test fails at teardown if any happened.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from quiz.models import Difficulty, Question, Section, ThrottleCount

# Playwright's sync API runs an event loop in this thread; Django's ORM would otherwise refuse to run here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"

# Injected by Playwright before any page script, outside the page's CSP.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  const text = `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`;
  window.__cspViolations.push(text);
  if (window.__recordCspViolation) window.__recordCspViolation(text);
});
"""


@pytest.fixture(scope="session")
def browser():
    # A missing browser fails the run rather than skip it: a skipped suite would pass while testing nothing.
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser` (.ci/install-browser: apt-get install chromium "
            "fonts-dejavu-core nodejs npm, then axe-core from npm), or leave these tests out with "
            "-m 'not browser'.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What went wrong in the pages of one test, as a person would see it in the devtools console."""

    def __init__(self) -> None:
        self.allowed: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []

    def watch(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def allow(self, text: str) -> None:
        """A console error the test expects, e.g. the browser noting a deliberate 429 response."""
        self.allowed.append(text)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def unexpected_console_errors(self) -> list[str]:
        return [error for error in self.console_errors if not any(ok in error for ok in self.allowed)]

    def all(self) -> dict[str, list[str]]:
        found = {
            "console errors": self.unexpected_console_errors(),
            "page errors": self.page_errors,
            "CSP violations": sorted(set(self.csp_violations)),
        }
        return {kind: items for kind, items in found.items() if items}


@pytest.fixture(autouse=True)
def no_throttle_counts_carried_over(django_db_setup, django_db_blocker):
    """Every browser test signs up and in from 127.0.0.1; throttle counts must not carry over between them."""
    with django_db_blocker.unblock():
        ThrottleCount.objects.all().delete()


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def open_page(browser, live_server, page_problems) -> Iterator[Callable]:
    """``open_page(**context_options)``: a page in a fresh context, its problems checked after the test."""
    contexts = []

    def record_csp_violation(text: str) -> None:
        page_problems.csp_violations.append(text)

    def open_(**options):
        options = {"base_url": live_server.url, "viewport": {"width": 1280, "height": 860}, **options}
        context = browser.new_context(**options)
        context.set_default_timeout(5000)
        context.expose_function("__recordCspViolation", record_csp_violation)
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        contexts.append((context, options.get("java_script_enabled", True)))
        page = context.new_page()
        page_problems.watch(page)
        return page

    yield open_
    for context, scripts_run in contexts:
        if scripts_run:
            for open_page_ in context.pages:
                page_problems.csp_violations.extend(open_page_.evaluate("window.__cspViolations || []"))
        context.close()
    assert not page_problems.all(), f"The browser reported problems: {page_problems.all()}"


@pytest.fixture
def page(open_page):
    return open_page()


@pytest.fixture
def bank(transactional_db) -> list[Question]:
    """A small question bank: two top sections, one chapter, six answered questions in markdown."""
    python = Section.objects.create(key="python-qna", title="Python QnA", position=0, source_path="p.md")
    pandas = Section.objects.create(
        key="python-qna/pandas", title="Pandas", parent=python, position=1, source_path="p.md"
    )
    ml = Section.objects.create(key="ml-basics", title="ML fundamentals", position=2, source_path="m.md")
    rows = [
        (
            python,
            "What does a Python **generator** return when it is called?",
            "An *iterator*: the body runs lazily, one `yield` at a time.\n\n"
            "```python\ndef count_up(n):\n    for i in range(n):\n        yield i\n\n"
            "list(count_up(3))  # [0, 1, 2]\n```",
        ),
        (
            pandas,
            "How do you drop rows with missing values in a `DataFrame`?",
            "Use `df.dropna()`; `subset=` limits the columns checked and `how='all'` keeps partial rows.\n\n"
            "```python\nclean = df.dropna(subset=['age', 'income'])\n```",
        ),
        (
            pandas,
            "What is the difference between `loc` and `iloc`?",
            "- `loc` selects by **label**, end inclusive\n- `iloc` selects by **position**, end exclusive",
        ),
        (
            ml,
            "Explain the bias-variance trade-off.",
            "Simple models **underfit** (high bias), flexible ones **overfit** (high variance). "
            "Regularisation, more data and cross-validation move the balance.",
        ),
        (
            ml,
            "Why do we scale features before gradient descent?",
            "Features on very different scales stretch the loss surface, so one learning rate is too big "
            "for some weights and too small for others; scaling makes steps comparable.",
        ),
        (
            ml,
            "What does *L1* regularisation do that *L2* does not?",
            "L1 drives some weights to **exactly zero**, so it also selects features; L2 only shrinks them.",
        ),
    ]
    return [
        Question.objects.create(
            key=f"{section.key}/q{n}",
            section=section,
            position=n,
            prompt_md=prompt,
            answer_md=answer,
            imported_answer_md=answer,
            difficulty=[Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD][n % 3],
            source_path=section.source_path,
            source_line=n * 10,
        )
        for n, (section, prompt, answer) in enumerate(rows, start=1)
    ]


@pytest.fixture
def candidate(transactional_db):
    return get_user_model().objects.create_user("ada", password=PASSWORD)


@pytest.fixture
def sign_in() -> Callable:
    """``sign_in(page, username, password=PASSWORD)``: through the sign-in form, as a person does."""

    def sign_in_(page, username: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    return sign_in_
