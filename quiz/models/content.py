from django.db import models, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from quiz.answer_parts import rendered_fields
from quiz.models.banks import bundled_bank_id
from quiz.rendering import render_markdown
from quiz.search.index import search_fields


class Provenance(models.TextChoices):
    """Where a reference answer comes from, so a candidate knows how far to trust it (see answer_parts)."""

    UPSTREAM = "upstream", "Upstream (machine-written, not reviewed)"
    WRITTEN = "written", "Written for this bank"
    REVIEWED = "reviewed", "Reviewed"
    EDITED = "edited", "Edited by a reviewer"


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"
    UNRATED = "unrated", "Unrated"


def answers_differ(old: str, new: str) -> bool:
    """A change in substance: anything but white space."""
    return " ".join(old.split()) != " ".join(new.split())


class SectionTree:
    """The bank's sections as a tree, from one query: every page that shows or walks the tree uses this.

    Sections come in bank order (``position``); each gets ``depth`` (0 for a source file) and the tree knows
    each one's parent and children, so walking it never queries again.
    """

    def __init__(self, sections) -> None:
        self.sections: list[Section] = list(sections)
        self.by_pk = {section.pk: section for section in self.sections}
        self.children: dict[int | None, list[Section]] = {}
        for section in self.sections:
            parent = section.parent_id if section.parent_id in self.by_pk else None
            self.children.setdefault(parent, []).append(section)
        for section in self.walk():
            parent = self.by_pk.get(section.parent_id)
            section.depth = parent.depth + 1 if parent else 0

    def walk(self, parent_id: int | None = None):
        """Every section below ``parent_id`` (all of them for None), each parent before its children."""
        todo = list(reversed(self.children.get(parent_id, [])))
        while todo:
            section = todo.pop()
            yield section
            todo.extend(reversed(self.children.get(section.pk, [])))

    def ancestry(self, pk: int) -> list["Section"]:
        """The section and its ancestors, the section first."""
        path = []
        while (section := self.by_pk.get(pk)) is not None and len(path) < len(self.by_pk):
            path.append(section)
            pk = section.parent_id
        return path

    def subtree_ids(self, pks) -> set[int]:
        return {pk for pk in pks if pk in self.by_pk} | {
            below.pk for pk in pks if pk in self.by_pk for below in self.walk(pk)
        }

    def add_up(self, own: dict[int, int]) -> dict[int, int]:
        """Each section's count in ``own`` (by section pk) plus the counts of every section below it."""
        totals = dict.fromkeys(self.by_pk, 0)
        for pk, count in own.items():
            for section in self.ancestry(pk):
                totals[section.pk] += count
        return totals


class SectionQuerySet(models.QuerySet):
    def in_banks(self, banks) -> "SectionQuerySet":
        """Sections of ``banks`` (all of them when none is chosen)."""
        return self.filter(bank__in=banks) if banks else self

    def tree(self) -> SectionTree:
        # Bank by bank (each bank counts its positions from 0), so a bank's sections are listed together.
        return SectionTree(self.order_by("bank_id", "position"))

    def with_question_counts(self) -> "SectionQuerySet":
        """Each section's own active questions, counted in the same query, in bank order. Follow-ups are
        asked with their question, so they are not counted apart."""
        # Django leaves Meta.ordering out of GROUP BY queries, so the tree would come back in pk order
        # (parents before children) unless the order is asked for here.
        return self.annotate(
            question_count=models.Count(
                "questions", filter=models.Q(questions__retired=False, questions__parent=None)
            )
        ).order_by("bank_id", "position")

    def with_totals(self) -> list["Section"]:
        """The sections in bank order, each with ``depth``, ``question_count`` (its own active questions) and
        ``total_count`` (with those of the sections below it, so a file counts its topics' questions).
        A section with no question anywhere below it (a file of links, a chapter not written yet) is left
        out: nothing offers a choice that yields no question."""
        tree = self.with_question_counts().tree()
        totals = tree.add_up({section.pk: section.question_count for section in tree.sections})
        for section in tree.sections:
            section.total_count = totals[section.pk]
        return [section for section in tree.walk() if section.total_count]


