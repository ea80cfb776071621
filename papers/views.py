"""Papers, their submission and their review: the web pages. The rules live in the service modules they call:
``papers.submissions`` (submit, edit), ``papers.review`` (curator actions); a review page also shows what
approving would change in coverage (``coverage.review_diff``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from accounts.roles import RETRACT_PERMISSION, curator_required, is_curator, permission_or_login
from coverage import agreement
from coverage.live import live
from coverage.review_diff import review_diff
from kb_site.citations import formats
from kb_site.ui import label_choices
from papers import review, submissions
from papers.bibtex import paper_to_bibtex
from papers.blind import HIDDEN, blind_paper_ids, hide_mappings, visible_papers
from papers.citations import paper_csl, paper_jsonld
from papers.duplicates import find_duplicates, lookup, match_json
from papers.filtersets import PaperFilterSet, SubmissionFilterSet
from papers.forms import BibTeXForm, MappingFormSet, RetractForm, ReviewForm, SubmissionForm, Vocabulary
from papers.history import paper_history, submission_history
from papers.models import FaultMapping, Paper, RelatedReference, Submission
from papers.submission_forms import SubmissionForms
from papers.validation import SubmissionInvalid
from taxonomy.models import Method, ReviewStatus

PAGE_SIZE = 50


#
# Papers
#


class PaperListView(FilterView):
    filterset_class = PaperFilterSet
    paginate_by = 25
    template_name = "papers/paper_list.html"

    def get_queryset(self):
        return Paper.objects.for_list()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        label_choices(filterset.form, fault_choices=live().fault_choices(), methods=Method.objects.all())
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Column headers sort by that column, and a second click reverses the order.
        current = self.request.GET.get("ordering", "")
        context["ordering"] = current
        context["title_order"] = "-title" if current == "title" else "title"
        context["year_order"] = "year" if current == "-year" else "-year"
        context["mapping_order"] = "mappings" if current == "-mappings" else "-mappings"
        hide_mappings(context["object_list"], blind_paper_ids(self.request))
        return context


class PaperDetailView(DetailView):
    template_name = "papers/paper_detail.html"
    slug_field = "key"
    slug_url_kwarg = "key"
    context_object_name = "paper"

    def get_queryset(self):
        return Paper.objects.for_detail().select_related("source")

    def get_context_data(self, **kwargs):
        hide_mappings([self.object], blind_paper_ids(self.request))
        context = super().get_context_data(**kwargs)
        url = self.request.build_absolute_uri(self.object.get_absolute_url())
        citation = formats(paper_csl(self.object, url))
        context["bibtex"] = paper_to_bibtex(self.object)
        context["citation"] = {**citation, "bibtex": context["bibtex"]}
        context["jsonld"] = paper_jsonld(self.object, url)
        # Coding it blind: no mapping in the history, no double coding (papers.blind).
        context["history"] = paper_history(self.object, mappings=not self.object.hidden)
        context["double_coding"] = [] if self.object.hidden else agreement.paper_agreement(self.object)
        return context


class RelatedReferenceListView(ListView):
    template_name = "papers/related_list.html"
    context_object_name = "references"

    def get_queryset(self):
        return RelatedReference.objects.select_related("source")


paper_list = PaperListView.as_view()
paper_detail = PaperDetailView.as_view()
related_list = RelatedReferenceListView.as_view()


#
# Researchers: submitting, editing, following
#


def _form_page(request, forms, vocabulary, *, bibtex=None, duplicates=None, editing=None, role=None, status=200):
    paper_form = forms.paper
    if paper_form is None and editing is None:
        # The new-paper fields stay on the page (hidden) so the submitter can switch back without retyping.
        paper_form = forms.paper_as_typed()
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
        "editing": editing,
        "role": role,  # how the submission under edit is edited (submissions.SUBMITTER or CURATOR)
        "max_mappings": MappingFormSet.max_num,
    }
    # Invalid input re-displays the form with its field messages, answered 400 like the API.
    return render(request, "papers/submission_form.html", context, status=status)


def _web_vocabulary() -> Vocabulary:
    """The web form's vocabulary: with each fault's coverage status, which its fault picker shows (from the cached
    outline of the live coverage, not the whole computation)."""
    nodes = live().outline.nodes
    return Vocabulary.load(statuses={n.code: n.status.label.lower() if n.status else "category" for n in nodes})


@login_required
def submission_create(request):
    vocabulary = _web_vocabulary()
    if request.method != "POST":
        key = request.GET.get("paper", "")
        fault = request.GET.get("fault", "")
        forms = SubmissionForms.unbound(
            vocabulary,
            submission_initial={
                "paper_choice": SubmissionForm.EXISTING if key else SubmissionForm.NEW,
                "existing_paper": key,
            },
            mappings_initial=[{"fault": fault}] if fault else [],
        )
        return _form_page(request, forms, vocabulary)

    forms = SubmissionForms.from_post(request.POST, vocabulary)
    action = request.POST.get("action", "submit")
    if action == "prefill":
        bibtex = BibTeXForm(request.POST, request.FILES)
        if not bibtex.is_valid() or "parsed" not in bibtex.cleaned_data:
            return _form_page(request, forms.redisplay(vocabulary), vocabulary, bibtex=bibtex, duplicates=[])
        parsed = bibtex.cleaned_data["parsed"]
        paper = {name: parsed.get(name) or "" for name in Paper.SUBMITTED_FIELDS}
        duplicates = find_duplicates(title=paper["title"], doi=paper["doi"], arxiv_id=paper["arxiv_id"])
        messages.info(request, "The paper's fields were filled in from the BibTeX entry; check them before submitting.")
        forms = forms.redisplay(vocabulary, submission={"paper_choice": SubmissionForm.NEW}, paper=paper)
        return _form_page(request, forms, vocabulary, bibtex=BibTeXForm(), duplicates=duplicates)
    if action.startswith("use-paper:"):
        key = action.removeprefix("use-paper:")
        forms = forms.redisplay(vocabulary, submission={"paper_choice": SubmissionForm.EXISTING, "existing_paper": key})
        return _form_page(request, forms, vocabulary, duplicates=[])
    try:
        submission = submissions.submit(request.user, forms)
    except SubmissionInvalid:
        return _form_page(request, forms, vocabulary, status=400)
    messages.success(request, "Thank you: your submission is in the curators' queue.")
    return redirect(submission)


def _edit_page(request, submission: Submission, role: str):
    """The submitter's "edit and resubmit" and a curator's edit: one form, saved by ``submissions.edit``."""
    vocabulary = _web_vocabulary()
    if request.method != "POST":
        forms = SubmissionForms.for_edit(submission, vocabulary)
        return _form_page(request, forms, vocabulary, editing=submission, role=role)
    forms = SubmissionForms.from_post(request.POST, vocabulary, editing=submission)
    edited_at = submission.edited_at
    try:
        saved = submissions.edit(request.user, submission, forms)
    except SubmissionInvalid:
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
    except review.ReviewConflict as exc:
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
    matches = lookup(request.GET.get("q", ""))
    return JsonResponse({"matches": [match_json(m) for m in matches]})


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
    context = {"filter": filterset, "page_obj": page, "blind_papers": blind_paper_ids(request), "hidden": HIDDEN}
    return render(request, "papers/review_queue.html", context)


def _coding_blind(request, submission):
    """A redirect to the queue when the curator codes the submission's paper blind (its mappings are hidden from
    them, papers.blind), else None."""
    if submission.paper_id not in blind_paper_ids(request):
        return None
    messages.error(request, f"You are coding this paper blind: its mappings are {HIDDEN}. Review it once you submit.")
    return redirect("papers:review-queue")


def _review_page(request, submission, form=None, status=200):
    return render(
        request,
        "papers/review_detail.html",
        {
            "submission": submission,
            "diff": review_diff(submission),
            "form": form or ReviewForm(),
            "history": submission_history(submission),
            "claimed_by_other": submission.claimed_by_id not in (None, request.user.pk),
            "can_edit": submissions.may_edit(request.user, submission) is not None,
            "own_submission": submission.submitter_id == request.user.pk,
            "self_approval_allowed": review.may_approve_own(),
        },
        status=status,
    )


@curator_required
def review_detail(request, uid):
    submission = get_object_or_404(Submission.objects.for_list(), uid=uid)
    return _coding_blind(request, submission) or _review_page(request, submission)


@curator_required
def review_edit(request, uid):
    """A curator edits the paper's data and the mappings before deciding (the submitter's form and rules)."""
    submission = get_object_or_404(Submission.objects.select_related("paper", "submitter", "claimed_by"), uid=uid)
    if refused := _coding_blind(request, submission):
        return refused
    try:
        role = submissions.edit_role(request.user, submission)
    except review.ReviewConflict as exc:
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
        review.claim(submission, request.user)
        messages.success(request, "You have claimed this submission.")
    except review.ReviewConflict as exc:
        messages.error(request, str(exc))
    return redirect("papers:review-detail", uid=uid)


@require_POST
@curator_required
def review_release(request, uid):
    submission = get_object_or_404(Submission, uid=uid)
    review.release(submission, request.user)
    messages.success(request, "You released this submission for other curators.")
    return redirect("papers:review-detail", uid=uid)


@require_POST
@curator_required
def review_decide(request, uid):
    submission = get_object_or_404(Submission.objects.for_list(), uid=uid)
    if refused := _coding_blind(request, submission):
        return refused
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _review_page(request, submission, form, status=400)
    decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
    apply = {
        ReviewForm.APPROVE: review.approve,
        ReviewForm.REJECT: review.reject,
        ReviewForm.REQUEST_CHANGES: review.request_changes,
    }[decision]
    try:
        apply(submission, request.user, reason)
    except review.ReviewConflict as exc:
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
    # Not a mapping of a paper the curator codes blind: 404, as if it did not exist (papers.blind).
    mapping = get_object_or_404(visible_papers(FaultMapping.objects.select_related("paper", "fault"), request), uid=uid)
    form = RetractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review.retract(mapping, request.user, form.cleaned_data["reason"])
        except review.ReviewConflict as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Retracted the mapping of “{mapping.paper.title}” to {mapping.fault.code}.")
            return redirect(mapping.paper)
    invalid = request.method == "POST" and bool(form.errors)
    return render(
        request, "papers/review_retract.html", {"mapping": mapping, "form": form}, status=400 if invalid else 200
    )
