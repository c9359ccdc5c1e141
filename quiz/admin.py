"""Admin for the question bank: fix answers (with a rendered preview and revertible history), browse the rest.

Prompts, sections, difficulty and retirement come from the markdown (``load_content`` overwrites them), so
they are read-only here. Only the reference answer is edited in admin; ``load_content`` never overwrites it.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from quiz.diffing import diff_html
from quiz.forms import MAX_DATABASE_ID, check_renders
from quiz.models import Bank, MockInterview, Question, Section
from quiz.rendering import MarkdownError, render_markdown


class SectionTreeFilter(admin.SimpleListFilter):
    """Every section, indented under its parent; picking one shows the questions of its whole subtree."""

    title = "section"
    parameter_name = "section"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        tree = Section.objects.only("pk", "parent_id", "title", "position").tree()
        return [(str(s.pk), "\u2003" * s.depth + s.title) for s in tree.walk()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        if not self.value().isdigit() or int(self.value()) > MAX_DATABASE_ID:
            return queryset.none()  # no section has this id; a huge one would overflow the query
        return queryset.in_sections([Section(pk=int(self.value()))])


class YesNoFilter(admin.SimpleListFilter):
    """A Yes/No filter: ``matches`` says what "Yes" keeps, and "No" keeps the rest."""

    matches: Q

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(self.matches)
        if self.value() == "no":
            return queryset.exclude(self.matches)
        return queryset


class AnsweredFilter(YesNoFilter):
    title = "answered"
    parameter_name = "answered"
    matches = ~Q(answer_md="")


class EditedSinceImportFilter(YesNoFilter):
    title = "answer edited since import"
    parameter_name = "edited"
    matches = ~Q(answer_md=F("imported_answer_md"))


class QuestionAdminForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["answer_md"]

    def clean_answer_md(self) -> str:
        text = self.cleaned_data["answer_md"]
        check_renders(text)
        return text


def _reverting_to(request: HttpRequest) -> str | None:
    """The revision a POST to simple_history's "Revert" page goes back to, else None."""
    match = request.resolver_match  # simple_history's pattern: ^(object id)/history/(version id)/$
    return match.args[1] if match and match.url_name == "quiz_question_simple_history" else None


class AnswerHistoryHelper(HistoricalRecordContextHelper):
    """The "Changes" column of a question's history: text fields as a whole line diff instead of two
    100-character cut-offs, and no rows for the HTML caches, which only repeat the markdown's change."""

    def context_for_delta_changes(self, delta) -> list[dict]:
        rows = []
        for change in delta.changes:
            field = self.model._meta.get_field(change.field)
            if not field.editable:
                continue
            if isinstance(field, models.TextField):
                rows.append(
                    {"field": capfirst(field.verbose_name), "diff": diff_html(change.old, change.new)}
                )
            else:
                shown = self.format_delta_change(change)
                rows.append({"field": shown.field, "old": shown.old, "new": shown.new})
        return rows


