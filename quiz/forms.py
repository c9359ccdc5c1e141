from django import forms
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm, UserCreationForm
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.text import Truncator

from quiz import exporter, throttles
from quiz.models import (
    Bank,
    Difficulty,
    Flag,
    Grade,
    InterviewItem,
    InterviewPlan,
    Provenance,
    Question,
    Section,
)
from quiz.models.accounts import Preferences
from quiz.models.plans import utc_today
from quiz.rendering import MAX_MARKDOWN_CHARS, MarkdownError, render_markdown
from quiz.search.query import SearchResult, search

MAX_DATABASE_ID = 2**63 - 1  # BigAutoField's largest value, on SQLite and PostgreSQL alike


def check_renders(markdown_text: str) -> None:
    """Refuse markdown the renderer refuses (too long, nested too deep), with its message as a form error."""
    try:
        render_markdown(markdown_text)
    except MarkdownError as error:
        raise forms.ValidationError(str(error)) from None


class SignUpForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Optional: only used to reset your password.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Preferences
        fields = ("keyboard_shortcuts", "extra_time", "share_phrases", "new_per_day", "reviews_per_day")
        labels = {
            "keyboard_shortcuts": "Single-key shortcuts in interviews",
            "extra_time": "Extra time",
            "share_phrases": "Share what I typed when I correct the key-point checker",
            "new_per_day": "New questions a day",
            "reviews_per_day": "Reviews a day",
        }
        widgets = {"extra_time": forms.RadioSelect}
        error_messages = {
            field: {
                "max_value": "At most %(limit_value)s a day.",
                "min_value": "0 is the least (none a day).",
                "invalid": "A whole number of questions, like 20.",
            }
            for field in ("new_per_day", "reviews_per_day")
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A post without a limit (a form from before the limits) keeps the limit as it is.
        for name in ("new_per_day", "reviews_per_day"):
            self.fields[name].required = False
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "class": "narrow-number"})

    def _limit(self, name: str) -> int:
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value is None else value

    def clean_new_per_day(self) -> int:
        return self._limit("new_per_day")

    def clean_reviews_per_day(self) -> int:
        return self._limit("reviews_per_day")


class DeleteAccountForm(forms.Form):
    """Deleting an account asks for its password: a session left open on a shared computer is not enough."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not throttles.check_account_password(self.user, password):
            raise forms.ValidationError("That is not your password. Nothing was deleted.")
        return password


class CountedOldPassword:
    """The old password of a password change, counted against guessing as deleting an account is."""

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not throttles.check_account_password(self.user, old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class AccountPasswordChangeForm(CountedOldPassword, PasswordChangeForm):
    pass


class AdminAccountPasswordChangeForm(CountedOldPassword, AdminPasswordChangeForm):
    pass


class SectionTreeChoices(ModelChoiceIterator):
    """The field's offered sections in tree order, each with its ``depth``."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for section in self.queryset.tree().walk():
            if section.pk in self.field.totals:
                yield self.choice(section)


class SectionChoiceField(forms.ModelMultipleChoiceField):
    """Sections as a tree of checkboxes, each labelled with how many questions ticking it brings in. Only
    sections with a question somewhere below them are offered (or accepted)."""

    iterator = SectionTreeChoices

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._totals: dict[int, int] | None = None

    def _set_queryset(self, queryset) -> None:
        super()._set_queryset(queryset)
        self._totals = None

    # Django's field exposes queryset as a property; re-declared so setting a new queryset (as the form does
    # per instance) forgets totals counted for the old one.
    queryset = property(forms.ModelMultipleChoiceField._get_queryset, _set_queryset)

    @property
    def totals(self) -> dict[int, int]:
        """Section pk -> questions it brings in, for the offered sections. Counted when first needed (to draw
        the choices, or to check a ticked one): a post that ticks none, a quick start, counts nothing."""
        if self._totals is None:
            self._totals = {section.pk: section.total_count for section in self.queryset.with_totals()}
        return self._totals

    def label_from_instance(self, section: Section) -> str:
        return f"{section.title} ({self.totals[section.pk]})"

    def clean(self, value):
        # A value no database id can hold (``sections=<30 digits>``) is a wrong choice, not a query to run.
        for pk in value or []:
            if not str(pk).isdigit() or int(pk) > MAX_DATABASE_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        chosen = super().clean(value)
        for section in chosen:
            if section.pk not in self.totals:  # a section with no question below it is not offered
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": section.pk}
                )
        return chosen


