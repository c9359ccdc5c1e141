"""The quiz app's models, one module per concern; import them from here."""

from quiz.models.accounts import Preferences
from quiz.models.banks import Bank, BankUpload
from quiz.models.content import (
    GRADE_CUTOFFS,
    GRADE_MEANINGS,
    Difficulty,
    Grade,
    Provenance,
    Question,
    Section,
    suggested_grade,
)
from quiz.models.flags import Flag
from quiz.models.interview_items import InterviewItem
from quiz.models.interview_results import InterviewSummary, SectionResult
from quiz.models.interviews import MockInterview
from quiz.models.overrides import KeyPointOverride
from quiz.models.peers import PeerAssessment, PeerInvite
from quiz.models.plans import InterviewPlan
from quiz.models.progress import LEECH_LAPSES, Bookmark, PracticeDay, QuestionNote, ReviewState
from quiz.models.search import SearchStats, SearchTerm
from quiz.models.throttles import ThrottleCount

__all__ = [
    "GRADE_CUTOFFS",
    "GRADE_MEANINGS",
    "LEECH_LAPSES",
    "Bank",
    "BankUpload",
    "Bookmark",
    "Difficulty",
    "Flag",
    "Grade",
    "Provenance",
    "InterviewItem",
    "InterviewPlan",
    "InterviewSummary",
    "KeyPointOverride",
    "MockInterview",
    "PeerAssessment",
    "PeerInvite",
    "PracticeDay",
    "Preferences",
    "Question",
    "QuestionNote",
    "ReviewState",
    "SearchStats",
    "SearchTerm",
    "Section",
    "SectionResult",
    "ThrottleCount",
    "suggested_grade",
]
