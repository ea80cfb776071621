"""Web pages for submitting (researchers) and reviewing (curators). The rules live in ``papers/submissions.py``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import RETRACT_PERMISSION, curator_required, is_curator, permission_or_login
from kb_site.history import submission_history
from papers import submissions
from papers.forms import (
    BibTeXForm,
    MappingFormSet,
    PaperForm,
    RetractForm,
    ReviewForm,
    SubmissionFilterSet,
    SubmissionForm,
    Vocabulary,
)
from papers.models import FaultMapping, Paper, Submission
from taxonomy.models import ReviewStatus

PAGE_SIZE = 50


#
# Helpers: showing what was typed again, without error messages (after "prefill" or "use this paper")
#


def _raw(form) -> dict:
    return {name: form[name].value() for name in form.fields}


def _mapping_initial(mapping: FaultMapping) -> dict:
    return {
        "fault": mapping.fault.code,
        "strength": mapping.strength,
        "methods": [m.code for m in mapping.methods.all()],
        "phases": mapping.phases,
        "targets": mapping.targets,
        "rationale": mapping.rationale,
        "evidence_kind": mapping.evidence_kind,
        "evidence_note": mapping.evidence_note,
        "quote": mapping.quote,
        "quote_locator": mapping.quote_locator,
    }


def _paper_initial(paper: Paper) -> dict:
    return {name: getattr(paper, name) or "" for name in submissions.PAPER_FIELDS}


def _unbound(
    vocabulary: Vocabulary,
    *,
    submission_initial: dict | None = None,
    paper_initial: dict | None = None,
    mappings_initial: list[dict] | None = None,
    editing: Submission | None = None,
) -> submissions.SubmissionForms:
    formset = MappingFormSet(prefix="mappings", initial=mappings_initial or [], form_kwargs={"vocabulary": vocabulary})
    return submissions.SubmissionForms(
        submission=SubmissionForm(initial=submission_initial or {}, editing=editing),
        paper=PaperForm(prefix="paper", initial=paper_initial or {}),
        mappings=list(formset.forms),
        formset=formset,
        editing=editing,
    )


def _redisplay(forms: submissions.SubmissionForms, vocabulary: Vocabulary, **overrides) -> submissions.SubmissionForms:
    """The same submission as unbound forms holding what was typed (plus ``overrides``), with no errors."""
    paper_raw = _raw(forms.paper) if forms.paper is not None else _raw(PaperForm(forms.submission.data, prefix="paper"))
    submission_raw = _raw(forms.submission)
    submission_raw.update(overrides.pop("submission", {}))
    paper_raw.update(overrides.pop("paper", {}))
    return _unbound(
        vocabulary,
        submission_initial=submission_raw,
        paper_initial=paper_raw,
        mappings_initial=[_raw(form) for form in forms.mappings],
        editing=forms.editing,
    )


def _form_page(request, forms, vocabulary, *, bibtex=None, duplicates=None, editing=None, role=None, status=200):
    paper_form = forms.paper
    if paper_form is None and editing is None:
        # The new-paper fields stay on the page (hidden) so the submitter can switch back without retyping.
        paper_form = PaperForm(prefix="paper", initial=_raw(PaperForm(forms.submission.data, prefix="paper")))
    existing_paper = None
    if editing is None and "existing_paper" in forms.submission.fields:
        key = (forms.submission["existing_paper"].value() or "").strip()
        existing_paper = Paper.objects.public().filter(key=key).first() if key else None
    context = {
        "forms": forms,
        "existing_paper": existing_paper,
        "paper_form": paper_form,
        "bibtex": bibtex or BibTeXForm(),
        "duplicates": duplicates if duplicates is not None else forms.duplicates,
        "faults": vocabulary.faults.values(),
        "editing": editing,
        "role": role,  # how the submission under edit is edited (submissions.SUBMITTER or CURATOR)
        "max_mappings": MappingFormSet.max_num,
    }
    # Invalid input re-displays the form with its field messages, answered 400 like the API.
    return render(request, "papers/submission_form.html", context, status=status)


#
# Researchers
#


@login_required
def submission_create(request):
    vocabulary = Vocabulary.load()
    if request.method != "POST":
        key = request.GET.get("paper", "")
        fault = request.GET.get("fault", "")
        forms = _unbound(
            vocabulary,
            submission_initial={
                "paper_choice": SubmissionForm.EXISTING if key else SubmissionForm.NEW,
                "existing_paper": key,
            },
            mappings_initial=[{"fault": fault}] if fault else [],
        )
        return _form_page(request, forms, vocabulary)

    forms = submissions.SubmissionForms.from_post(request.POST, vocabulary)
    action = request.POST.get("action", "submit")
    if action == "prefill":
        bibtex = BibTeXForm(request.POST, request.FILES)
        if not bibtex.is_valid() or "parsed" not in bibtex.cleaned_data:
            return _form_page(request, _redisplay(forms, vocabulary), vocabulary, bibtex=bibtex, duplicates=[])
        parsed = bibtex.cleaned_data["parsed"]
        paper = {name: parsed.get(name) or "" for name in submissions.PAPER_FIELDS}
        duplicates = submissions.find_duplicates(title=paper["title"], doi=paper["doi"], arxiv_id=paper["arxiv_id"])
        messages.info(request, "The paper's fields were filled in from the BibTeX entry; check them before submitting.")
        forms = _redisplay(forms, vocabulary, submission={"paper_choice": SubmissionForm.NEW}, paper=paper)
        return _form_page(request, forms, vocabulary, bibtex=BibTeXForm(), duplicates=duplicates)
    if action.startswith("use-paper:"):
        key = action.removeprefix("use-paper:")
        forms = _redisplay(
            forms, vocabulary, submission={"paper_choice": SubmissionForm.EXISTING, "existing_paper": key}
        )
        return _form_page(request, forms, vocabulary, duplicates=[])
    try:
        submission = submissions.submit(request.user, forms)
    except submissions.SubmissionInvalid:
        return _form_page(request, forms, vocabulary, status=400)
    messages.success(request, "Thank you: your submission is in the curators' queue.")
    return redirect(submission)


def _edit_page(request, submission: Submission, role: str):
    """The submitter's "edit and resubmit" and a curator's edit: one form, saved by ``submissions.edit``."""
    vocabulary = Vocabulary.load()
    if request.method != "POST":
        mappings = submission.mappings.exclude(status=ReviewStatus.APPROVED).select_related("fault")
        forms = _unbound(
            vocabulary,
            submission_initial={"comment": submission.comment},
            paper_initial=_paper_initial(submission.paper),
            mappings_initial=[_mapping_initial(m) for m in mappings.prefetch_related("methods")],
            editing=submission,
        )
        if not submission.creates_paper:
            forms.paper = None
        return _form_page(request, forms, vocabulary, editing=submission, role=role)
    forms = submissions.SubmissionForms.from_post(request.POST, vocabulary, editing=submission)
    edited_at = submission.edited_at
    try:
        saved = submissions.edit(request.user, submission, forms)
    except submissions.SubmissionInvalid:
        return _form_page(request, forms, vocabulary, editing=submission, role=role, status=400)
    if role == submissions.CURATOR:
        if saved.edited_at == edited_at:
            messages.info(request, "You changed nothing, so nothing was saved.")
        else:
            messages.success(
                request, "Your edit was saved; the submission's history records it and the submitter sees it."
            )
        return redirect("papers:review-detail", uid=submission.uid)
    messages.success(request, "Your changes were saved and the submission is back in the curators' queue.")
    return redirect(submission)


@login_required
def submission_edit(request, uid):
    submission = get_object_or_404(Submission.objects.select_related("paper"), uid=uid, submitter=request.user)
    try:
        role = submissions.edit_role(request.user, submission)
    except submissions.ReviewConflict as exc:
        messages.error(request, str(exc))
        return redirect(submission)
    if role == submissions.CURATOR:  # a curator's own pending submission: edited as a curator, from the review
        return redirect("papers:review-edit", uid=uid)
    return _edit_page(request, submission, role)


@login_required
def submission_list(request):
    queryset = Submission.objects.for_list().filter(submitter=request.user).order_by("-created_at")
    filterset = SubmissionFilterSet(request.GET, queryset, request=request)
    page = Paginator(filterset.qs if filterset.is_valid() else queryset.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "papers/submission_list.html", {"filter": filterset, "page_obj": page})


@login_required
def submission_detail(request, uid):
    submission = get_object_or_404(Submission.objects.for_list(), uid=uid)
    curator = is_curator(request.user)
    if submission.submitter_id != request.user.pk and not curator:
        raise Http404("No such submission.")
    return render(
        request,
        "papers/submission_detail.html",
        {
            "submission": submission,
            "is_curator": curator,
            "can_edit": submissions.may_edit(request.user, submission) == submissions.SUBMITTER,
            "history": submission_history(submission),
        },
    )


@require_GET
def submission_lookup(request):
    """ "Is this paper already here?": public papers matching a title, DOI or arXiv id, as JSON."""
    matches = submissions.lookup(request.GET.get("q", ""))
    return JsonResponse({"matches": [submissions.match_json(m) for m in matches]})


#
# Curators
#


@curator_required
def review_queue(request):
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = ReviewStatus.PENDING
    queryset = SubmissionFilterSet.annotate(Submission.objects.for_list()).order_by("created_at")
    filterset = SubmissionFilterSet(data, queryset, request=request)
    page = Paginator(filterset.qs if filterset.is_valid() else queryset.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "papers/review_queue.html", {"filter": filterset, "page_obj": page})


def _review_page(request, submission, form=None, status=200):
    return render(
        request,
        "papers/review_detail.html",
        {
            "submission": submission,
            "diff": submissions.review_diff(submission),
            "form": form or ReviewForm(),
            "history": submission_history(submission),
            "claimed_by_other": submission.claimed_by_id not in (None, request.user.pk),
            "can_edit": submissions.may_edit(request.user, submission) is not None,
        },
        status=status,
    )


@curator_required
def review_detail(request, uid):
    submission = get_object_or_404(Submission.objects.for_list(), uid=uid)
    return _review_page(request, submission)


@curator_required
def review_edit(request, uid):
    """A curator edits the paper's data and the mappings before deciding (the submitter's form and rules)."""
    submission = get_object_or_404(Submission.objects.select_related("paper", "submitter", "claimed_by"), uid=uid)
    try:
        role = submissions.edit_role(request.user, submission)
    except submissions.ReviewConflict as exc:
        messages.error(request, str(exc))
        return redirect("papers:review-detail", uid=uid)
    if role == submissions.SUBMITTER:  # a curator's own submission, sent back: they edit and resubmit it
        return redirect("papers:submission-edit", uid=uid)
    return _edit_page(request, submission, role)


@require_POST
@curator_required
def review_claim(request, uid):
    submission = get_object_or_404(Submission, uid=uid)
    try:
        submissions.claim(submission, request.user)
        messages.success(request, "You have claimed this submission.")
    except submissions.ReviewConflict as exc:
        messages.error(request, str(exc))
    return redirect("papers:review-detail", uid=uid)


@require_POST
@curator_required
def review_release(request, uid):
    submission = get_object_or_404(Submission, uid=uid)
    submissions.release(submission, request.user)
    messages.success(request, "You released this submission for other curators.")
    return redirect("papers:review-detail", uid=uid)


@require_POST
@curator_required
def review_decide(request, uid):
    submission = get_object_or_404(Submission.objects.for_list(), uid=uid)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _review_page(request, submission, form, status=400)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    apply = {
        ReviewForm.APPROVE: submissions.approve,
        ReviewForm.REJECT: submissions.reject,
        ReviewForm.REQUEST_CHANGES: submissions.request_changes,
    }[decision]
    try:
        apply(submission, request.user, reason)
    except submissions.ReviewConflict as exc:
        messages.error(request, str(exc))
        return redirect("papers:review-detail", uid=uid)
    done = {
        ReviewForm.APPROVE: "Approved: the mappings count in the live coverage now.",
        ReviewForm.REJECT: "Rejected; the submitter sees your reason.",
        ReviewForm.REQUEST_CHANGES: "Sent back to the submitter with your request.",
    }[decision]
    messages.success(request, done)
    return redirect("papers:review-queue")


@permission_or_login(RETRACT_PERMISSION)
def mapping_retract(request, uid):
    mapping = get_object_or_404(FaultMapping.objects.select_related("paper", "fault"), uid=uid)
    form = RetractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            submissions.retract(mapping, request.user, form.cleaned_data["reason"])
        except submissions.ReviewConflict as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Retracted the mapping of “{mapping.paper.title}” to {mapping.fault.code}.")
            return redirect(mapping.paper)
    invalid = request.method == "POST" and bool(form.errors)
    return render(
        request, "papers/review_retract.html", {"mapping": mapping, "form": form}, status=400 if invalid else 200
    )
