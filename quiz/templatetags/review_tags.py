"""Template tags of the reviewer workflow, for pages whose views belong to other features."""

from django import template

from quiz.diffing import answer_update_for
from quiz.models import Question

register = template.Library()


@register.inclusion_tag("quiz/flags/answer_update.html", takes_context=True)
def answer_update(context, question: Question) -> dict:
    """ "Answer updated since you last saw it", with the diff; no query unless the answer ever changed."""
    return {"question": question, "update": answer_update_for(question, context["request"].user)}
