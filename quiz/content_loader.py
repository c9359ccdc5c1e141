"""Load the generated question bank (``fixtures/content.json``) into the database, by natural key.

Rows are updated in place, so history, interview items and anything else pointing at a question stay linked.
Nothing is deleted: a section or question missing from the file is retired, and un-retired if it comes back.

An answer edited in admin since the last import (``answer_md != imported_answer_md``) is never overwritten:

- upstream did not change (incoming answer == ``imported_answer_md``): the admin's text is kept, silently;
- upstream now says what the admin wrote: ``imported_answer_md`` catches up and the edit is settled;
- upstream changed to something else: a conflict. The admin's text stays and ``imported_answer_md`` is left
  alone, so the conflict is reported on every load until someone makes the two agree (put the admin's text
  into the markdown, or paste upstream's new text into the admin).

The incoming ``answer_md`` is what upstream says; an ``imported_answer_md`` in the file is ignored.
New rows are bulk-inserted, changed rows get one plain UPDATE each, and every real change to a question leaves
a history row (a move in order alone does not); a load that changes nothing writes nothing. A 10,000-question
bank loads in under ten seconds.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from quiz.answer_parts import rendered_fields
from quiz.importer import ContentError  # one error for content that cannot go in, built or loaded
from quiz.models import Bank, Question, Section
from quiz.models.banks import BUNDLED_TITLE
from quiz.models.content import answers_differ
from quiz.rendering import render_markdown
from quiz.search.index import rebuild_vocabulary, search_fields

BATCH_SIZE = 500
MODELS = {"quiz.bank": Bank, "quiz.section": Section, "quiz.question": Question}
NATURAL_KEY = {Bank: "slug", Section: "key", Question: "key"}
# The natural-key references each record carries, and the fields that must be there.
REFERENCES = {Bank: set(), Section: {"parent", "bank"}, Question: {"section", "parent"}}
REQUIRED = {Bank: {"slug", "title"}, Section: {"key", "title"}, Question: {"key", "section", "prompt_md"}}
# Fields history does not track: a change to these alone is written without a history row.
UNTRACKED = {
    *("prompt_html", "answer_html", "key_points", "position", "parent"),
    *("search_prompt", "search_answer"),
}


@dataclass(frozen=True)
class Conflict:
    key: str
    source_path: str
    source_line: int

    def __str__(self) -> str:
        return (
            f"CONFLICT {self.key} ({self.source_path}:{self.source_line}): the answer was edited in admin "
            "and has changed upstream; kept the admin's text. Make the two agree to settle it."
        )


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.retired} retired"
        )


@dataclass
class LoadReport:
    """Every record in the file is counted once as created, updated or unchanged; rows not in it as retired.
    ``kept_edits`` and ``conflicts`` are questions (also counted above) whose admin-edited answer was kept."""

    sections: Counts = field(default_factory=Counts)
    questions: Counts = field(default_factory=Counts)
    kept_edits: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Questions: {self.questions}, {self.kept_edits} kept admin edits, "
            f"{len(self.conflicts)} conflicts. Sections: {self.sections}."
        )


@dataclass
class Content:
    """The file's records, checked, keyed by natural key; references are plain keys (or None)."""

    banks: dict[str, dict]
    sections: dict[str, dict]
    questions: dict[str, dict]


def load_file(path: Path) -> LoadReport:
    return load(read_content(path), change_reason=f"load_content {path.name}")


