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
   the nested index (ml-interviews-book.md) are not written. A bank whose questions are in README.md gets
   its index as ``index.md``. ``--no-index`` leaves README.md alone, for an export into a checkout whose
   index already lists every file.
9. Retired questions and sections are not written; files are UTF-8 with ``\\n`` line ends and a final
   newline.
10. Each file is written in its style, as the import found its questions asked and kept it on the bank
    (``Bank.file_styles``: chapter, question headings, ``Q:``/``A:`` pairs, bold lines, numbered or
    bulleted items, ``<details>`` blocks; question tables as headings). A bank imported before styles were
    kept is written in each file's layout (``chapter``, ``qna`` or ``list``: the layout the bank's own copy
    of the file has, see ``--source``). A file that would not read back the same in its style (an answer
    holding a question of the file's own shape) is written with question headings. A chapter answer sits
    in a ````markdown fence; a question carries its ``[E]``/``[M]``/``[H]`` tag, and a question heading
    that neither asks with "?" nor has a tag gets a ``Q:`` label; an answer's key points stay in it and
    its provenance comment goes last.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quiz import exporter
from quiz.fixture_build import write_atomically
from quiz.models import Bank
from quiz.wording import counted


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
            help="The markdown the bank was built from, whose files' layouts the export keeps "
            "(for a bank imported before each file's style was kept on it).",
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
        bank = exporter.bank_from_database(source, chosen)
        files = exporter.export_bank(bank, index=not no_index)
        for problem in exporter.round_trip_problems(bank):
            self.stderr.write(self.style.WARNING(f"WARNING {problem}"))
        for path, text in files.items():
            write_atomically(directory / path, text)
        questions = sum(len(source.questions) for source in bank.files)
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Wrote {counted(len(files), 'file')} with {counted(questions, 'question')} to {directory}."
            )
