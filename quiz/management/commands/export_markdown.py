"""Write the question bank in the database back to markdown, in the upstream layout and its four formats.

``manage.py export_markdown DIR`` writes every active question file under DIR at its source path (e.g.
``DIR/MLE_Interview_QnA/PythonQnA.md``) plus ``DIR/README.md``, the index that gives the files their titles
and order. Reading DIR again (``build_fixtures --source DIR``) gives back the same bank: the same question
keys, prompts, answers, difficulties, group titles and sections. The command checks that before it writes and
warns about any question that would not come back the same.

Exporting content nobody edited reproduces the upstream files except for these normalisations (each is
tested in tests/test_export_markdown.py):

1. Titles: a file's first heading is its title in the bank: the index's link text for the QnA and case-study
   files ("# Python for DS/MLE Interview QnA" becomes "# Python QnA"), "Chapter N. Title" for the chapters
   ("## 5 Math" becomes "## Chapter 5. Math").
2. Heading levels in the QnA files: topics are ``##`` (``#`` and ``##`` when topics nest), questions ``###``.
3. Numbering: chapter items count 1, 2, 3... with each group's questions counting from 1 again; case-study
   items count from 1 in each section (upstream restarts and skips).
4. Text that is no question's part is not kept: a file's introduction under its title, ``---`` separators
   (also inside an answer: the importer drops them), empty headings, and empty or "NOT ANSWERED" fences (an
   unanswered chapter question is written without a fence).
5. Blank lines between items, headings and fences follow one layout; blank lines inside an answer are kept.
6. A question upstream asks twice is written once, with the fuller answer the import kept.
7. A prompt wrapped over several lines is written on one line.
8. README.md is a plain numbered list of links to the question files; its prose, links to missing files and
   the nested index (ml-interviews-book.md) are not written. ``--no-index`` leaves README.md alone, for an
   export into a checkout whose index already lists every file.
9. Retired questions and sections are not written; files are UTF-8 with ``\\n`` line ends and a final
   newline.
10. Each file is written in its layout (``chapter``, ``qna`` or ``list``: the layout the bank's own copy of
    the file has, see ``--source``). A chapter answer sits in a ````markdown fence; a question heading
    carries its ``[E]``/``[M]``/``[H]`` tag, and one that neither asks with "?" nor has a tag gets a ``Q:``
    label; an answer's key points stay in it and its provenance comment goes last.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quiz import exporter, importer
from quiz.answer_parts import ProvenanceNote
from quiz.management.commands.build_fixtures import write_atomically
from quiz.models import Bank, Question
from quiz.wording import counted


def bank_from_database(source: Path | None = None, bank: Bank | None = None) -> importer.Bank:
    """A bank's active questions (the bundled bank's by default) as the importer's dataclasses, files in bank
    order, each in source order, each in the layout its markdown under ``source`` has (the bundled bank's
    folder by default). Keys lose the bank's prefix, as reading the files back gives them."""
    bank = bank or Bank.objects.get(slug=settings.BUNDLED_BANK)
    prefix = "" if bank.is_bundled else f"{bank.slug}/"
    questions = list(
        Question.objects.active().in_banks([bank]).select_related("section").order_by("position", "pk")
    )
    needed = {q.section_id for q in questions}
    sections = [s for s in bank.sections.order_by("position", "pk") if not s.retired or s.pk in needed]
    keys = {s.pk: s.key.removeprefix(prefix) for s in sections}
    question_keys = {q.pk: q.key.removeprefix(prefix) for q in questions}
    files: dict[str, importer.SourceFile] = {}
    for s in sections:
        row = importer.ParsedSection(keys[s.pk], keys.get(s.parent_id), s.title, s.source_path, s.source_line)
        if s.parent_id is None:
            layout = exporter.bank_layout(s.source_path, source)
            files[s.source_path] = importer.SourceFile(s.source_path, [row], [], layout=layout)
        elif s.source_path in files:
            files[s.source_path].sections.append(row)
    for q in questions:
        if q.source_path in files:
            files[q.source_path].questions.append(
                importer.ParsedQuestion(
                    key=q.key.removeprefix(prefix),
                    section=keys[q.section_id],
                    group_title=q.group_title,
                    prompt_md=q.prompt_md,
                    answer_md=q.answer_md,
                    difficulty=q.difficulty,
                    source_path=q.source_path,
                    source_line=q.source_line,
                    provenance=_provenance(q),
                    parent=question_keys.get(q.parent_id),
                )
            )
    return importer.Bank(list(files.values()), title=bank.title, source=bank.source_url, licence=bank.licence)


def _provenance(question: Question) -> ProvenanceNote | None:
    """The comment the answer's markdown carries: none for an answer as upstream gave it."""
    if question.provenance == "upstream" and not question.provenance_by and not question.provenance_on:
        return None
    return ProvenanceNote(question.provenance, question.provenance_by, question.provenance_on)


def _identity(question: importer.ParsedQuestion) -> tuple:
    return (
        question.section,
        question.group_title,
        question.prompt_md,
        question.answer_md,
        question.difficulty,
        question.provenance,
        question.parent,
    )


def round_trip_problems(bank: importer.Bank) -> list[str]:
    """Questions that reading the exported files (with their index) would lose or change."""
    try:
        again = importer.parse_bank(exporter.export_bank(bank))
    except importer.ContentError as error:
        return [str(problem) for problem in error.problems]
    read = {q.key: q for source in again.files for q in source.questions}
    problems = []
    for source in bank.files:
        for question in source.questions:
            back = read.get(question.key)
            if back is None:
                problems.append(f"{question.key}: would come back under another key, or not at all")
            elif _identity(back) != _identity(question):
                problems.append(
                    f"{question.key}: would come back changed, see {back.source_path}:{back.source_line}"
                )
    return problems


class Command(BaseCommand):
    help = "Write the question bank back to markdown files in the upstream layout (see the module docstring)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="Where to write; files there are overwritten.")
        parser.add_argument(
            "--no-index", action="store_true", help="Do not write README.md (keep the directory's own)."
        )
        parser.add_argument(
            "--source",
            type=Path,
            default=None,
            help="The markdown the bank was built from, whose files' layouts the export keeps.",
        )
        parser.add_argument(
            "--bank", default=settings.BUNDLED_BANK, help="The bank to write (default: the bundled one)."
        )

    def handle(
        self, *args, directory: Path, no_index: bool, source: Path | None, bank: str, **options
    ) -> None:
        if directory.exists() and not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        try:
            chosen = Bank.objects.get(slug=bank)
        except Bank.DoesNotExist:
            raise CommandError(f"no bank {bank!r}; `manage.py import_bank` adds one") from None
        bank = bank_from_database(source, chosen)
        files = exporter.export_bank(bank, index=not no_index)
        for problem in round_trip_problems(bank):
            self.stderr.write(self.style.WARNING(f"WARNING {problem}"))
        for path, text in files.items():
            write_atomically(directory / path, text)
        questions = sum(len(source.questions) for source in bank.files)
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Wrote {counted(len(files), 'file')} with {counted(questions, 'question')} to {directory}."
            )
