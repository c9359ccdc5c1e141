"""A sample question for visitors: answer it, then see the reference answer and what the key-point checker
made of the answer, before signing up. Nothing is stored; the checker's work is throttled per address."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from quiz import feedback, throttles
from quiz.answer_parts import key_point_alternatives
from quiz.forms import AnswerForm
from quiz.models import Question
from quiz.view_helpers import open_to_visitors


def sample_question() -> Question:
    """The first question of the bank that stands on its own (no parent, no shared context) and has a
    reference answer, one with key points to check if there is any."""
    candidates = (
        Question.objects.active()
        .filter(parent__isnull=True, group_title="")
        .exclude(answer_md="")
        .order_by("section__bank_id", "position", "pk")
        .only("pk", "key_points")
    )
    first = None
    for candidate in candidates.iterator():
        if candidate.key_points:
            first = candidate
            break
        first = first or candidate
    if first is None:
        raise Http404("The bank has no sample question yet.")
    return Question.objects.select_related("section").get(pk=first.pk)


def verdicts(question: Question, answer: str) -> list[dict]:
    # As an interview's Reveal reads it, with the phrasings reviewers accepted for each point.
    alternatives = key_point_alternatives(question.answer_md)
    reading = feedback.key_point_feedback(question.key_points, answer, alternatives)
    return [
        {"point": point, "phrase": phrase, "state": feedback.coverage_state(score, contradicted)}
        for point, score, phrase, contradicted in zip(question.key_points, *reading, strict=True)
    ]


@open_to_visitors
@require_http_methods(["GET", "POST"])
def try_sample(request: HttpRequest) -> HttpResponse:
    question = sample_question()
    form = AnswerForm(request.POST or None)
    context = {"question": question, "form": form}
    if request.method == "POST" and form.is_valid():
        if throttles.hit(request, "sample-tries"):
            return throttles.too_many(request, "sample-tries")
        answer = form.cleaned_data["answer_text"]
        context |= {"revealed": True, "answer": answer, "verdicts": verdicts(question, answer)}
    return render(request, "quiz/try.html", context)
