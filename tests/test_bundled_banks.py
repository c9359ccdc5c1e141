"""The bundled banks as a candidate meets them: what fixtures/content.json holds for the banks written for
this project (every bank folder but the first, which came from an upstream dump), checked against the README's
promises: reviewed by a second editor, difficulty set, 3-6 key points, follow-ups, the coverage table."""

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from django.conf import settings

CONTENT = json.loads((Path(settings.BASE_DIR) / "fixtures" / "content.json").read_text())
FIRST_BANK = "mle-interview-questions"
README = (Path(settings.BASE_DIR) / "README.md").read_text()
REVIEWED_BY = re.compile(r"^written by (?P<writer>[^,]+), reviewed by (?P<reviewer>.+)$")


def records(model: str) -> list[dict]:
    return [r["fields"] for r in CONTENT if r["model"] == model]


def bank_of(section_key: str) -> str:
    return SECTION_BANK[section_key]


SECTION_BANK = {s["key"]: s["bank"][0] for s in records("quiz.section")}
QUESTIONS = [q for q in records("quiz.question") if bank_of(q["section"][0]) != FIRST_BANK]
MAIN = [q for q in QUESTIONS if not q.get("parent")]
FOLLOW_UPS = [q for q in QUESTIONS if q.get("parent")]


def test_the_new_banks_hold_at_least_400_questions_each_with_follow_ups():
    banks = {bank_of(q["section"][0]) for q in MAIN}
    assert len(banks) >= 8
    assert len(MAIN) >= 400
    parents = Counter(q["parent"][0] for q in FOLLOW_UPS)
    keys = {q["key"] for q in MAIN}
    assert set(parents) <= keys
    without = [q["prompt_md"] for q in MAIN if q["key"] not in parents]
    assert without == []  # every question has 1-3 follow-ups
    assert max(parents.values()) <= 3


def test_every_new_answer_was_written_by_one_editor_and_reviewed_by_another():
    for q in QUESTIONS:
        assert q["provenance"] == "reviewed", q["prompt_md"]
        match = REVIEWED_BY.match(q["provenance_by"])
        assert match, q["provenance_by"]
        assert match["writer"] != match["reviewer"], q["prompt_md"]


def test_every_new_question_has_a_difficulty_and_three_to_six_key_points():
    for q in QUESTIONS:
        assert q["difficulty"] in {"easy", "medium", "hard"}, q["prompt_md"]
        assert 3 <= len(q["key_points"]) <= 6, q["prompt_md"]


def test_each_new_bank_spreads_its_questions_over_the_three_difficulties():
    counts = defaultdict(Counter)
    for q in MAIN:
        counts[bank_of(q["section"][0])][q["difficulty"]] += 1
    for bank, by_level in counts.items():
        total = sum(by_level.values())
        for level in ("easy", "medium", "hard"):
            assert 0.2 <= by_level[level] / total <= 0.45, (bank, dict(by_level))


def test_the_readme_coverage_table_matches_the_banks():
    banks = {b["slug"]: b["title"] for b in records("quiz.bank")}
    everything = records("quiz.question")
    for slug, title in banks.items():
        rows = [q for q in everything if bank_of(q["section"][0]) == slug]
        main = [q for q in rows if not q.get("parent")]
        by_level = Counter(q["difficulty"] for q in main)
        line = (
            f"| {title} | {len(main)} | {by_level['easy']} / {by_level['medium']} / {by_level['hard']} "
            f"| {len(rows) - len(main)} |"
        )
        assert any(row.startswith(line) for row in README.splitlines()), line
    follow_ups = sum(1 for q in everything if q.get("parent"))
    assert f"{len(everything) - follow_ups} questions, each with" in README
    assert f"{follow_ups} follow-up questions under them" in README


def test_every_bundled_bank_says_where_it_comes_from_and_under_what_licence():
    # The banks page shows these. The banks written here have no upstream; the first one came from a public
    # repository, whose address it must give.
    banks = {b["slug"]: b for b in records("quiz.bank")}
    assert len(banks) == len(list((Path(settings.BASE_DIR) / "fixtures" / "markdown").glob("*/bank.toml")))
    assert [b["title"] for b in banks.values() if not b["licence"].strip()] == []
    assert banks[FIRST_BANK]["source_url"].startswith("https://github.com/")
