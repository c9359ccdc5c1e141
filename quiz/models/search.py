from django.db import models


class SearchTerm(models.Model):
    """A term of the active questions (quiz.search.analysis), the word people write for it, and how many
    questions use it: what "did you mean" corrects a query from. Rebuilt by ``quiz.search.index``."""

    term = models.CharField(max_length=100, unique=True)
    # Indexed: "did you mean" looks a typo up by the word's first letter as well as the term's (PostgreSQL
    # read all 17,000 rows of a 10,000-question bank for it: 8 ms of a query's 20).
    word = models.CharField(max_length=100, db_index=True)
    questions = models.PositiveIntegerField()
    # For an abbreviation the questions spell out ("DiD"): the terms of what it stands for, "|" between two.
    stands_for = models.CharField(max_length=300, blank=True, default="")

    def __str__(self) -> str:
        return self.word


class SearchStats(models.Model):
    """How many active questions the vocabulary was counted over (one row, rebuilt with ``SearchTerm``):
    what makes a term's count a share of the bank, so search knows the words too common to find by."""

    questions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "search stats"

    def __str__(self) -> str:
        return f"{self.questions} questions"
