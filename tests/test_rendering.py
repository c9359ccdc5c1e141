"""Markdown becomes safe HTML in one place: hostile input comes out harmless, plain markdown still works."""

import re

import pytest

from quiz.models import Question, Section
from quiz.rendering import render_markdown


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://example.com" onclick="alert(1)">x</a>',
        '<div hx-get="/admin/" hx-trigger="load">x</div>',
        '<div data-hx-post="/interviews/1/end/" data-hx-trigger="load">x</div>',
        '<button hx-on:click="alert(1)">x</button>',
        "<iframe src=//evil.example></iframe>",
        "<svg onload=alert(1)><circle r=1></svg>",
        "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
        "<style>body{display:none}</style>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<object data="javascript:alert(1)"></object>',
        '<form action="javascript:alert(1)"><input type=submit></form>',
    ],
)
def test_hostile_html_in_markdown_comes_out_inert(hostile):
    html = render_markdown(f"Before\n\n{hostile}\n\nAfter")
    tags = _tags(html)
    # Escaped text may mention anything; what matters is that no real tag or attribute survives.
    for name in ("script", "iframe", "svg", "math", "style", "object", "form", "input", "button"):
        assert f"<{name}" not in tags
    for attribute in ("onerror", "onclick", "onload", "hx-", "data-hx-", "style", "action", "xlink"):
        assert f" {attribute}" not in tags
    assert "Before" in html and "After" in html


def _tags(html: str) -> str:
    """Only the opening tags, lower-cased: where an element or attribute could live."""
    return " ".join(re.findall(r"<[a-z][^>]*>", html.lower()))


@pytest.mark.parametrize(
    "link",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[click](vbscript:msgbox(1))",
        '<a href="javascript&#58;alert(1)">click</a>',
        "![img](javascript:alert(1))",
    ],
)
def test_links_only_keep_http_https_and_mailto(link):
    html = render_markdown(link)
    tags = _tags(html)
    assert "javascript" not in tags and "data:" not in tags and "vbscript" not in tags


def test_safe_links_get_nofollow_noopener():
    html = render_markdown("[docs](https://example.com/a) and <mailto:a@example.com>")
    assert 'href="https://example.com/a"' in html
    assert 'rel="nofollow noopener"' in html


def test_disallowed_tags_are_shown_as_text_not_dropped():
    html = render_markdown("Use <script>x</script> carefully")
    assert "&lt;script&gt;" in html


def test_fenced_code_is_highlighted_with_pygments_classes():
    html = render_markdown("```python\ndef f():\n    return 1\n```")
    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html


def test_tables_render():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "<td>1</td>" in html


def test_empty_markdown_is_empty_html():
    assert render_markdown("") == ""
    assert render_markdown("   \n") == ""


def test_question_save_caches_rendered_html(db):
    section = Section.objects.create(key="s", title="S", source_path="s.md")
    question = Question.objects.create(
        key="q",
        section=section,
        prompt_md="What is **bias**?",
        answer_md="<script>x</script>",
        source_path="s.md",
    )
    assert question.prompt_html == "<p>What is <strong>bias</strong>?</p>"
    assert "<script>" not in question.answer_html
    question.answer_md = "Now *edited*"
    question.save()
    assert Question.objects.get(pk=question.pk).answer_html == "<p>Now <em>edited</em></p>"