class SectionManager(models.Manager.from_queryset(SectionQuerySet)):
    def get_by_natural_key(self, key: str) -> "Section":
        return self.get(key=key)


class Section(models.Model):
    """A node of the question bank's tree: a source file at the top, its chapters and topics below."""

    key = models.CharField(
        max_length=200, unique=True, help_text="Stable natural key, e.g. 'python-qna/pandas'."
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    title = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0, help_text="Order among the bank's sections.")
    source_path = models.CharField(max_length=300)
    source_line = models.PositiveIntegerField(default=1)
    retired = models.BooleanField(default=False, help_text="Gone from the markdown; kept for history.")
    # Every section, not only a file's root, names its bank: filtering by bank is one join, never a tree walk.
    bank = models.ForeignKey(
        "quiz.Bank", on_delete=models.PROTECT, related_name="sections", default=bundled_bank_id
    )

    objects = SectionManager()

    class Meta:
        ordering = ["bank_id", "position"]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.key,)


class QuestionQuerySet(models.QuerySet):
    def active(self) -> "QuestionQuerySet":
        return self.filter(retired=False)

    def answered(self) -> "QuestionQuerySet":
        return self.exclude(answer_md="")

    def _reverse(self, name: str) -> models.QuerySet:
        """All rows of the model that points here as ``name`` (the models below questions import this one)."""
        return self.model._meta.get_field(name).related_model.objects.all()

    def search(self, text: str) -> "QuestionQuerySet":
        """These questions that match ``text`` (quiz.search), unordered; ``quiz.search.query.search`` gives
        the ids best first."""
        from quiz.search.query import search

        if not text.split():
            return self
        return self.filter(pk__in=search(text, within=self).ids)

    def with_user_badges(self, user, now) -> "QuestionQuerySet":
        """Annotate what ``user`` has done with each question, in the same query (no N+1)."""
        bookmarks = self._reverse("bookmarks").filter(user=user, question=models.OuterRef("pk"))
        reviews = self._reverse("review_states").filter(user=user, question=models.OuterRef("pk"))
        return self.annotate(
            is_bookmarked=models.Exists(bookmarks),
            is_due=models.Exists(reviews.due(now)),
            my_last_grade=models.Subquery(reviews.values("last_grade")[:1]),
        )

    def in_banks(self, banks) -> "QuestionQuerySet":
        """Questions of ``banks`` (all of them when none is chosen)."""
        return self.filter(section__bank__in=banks) if banks else self

    def in_sections(self, sections) -> "QuestionQuerySet":
        if not sections:
            return self
        tree = Section.objects.only("pk", "parent_id", "position", "bank_id").tree()
        return self.filter(section_id__in=tree.subtree_ids([section.pk for section in sections]))

    def fresh_first_for(self, user) -> "QuestionQuerySet":
        """Questions the user has never finished first, then the longest ago; ties in random order."""
        last_done = (
            self._reverse("interview_items")
            .filter(question=models.OuterRef("pk"), interview__user=user, done_at__isnull=False)
            .order_by("-done_at")
            .values("done_at")[:1]
        )
        return self.annotate(last_done=models.Subquery(last_done)).order_by(
            models.F("last_done").asc(nulls_first=True), "?"
        )


class AnswerConflict(Exception):
    """Someone saved the answer after the revision an editor started from; ``latest`` is theirs."""

    def __init__(self, latest: int | None) -> None:
        super().__init__(f"the answer changed since revision was read (now {latest})")
        self.latest = latest


class QuestionManager(models.Manager.from_queryset(QuestionQuerySet)):
    def get_by_natural_key(self, key: str) -> "Question":
        return self.get(key=key)


