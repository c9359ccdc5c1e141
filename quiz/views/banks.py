"""Banks: the list, and staff's upload (a dry run first, then the import in the background).

The upload is hostile input: ``quiz.bank_imports.read_upload`` checks it before anything is kept. The dry run
parses the stashed files and writes nothing; the import runs in the worker (``quiz.tasks``) and the page polls
its progress with htmx (a plain reload shows the same).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from quiz import bank_imports
from quiz.forms import BankUploadForm
from quiz.models import Bank, BankUpload
from quiz.tasks import import_upload
from quiz.view_helpers import allowed_if, page_or_part

MAX_REQUEST_BYTES = bank_imports.MAX_UPLOAD_BYTES + 64 * 1024  # the files and the form around them


def can_import_banks(user) -> bool:
    return user.is_staff and user.has_perm("quiz.add_bank")


bank_importer_required = allowed_if(can_import_banks)


@login_required
def bank_list(request: HttpRequest) -> HttpResponse:
    context = {
        "banks": Bank.objects.with_question_counts().order_by("title"),
        "can_import": can_import_banks(request.user),
    }
    if context["can_import"]:
        context["uploads"] = BankUpload.objects.defer("sources").select_related("uploaded_by")[:10]
    return render(request, "quiz/banks.html", context)


def _refused(request: HttpRequest, refusal: str, status: int) -> HttpResponse:
    return render(
        request, "quiz/bank_upload.html", {"form": BankUploadForm(), "refusal": refusal}, status=status
    )


@csrf_exempt  # the size check must come before anything reads the body; the CSRF check follows it
@bank_importer_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Refused before Django reads the body into files (the CSRF check would): a huge upload costs no disk.
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES:
            return _refused(
                request, f"The upload is larger than {bank_imports.MAX_UPLOAD_BYTES // 2**20} MB.", 413
            )
        try:
            request.FILES  # noqa: B018 -- read here, where a refusal can be explained
        except TooManyFilesSent:
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
            return _refused(request, f"More than {limit} files: put them in one .zip archive.", 400)
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    form = BankUploadForm()
    if request.method == "POST":
        form = BankUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                sources, notes, suggested = bank_imports.read_upload(form.cleaned_data["files"])
            except bank_imports.UploadRefused as refused:
                form.add_error("files", str(refused))
            else:
                slug = form.cleaned_data["slug"] or suggested
                if not slug:
                    form.add_error("slug", "Name the bank: letters, digits and hyphens.")
                else:
                    stashed = BankUpload.stash(request.user, slug, sources)
                    request.session[f"upload-notes-{stashed.pk}"] = notes
                    return redirect("quiz:bank-upload-detail", stashed.pk)
        return render(request, "quiz/bank_upload.html", {"form": form}, status=422)
    return render(request, "quiz/bank_upload.html", {"form": form})


def import_refusal(user, report: bank_imports.DryRun) -> str:
    """Why ``user`` may not import this upload as it is named, or ""."""
    if report.slug == settings.BUNDLED_BANK:
        return (
            f"“{report.slug}” is the bundled bank: it is updated from fixtures/markdown on the server, not "
            "from the web. Upload again under another name."
        )
    if report.replaces and not user.has_perm("quiz.change_bank"):
        return (
            f"A bank named “{report.slug}” exists, and updating it needs the permission to change banks. "
            "Upload again under another name, or ask an administrator."
        )
    return ""


@bank_importer_required
@vary_on_headers("HX-Request")
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    BankUpload.objects.filter(pk=pk).fail_abandoned()  # a killed worker: say so, and stop polling
    stashed = get_object_or_404(BankUpload, pk=pk)
    template = "quiz/bank_upload_detail.html"
    if (part := page_or_part(request, template, "import-status")) != template:
        return render(request, part, {"upload": stashed})
    notes = request.session.get(f"upload-notes-{stashed.pk}", [])
    report = bank_imports.dry_run(stashed.slug, stashed.source_files(), notes)
    refusal = import_refusal(request.user, report)
    choices = [
        (path, path not in stashed.excluded, bank_imports.importer.repository_file(path))
        for path in sorted(stashed.sources, key=bank_imports.importer.natural_key)
        if path != bank_imports.importer.MANIFEST
    ]
    context = {"upload": stashed, "report": report, "refusal": refusal, "choices": choices}
    return render(request, template, context)


@bank_importer_required
@require_POST
def upload_files(request: HttpRequest, pk: int) -> HttpResponse:
    """Untick files (a whole repository's CONTRIBUTING, its drafts) and see the dry run again without them."""
    stashed = get_object_or_404(BankUpload, pk=pk)
    chosen = [path for path in request.POST.getlist("files") if path in stashed.sources]
    if stashed.status != BankUpload.Status.CHECKED:
        messages.error(request, "This upload is already imported or importing: its files stay as they are.")
    elif not any(path.lower().endswith(bank_imports.READ) for path in chosen):
        messages.error(request, "Keep at least one markdown file ticked.")
    else:
        stashed.choose_files(chosen)
    return redirect("quiz:bank-upload-detail", stashed.pk)


@bank_importer_required
@require_POST
def upload_import(request: HttpRequest, pk: int) -> HttpResponse:
    stashed = get_object_or_404(BankUpload, pk=pk)
    report = bank_imports.dry_run(stashed.slug, stashed.source_files())
    if refusal := import_refusal(request.user, report):
        raise PermissionDenied(refusal)
    if not report.can_import:
        messages.error(request, "This upload cannot be imported: fix the problems the dry run lists.")
        return redirect("quiz:bank-upload-detail", stashed.pk)
    if report.needs_confirmation and not request.POST.get("confirm"):
        messages.error(request, "Tick the box to confirm the questions this import changes and retires.")
        return redirect("quiz:bank-upload-detail", stashed.pk)
    # Only the first of two clicks queues the import; after a failure, Retry queues it again.
    if stashed.queue(retry=stashed.status == BankUpload.Status.FAILED):
        import_upload.enqueue(stashed.pk)
    return redirect("quiz:bank-upload-detail", stashed.pk)
