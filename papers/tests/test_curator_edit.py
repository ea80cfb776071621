"""A curator edits a submission's content before deciding: the submitter's form and rules (``submissions.edit``),
one permission rule for the web and the API (``submissions.edit_role``), recorded in the history."""

from django.contrib.auth.models import User
from django.core.cache import cache
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from accounts.roles import curators_group
from kb_site.test import KBTestCase
from papers import review, submissions
from papers.forms import Vocabulary
from papers.history import submission_history
from papers.models import FaultMapping, Paper, Submission
from papers.submission_forms import SubmissionForms
from papers.tests.factories import if_match
from papers.tests.test_submissions import api_data, mapping, new_paper, written
from taxonomy.models import ReviewStatus

# Fields a save changes whatever was edited.
VOLATILE = {"updated_at", "edited_at", "claimed_at"}


def snapshot(submission: Submission) -> dict:
    """The submission, its paper and its mappings (methods included) as plain values, to compare before/after."""
    submission = Submission.objects.get(pk=submission.pk)
    mappings = {}
    for m in FaultMapping.objects.filter(submission=submission).prefetch_related("methods"):
        values = {k: v for k, v in model_to_dict(m).items() if k not in VOLATILE}
        values["methods"] = sorted(method.code for method in m.methods.all())
        mappings[m.uid] = values
    return {
        "submission": {k: v for k, v in model_to_dict(submission).items() if k not in VOLATILE},
        "paper": model_to_dict(Paper.objects.get(pk=submission.paper_id), exclude=["methods"]),
        "mappings": mappings,
    }


def posted(forms, **changes) -> dict:
    """What the browser posts back for an edit page's forms, unchanged but for ``changes`` (``name: value``)."""
    data = {"action": "submit"}
    parts = [forms.submission, forms.formset.management_form, *forms.formset.forms]
    if forms.paper is not None:
        parts.append(forms.paper)
    for form in parts:
        for name in form.fields:
            value = form[name].value()
            if value not in (None, False):
                data[form.add_prefix(name)] = value
    data.update(changes)
    return data


class CuratorEditTestCase(KBTestCase):
    def setUp(self):
        cache.clear()
        self.curator_client = Client()
        self.curator_client.force_login(self.curator)
        self.client.force_login(self.researcher)
        self.submission = self.submit(
            paper=new_paper(),
            comment="Please check the second mapping.",
            mappings=[mapping("T-1"), mapping("T.1", strength="partial", rationale="It helps with memory faults.")],
        )

    def submit(self, user=None, **kwargs) -> Submission:
        forms = SubmissionForms.from_json(api_data(**kwargs), Vocabulary.load())
        return submissions.submit(user or self.researcher, forms)

    def edit_url(self, submission=None):
        return reverse("papers:review-edit", args=[(submission or self.submission).uid])

    def edit_form(self, client=None, submission=None):
        """GET the curator's edit page; its forms, prefilled with the submission as it is."""
        response = (client or self.curator_client).get(self.edit_url(submission))
        self.assertEqual(response.status_code, 200)
        return response.context["forms"]

    def mapping_index(self, code: str, forms) -> int:
        return next(i for i, form in enumerate(forms.formset.forms) if form["fault"].value() == code)

    def another_curator(self, name="curator2") -> User:
        user = User.objects.create_user(name, f"{name}@example.org", f"{name}-pass-123")
        user.groups.add(curators_group())
        return user


#
# Who may edit: the web pages and the API apply the same rule
#