class BankChoiceField(forms.ModelMultipleChoiceField):
    """Banks as checkboxes, each labelled with its active questions; none ticked means every bank."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "None ticked means every bank.")
        super().__init__(
            queryset=Bank.objects.with_question_counts().filter(question_count__gt=0),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )

    def label_from_instance(self, bank: Bank) -> str:
        return f"{bank.title} ({bank.question_count})"

    def clean(self, value):
        for pk in value or []:  # as SectionChoiceField: a value no id can hold is a wrong choice
            if not str(pk).isdigit() or int(pk) > MAX_DATABASE_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super().clean(value)


class TimingForm(forms.Form):
    """How long and whether it counts: what every interview's setup asks, wherever it starts from."""

    TIMING_CHOICES = [
        ("per_question", "Minutes per question"),
        ("total", "Minutes in all"),
        ("untimed", "Untimed"),
    ]

    timing = forms.ChoiceField(choices=TIMING_CHOICES, initial="per_question", widget=forms.RadioSelect)
    minutes = forms.IntegerField(
        label="Minutes",
        min_value=1,
        max_value=240,
        initial=3,
        help_text="Per question, or for the whole interview.",
    )
    updates_schedule = forms.BooleanField(
        required=False, initial=True, label="Count these grades towards my review schedule"
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("timing") == "per_question" and (cleaned.get("minutes") or 0) > 30:
            self.add_error("minutes", "Per question, 30 minutes is the most.")
        return cleaned

    @property
    def seconds_per_question(self) -> int | None:
        if self.cleaned_data["timing"] == "per_question":
            return self.cleaned_data["minutes"] * 60
        return None

    @property
    def total_seconds(self) -> int | None:
        if self.cleaned_data["timing"] == "total":
            return self.cleaned_data["minutes"] * 60
        return None

    def setup(self) -> dict:
        data = self.cleaned_data
        return {"timing": data["timing"], "minutes": data["minutes"]}


def syllabus_fields() -> tuple[forms.Field, forms.Field]:
    """The banks and sections a setup or a plan covers (the form's __init__ gives the sections' queryset)."""
    banks = BankChoiceField()  # made first: a form lists its fields in the order they were made
    sections = SectionChoiceField(
        queryset=Section.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked means all sections of the banks picked. A chapter includes its topics.",
    )
    return banks, sections


class InterviewSetupForm(TimingForm):
    banks, sections = syllabus_fields()
    difficulties = forms.MultipleChoiceField(
        choices=Difficulty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked means any difficulty.",
    )
    include_unanswered = forms.BooleanField(
        required=False, label="Include questions that have no reference answer yet"
    )
    question_count = forms.IntegerField(label="Questions", min_value=1, max_value=50, initial=10)
    follow_ups = forms.BooleanField(
        required=False,
        initial=True,
        label="Ask follow-up questions",
        help_text="After you grade a question that has follow-ups, they come next, within the same time.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].queryset = Section.objects.filter(retired=False).select_related("bank")

    def setup(self) -> dict:
        """The choices as plain JSON, stored on the interview so it can be repeated."""
        data = self.cleaned_data
        return {
            "banks": [b.slug for b in data["banks"]],
            "sections": [s.key for s in data["sections"]],
            "difficulties": list(data["difficulties"]),
            "include_unanswered": data["include_unanswered"],
            "question_count": data["question_count"],
            **super().setup(),
            **({"follow_ups": True} if data["follow_ups"] else {}),
        }


class BrowserTextField(forms.CharField):
    """Text from a textarea, its length counted as the browser's ``maxlength`` counts it: a form post sends
    each line break as CR LF, the textarea counted one character for it."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class AnswerForm(forms.Form):
    answer_text = BrowserTextField(
        required=False,
        max_length=20000,
        strip=False,
        widget=forms.Textarea,
        error_messages={
            "max_length": "Your answer is over %(limit_value)d characters (it has %(show_value)d)."
        },
    )

    @property
    def typed_answer(self) -> str | None:
        """The typed text, or None when the post carried no text box (keep what is stored)."""
        return self.cleaned_data["answer_text"] if "answer_text" in self.data else None


class GradeForm(AnswerForm):
    grade = forms.TypedChoiceField(
        choices=Grade.choices,
        coerce=int,
        error_messages={
            "required": "Pick one of the four grades.",
            "invalid_choice": "Pick one of the four grades.",
        },
    )

    # The key points' checkboxes: an unticked box posts nothing, so the checklist posts ``ticks_shown`` too,
    # to tell "all unticked" from "no checklist on the page" (the ticks of the reveal are then kept).
    ticks = forms.TypedMultipleChoiceField(
        choices=[(i, i) for i in range(100)],
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "That key point is not on this question."},
    )

    @property
    def confirmed_ticks(self) -> list[int] | None:
        return self.cleaned_data["ticks"] if "ticks_shown" in self.data else None


class HintForm(AnswerForm):
    # The hint wanted (the next one, as the button says), not "one more": a double click shows one hint.
    hint = forms.IntegerField(
        min_value=1,
        max_value=100,
        error_messages={"required": "Say which hint.", "invalid": "Say which hint."},
    )


class MarkForm(AnswerForm):
    marked = forms.BooleanField(required=False)


class SectionsByBankChoices(SectionTreeChoices):
    """The sections in tree order, under one group per bank when there are several."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for section in self.queryset.select_related("bank").tree().walk():
            groups.setdefault(section.bank.title, []).append(self.choice(section))
        if len(groups) == 1:
            yield from next(iter(groups.values()))
        else:
            yield from groups.items()


class BankSectionField(forms.ModelChoiceField):
    iterator = SectionsByBankChoices

    def label_from_instance(self, section: Section) -> str:
        # Indented by depth, so a chapter's topics read as its children (files come bank by bank).
        return "\u00a0\u00a0\u00a0" * section.depth + section.title


class QuestionFilterForm(forms.Form):
    """The question list's GET form: every filter is in the query string, so a search is a shareable URL."""

    ANSWERED_CHOICES = [("", "Any"), ("yes", "Has one"), ("no", "Not yet")]

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Search questions and answers",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. gradient descent"}),
    )
    bank = forms.ModelChoiceField(
        queryset=Bank.objects.all(), required=False, empty_label="Every bank", to_field_name="slug"
    )
    section = BankSectionField(
        queryset=Section.objects.filter(retired=False),
        required=False,
        empty_label="All sections",
        help_text="A chapter includes its topics.",
    )
    difficulty = forms.ChoiceField(choices=[("", "Any difficulty"), *Difficulty.choices], required=False)
    answered = forms.ChoiceField(choices=ANSWERED_CHOICES, required=False, label="Reference answer")
    provenance = forms.ChoiceField(
        choices=[("", "Any source"), *Provenance.choices], required=False, label="Answer source"
    )
    missed = forms.BooleanField(required=False, label="I missed it (last graded Missed or Partial)")
    due = forms.BooleanField(required=False, label="Due now")
    bookmarked = forms.BooleanField(required=False, label="Bookmarked")
    marked = forms.BooleanField(required=False, label="Marked for later in an interview")
    MINE = ("missed", "due", "bookmarked", "marked")

    def __init__(self, *args, visitor: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if visitor:  # signed out: no history to filter by
            for name in self.MINE:
                del self.fields[name]

    def questions(self, user) -> QuerySet[Question]:
        """The active questions these filters select for ``user``, in bank order, with the user's badges."""
        # A filter that does not validate (a stale section id, say) is left out rather than failing the page.
        self.is_valid()
        data = self.cleaned_data
        questions = (
            Question.objects.active().select_related("section").defer("answer_html", "imported_answer_md")
        )
        if user.is_authenticated:
            questions = questions.with_user_badges(user, timezone.now())
        if data.get("bank"):
            questions = questions.in_banks([data["bank"]])
        if data.get("section"):
            questions = questions.in_sections([data["section"]])
        if data.get("difficulty"):
            questions = questions.filter(difficulty=data["difficulty"])
        if data.get("answered") == "yes":
            questions = questions.answered()
        elif data.get("answered") == "no":
            questions = questions.filter(answer_md="")
        if data.get("provenance"):
            questions = questions.filter(provenance=data["provenance"]).answered()
        if data.get("missed"):
            questions = questions.filter(my_last_grade__lte=Grade.PARTIAL)
        if data.get("due"):
            questions = questions.filter(is_due=True)
        if data.get("bookmarked"):
            questions = questions.filter(is_bookmarked=True)
        if data.get("marked"):
            marked = InterviewItem.objects.for_user(user).filter(marked=True).values("question")
            questions = questions.filter(pk__in=marked)
        return questions.order_by("position", "pk")

    def found(self, questions: QuerySet[Question]) -> SearchResult | None:
        """What the search box finds among ``questions`` (the other filters' selection), best first; None
        without a search."""
        data = self.cleaned_data
        if not data.get("q", "").strip():
            return None
        filtered = any(value for name, value in data.items() if name != "q")
        return search(data["q"], within=questions if filtered else None)


class NoteForm(forms.Form):
    text = forms.CharField(
        required=False,
        max_length=10000,
        strip=False,
        label="Private note",
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ReviewStartForm(forms.Form):
    ahead = forms.BooleanField(required=False)  # practise questions not yet due, leaving their schedule alone

    @property
    def practise_ahead(self) -> bool:
        return self.is_valid() and self.cleaned_data["ahead"]


class ScheduleActionForm(forms.Form):
    """What to do to one's card: the state wanted, not "toggle", so a double click cannot undo itself."""

    action = forms.ChoiceField(choices=[(a, a) for a in ("suspend", "unsuspend", "bury", "unbury")])


class BookmarkForm(forms.Form):
    # The state wanted, not "toggle", so a double click cannot undo itself.
    bookmarked = forms.BooleanField(required=False)


class FlagAnswerForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Flag.Reason.choices, widget=forms.RadioSelect, label="What is wrong with it?"
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        label="Explain (optional)",
        help_text="Plain text, up to 2000 characters: what is wrong, and what would be right.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )


class DismissFlagForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=2000,
        label="Note to the person who flagged it",
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
    )


class FlagChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, flag: Flag) -> str:
        comment = f": {Truncator(flag.comment).chars(80)}" if flag.comment else ""
        return f"#{flag.pk} {flag.get_reason_display()} ({flag.user}){comment}"


