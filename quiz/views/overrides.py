"""Key points candidates correct: the reviewer's view of where the key-point checker and candidates
disagree (quiz/models/overrides.py), with the two fixes it leads to: reword the key point (the answer
editor), or accept a candidate's phrasing as saying it, which adds an alternative phrasing to the key point
in the answer's markdown (quiz/answer_parts.py) that the checker reads from then on."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from quiz.answer_parts import add_alternative, key_point_alternatives, split_provenance
from quiz.models import KeyPointOverride
from quiz.models.flags import can_triage
from quiz.wording import percent_of


class PhrasingForm(forms.Form):
    phrase = forms.CharField(
        max_length=300,
        strip=True,
        label="Phrasing that says the key point",
        help_text="Trim it to the words that make the claim; at most 300 characters.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
def key_point_overrides(request: HttpRequest) -> HttpResponse:
    if not can_triage(request.user):
        raise PermissionDenied
    rows = KeyPointOverride.objects.highest_rates()
    for row in rows:
        row["percent"] = percent_of(row["overrides"], row["shown"])
        row["forms"] = [
            (o, PhrasingForm(initial={"phrase": o.phrase}, prefix=f"o{o.pk}")) for o in row["phrases"]
        ]
    return render(request, "quiz/overrides.html", {"rows": rows})


@login_required
def accept_phrasing(request: HttpRequest, pk: int) -> HttpResponse:
    # The permission first, then the method, as the review queue's actions do.
    if not can_triage(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    override = get_object_or_404(
        KeyPointOverride.objects.select_related("question").exclude(phrase=""), pk=pk
    )
    form = PhrasingForm(request.POST, prefix=f"o{override.pk}")
    question = override.question
    if not form.is_valid():
        messages.error(request, f"Not added: {form.errors['phrase'][0]}")
        return redirect("quiz:key-point-overrides")
    if override.key_point not in question.key_points:
        messages.error(
            request,
            f"Not added: the key point \u201c{override.key_point}\u201d has been reworded since. "
            "Edit the answer to add a phrasing to the new wording.",
        )
        return redirect("quiz:key-point-overrides")
    index = question.key_points.index(override.key_point)
    phrase = form.cleaned_data["phrase"]
    if phrase in key_point_alternatives(split_provenance(question.answer_md)[0])[index]:
        messages.info(request, f"\u201c{phrase}\u201d is already an alternative phrasing of that key point.")
        return redirect("quiz:key-point-overrides")
    question.replace_answer(
        add_alternative(question.answer_md, index, phrase),
        by=request.user,
        base_revision=None,
        reason="Alternative phrasing of a key point, from a candidate's answer",
    )
    messages.success(
        request, f"Added \u201c{phrase}\u201d as a phrasing of \u201c{override.key_point}\u201d."
    )
    return redirect("quiz:key-point-overrides")
