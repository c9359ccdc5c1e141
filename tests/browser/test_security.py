"""What a real Chromium makes of hostile content and of the strict CSP.

The XSS corpus's browser sample (the payloads that set ``window.__xss``) is rendered on the question page, the
question card (swapped in by htmx), the results and My flags: no payload runs (the canary stays unset, no
dialog opens, no request is sent by the content), the parsed DOM holds no live markup, and the browser reports
no CSP violation, because a blocked attempt would mean markup survived. Then a whole interview and an admin
edit of an answer (change form, live preview, save, history, revert, compare) run without a CSP violation.
The fixtures in conftest.py fail every test on console errors, page errors and CSP violations.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from quiz.models import Flag, InterviewItem, MockInterview, Question, QuestionNote, Section
from tests.browser.conftest import PASSWORD
from tests.test_xss import load_payloads

pytestmark = pytest.mark.browser

SAMPLE = [payload for payload in load_payloads() if "__xss" in payload]
SAMPLE_TEXT = "\n\n".join(SAMPLE)
USER_CONTENT = (
    ".rendered, .prompt, .typed-answer, .flag-comment, .reviewer-note, .answer-diff, .answer-diff-rendered, "
    "textarea"
)

# Fires, on every element of user content, each event an injected inline handler could wait for.
POKE = """(selector) => {
  const types = ["mouseover", "mouseenter", "pointerenter", "pointerover", "focus", "focusin", "blur",
    "click", "auxclick", "dblclick", "toggle", "load", "error", "animationstart", "transitionend", "input",
    "change", "keydown", "beforeinput", "htmx:load"];
  for (const element of document.querySelectorAll(`:is(${selector}), :is(${selector}) *`)) {
    for (const type of types) {
      if (type === "click" && element.closest("a, summary")) continue;  // do not leave the page
      element.dispatchEvent(new Event(type, {bubbles: false}));
    }
  }
}"""

# Live markup anywhere in the DOM as Chromium built it (mutation XSS shows here, not in the HTML source).
LIVE_MARKUP = """(selector) => {
  const markdown = new Set(["p", "br", "hr", "blockquote", "pre", "code", "span", "div", "h1", "h2", "h3",
    "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "strong", "em", "b", "i", "del", "ins", "sub",
    "sup", "kbd", "a", "img", "table", "thead", "tbody", "tr", "th", "td"]);
  const never = new Set(["iframe", "object", "embed", "base", "frame", "frameset", "applet", "portal",
    "style"]);
  const found = [];
  const describe = (element) => element.outerHTML.slice(0, 160);
  for (const element of document.querySelectorAll("*")) {
    const inContent = element.matches(`:is(${selector}) *`);
    for (const {name, value} of element.attributes) {
      if (name.startsWith("on") || name === "style" || name === "srcdoc") {
        found.push(`${name}: ${describe(element)}`);
      }
      if (inContent && /^(data-)?hx-/.test(name)) found.push(`htmx in content: ${describe(element)}`);
      const squashed = value.replace(/[\\s\\u0000-\\u001f]/g, "").toLowerCase();
      if (/^(href|src|action|formaction|xlink:href|poster|background|data)$/.test(name)
          && /^(javascript|vbscript|data):/.test(squashed)) found.push(`${name} URL: ${describe(element)}`);
    }
    if (never.has(element.localName)) found.push(`<${element.localName}>: ${describe(element)}`);
    if (element.localName === "meta" && element.hasAttribute("http-equiv")) found.push(describe(element));
    if (element.localName === "script"
        && !(element.src.startsWith(`${location.origin}/static/`) && element.nonce && !element.text.trim())) {
      found.push(`script: ${describe(element)}`);
    }
    if (inContent && !markdown.has(element.localName)) found.push(`<${element.localName}> in content`);
  }
  return found;
}"""


@pytest.fixture
def hostile(transactional_db, candidate):
    """The sample in the places it reaches: one question per payload in a finished interview (answer and
    typed answer), and one question whose answer, note, typed answer, flag comment and diff hold them all."""
    section = Section.objects.create(key="xss", title="Hostile", source_path="xss.md")

    def question(key: str, text: str) -> Question:
        return Question.objects.create(
            key=f"xss/{key}", section=section, prompt_md=text, answer_md=text, source_path="xss.md"
        )

    questions = [question(f"q{n}", payload) for n, payload in enumerate(SAMPLE)]
    batch = question("batch", "The answer before it changed.")
    finished = MockInterview.start(candidate, [*questions, batch])
    for item, text in zip(finished.items.order_by("position"), [*SAMPLE, SAMPLE_TEXT], strict=True):
        InterviewItem.objects.filter(pk=item.pk).update(answer_text=text)
    finished.end_early()
    finished.items.filter(question=batch).update(done_at=finished.finished_at)  # seen: changes show as a diff
    batch.answer_md = SAMPLE_TEXT
    batch.save()
    QuestionNote.objects.create(user=candidate, question=batch, text=SAMPLE_TEXT)
    Flag.objects.create(user=candidate, question=batch, reason=Flag.Reason.WRONG, comment=SAMPLE_TEXT[:2000])
    return {"finished": finished, "batch": batch}


def _watch(page) -> dict:
    """Dialogs (dismissed) and requests the page's scripts send, from now on. The page's clock becomes the
    test's: whatever a payload might schedule runs when the test moves time, not after a wait."""
    page.clock.install()
    seen = {"dialogs": [], "requests": [], "failed": []}

    def on_dialog(dialog) -> None:
        seen["dialogs"].append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "request",
        lambda r: (
            seen["requests"].append(f"{r.method} {r.url}") if r.resource_type in ("xhr", "fetch") else None
        ),
    )
    page.on(
        "response",
        lambda r: seen["failed"].append((r.request.resource_type, r.url)) if r.status >= 400 else None,
    )
    return seen


