"""The admin of double coding: codings and adjudications are read there, never made, changed or deleted once
submitted or decided; a paper with codings cannot be deleted; a blind coder sees none of the paper's there either."""

from django.contrib.auth.models import Group, User
from django.db.models import ProtectedError
from django.urls import reverse

from kb_site.test import KBTestCase
from papers import adjudication
from papers.adjudication import CodedValues
from papers.models import Adjudication, Coding
from papers.tests.factories import make_paper
from taxonomy.models import Strength


class CodingAdminTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.admin = User.objects.create_superuser("admin", "admin@example.org", "admin-pass-123")
        cls.second = User.objects.create_user("second", "second@example.org", "second-pass-123", is_staff=True)
        cls.second.groups.add(Group.objects.get(name="curators"))
        cls.curator.is_staff = True
        cls.curator.save()
        # alpha: coded twice and adjudicated; beta: a blind second coding asked for and started by `second`.
        cls.second_alpha = adjudication.code_blind(
            adjudication.request_second_coding(cls.alpha, cls.curator),
            cls.second,
            [CodedValues(cls.uncovered, Strength.PARTIAL, "abstract", "second's reading")],
        )
        cls.decision = adjudication.adjudicate(
            cls.alpha, adjudication.REQUEST_SAMPLE, cls.curator, [], "Neither holds on a second reading."
        )
        cls.open_beta = adjudication.start_coding(adjudication.request_second_coding(cls.beta, cls.curator), cls.second)

    def setUp(self):
        self.client.force_login(self.admin)

    def test_changelists_cost_the_same_whatever_the_rows(self):
        # Codings: session, user, the user's open blind codings, count, total count, rows (paper and user joined),
        # the sample and round filters' values. Adjudications: session, user, count, total count, rows (paper and
        # submission joined), the sample filter's values.
        budgets = (("papers_coding", 8), ("papers_adjudication", 6))
        for name, queries in budgets:
            with self.subTest(name=name), self.assertNumQueries(queries):
                self.assertEqual(self.client.get(reverse(f"admin:{name}_changelist")).status_code, 200)
        for i in range(3):
            paper = make_paper(f"more-{i}")
            adjudication.code_blind(
                adjudication.request_second_coding(paper, self.curator),
                self.second,
                [CodedValues(self.memory_leak, Strength.EXPLICIT, "abstract", "x")],
            )
            adjudication.adjudicate(paper, adjudication.REQUEST_SAMPLE, self.curator, [], "no")
        for name, queries in budgets:
            with self.subTest(name=name, grown=True), self.assertNumQueries(queries):
                self.assertEqual(self.client.get(reverse(f"admin:{name}_changelist")).status_code, 200)

    def test_a_submitted_coding_is_read_only_and_never_deleted(self):
        change = reverse("admin:papers_coding_change", args=[self.second_alpha.pk])
        response = self.client.get(change)
        self.assertContains(response, "second&#x27;s reading")
        self.assertNotContains(response, 'name="note"')
        self.assertNotContains(response, 'name="_save"')
        self.client.post(change, {"note": "overwritten"})
        self.assertEqual(Coding.objects.get(pk=self.second_alpha.pk).note, "")
        delete = reverse("admin:papers_coding_delete", args=[self.second_alpha.pk])
        self.assertEqual(self.client.get(delete).status_code, 403)
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(Coding.objects.filter(pk=self.second_alpha.pk).exists())
        # No bulk delete (the only action there was).
        self.assertIsNone(self.client.get(reverse("admin:papers_coding_changelist")).context["action_form"])
        self.assertEqual(self.client.get(reverse("admin:papers_coding_add")).status_code, 403)

    def test_an_open_coding_may_be_handed_to_someone_else_or_deleted(self):
        change = reverse("admin:papers_coding_change", args=[self.open_beta.pk])
        response = self.client.get(change)
        self.assertContains(response, 'name="user"')
        self.assertNotContains(response, 'name="note"')
        inline = {"mappings-TOTAL_FORMS": "0", "mappings-INITIAL_FORMS": "0"}
        response = self.client.post(change, {"user": self.curator.pk, "_save": "Save", **inline})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Coding.objects.get(pk=self.open_beta.pk).user, self.curator)
        self.assertEqual(
            self.client.get(reverse("admin:papers_coding_delete", args=[self.open_beta.pk])).status_code, 200
        )

    def test_an_adjudication_is_read_only_with_its_history(self):
        change = reverse("admin:papers_adjudication_change", args=[self.decision.pk])
        response = self.client.get(change)
        self.assertContains(response, "Neither holds on a second reading.")
        self.assertNotContains(response, 'name="reason"')
        self.assertEqual(self.client.get(reverse("admin:papers_adjudication_add")).status_code, 403)
        delete = reverse("admin:papers_adjudication_delete", args=[self.decision.pk])
        self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403)
        self.assertTrue(Adjudication.objects.filter(pk=self.decision.pk).exists())
        history = reverse("admin:papers_adjudication_history", args=[self.decision.pk])
        self.client.force_login(self.curator)  # curators read it (view permission)
        self.assertContains(self.client.get(history), "Created")
        self.assertEqual(self.client.get(change).status_code, 200)

    def test_a_paper_with_codings_cannot_be_deleted(self):
        response = self.client.post(reverse("admin:papers_paper_delete", args=[self.alpha.pk]), {"post": "yes"})
        self.assertContains(response, "Cannot delete paper")
        self.assertContains(response, "<li>coding</li>")
        self.assertContains(response, "<li>adjudication</li>")
        self.assertTrue(Adjudication.objects.filter(pk=self.decision.pk).exists())
        with self.assertRaises(ProtectedError):  # not from code either: beta has only its codings
            self.beta.delete()

    def test_the_blind_coder_sees_none_of_the_papers_codings_or_mappings(self):
        self.client.force_login(self.curator)
        codings = self.client.get(reverse("admin:papers_coding_changelist")).context["cl"].result_list
        self.assertIn(self.open_beta.pk, [c.pk for c in codings])
        mappings = self.client.get(reverse("admin:papers_faultmapping_changelist")).context["cl"].result_list
        self.assertIn(self.beta_memory.pk, [m.pk for m in mappings])
        self.client.force_login(self.second)
        codings = self.client.get(reverse("admin:papers_coding_changelist")).context["cl"].result_list
        self.assertEqual(sorted(c.paper.key for c in codings), ["alpha", "alpha"])
        mappings = self.client.get(reverse("admin:papers_faultmapping_changelist")).context["cl"].result_list
        self.assertNotIn(self.beta_memory.pk, [m.pk for m in mappings])
        change = reverse("admin:papers_faultmapping_change", args=[self.beta_memory.pk])
        self.assertEqual(self.client.get(change).status_code, 302)  # "does not exist": back to the admin index
