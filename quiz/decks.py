"""Questions taken elsewhere: an Anki deck (``.apkg``, via genanki) and CSV.

A note's id (Anki's guid) comes from the question's key, so importing a newer export into Anki updates the
notes it has instead of adding copies; the deck's id comes from its name the same way.
"""

import csv
import hashlib
import html
import io
import re
import tempfile

import genanki
from django.utils.html import escape

from quiz.csv_cells import csv_cell
from quiz.models import Question

# Fixed for good: Anki matches the note type by this id, so a re-export reuses it.
NOTE_TYPE_ID = 1_736_802_405
NOTE_TYPE = genanki.Model(
    NOTE_TYPE_ID,
    "interview question",
    fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Key"}, {"name": "Source"}],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Question}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}<p class="source">{{Source}}</p>',
        }
    ],
    sort_field_index=2,
)
CSV_FIELDS = ["key", "bank", "section", "difficulty", "question", "answer", "source"]


def stable_id(text: str) -> int:
    """A positive 63-bit id from ``text``: the same text, the same id on every export."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


def anki_note(question: Question) -> genanki.Note:
    # Anki shows every field as HTML (and runs its scripts): the titles are text, so they are escaped as the
    # rendered question and answer already are.
    source = html.escape(f"{question.section.bank.title}: {question.section.title}")
    tags = [question.section.bank.slug, question.difficulty]
    return genanki.Note(
        model=NOTE_TYPE,
        fields=[
            # A chained question carries its shared context ("Given this dataset…") on the card itself.
            (f"<p>{escape(question.group_title)}</p>" if question.group_title else "") + question.prompt_html,
            question.answer_html or "<p>No reference answer yet.</p>",
            html.escape(question.key),
            source,
        ],
        tags=tags,
        guid=genanki.guid_for(question.key),
    )


def anki_deck(name: str, questions) -> bytes:
    """An ``.apkg`` holding one deck called ``name`` with a note per question."""
    deck = genanki.Deck(stable_id(f"deck:{name}"), html.escape(name))  # Anki shows deck names as HTML too
    for question in questions:
        deck.add_note(anki_note(question))
    with tempfile.NamedTemporaryFile(suffix=".apkg") as handle:
        genanki.Package(deck).write_to_file(handle.name)
        return handle.read()


EMPHASIS_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")


def plain_prompt(prompt_md: str) -> str:
    """The question as a spreadsheet shows it: bold and italic markers gone, maths and code as written."""
    return EMPHASIS_RE.sub(lambda m: m.group(2) or m.group(3), prompt_md)


def csv_text(questions) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_FIELDS)
    writer.writeheader()
    for question in questions:
        row = {
            "key": question.key,
            "bank": question.section.bank.slug,
            "section": question.section.title,
            "difficulty": question.difficulty,
            "question": plain_prompt(question.prompt_md),
            "answer": question.answer_md,
            "source": f"{question.source_path}:{question.source_line}",
        }
        writer.writerow({field: csv_cell(value) for field, value in row.items()})
    return out.getvalue()