def _assert_inert(page, seen: dict, where: str) -> None:
    page.evaluate(POKE, USER_CONTENT)
    page.clock.run_for(2000)  # fire everything scheduled (htmx "load" triggers, timers) without waiting
    assert page.evaluate("typeof window.__xss") == "undefined", (
        f"{where}: a payload ran (window.__xss is set)"
    )
    assert seen["dialogs"] == [], f"{where}: a payload opened a dialog"
    assert page.evaluate(LIVE_MARKUP, USER_CONTENT) == [], f"{where}: live markup in the DOM"


def test_hostile_sample_stays_inert_in_chromium(page, sign_in, page_problems, hostile, candidate):
    # Payload images such as <img src=x> stay (without their handlers) and 404: expected, nothing else may.
    page_problems.allow("the server responded with a status of 404 (Not Found)")
    seen = _watch(page)
    sign_in(page, candidate.username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    batch, finished = hostile["batch"], hostile["finished"]

    page.goto(f"/questions/{batch.pk}/")
    expect(
        page.locator(".answer-diff-rendered")
    ).to_be_visible()  # the "answer updated" diff is on the page too
    expect(page.locator("#note-form textarea")).to_have_value(SAMPLE_TEXT)
    _assert_inert(page, seen, "question page")

    page.goto(f"/interviews/{finished.pk}/results/")
    expect(page.locator(".typed-answer").first).to_have_text(SAMPLE[0])
    _assert_inert(page, seen, "results")

    page.goto("/my-flags/")
    expect(page.locator(".flag-comment")).to_be_visible()
    _assert_inert(page, seen, "my flags")

    # The question card: htmx swaps the revealed answer in and processes what it swapped.
    running = MockInterview.start(candidate, [batch])
    page.goto(f"/interviews/{running.pk}/")
    page.locator("#answer-text").fill(SAMPLE_TEXT)
    expect(page.locator("#save-status")).to_have_text("Saved")
    page.get_by_role("button", name="Reveal the answer").click()
    expect(page.locator(".reference-answer .rendered")).to_be_visible()
    _assert_inert(page, seen, "question card")

    own = re.compile(rf"POST .*/interviews/{running.pk}/items/\d+/(answer|reveal)/$")
    assert [r for r in seen["requests"] if not own.match(r)] == [], "content sent requests"
    assert {kind for kind, _ in seen["failed"]} <= {"image"}, f"failed loads: {seen['failed']}"
    assert page_problems.csp_violations == []


def test_a_whole_interview_raises_no_csp_violation(page, sign_in, page_problems, bank, candidate):
    sign_in(page, candidate.username)
    page.get_by_role("link", name="New interview").click()
    page.get_by_role("spinbutton", name="Questions").fill(str(len(bank)))
    page.get_by_role("button", name="Start the interview").click()
    card = page.locator("#question-card")
    for number in range(1, len(bank) + 1):
        expect(card.locator(".progress-label")).to_have_text(f"Question {number} / {len(bank)}")
        page.locator("#answer-text").fill(f"My answer to question {number}.")
        page.get_by_role("button", name="Reveal the answer").click()
        expect(card.locator(".reference-answer")).to_be_visible()
        card.locator(".flag-answer summary").click()  # loads the flag form with htmx
        expect(card.locator(".flag-form")).to_be_visible()
        card.get_by_role("button", name=re.compile("Good")).click()
    page.wait_for_url(re.compile(r"/interviews/\d+/results/$"))
    expect(page.get_by_test_id("score")).to_have_text("67%")
    page.goto("/progress/")
    page.goto("/history/")
    assert page_problems.csp_violations == []
    assert page_problems.all() == {}


def test_an_admin_edit_of_an_answer_raises_no_csp_violation(page, page_problems, bank):
    get_user_model().objects.create_superuser("grace", password=PASSWORD)
    question = bank[0]
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))
    ).to_be_visible()

    page.goto(f"/admin/quiz/question/{question.pk}/change/")
    page.locator("#id_answer_md").fill("An **edited** answer with <img src=x onerror=window.__xss=1>.")
    preview = page.locator("[data-preview-url]")
    expect(preview.locator("strong")).to_have_text("edited")  # the live preview, rendered by the server
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(f"/admin/quiz/question/{question.pk}/history/")
    revisions = page.locator("#change-history tbody tr")
    expect(revisions).to_have_count(2)
    page.locator("#change-history tbody tr").last.get_by_role("link").first.click()  # the first revision
    expect(page.get_by_role("button", name="Revert")).to_be_visible()
    page.get_by_role("button", name="Revert").click()
    expect(page.locator(".messagelist")).to_be_visible()
    # Back to the first revision (the browser posts the textarea's line breaks as CRLF).
    reverted = Question.objects.get(pk=question.pk).answer_md
    assert reverted.replace("\r\n", "\n") == bank[0].answer_md

    page.goto(f"/admin/quiz/question/{question.pk}/history/")
    page.get_by_role("link", name="compare").first.click()
    expect(page.locator(".answer-diff")).to_be_visible()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page_problems.csp_violations == []
    assert page_problems.all() == {}
