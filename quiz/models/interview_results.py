"""What the results page shows of one interview, read in one query."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from quiz.models import followups
from quiz.models.content import Grade, Question, Section
from quiz.models.interview_items import InterviewItem
from quiz.wording import percent_of

if TYPE_CHECKING:
    from quiz.models.interviews import MockInterview


@dataclass
class SectionResult:
    section: Section
    asked: int = 0
    score_total: float = 0.0

    @property
    def percent(self) -> int:
        return percent_of(self.score_total, self.asked)


@dataclass
class InterviewSummary:
    """What the results page shows, computed from one query over the interview's items."""

    items: list[InterviewItem]  # follow-ups included
    percent: int
    questions: list[InterviewItem]  # the questions alone: what the figures below count
    graded: int
    skipped: int
    unreached: int
    over_time: int
    grade_counts: dict[int, int]
    seconds_used: int
    seconds_budget: int | None
    sections: list[SectionResult]

    @classmethod
    def of(cls, interview: "MockInterview") -> "InterviewSummary":
        # Each question's card comes in the same read, for the page's suspend, bury and reset buttons.
        own_card = models.Q(question__review_states__user=interview.user_id)
        items = interview.items.annotate(
            user_card=models.FilteredRelation("question__review_states", condition=own_card)
        )
        everything = list(items.select_related("question__section", "user_card").order_by("position"))
        # The score counts the questions; their follow-ups are the chains' depth (followups.Chain).
        items = [item for item in everything if item.follows_id is None]
        by_section: dict[int, SectionResult] = {}
        for item in items:
            result = by_section.setdefault(item.question.section_id, SectionResult(item.question.section))
            result.asked += 1
            result.score_total += item.score
        end = interview.ended_at or timezone.now()
        return cls(
            items=everything,
            percent=percent_of(sum(i.score for i in items), len(items)),
            questions=items,
            graded=sum(1 for i in items if i.grade),
            skipped=sum(1 for i in items if i.skipped),
            unreached=sum(1 for i in items if i.done_at is None),
            over_time=sum(1 for i in items if i.over_time),
            grade_counts={g: sum(1 for i in items if i.grade == g) for g in Grade.values},
            seconds_used=max(0, int((end - interview.created_at).total_seconds())),
            seconds_budget=interview.total_seconds,
            sections=list(by_section.values()),
        )

    @property
    def missed_questions(self) -> list[Question]:
        """Missed, partial, skipped or never reached: what "practise the ones I missed" asks again. A chain
        with a follow-up missed is asked again from its question."""
        roots = {i.pk: i.question for i in self.questions}
        missed = {i.follows_id or i.pk for i in self.items if not i.grade or i.grade <= Grade.PARTIAL}
        return [question for pk, question in roots.items() if pk in missed]

    @property
    def chains(self) -> list[followups.Chain]:
        return followups.chains(self.items)