class Question(models.Model):
    key = models.CharField(max_length=200, unique=True, help_text="Stable natural key, survives re-ordering.")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="questions")
    position = models.PositiveIntegerField(default=0, help_text="Order in the bank (source order).")
    group_title = models.CharField(
        max_length=300, blank=True, help_text="The untagged item a group of questions sits under."
    )
    prompt_md = models.TextField("question")
    prompt_html = models.TextField(editable=False, default="")
    answer_md = models.TextField("reference answer", blank=True)
    answer_html = models.TextField(editable=False, default="")
    # The answer's "Key points:" block, parsed: the rubric a strong answer covers. answer_md stays the source.
    key_points = models.JSONField(default=list, blank=True, editable=False)
    provenance = models.CharField(max_length=10, choices=Provenance.choices, default=Provenance.UPSTREAM)
    provenance_by = models.CharField("provenance by", max_length=150, blank=True)
    provenance_on = models.DateField("provenance date", null=True, blank=True)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices, default=Difficulty.UNRATED)
    source_path = models.CharField(max_length=300)
    source_line = models.PositiveIntegerField(default=1)
    # What the last import delivered, so an admin's edit is told apart from upstream's and never overwritten.
    imported_answer_md = models.TextField(blank=True, editable=False)
    retired = models.BooleanField(
        default=False, help_text="Gone from the markdown: hidden from new interviews."
    )
    answer_changed_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the answer last changed beyond whitespace."
    )
    # The prompt and the answer as search terms (quiz.search.index): what the full-text indexes read.
    search_prompt = models.TextField(editable=False, default="")
    search_answer = models.TextField(editable=False, default="")
    # A follow-up is a question of its own (key, card, history) asked after its parent; siblings are asked in
    # ``position`` order. One level deep: a follow-up has no follow-ups (quiz/models/followups.py).
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="The question this one follows up; empty for a question of its own.",
    )

    history = HistoricalRecords(
        excluded_fields=[
            *("prompt_html", "answer_html", "key_points", "position"),
            *("search_prompt", "search_answer", "parent"),
        ]
    )
    objects = QuestionManager()

    class Meta:
        ordering = ["position"]
        # Search leaves out the retired questions by this small index, not by reading every matching row.
        indexes = [models.Index(fields=["id"], condition=models.Q(retired=True), name="question_retired")]

    def __str__(self) -> str:
        return self.prompt_md[:80]

    def save(self, **kwargs) -> None:
        # Admin edits land here; loaddata skips save(), so the importer writes the *_html fields too.
        # Browsers post textareas with CRLF: store the markdown with plain newlines, as the files have it.
        self.answer_md = self.answer_md.replace("\r\n", "\n")
        for name, value in rendered_fields(self.prompt_md, self.answer_md, render_markdown).items():
            setattr(self, name, value)
        for name, value in search_fields(self.prompt_md, self.answer_md, self.group_title).items():
            setattr(self, name, value)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_prompt", "search_answer"}
        changed = bool(self.pk) and self._answer_changed_in_substance()
        if changed:
            self.answer_changed_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "answer_changed_at"}
        super().save(**kwargs)
        if changed:
            self.mark_answer_changed()

    def revisions(self):
        """The answer's history rows, newest first."""
        return self.history.order_by("-history_date", "-history_id")

    def latest_revision_id(self) -> int | None:
        """The id of the newest history row: the revision an editor starts from."""
        return self.revisions().values_list("history_id", flat=True).first()

    @transaction.atomic
    def replace_answer(self, text: str, *, by, base_revision: int | None, resolves=None, reason: str) -> int:
        """Save ``text`` as the reference answer written by ``by``, and close the flags it deals with.

        The one way an answer is replaced in the app (the reviewer's editor and admin). With the question's
        row locked, the revision the editor started from (``base_revision``; None: don't check) must still be
        the latest, else ``AnswerConflict``: two editors saving at once cannot both pass. ``resolves``: the
        open flags this edit deals with (the others go back to open); None keeps the accepted ones as they
        are. Returns how many flags were resolved, linked to the new revision.
        """
        type(self).objects.select_for_update().filter(pk=self.pk).first()
        latest = self.latest_revision_id()
        if base_revision is not None and latest is not None and base_revision != latest:
            raise AnswerConflict(latest)
        flags = self.flags
        if resolves is not None:
            chosen = [flag.pk for flag in resolves]
            flags.open().filter(pk__in=chosen).update(status=flags.model.Status.ACCEPTED)
            flags.accepted().exclude(pk__in=chosen).update(status=flags.model.Status.OPEN)
            if chosen:
                reason += f"; resolves flags {', '.join(f'#{pk}' for pk in chosen)}"
        self.answer_md = text
        self.provenance = Provenance.EDITED
        self.provenance_by = by.get_username()
        self.provenance_on = timezone.localdate()
        self._change_reason = reason[:100]
        self.save()
        return flags.accepted().resolve(self.latest_revision_id(), by)

    @property
    def provenance_note(self) -> str:
        """Where the answer comes from, as the candidate reads it under the answer."""
        when = f" on {self.provenance_on:%-d %b %Y}" if self.provenance_on else ""
        if self.provenance == Provenance.UPSTREAM and self.provenance_by:  # bank_imports.credit_import
            return f"Imported by {self.provenance_by}{when}; not yet reviewed here."
        label = {
            Provenance.UPSTREAM: "From the upstream bank: machine-written, not yet reviewed",
            Provenance.WRITTEN: "Written for this bank",
            Provenance.REVIEWED: "Reviewed",
            Provenance.EDITED: "Edited in review",
        }[self.provenance]
        who = (
            f" by {self.provenance_by}"
            if self.provenance_by and self.provenance != Provenance.UPSTREAM
            else ""
        )
        return f"{label}{who}{when}."

    def mark_answer_changed(self) -> int:
        """Bring the question back into the review queue of everyone who reviewed it before the change."""
        when = self.answer_changed_at
        return self.review_states.filter(last_review__lt=when, due__gt=when).update(due=when)

    def _answer_changed_in_substance(self) -> bool:
        stored = Question.objects.filter(pk=self.pk).values_list("answer_md", flat=True).first()
        return stored is not None and answers_differ(stored, self.answer_md)

    def natural_key(self) -> tuple[str]:
        return (self.key,)

    @property
    def has_answer(self) -> bool:
        return bool(self.answer_md.strip())

    @property
    def edited_since_import(self) -> bool:
        return self.answer_md != self.imported_answer_md