class PermissionTests(CuratorEditTestCase):
    def test_anonymous_is_sent_to_sign_in(self):
        for method in ("get", "post"):
            with self.subTest(method=method):
                response = getattr(Client(), method)(self.edit_url())
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(reverse("login") + "?next="))

    def test_researchers_may_not_use_the_curator_page_not_even_the_submitter(self):
        other = User.objects.create_user("other", "other@example.org", "other-pass-123")
        before = snapshot(self.submission)
        for user in (self.researcher, other):
            client = Client()
            client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(client.get(self.edit_url()).status_code, 403)
                response = client.post(self.edit_url(), {"mappings-TOTAL_FORMS": "0"})
                self.assertEqual(response.status_code, 403)
                # The submitter's own edit page of a pending submission is unchanged: back to the submission.
                response = client.get(reverse("papers:submission-edit", args=[self.submission.uid]))
                if user == self.researcher:
                    self.assertRedirects(response, self.submission.get_absolute_url())
                else:
                    self.assertEqual(response.status_code, 404)
        self.assertEqual(snapshot(self.submission), before)

    def test_the_submitters_edit_page_stays_the_submitters(self):
        # A curator editing someone else's submission goes through the review page, not /edit/ (404 as before).
        response = self.curator_client.get(reverse("papers:submission-edit", args=[self.submission.uid]))
        self.assertEqual(response.status_code, 404)

    def test_a_curator_gets_the_submitters_form_prefilled(self):
        response = self.curator_client.get(self.edit_url())
        self.assertContains(response, "Edit as a curator")
        self.assertContains(response, "You are editing <strong>researcher</strong>’s submission")
        forms = response.context["forms"]
        self.assertEqual(forms.paper["title"].value(), "Gamma: catching uncovered faults")
        self.assertEqual(sorted(form["fault"].value() for form in forms.formset.forms), ["T-1", "T.1"])
        self.assertEqual(forms.submission["version"].value(), Submission.objects.get().version)
        self.assertNotIn('name="comment"', response.content.decode())  # the submitter's note is not edited

    def test_csrf_is_enforced(self):
        forms = self.edit_form()
        before = (written(), snapshot(self.submission))
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.curator)
        index = self.mapping_index("T-1", forms)
        response = client.post(self.edit_url(), posted(forms, **{f"mappings-{index}-strength": "partial"}))
        self.assertEqual(response.status_code, 403)
        api = APIClient(enforce_csrf_checks=True)
        api.login(username="curator", password="curator-pass-123")
        body = api_data(paper=new_paper(), mappings=[mapping("T-1", strength="partial"), mapping("T.1")])
        response = api.put(
            reverse("api:submission-detail", args=[self.submission.uid]),
            body,
            format="json",
            **if_match(self.submission),
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual((written(), snapshot(self.submission)), before)

    def test_the_api_applies_the_same_rule(self):
        url = reverse("api:submission-detail", args=[self.submission.uid])
        body = api_data(paper=new_paper(), mappings=[mapping("T-1", strength="partial"), mapping("T.1")])
        other = User.objects.create_user("other", "other@example.org", "other-pass-123")
        cases = [(other, 404), (self.researcher, 409), (self.curator, 200)]
        for user, expected in cases:
            api = APIClient()
            api.force_authenticate(user)
            with self.subTest(user=user.username):
                response = api.put(url, body, format="json", **if_match(self.submission))
                self.assertEqual(response.status_code, expected, response.content)
                # The same rule, asked directly: the web's edit pages ask it too.
                role = submissions.may_edit(user, self.submission)
                self.assertEqual(role, submissions.CURATOR if expected == 200 else None)
        self.assertIn(APIClient().put(url, body, format="json", **if_match(self.submission)).status_code, (401, 403))
        body = response.json()
        self.assertEqual((body["status"], body["edited_by"]), ("pending", "curator"))
        self.assertEqual(body["comment"], "Please check the second mapping.")  # a curator's edit keeps the note
        strengths = {m["fault"]: m["strength"] for m in body["mappings"]}
        self.assertEqual(strengths, {"T-1": "partial", "T.1": "explicit"})


#
# The edit: exactly what was changed, recorded, visible
#


class EditTests(CuratorEditTestCase):
    def test_a_curator_edit_changes_exactly_the_edited_field_and_is_recorded(self):
        forms = self.edit_form()
        before = snapshot(self.submission)
        index = self.mapping_index("T-1", forms)
        started = timezone.now()
        response = self.curator_client.post(self.edit_url(), posted(forms, **{f"mappings-{index}-strength": "partial"}))
        self.assertRedirects(response, reverse("papers:review-detail", args=[self.submission.uid]))
        after = snapshot(self.submission)
        edited = FaultMapping.objects.get(submission=self.submission, fault__code="T-1")
        before["mappings"][edited.uid]["strength"] = "partial"
        # The curator's stamp, and the claim (editing is review work: the submission is now theirs to decide).
        before["submission"].update(edited_by="curator", claimed_by=self.curator.pk)
        self.assertEqual(after, before)
        submission = Submission.objects.get()
        self.assertEqual(submission.status, ReviewStatus.PENDING)
        self.assertIsNotNone(submission.edited_at)

        # Recorded in the history: who, when, what, why.
        history = submission_history(submission)
        newest = [e for e in history if e.when >= started]
        self.assertEqual({e.subject for e in newest}, {"Submission", "Mapping to T-1"})  # only what changed
        self.assertEqual({e.who for e in newest}, {"curator"})
        self.assertEqual({e.reason for e in newest}, {"Edited by curator curator"})
        changes = {(e.subject, c.field, c.before, c.after) for e in newest for c in e.changes}
        self.assertIn(("Mapping to T-1", "strength", "Explicit", "Partial"), changes)
        self.assertIn(("Submission", "edited by curator", "—", "curator"), changes)
        self.assertNotIn("Paper", {e.subject for e in newest if e.changes})  # the paper's data did not change

        # Visible on the review page and to the submitter.
        for client, url in (
            (self.curator_client, reverse("papers:review-detail", args=[submission.uid])),
            (self.client, submission.get_absolute_url()),
        ):
            page = client.get(url)
            self.assertContains(page, "Edited by curator curator</strong>")
            self.assertContains(page, "Edited by curator curator</span>")  # the reason in the history table
        self.assertContains(self.client.get(submission.get_absolute_url()), "being reviewed by curator")

    def test_an_edit_that_changes_nothing_writes_nothing(self):
        forms = self.edit_form()
        before = (written(), snapshot(self.submission))
        response = self.curator_client.post(self.edit_url(), posted(forms), follow=True)
        self.assertContains(response, "You changed nothing, so nothing was saved.")
        self.assertEqual((written(), snapshot(self.submission)), before)

    def test_a_change_of_methods_is_told_in_the_history(self):
        forms = self.edit_form()
        index = self.mapping_index("T.1", forms)
        self.curator_client.post(self.edit_url(), posted(forms, **{f"mappings-{index}-methods": ["M-T-GEN", "M-T"]}))
        edited = FaultMapping.objects.get(submission=self.submission, fault__code="T.1")
        self.assertEqual(sorted(m.code for m in edited.methods.all()), ["M-T", "M-T-GEN"])
        self.assertEqual(
            edited.history.latest().history_change_reason, "Edited by curator curator; methods: M-T-GEN → M-T, M-T-GEN"
        )

    def test_after_a_curator_edit_and_approval_the_mappings_carry_the_edited_values(self):
        forms = self.edit_form()
        index = self.mapping_index("T-1", forms)
        other = self.mapping_index("T.1", forms)
        prefix = f"mappings-{index}-"
        data = posted(
            forms,
            **{
                "paper-title": "Gamma: catching uncovered faults early",
                f"{prefix}fault": "T.1-1",  # the submitter picked the wrong leaf
                f"{prefix}strength": "partial",
                f"{prefix}methods": ["M-T"],
                f"{prefix}phases": ["localisation", "fixing"],
                f"{prefix}targets": ["trained model"],
                f"{prefix}rationale": "The abstract says it localises leaks.",
                f"{prefix}evidence_kind": "full text",
                f"{prefix}evidence_note": "Section 4 evaluates it on leaks.",
                f"{prefix}quote": "We localise memory leaks.",
                f"{prefix}quote_locator": "Sec. 4, p. 7",
                f"mappings-{other}-DELETE": "on",  # and a mapping that should not be there
            },
        )
        response = self.curator_client.post(self.edit_url(), data)
        self.assertRedirects(response, reverse("papers:review-detail", args=[self.submission.uid]))
        response = self.curator_client.post(
            reverse("papers:review-decide", args=[self.submission.uid]), {"decision": "approve"}
        )
        self.assertRedirects(response, reverse("papers:review-queue"))
        approved = FaultMapping.objects.get(submission=self.submission)
        self.assertEqual(
            (
                approved.status,
                approved.fault.code,
                approved.strength,
                [m.code for m in approved.methods.all()],
                approved.phases,
                approved.targets,
                approved.rationale,
                approved.evidence_kind,
                approved.evidence_note,
                approved.quote,
                approved.quote_locator,
                approved.curated_by,
                approved.submitted_by,
            ),
            (
                "approved",
                "T.1-1",
                "partial",
                ["M-T"],
                ["localisation", "fixing"],
                ["trained model"],
                "The abstract says it localises leaks.",
                "full text",
                "Section 4 evaluates it on leaks.",
                "We localise memory leaks.",
                "Sec. 4, p. 7",
                "curator",
                self.researcher,  # still the submitter's mapping
            ),
        )
        paper = Paper.objects.get(pk=self.submission.paper_id)
        self.assertEqual((paper.status, paper.title), ("approved", "Gamma: catching uncovered faults early"))
        self.assertEqual(list(paper.mappings.approved()), [approved])
        # The removed mapping is gone from the submission and its removal is in the history, by the curator.
        # A mapping to another fault is a new mapping (as when the submitter edits): the old one's removal and the
        # removed mapping's are in the history, by the curator.
        removed = FaultMapping.history.filter(submission_id=self.submission.pk, history_type="-")
        self.assertEqual(
            sorted((r.fault.code, r.history_user.username, r.history_change_reason) for r in removed),
            [("T-1", "curator", "Edited by curator curator"), ("T.1", "curator", "Edited by curator curator")],
        )

    def test_the_review_page_offers_the_edit_only_when_it_is_allowed(self):
        url = reverse("papers:review-detail", args=[self.submission.uid])
        self.assertContains(self.curator_client.get(url), f'href="{self.edit_url()}"')
        review.claim(self.submission, self.another_curator())
        self.assertNotContains(self.curator_client.get(url), f'href="{self.edit_url()}"')
        review.claim(self.submission, self.curator)
        review.approve(self.submission, self.curator)
        self.assertNotContains(self.curator_client.get(url), f'href="{self.edit_url()}"')


#
# Invalid edits: the field's message, nothing written
#


class InvalidEditTests(CuratorEditTestCase):
    def assert_rejected(self, field: str, value, message: str):
        forms = self.edit_form()
        index = self.mapping_index("T-1", forms)
        before = (written(), snapshot(self.submission))
        response = self.curator_client.post(self.edit_url(), posted(forms, **{f"mappings-{index}-{field}": value}))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.context["forms"].formset.forms[index].errors[field], [message])
        self.assertContains(response, f'id="id_mappings-{index}-{field}-errors"', status_code=400)
        self.assertEqual(response.context["role"], submissions.CURATOR)  # still the curator's form
        self.assertEqual((written(), snapshot(self.submission)), before)

    def test_an_unknown_fault_id(self):
        self.assert_rejected("fault", "H-99", "Unknown fault id “H-99”: use an id from the taxonomy, e.g. H-1.2.3-1.")

    def test_empty_evidence(self):
        self.assert_rejected(
            "rationale", "", "Evidence is required: say what in the paper shows it addresses this fault."
        )

    def test_an_invalid_edit_through_the_api(self):
        before = (written(), snapshot(self.submission))
        api = APIClient()
        api.force_authenticate(self.curator)
        body = api_data(paper=new_paper(), mappings=[mapping("H-99"), mapping("T.1", rationale="")])
        response = api.put(
            reverse("api:submission-detail", args=[self.submission.uid]),
            body,
            format="json",
            **if_match(self.submission),
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["mappings"],
            [
                {"fault": ["Unknown fault id “H-99”: use an id from the taxonomy, e.g. H-1.2.3-1."]},
                {"rationale": ["Evidence is required: say what in the paper shows it addresses this fault."]},
            ],
        )
        self.assertEqual((written(), snapshot(self.submission)), before)