class AnswerEditForm(forms.Form):
    """A reviewer's new reference answer, the open flags it deals with, and the revision it started from."""

    answer_md = forms.CharField(
        label="Reference answer (markdown)",
        strip=False,
        # The length is checked after line endings are normalised (check_renders): a browser posts each line
        # break as two characters, and its maxlength counts one.
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "true", "maxlength": MAX_MARKDOWN_CHARS}),
    )
    resolves = FlagChoiceField(
        queryset=Flag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="This edit resolves",
        help_text="Ticked flags are closed and linked to the new revision; the others stay in the queue.",
    )
    base_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    CONFLICT = (
        "Someone changed this answer since you opened the page. Their version is shown as the current "
        "answer; merge your changes into it if needed and save again."
    )

    def __init__(self, *args, question: Question, flags: list[Flag], **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        open_flags = Flag.objects.filter(pk__in=[f.pk for f in flags]).select_related("user")
        self.fields["resolves"].queryset = open_flags

    @classmethod
    def after_conflict(cls, data, conflict, **kwargs) -> "AnswerEditForm":
        """The reviewer's text again, saying why it was not saved; based on the newer revision, so saving
        again (once they have merged) goes through."""
        form = cls(
            {**data.dict(), "resolves": data.getlist("resolves"), "base_revision": conflict.latest}, **kwargs
        )
        form.is_valid()
        form.add_error(None, cls.CONFLICT)
        return form

    def clean_answer_md(self) -> str:
        text = self.cleaned_data["answer_md"].replace("\r\n", "\n").strip("\n").rstrip()
        if not text.strip():
            raise forms.ValidationError("Write an answer: an empty one cannot be saved here.")
        check_renders(text)  # first: its limits are the ones a reviewer can act on
        path = self.question.source_path
        style = self.question.section.bank.file_styles.get(path, "")  # how the export writes its file
        if problem := exporter.answer_problem(path, text, style=style):
            raise forms.ValidationError(f"The markdown files could not hold this answer as it is: {problem}.")
        return text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented recipe): a list of uploaded files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".zip,.md,.markdown,.toml"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        return [single(item, initial) for item in data] if isinstance(data, list | tuple) else [single(data)]


class BankUploadForm(forms.Form):
    files = MultipleFileField(
        label="A .zip archive, or .md files",
        help_text="Only markdown files (and a bank.toml) are read. Nothing is imported before you have seen "
        "the dry run.",
    )
    slug = forms.SlugField(
        label="Bank name",
        max_length=40,
        required=False,
        help_text="Letters, digits and hyphens. An existing bank's name updates that bank; left empty, the "
        "archive's folder or the bank's title gives it.",
    )


PLAN_YEARS_AHEAD = 2  # further than this is a typo more often than a plan


class PlanForm(forms.ModelForm):
    """An interview date: what it covers, the recall aimed for and the minutes a day to practise."""

    banks, sections = syllabus_fields()

    class Meta:
        model = InterviewPlan
        fields = ["title", "date", "banks", "sections", "target_percent", "minutes_per_day"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "date": "The day of the interview (UTC). Practice runs up to the day before.",
            "target_percent": "The share of the questions you want to recall on the day: 90% is a strong "
            "aim; 99% is the most the forecast will plan for.",
            "minutes_per_day": "What you can give on a normal day. The plan says if it is not enough.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].queryset = Section.objects.filter(retired=False).select_related("bank")
        self.fields["title"].widget.attrs["placeholder"] = "e.g. Acme on-site"
        for name in ("target_percent", "minutes_per_day"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"

    def clean_date(self):
        day = self.cleaned_data["date"]
        today = utc_today()
        if day <= today:
            raise forms.ValidationError("Choose a day after today: a plan needs at least a day to practise.")
        if (day - today).days > 365 * PLAN_YEARS_AHEAD:
            raise forms.ValidationError(f"Choose a day within {PLAN_YEARS_AHEAD} years.")
        return day

    def clean(self):
        cleaned = super().clean()
        if "banks" in cleaned and "sections" in cleaned:
            questions = Question.objects.active().filter(parent=None).in_banks(list(cleaned["banks"]))
            if not questions.in_sections(list(cleaned["sections"])).exists():
                self.add_error("sections", "No question is in these banks and sections: tick others.")
        return cleaned


class PeerAssessmentForm(forms.Form):
    """The interviewer's checklist, rubric, grade and notes for one answer (quiz/peers.py), and the step
    they take with it."""

    ACTIONS = ["save", "hint", "follow_up", "next", "end"]
    LEVELS = [(level, str(level)) for level in range(1, 5)]

    ticks = forms.TypedMultipleChoiceField(
        choices=[(i, i) for i in range(100)],
        coerce=int,
        required=False,
        error_messages={"invalid_choice": "That key point is not on this question."},
    )
    correctness = forms.TypedChoiceField(choices=LEVELS, coerce=int, required=False, empty_value=None)
    depth = forms.TypedChoiceField(choices=LEVELS, coerce=int, required=False, empty_value=None)
    communication = forms.TypedChoiceField(choices=LEVELS, coerce=int, required=False, empty_value=None)
    grade = forms.TypedChoiceField(
        choices=Grade.choices,
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Pick one of the four grades."},
    )
    notes = BrowserTextField(
        required=False,
        max_length=5000,
        strip=False,
        error_messages={
            "max_length": "Your notes are over %(limit_value)d characters (they have %(show_value)d)."
        },
    )
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") in ("follow_up", "next") and not cleaned.get("grade"):
            self.add_error("grade", "Choose a grade for this answer before moving on: it is the candidate's.")
        return cleaned

    def assessment_fields(self) -> dict:
        """The fields that came through cleaning (all of them on a valid form)."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in ("correctness", "depth", "communication", "grade")}
        return {**fields, "notes": data.get("notes", ""), "ticks": sorted(set(data.get("ticks", [])))}