class Grade(models.IntegerChoices):
    MISSED = 1, "Missed"
    PARTIAL = 2, "Partial"
    GOOD = 3, "Good"
    NAILED = 4, "Nailed"


# The grade the share of key points ticked after Reveal suggests: (grade, lowest ticked percent), best first.
# Nailed asks for (nearly) all points, Missed for (nearly) none; Partial and Good split the middle at 60%.
# The help text and quiz.js's live suggestion read the same table.
GRADE_CUTOFFS = ((Grade.NAILED, 90), (Grade.GOOD, 60), (Grade.PARTIAL, 25), (Grade.MISSED, 0))


def suggested_grade(ticks: list[bool], answer_text: str, *, ceiling: Grade | None = None) -> Grade | None:
    """The grade the ticked share suggests: only ticked points count (an unsure point the candidate has not
    confirmed does not). None without key points, or with nothing typed and nothing ticked.

    ``ceiling`` caps the suggestion (an answer given with help suggests at most that grade): the one place for
    such a cap, so the card, quiz.js's data and the stored suggestion agree."""
    if not ticks or (not any(ticks) and not answer_text.strip()):
        return None
    ticked = sum(ticks)
    grade = next(grade for grade, percent in GRADE_CUTOFFS if 100 * ticked >= percent * len(ticks))
    return min(grade, ceiling) if ceiling is not None else grade


def answer_ceiling(hint_ceiling: Grade | None, contradicted: bool) -> Grade | None:
    """The best grade an answer may be suggested: Good at most once hints were taken (``hints.ceiling``),
    Partial at most when the matcher read it contradicting a key point (``quiz.feedback.Reading``): an
    answer that says something false is not "correct, minor gaps", whatever else it ticks."""
    caps = [cap for cap in (hint_ceiling, Grade.PARTIAL if contradicted else None) if cap is not None]
    return min(caps, default=None)


GRADE_MEANINGS = {
    Grade.MISSED: "Couldn't answer, or got it wrong",
    Grade.PARTIAL: "Some key points, real gaps",
    Grade.GOOD: "Correct, minor gaps",
    Grade.NAILED: "Complete and crisp, interview-ready",
}