#
# Closed submissions, claims, submissions sent back, concurrent edits
#


class StateTests(CuratorEditTestCase):
    def test_closed_submissions_cannot_be_edited(self):
        forms = self.edit_form()
        data = posted(forms, **{f"mappings-{self.mapping_index('T-1', forms)}-strength": "partial"})
        body = api_data(paper=new_paper(), mappings=[mapping("T-1", strength="partial"), mapping("T.1")])
        api = APIClient()
        api.force_authenticate(self.curator)
        review = reverse("papers:review-detail", args=[self.submission.uid])
        for status in (ReviewStatus.APPROVED, ReviewStatus.REJECTED, ReviewStatus.RETRACTED):
            with self.subTest(status=status):
                Submission.objects.filter(pk=self.submission.pk).update(status=status)
                before = (written(), snapshot(self.submission))
                label = ReviewStatus(status).label.lower()
                message = f"This submission is {label}; it can't be edited any more."
                response = self.curator_client.get(self.edit_url())
                self.assertRedirects(response, review, fetch_redirect_response=False)
                response = self.curator_client.post(self.edit_url(), data, follow=True)
                self.assertContains(response, escape(message), count=2)  # the GET's message and the POST's
                response = api.put(
                    reverse("api:submission-detail", args=[self.submission.uid]),
                    body,
                    format="json",
                    **if_match(self.submission),
                )
                self.assertEqual((response.status_code, response.json()), (409, {"detail": message}))
                self.assertEqual((written(), snapshot(self.submission)), before)

    def test_a_submission_claimed_by_another_curator_must_be_taken_over_first(self):
        forms = self.edit_form()
        data = posted(forms, **{f"mappings-{self.mapping_index('T-1', forms)}-strength": "partial"})
        review.claim(self.submission, self.another_curator())
        before = (written(), snapshot(self.submission))
        message = "curator2 has claimed this submission; take it over first to edit it."
        response = self.curator_client.get(self.edit_url(), follow=True)
        self.assertContains(response, message)
        # Claimed after the form was opened: refused on saving, the form kept with the message.
        response = self.curator_client.post(self.edit_url(), data, follow=True)
        self.assertContains(response, message)
        api = APIClient()
        api.force_authenticate(self.curator)
        body = api_data(paper=new_paper(), mappings=[mapping("T-1", strength="partial"), mapping("T.1")])
        response = api.put(
            reverse("api:submission-detail", args=[self.submission.uid]),
            body,
            format="json",
            **if_match(self.submission),
        )
        self.assertEqual((response.status_code, response.json()), (409, {"detail": message}))
        self.assertEqual((written(), snapshot(self.submission)), before)
        # Taken over: the edit goes through.
        self.curator_client.post(reverse("papers:review-claim", args=[self.submission.uid]))
        forms = self.edit_form()
        data = posted(forms, **{f"mappings-{self.mapping_index('T-1', forms)}-strength": "partial"})
        self.assertEqual(self.curator_client.post(self.edit_url(), data).status_code, 302)
        self.assertEqual(FaultMapping.objects.get(fault__code="T-1", submission=self.submission).strength, "partial")

    def test_a_submission_sent_back_keeps_its_status_and_the_submitter_sees_the_edit(self):
        review.request_changes(self.submission, self.curator, "The second mapping is not supported.")
        forms = self.edit_form()
        index = self.mapping_index("T.1", forms)
        response = self.curator_client.post(
            self.edit_url(), posted(forms, **{f"mappings-{index}-rationale": "Section 3 handles memory faults."})
        )
        self.assertEqual(response.status_code, 302)
        submission = Submission.objects.get()
        self.assertEqual((submission.status, submission.edited_by), ("changes_requested", "curator"))
        self.assertEqual(
            sorted(submission.mappings.values_list("status", flat=True)), ["changes_requested", "changes_requested"]
        )
        # The submitter's form holds the curator's values; resubmitting puts it back in the queue as before.
        forms = self.client.get(reverse("papers:submission-edit", args=[submission.uid])).context["forms"]
        form = forms.formset.forms[self.mapping_index("T.1", forms)]
        self.assertEqual(form["rationale"].value(), "Section 3 handles memory faults.")
        response = self.client.post(reverse("papers:submission-edit", args=[submission.uid]), posted(forms))
        self.assertRedirects(response, submission.get_absolute_url())
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.claimed_by), ("pending", None))

    def test_an_edit_over_someone_elses_newer_edit_is_refused(self):
        review.request_changes(self.submission, self.curator, "Add a quote.")
        stale = self.client.get(reverse("papers:submission-edit", args=[self.submission.uid])).context["forms"]
        forms = self.edit_form()
        index = self.mapping_index("T-1", forms)
        self.curator_client.post(self.edit_url(), posted(forms, **{f"mappings-{index}-strength": "partial"}))
        before = (written(), snapshot(self.submission))
        response = self.client.post(reverse("papers:submission-edit", args=[self.submission.uid]), posted(stale))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.context["forms"].non_field_errors,
            [
                "Someone changed this submission after you opened it; nothing was saved. "
                "Open it again to see the changes, then make yours."
            ],
        )
        self.assertEqual((written(), snapshot(self.submission)), before)

    def test_a_curators_own_submission_sent_back_is_resubmitted_through_the_submitters_page(self):
        own = self.submit(self.curator, paper_key="beta", mappings=[mapping("T-1")])
        self.assertEqual(submissions.edit_role(self.curator, own), submissions.CURATOR)
        review.request_changes(own, self.another_curator(), "Quote the abstract.")
        own.refresh_from_db()
        self.assertEqual(submissions.edit_role(self.curator, own), submissions.SUBMITTER)
        response = self.curator_client.get(self.edit_url(own))
        self.assertRedirects(response, reverse("papers:submission-edit", args=[own.uid]))
