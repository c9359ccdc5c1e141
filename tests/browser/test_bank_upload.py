"""Staff add a bank in the browser (upload, read the dry run, import), then a candidate practises that bank
only and reads their progress for it."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from quiz import bank_imports
from quiz.models import MockInterview, Question
from tests.browser.conftest import PASSWORD

pytestmark = pytest.mark.browser

TEAM = {
    "team/bank.toml": 'title = "Team questions"\nlicence = "CC-BY-4.0"\n',
    "team/sql.md": "# SQL\n\n### What is a join?\nIt combines rows of two tables.\n\n"
    "### What is an index?\nA structure that finds rows without reading the whole table.\n",
    "team/python.md": "# Python\n\n### What does yield do?\nIt pauses the function and hands out a value.\n",
}


def test_staff_upload_a_bank_and_a_candidate_practises_it_alone(open_page, bank, candidate, sign_in):
    get_user_model().objects.create_superuser("grace", password=PASSWORD)
    staff = open_page()
    sign_in(staff, "grace")
    staff.goto("/banks/upload/")
    staff.get_by_label("A .zip archive, or .md files").set_input_files(
        {"name": "team.zip", "mimeType": "application/zip", "buffer": bank_imports.zip_bytes(TEAM)}
    )
    staff.get_by_role("button", name="Show the dry run").click()

    expect(staff.get_by_role("heading", level=1)).to_have_text("Bank “Team questions”: dry run")
    files = staff.get_by_test_id("dry-run-files")
    expect(files.get_by_role("row", name="sql.md")).to_contain_text("qna")
    expect(staff.get_by_test_id("dry-run-questions")).to_have_text("3")
    expect(staff.locator(".sample-question").first).to_contain_text("What does yield do?")
    assert not Question.objects.filter(section__bank__slug="team").exists()  # a dry run writes nothing

    staff.get_by_role("button", name="Import 3 questions").click()
    expect(staff.get_by_test_id("import-progress")).to_contain_text("Waiting for the worker")
    # The worker `make run` starts beside the server, here run once over the queue.
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0, stdout=StringIO())
    expect(staff.get_by_test_id("import-progress")).to_have_text("Imported")  # the page polls for it

    player = open_page()
    sign_in(player, "ada")
    player.goto("/interviews/new/")
    player.get_by_label("Team questions (3)").check()
    player.get_by_label("Untimed").check()
    player.get_by_role("button", name="Start the interview").click()
    card = player.locator("#question-card")
    expect(card.locator(".progress-label")).to_have_text("Question 1 / 3")
    team_prompts = set(
        Question.objects.filter(section__bank__slug="team").values_list("prompt_md", flat=True)
    )
    for number in range(1, 4):
        expect(card.locator(".progress-label")).to_have_text(f"Question {number} / 3")
        prompt = card.locator(".prompt").inner_text().strip()
        assert prompt in team_prompts
        player.get_by_role("button", name="Reveal the answer").click()
        player.get_by_role("button", name="Missed").click()
    expect(player).to_have_url(re.compile(r"/interviews/\d+/results/$"))
    interview = MockInterview.objects.get()
    assert {item.question.section.bank.slug for item in interview.items.all()} == {"team"}

    # Progress for one bank: its sections, none of the other bank's.
    player.goto("/progress/")
    player.get_by_label("Bank").select_option(label="Team questions")
    player.get_by_role("button", name="Show").click()
    expect(player).to_have_url(re.compile(r"/progress/\?bank=team$"))
    expect(player.locator("section", has=player.locator("#mastery-heading"))).to_contain_text("SQL")
    expect(player.locator("section", has=player.locator("#missed-heading"))).to_contain_text(
        "What is a join?"
    )
    player.get_by_label("Bank").select_option(label=bank[0].section.bank.title)
    player.get_by_role("button", name="Show").click()
    expect(player.locator("section", has=player.locator("#missed-heading"))).not_to_contain_text("join")