def read_content(path: Path) -> Content:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{path}: no such file (`manage.py build_fixtures` generates it)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read it ({error})") from None
    try:
        records = json.loads(text)
    except json.JSONDecodeError as error:
        raise ContentError(
            f"{path}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    return content_from_records(records, where=str(path))


def content_from_records(records, where: str) -> Content:
    """Fixture records (as ``build_fixtures`` writes them) checked: every reference resolves, keys are unique.

    Sections without a bank (a ``content.json`` from before banks) belong to the bundled bank.
    """
    path = where
    if not isinstance(records, list):
        raise ContentError(f"{path}: expected a list of records, found {type(records).__name__}")
    content = Content(banks={}, sections={}, questions={})
    targets = {Bank: content.banks, Section: content.sections, Question: content.questions}
    for number, record in enumerate(records, 1):
        where = f"{path}: record {number}"
        if not isinstance(record, dict) or not isinstance(record.get("fields"), dict):
            raise ContentError(f'{where}: expected {{"model": ..., "fields": {{...}}}}')
        model = MODELS.get(record.get("model"))
        if model is None:
            raise ContentError(
                f"{where}: unknown model {record.get('model')!r} "
                "(expected quiz.bank, quiz.section or quiz.question)"
            )
        fields = _checked_fields(model, record["fields"], where)
        target = targets[model]
        key = fields[NATURAL_KEY[model]]
        if key in target:
            raise ContentError(f"{where}: {model._meta.model_name} key {key!r} appears twice")
        target[key] = fields
    for key, fields in content.sections.items():
        if fields["bank"] is None:
            fields["bank"] = settings.BUNDLED_BANK
            content.banks.setdefault(settings.BUNDLED_BANK, _bundled_bank())
        if fields["bank"] not in content.banks:
            raise ContentError(
                f"{path}: section {key!r} is in bank {fields['bank']!r}, which is not in the file"
            )
        if fields["parent"] is not None and fields["parent"] not in content.sections:
            raise ContentError(
                f"{path}: section {key!r} has parent {fields['parent']!r}, which is not in the file"
            )
        if fields["parent"] is not None and content.sections[fields["parent"]]["bank"] not in (
            None,
            fields["bank"],
        ):
            raise ContentError(f"{path}: section {key!r} is in another bank than its parent")
    for key, fields in content.questions.items():
        if fields["section"] not in content.sections:
            raise ContentError(
                f"{path}: question {key!r} is in section {fields['section']!r}, which is not in the file"
            )
        if (parent := fields["parent"]) is not None:
            if parent not in content.questions:
                problem = f"follows up {parent!r}, which is not in the file"
                raise ContentError(f"{path}: question {key!r} {problem}")
            if content.questions[parent]["parent"] is not None:
                raise ContentError(
                    f"{path}: question {key!r} follows up {parent!r}, itself a follow-up (one level only)"
                )
    _parents_first(content.sections)  # raises on a cycle
    return content


def _bundled_bank() -> dict:
    return {
        "slug": settings.BUNDLED_BANK,
        "title": BUNDLED_TITLE,
        "source_url": "",
        "licence": "",
        "version": "",
    }


def _checked_fields(model: type[models.Model], raw: dict, where: str) -> dict:
    model_fields = {f.name: f for f in model._meta.concrete_fields if not f.primary_key}
    if unknown := set(raw) - set(model_fields):
        raise ContentError(
            f"{where}: unknown field(s) for {model._meta.label_lower}: {', '.join(sorted(unknown))}"
        )
    if missing := {name for name in REQUIRED[model] if raw.get(name) in (None, "", [])}:
        raise ContentError(f"{where}: missing {', '.join(sorted(missing))}")
    where = f"{where} ({model._meta.model_name} {raw[NATURAL_KEY[model]]!r})"
    checked = {}
    for name, model_field in model_fields.items():
        if name in REFERENCES[model]:
            checked[name] = _natural_key(raw.get(name), f"{where}: {name}")
        elif name not in raw:
            checked[name] = model_field.get_default()
        else:
            checked[name] = _checked_value(model_field, raw[name], f"{where}: {name}")
    return checked


def _checked_value(model_field: models.Field, value, where: str):
    if value is None and not model_field.null:
        raise ContentError(f"{where} may not be null")
    try:
        value = model_field.to_python(value)
        model_field.run_validators(value)
    except ValidationError as error:
        raise ContentError(f"{where}: {' '.join(error.messages)}") from None
    if model_field.choices and value not in {choice for choice, _ in model_field.flatchoices}:
        raise ContentError(
            f"{where}: {value!r} is not one of {', '.join(c for c, _ in model_field.flatchoices)}"
        )
    return value


def _natural_key(value, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        return value[0]
    raise ContentError(f'{where} must be a natural key like ["section-key"] or null, found {value!r}')


def _parents_first(sections: dict[str, dict]) -> list[str]:
    ordered, placed, remaining = [], set(), list(sections)
    while remaining:
        ready = [
            key for key in remaining if sections[key]["parent"] in placed or sections[key]["parent"] is None
        ]
        if not ready:
            raise ContentError(f"sections {', '.join(sorted(remaining))} are each other's parents (a cycle)")
        ordered += ready
        placed.update(ready)
        remaining = [key for key in remaining if key not in placed]
    return ordered


@transaction.atomic
def load(content: Content, change_reason: str = "load_content") -> LoadReport:
    """Load the banks in ``content``; rows of other banks are left as they are (never retired here)."""
    report = LoadReport()
    bank_ids = _load_banks(content.banks)
    section_ids = _load_sections(content.sections, bank_ids, report.sections)
    _load_questions(content.questions, section_ids, set(bank_ids.values()), report, change_reason)
    counts = report.questions
    if counts.created or counts.updated or counts.retired:  # a load that changes nothing writes nothing
        rebuild_vocabulary()
    return report


def _load_banks(banks: dict[str, dict]) -> dict[str, int]:
    existing = {b.slug: b for b in Bank.objects.select_for_update().filter(slug__in=list(banks))}
    ids = {}
    for slug, values in banks.items():
        values = {name: value for name, value in values.items() if name != "imported_at"}
        row = existing.get(slug)
        if row is None:
            row = Bank.objects.create(**values, imported_at=timezone.now())
        elif changed := _changed(row, values):
            if "version" in changed:
                row.imported_at = timezone.now()
                changed.append("imported_at")
            row.save(update_fields=changed)
        ids[slug] = row.pk
    return ids


def _load_sections(sections: dict[str, dict], bank_ids: dict[str, int], counts: Counts) -> dict[str, int]:
    existing = {s.key: s for s in Section.objects.select_for_update()}
    ids: dict[str, int] = {}
    for key in _parents_first(sections):
        values = dict(sections[key])
        parent_key = values.pop("parent")
        values["parent_id"] = ids[parent_key] if parent_key else None
        values["bank_id"] = bank_ids[values.pop("bank")]
        row = existing.get(key)
        if row is not None and row.bank_id != values["bank_id"]:
            # Sections stay within their bank: another bank's key is a clash, never a move.
            raise ContentError(f"section {key!r} belongs to another bank ({row.bank}); nothing was loaded")
        if row is None:
            row = Section.objects.create(**values)  # one by one: a child needs its parent's id
            counts.created += 1
        elif changed := _changed(row, values):
            row.save(update_fields=changed)
            counts.updated += 1
        else:
            counts.unchanged += 1
        ids[key] = row.pk
    loaded = set(bank_ids.values())
    gone = [
        row
        for key, row in existing.items()
        if key not in sections and not row.retired and row.bank_id in loaded
    ]
    _retire(Section, gone)
    counts.retired = len(gone)
    return ids


def _load_questions(
    questions: dict[str, dict],
    section_ids: dict[str, int],
    bank_ids: set[int],
    report: LoadReport,
    reason: str,
) -> None:
    existing = {q.key: q for q in Question.objects.select_for_update()}
    bank_of = dict(Section.objects.values_list("pk", "bank_id"))
    new, updated, tracked = [], [], []
    now = timezone.now()
    for key, incoming in questions.items():
        values = _question_values(incoming, section_ids)
        row = existing.get(key)
        if row is None:
            new.append(Question(**values))
            continue
        if bank_of[row.section_id] != bank_of[values["section_id"]]:
            raise ContentError(f"question {key!r} belongs to another bank; nothing was loaded")
        _keep_admin_edit(row, values, report)
        # answer_changed_at is the app's own record, not content: keep it, unless upstream rewrote the answer,
        # in which case learners who saw the old one are told and get it back for review.
        values["answer_changed_at"] = (
            now if answers_differ(row.answer_md, values["answer_md"]) else row.answer_changed_at
        )
        if not (changed := _changed(row, values)):
            continue
        # One plain UPDATE per changed row: bulk_update's CASE per field and row costs more than it saves.
        Question.objects.filter(pk=row.pk).update(**{name: values[name] for name in changed})
        if "answer_changed_at" in changed:
            row.mark_answer_changed()
        updated.append(row)
        if not set(changed) <= UNTRACKED:
            tracked.append(row)
    gone = [
        row
        for key, row in existing.items()
        if key not in questions and not row.retired and bank_of[row.section_id] in bank_ids
    ]
    for row in gone:
        row.retired = True
    _retire(Question, gone)

    bulk_create_with_history(new, Question, batch_size=BATCH_SIZE, default_change_reason=reason)
    Question.history.bulk_history_create(
        [*tracked, *gone], update=True, batch_size=BATCH_SIZE, default_change_reason=reason
    )
    _link_follow_ups(questions)
    report.questions.created = len(new)
    report.questions.updated = len(updated)
    report.questions.unchanged = len(questions) - len(new) - len(updated)
    report.questions.retired = len(gone)


def _link_follow_ups(questions: dict[str, dict]) -> None:
    """Point each follow-up at its question once both have rows (a new pair is created in one batch), and
    a question that is no longer a follow-up at none. A bank without follow-ups costs one query."""
    wanted = {key: fields["parent"] for key, fields in questions.items()}
    parents = {parent for parent in wanted.values() if parent}
    ids = dict(Question.objects.filter(key__in=parents).values_list("key", "pk")) if parents else {}
    linked = dict(Question.objects.filter(parent__isnull=False).values_list("key", "parent_id"))
    moves: dict[int | None, list[str]] = {}
    for key, parent in wanted.items():
        parent_id = ids[parent] if parent else None
        if linked.get(key) != parent_id:
            moves.setdefault(parent_id, []).append(key)
    for parent_id, keys in moves.items():
        for start in range(0, len(keys), BATCH_SIZE):
            Question.objects.filter(key__in=keys[start : start + BATCH_SIZE]).update(parent_id=parent_id)


def _retire(model: type[models.Model], rows: list[models.Model]) -> None:
    pks = [row.pk for row in rows]
    for start in range(0, len(pks), BATCH_SIZE):
        model.objects.filter(pk__in=pks[start : start + BATCH_SIZE]).update(retired=True)


def _question_values(incoming: dict, section_ids: dict[str, int]) -> dict:
    values = dict(incoming)
    values["section_id"] = section_ids[values.pop("section")]
    values.pop("parent")  # linked once every row exists: _link_follow_ups
    # What upstream says now; the file's own imported_answer_md is ignored.
    values["imported_answer_md"] = values["answer_md"]
    # build_fixtures rendered the HTML; a fixture written by hand may leave it out. The file's own key points
    # are ignored: they come from the answer.
    values |= rendered_fields(
        values["prompt_md"],
        values["answer_md"],
        render_markdown,
        prompt_html=values["prompt_html"],
        answer_html=values["answer_html"],
    )
    values.update(search_fields(values["prompt_md"], values["answer_md"], values.get("group_title", "")))
    return values


def _keep_admin_edit(row: Question, values: dict, report: LoadReport) -> None:
    """Swap the admin's answer into ``values`` when the stored one was edited since the last import."""
    upstream = values["answer_md"]
    if row.answer_md == row.imported_answer_md or row.answer_md == upstream:
        return
    # The admin's key points and provenance come with the admin's text.
    kept = ("answer_md", "answer_html", "key_points", "provenance", "provenance_by", "provenance_on")
    for name in (*kept, "search_answer"):
        values[name] = getattr(row, name)
    values["imported_answer_md"] = row.imported_answer_md
    if upstream == row.imported_answer_md:
        report.kept_edits += 1
    else:
        report.conflicts.append(Conflict(row.key, values["source_path"], values["source_line"]))


def _changed(row: models.Model, values: dict) -> list[str]:
    """Set the differing ``values`` on ``row`` and return their names."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed
