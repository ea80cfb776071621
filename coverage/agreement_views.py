"""Inter-coder agreement pages: the figures (``coverage/agreement.py``), the double-coding queue, a blind second
coding and an adjudication (the rules live in ``papers/adjudication.py``). Apart from ``coverage/views.py``, which
would pass the 500-line limit with them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import curator_required
from coverage import agreement as agreement_engine
from coverage.filtersets import AgreementFilterSet
from papers import adjudication
from papers.blind import HIDDEN, blind_paper_ids, visible_papers
from papers.coding_forms import AdjudicationReasonForm, CodingNoteForm, coded_formset
from papers.forms import Vocabulary
from papers.models import Coding, FaultMapping, Paper
from papers.review import ReasonRequired, ReviewConflict
from taxonomy.models import ReviewStatus

#
# Inter-coder agreement
#


def agreement(request):
    """The agreement figures (``coverage/agreement.py``), with the filters of ``/api/agreement/``."""
    # The papers the user codes blind are left out, all their samples (papers.blind).
    filterset = AgreementFilterSet(request.GET or None, visible_papers(Coding.objects.all(), request))
    blind = bool(blind_paper_ids(request))
    report = None
    if filterset.is_bound and not filterset.is_valid():
        status = 400
    else:
        status = 200
        report = agreement_engine.filtered_agreement(filterset, blind=blind)
    context = {"filter": filterset, "report": report, "blind": blind}
    return render(request, "coverage/agreement.html", context, status=status)


@curator_required
def agreement_queue(request):
    """What curators have to do: blind second codings to make, double-coded papers to adjudicate."""
    open_codings = (
        Coding.objects.filter(submitted_at__isnull=True).select_related("paper", "requested_by", "user").order_by("pk")
    )
    pending = adjudication.pending_pairs()
    return render(request, "coverage/agreement_queue.html", {"open_codings": open_codings, "pending": pending})


@require_POST
@curator_required
def coding_request(request, key):
    paper = get_object_or_404(Paper.objects.public(), key=key)
    try:
        adjudication.request_second_coding(paper, request.user)
    except adjudication.CodingNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect(paper)
    messages.success(request, f"A blind second coding of “{paper.title}” is open for another curator.")
    return redirect("coverage:agreement-queue")


@require_POST
@curator_required
def coding_start(request, uid):
    """ "Code it blind": the open coding becomes the user's; the paper's mappings are hidden from them until they
    submit (``papers.blind``)."""
    coding = get_object_or_404(Coding.objects.select_related("paper"), uid=uid)
    try:
        adjudication.start_coding(coding, request.user)
    except adjudication.CodingNotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("coverage:agreement-queue")
    return redirect("coverage:coding-create", uid=coding.uid)


@curator_required
def coding_create(request, uid):
    """A blind second coding: the paper, never its first coding or its mappings."""
    coding = get_object_or_404(Coding.objects.select_related("paper"), uid=uid)
    conflict = adjudication.coding_conflict(request.user, coding)
    if conflict:
        messages.error(request, conflict)
        return redirect("coverage:agreement-queue")
    if coding.user_id != request.user.pk:
        messages.info(request, "Start the coding with “Code it blind”: the paper's mappings are hidden from you then.")
        return redirect("coverage:agreement-queue")
    vocabulary = Vocabulary.load()
    formset = coded_formset(request.POST or None, vocabulary=vocabulary)
    note = CodingNoteForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and note.is_valid():
        try:
            adjudication.code_blind(coding, request.user, formset.mappings(), note=note.cleaned_data["note"])
        except adjudication.CodingNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("coverage:agreement-queue")
        messages.success(request, "Your coding is submitted; the paper now awaits adjudication.")
        return redirect("coverage:adjudication-create", uid=coding.uid)
    context = {"coding": coding, "paper": coding.paper, "formset": formset, "note": note, "vocabulary": vocabulary}
    return render(request, "coverage/coding_form.html", context, status=400 if request.method == "POST" else 200)


def _initial(pair: agreement_engine.CodingPair, approved: dict[int, FaultMapping]) -> list[dict]:
    """One row per fault of either coding: the approved values where there are some, else the agreed strength."""
    rows = []
    mappings = {m.fault_id: m for c in (pair.second, pair.first) for m in c.mappings.all()}
    for f in pair.faults:
        source = approved.get(f.fault.pk) or mappings[f.fault.pk]
        strength = approved[f.fault.pk].strength if f.fault.pk in approved else (f.first if f.agrees else "")
        rows.append(
            {
                "fault": f.fault.code,
                "strength": strength,
                "evidence_kind": source.evidence_kind,
                "rationale": source.rationale,
            }
        )
    return rows


@curator_required
def adjudication_create(request, uid):
    """Both codings side by side, what each would do to coverage, and the final mappings with a reason."""
    coding = get_object_or_404(Coding.objects.submitted().select_related("paper"), uid=uid)
    paper = coding.paper
    pairs = agreement_engine.coding_pairs(Coding.objects.filter(paper=paper, sample=coding.sample))
    if not pairs:
        raise Http404("This paper has not been coded twice in this sample yet.")
    pair = pairs[0]
    if paper.pk in blind_paper_ids(request):
        messages.error(request, f"You are coding this paper blind: its codings are {HIDDEN} (submit yours first).")
        return redirect("coverage:agreement-queue")
    if pair.adjudicated:
        messages.info(request, "This double coding has been adjudicated already.")
        return redirect(paper)
    approved = {m.fault_id: m for m in FaultMapping.objects.approved().filter(paper=paper).select_related("fault")}
    vocabulary = Vocabulary.load()
    formset = coded_formset(request.POST or None, vocabulary=vocabulary, initial=_initial(pair, approved), extra=1)
    reason = AdjudicationReasonForm(request.POST or None)
    errors = []
    if request.method == "POST" and formset.is_valid() and reason.is_valid():
        try:
            decision = adjudication.adjudicate(
                paper, coding.sample, request.user, formset.mappings(), reason.cleaned_data["reason"]
            )
        except (ReviewConflict, ReasonRequired) as exc:
            errors.append(str(exc))
        else:
            if decision.submission.status == ReviewStatus.APPROVED:
                messages.success(request, "Adjudicated: the final mappings are approved and count in coverage.")
            else:
                messages.success(
                    request,
                    "Adjudicated: the replaced mappings are retracted; the new ones await another curator's "
                    "approval in the review queue (four eyes) and count in coverage once approved.",
                )
            return redirect(paper)
    context = {
        "paper": paper,
        "pair": pair,
        "figures": agreement_engine.figures(pair.coders, [(pair, pair.faults)]),
        "dependences": agreement_engine.status_dependences([pair], None),
        "formset": formset,
        "reason": reason,
        "errors": errors,
        "vocabulary": vocabulary,
        "approved": sorted(approved.values(), key=lambda m: m.fault.position),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "coverage/adjudication_form.html", context, status=status)