@admin.register(Question)
class QuestionAdmin(SimpleHistoryAdmin):
    form = QuestionAdminForm
    list_display = ["short_prompt", "section", "difficulty", "has_answer", "retired", "edited_since_import"]
    list_filter = [SectionTreeFilter, "difficulty", AnsweredFilter, "retired", EditedSinceImportFilter]
    list_select_related = ["section"]
    search_fields = ["prompt_md", "answer_md", "key", "section__title"]
    list_per_page = 50
    history_list_display = ["answer_diff_link"]
    fieldsets = [
        (None, {"fields": ["rendered_prompt", "answer_md", "rendered_answer"]}),
        (
            "Provenance",
            {
                "fields": [
                    "key",
                    "section",
                    "group_title",
                    "difficulty",
                    "source",
                    "retired",
                    "follows_up",
                    "follow_up_list",
                ]
            },
        ),
        (
            "Answer as last imported",
            {
                "classes": ["collapse"],
                "fields": ["edited_since_import", "imported_answer"],
                "description": "load_content never overwrites an answer edited here; it reports a conflict "
                "when upstream changes an edited answer.",
            },
        ),
    ]
    readonly_fields = [
        "rendered_prompt",
        "rendered_answer",
        "key",
        "section",
        "group_title",
        "difficulty",
        "source",
        "retired",
        "edited_since_import",
        "imported_answer",
        "follows_up",
        "follow_up_list",
    ]

    class Media:
        css = {"all": ["admin-preview.css"]}
        js = ["admin-preview.js"]  # live preview while typing; the page works the same without it

    def get_urls(self) -> list:
        preview = path("preview/", self.admin_site.admin_view(self.preview), name="quiz_question_preview")
        diff = path(
            "<path:object_id>/answer-diff/",
            self.admin_site.admin_view(self.answer_diff),
            name="quiz_question_answer_diff",
        )
        return [preview, diff, *super().get_urls()]

    def answer_diff(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The answer of any two revisions side by side as a diff (?from=&to= history ids)."""
        question = self.get_object(request, unquote(object_id))
        if question is None:
            raise Http404
        if not self.has_view_or_change_permission(request, question):
            raise PermissionDenied
        revisions = list(question.revisions().select_related("history_user"))
        if not revisions:
            raise Http404("This question has no revisions.")
        by_id = {str(r.history_id): r for r in revisions}
        new = by_id.get(request.GET.get("to", ""), revisions[0])
        older = revisions[revisions.index(new) + 1 :]
        old = by_id.get(request.GET.get("from", ""), older[0] if older else new)
        context = {
            **self.admin_site.each_context(request),
            "title": "Compare answer revisions",
            "opts": self.opts,
            "original": question,
            "revisions": revisions,
            "old": old,
            "new": new,
            "diff": diff_html(old.answer_md, new.answer_md),
        }
        return TemplateResponse(request, "admin/quiz/question/answer_diff.html", context)

    # Open flags are shown read-only above the answer (not as an inline formset, so the change form posts as
    # before); reviewers triage them in the review queue.
    def get_fieldsets(self, request: HttpRequest, obj: Question | None = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.flags.open().exists():
            fieldsets = [("Open flags", {"fields": ["open_flags"]}), *fieldsets]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Question | None = None) -> list:
        return [*super().get_readonly_fields(request, obj), "open_flags"]

    @admin.display(description="open flags")
    def open_flags(self, obj: Question) -> str:
        flags = obj.flags.open().select_related("user").order_by("created_at")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f.get_reason_display(),
                    f.comment,
                    f.user,
                    f.get_status_display(),
                    f.created_at.strftime("%Y-%m-%d"),
                )
                for f in flags
            ),
        )
        return format_html(
            '<table class="open-flags"><tr><th>reason</th><th>comment</th><th>by</th><th>status</th>'
            "<th>flagged</th></tr>{}</table>",
            rows,
        )

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None) -> HttpResponse:
        # simple_history heads each extra column with its attribute name ("ANSWER_DIFF_LINK"): give it the
        # column's description instead.
        columns = [(name, getattr(self, name).short_description) for name in self.history_list_display]
        return super().history_view(request, object_id, {**(extra_context or {}), "history_columns": columns})

    def get_historical_record_context_helper(self, request: HttpRequest, record) -> "AnswerHistoryHelper":
        return AnswerHistoryHelper(self.model, record)

    def construct_change_message(self, request: HttpRequest, form, formsets, add: bool = False):
        if (revision := _reverting_to(request)) is not None:
            return f"Reverted to revision {revision}"
        return super().construct_change_message(request, form, formsets, add)

    @admin.display(description="Compare")
    def answer_diff_link(self, record) -> str:
        url = reverse("admin:quiz_question_answer_diff", args=[record.id])
        return format_html('<a href="{}?to={}">compare</a>', url, record.history_id)

    def save_model(self, request: HttpRequest, obj: Question, form, change: bool) -> None:
        # A revert's form starts from the old revision, so its answer never shows as changed: ask the URL.
        revision = _reverting_to(request)
        if change and ("answer_md" in form.changed_data or revision is not None):
            # The same verb as the in-app editor: history, provenance, and the accepted flags resolved.
            reason = "Answer edited in admin" if revision is None else f"Reverted to revision {revision}"
            obj.replace_answer(obj.answer_md, by=request.user, base_revision=None, reason=reason)
        else:
            super().save_model(request, obj, form, change)

    def preview(self, request: HttpRequest) -> HttpResponse:
        """The answer being typed, rendered as it would be saved (admin-preview.js asks while typing)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            return HttpResponse(render_markdown(request.POST.get("answer_md", "")))
        except MarkdownError as error:
            return HttpResponse(format_html('<p class="errornote">{}</p>', error))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # questions come from the markdown

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # retired, never deleted: interviews keep pointing at them

    @admin.display(description="question", ordering="position")
    def short_prompt(self, obj: Question) -> str:
        return Truncator(obj.prompt_md).chars(90)

    @admin.display(description="answered", boolean=True)
    def has_answer(self, obj: Question) -> bool:
        return obj.has_answer

    @admin.display(description="edited since import", boolean=True)
    def edited_since_import(self, obj: Question) -> bool:
        return obj.edited_since_import

    # The cached *_html fields were sanitised by quiz.rendering.render_markdown when they were written.
    @admin.display(description="question")
    def rendered_prompt(self, obj: Question) -> str:
        return mark_safe(f'<div class="rendered-markdown">{obj.prompt_html}</div>')  # noqa: S308

    @admin.display(description="rendered answer")
    def rendered_answer(self, obj: Question) -> str:
        return format_html(
            # A box that scrolls: focusable, so a keyboard can scroll it (axe scrollable-region-focusable).
            '<div class="rendered-markdown" data-preview-url="{}" tabindex="0" role="region" '
            'aria-label="Rendered answer">{}</div>',
            reverse("admin:quiz_question_preview"),
            mark_safe(obj.answer_html) if obj.answer_html else "No answer yet.",  # noqa: S308
        )

    @admin.display(description="answer as last imported")
    def imported_answer(self, obj: Question) -> str:
        return format_html('<pre class="imported-answer">{}</pre>', obj.imported_answer_md or "(none)")

    @admin.display(description="source")
    def source(self, obj: Question) -> str:
        return f"{obj.source_path}:{obj.source_line}"

    @admin.display(description="follow-up of")
    def follows_up(self, obj: Question) -> str:
        """The question this one follows up (the markdown says which: a ``Follow-up:`` under it)."""
        if obj.parent_id is None:
            return "(a question of its own)"
        url = reverse("admin:quiz_question_change", args=[obj.parent_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(obj.parent.prompt_md).chars(100))

    @admin.display(description="follow-ups")
    def follow_up_list(self, obj: Question) -> str:
        rows = obj.follow_ups.order_by("position").values_list("pk", "prompt_md")
        links = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            ((reverse("admin:quiz_question_change", args=[pk]), Truncator(p).chars(100)) for pk, p in rows),
        )
        return format_html("<ol>{}</ol>", links) if links else "(none)"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never edited here: sections come from the markdown, interviews belong to their users."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Section)
class SectionAdmin(ReadOnlyAdmin):
    """Read-only: sections are the markdown's headings and files; fix a title there and reload."""

    list_display = ["title", "key", "parent", "question_count", "retired"]
    list_filter = ["retired"]
    list_select_related = ["parent"]
    search_fields = ["title", "key"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_question_counts()

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, obj: Section) -> int:
        return obj.question_count


@admin.register(MockInterview)
class MockInterviewAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "user", "kind", "created_at", "question_count", "finished_at", "ending"]
    list_filter = ["kind", "ending"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "created_at"


@admin.register(Bank)
class BankAdmin(ReadOnlyAdmin):
    """Read-only: a bank comes from its markdown (fixtures/markdown/, the upload page or import_bank)."""

    list_display = ["title", "slug", "source_url", "licence", "version", "imported_at"]
    search_fields = ["title", "slug"]
