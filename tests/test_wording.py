"""Counts read as English: "1 question", "2 questions", never "1 questions"."""

from datetime import UTC, date, datetime

from quiz.charts import HeatCell, TrendPoint
from quiz.wording import counted, percent_of


def test_counts_agree_with_their_noun():
    assert [counted(n, "question") for n in (0, 1, 2)] == ["0 questions", "1 question", "2 questions"]
    assert counted(1, "match", "matches") == "1 match" and counted(3, "match", "matches") == "3 matches"


def test_chart_titles_count_in_words():
    one_day = HeatCell(x=0, y=0, day=date(2026, 3, 2), count=1, level=1)
    assert one_day.title.startswith("1 question on ")
    point = TrendPoint(x=0, y=0, percent=100, when=datetime(2026, 3, 2, tzinfo=UTC), questions=1, href="#")
    assert point.title.endswith("100% over 1 question")


def test_shares_are_whole_percents_and_a_share_of_nothing_is_zero():
    assert percent_of(2, 3) == 67  # mastery: 2 of 3 graded Good or better
    assert percent_of(1.5, 2) == 75  # scores: partial credit adds up in halves
    assert percent_of(0, 0) == 0  # a section never graded shows 0%, not an error
