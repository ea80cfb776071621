import json
import re
from html.parser import HTMLParser
from unittest import mock

from django.urls import reverse

from challenges.models import ChallengeFault
from challenges.tests.factories import make_challenge
from coverage import coverage
from coverage import views as coverage_views
from kb_site.test import KBTestCase
from kb_site.tests.world import grow
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus


class TreeNodes(HTMLParser):
    """The explorer's nodes: data-* attributes of every row <tr data-code>, in document order."""

    def __init__(self, html: str):
        super().__init__()
        self.nodes: dict[str, dict] = {}
        self.order: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-code" in attrs:
            self.nodes[attrs["data-code"]] = attrs
            self.order.append(attrs["data-code"])


def json_scripts(html: str) -> dict[str, dict]:
    """Every <script type="application/json" id=...> on the page, parsed."""
    found = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', html, re.S)
    return {key: json.loads(body) for key, body in found}


#
# Explorer
#


class FaultListTests(KBTestCase):
    url = reverse("coverage:fault-list")

    def test_whole_tree_in_tree_order_with_statuses_and_rollups(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        nodes = TreeNodes(response.content.decode())
        self.assertEqual(nodes.order, ["T", "T.1", "T.1-1", "T-1"])
        pick = ("data-status", "data-papers", "data-github", "data-stackoverflow", "data-interviews")
        got = {code: tuple(attrs[k] for k in pick) for code, attrs in nodes.nodes.items()}
        # Counted by hand from the tiny world: alpha→T.1-1 (explicit), beta→T.1 (category level);
        # issue+post+mention on T.1-1, commit on T-1.
        self.assertEqual(
            got,
            {
                "T": ("category", "2", "2", "1", "1"),
                "T.1": ("category", "2", "1", "1", "1"),
                "T.1-1": ("addressed", "1", "1", "1", "1"),
                "T-1": ("unaddressed", "0", "1", "0", "0"),
            },
        )

    def test_badges_and_counts_agree_with_coverage(self):
        grow(self, 3)
        response = self.client.get(self.url)
        nodes = TreeNodes(response.content.decode()).nodes
        rows = coverage.compute().rows
        self.assertEqual(len(nodes), len(rows))
        for row in rows:
            attrs = nodes[row.code]
            self.assertEqual(attrs["data-status"], row.status or "category", row.code)
            self.assertEqual(int(attrs["data-papers"]), row.papers_subtree, row.code)
            self.assertEqual(int(attrs["data-github"]), row.evidence_subtree.github, row.code)
            self.assertEqual(int(attrs["data-stackoverflow"]), row.evidence_subtree.stackoverflow, row.code)
            self.assertEqual(int(attrs["data-interviews"]), row.evidence_subtree.interviews, row.code)

    def test_status_is_in_words_not_colour_alone(self):
        html = self.client.get(self.url).content.decode()
        self.assertInHTML('<span class="badge badge-addressed" title="Coverage status">Addressed</span>', html)
        self.assertInHTML('<span class="badge badge-unaddressed" title="Coverage status">Unaddressed</span>', html)

    def test_nodes_link_to_their_stable_fault_page_and_anchor(self):
        html = self.client.get(self.url).content.decode()
        self.assertIn('href="/faults/T.1-1/"', html)
        self.assertIn('id="T.1-1"', html)

    def test_filter_by_status_keeps_matches_and_their_ancestors_for_context(self):
        response = self.client.get(self.url, {"status": "unaddressed"})
        nodes = TreeNodes(response.content.decode())
        self.assertEqual(nodes.order, ["T", "T-1"])
        self.assertIn("context-only", nodes.nodes["T"]["class"])
        self.assertNotIn("context-only", nodes.nodes["T-1"]["class"])
        self.assertContains(response, "1 node matches the filters")

    def test_filter_by_evidence_source(self):
        nodes = TreeNodes(self.client.get(self.url, {"evidence": "stackoverflow"}).content.decode())
        self.assertEqual(nodes.order, ["T", "T.1", "T.1-1"])
        nodes = TreeNodes(self.client.get(self.url, {"evidence": "github", "status": "unaddressed"}).content.decode())
        self.assertEqual(nodes.order, ["T", "T-1"])

    def test_filtered_tree_is_expanded(self):
        html = self.client.get(self.url, {"status": "addressed"}).content.decode()
        self.assertIn('data-expanded="all"', html)
        self.assertIn('data-expanded="top"', self.client.get(self.url).content.decode())

    def test_rows_carry_depth_and_ancestors_and_aligned_counts(self):
        html = self.client.get(self.url).content.decode()
        nodes = TreeNodes(html).nodes
        self.assertEqual(nodes["T.1-1"]["data-path"], "T T.1")
        self.assertIn("d2", nodes["T.1-1"]["class"])
        self.assertEqual(nodes["T"]["data-path"], "")
        self.assertEqual(html.count('class="tree-toggle"'), 2)  # the two categories

    def test_leaves_sorted_by_practitioner_evidence(self):
        grow(self, 2)  # leaves with 1 GitHub + 1 StackOverflow + 2 mentions each, under Memory
        nodes = TreeNodes(self.client.get(self.url, {"sort": "evidence"}).content.decode())
        # Grown leaves: issue + post + 2 mentions = 4 each; T.1-1: issue + post + mention = 3; T-1: the commit.
        # Categories are left out of a sorted list.
        self.assertEqual(nodes.order, ["T.1-g0", "T.1-g1", "T.1-1", "T-1"])
        # Partially addressed leaves, fewest papers first: g0 (1 partial paper), T-1 (the 2 grown papers).
        nodes = TreeNodes(self.client.get(self.url, {"sort": "papers", "status": "partial"}).content.decode())
        self.assertEqual(nodes.order, ["T.1-g0", "T-1"])

    def test_page_form_has_one_parameter_per_concept(self):
        html = self.client.get(self.url).content.decode()
        self.assertNotIn('name="parent_id"', html)
        self.assertIn('name="parent"', html)
        self.assertIn("Anywhere under", html)

    def test_invalid_filter_value_is_a_form_error_not_a_500(self):
        response = self.client.get(self.url, {"status": "sideways", "ancestor": "NOPE"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Select a valid choice", count=2)
        self.assertContains(response, "The filters have errors")
        self.assertEqual(TreeNodes(response.content.decode()).order, ["T", "T.1", "T.1-1", "T-1"])

    def test_fault_selects_are_indented_tree_options(self):
        html = self.client.get(self.url).content.decode()
        self.assertIn('<option value="T.1-1">\u2003\u2003T.1-1 Memory leak</option>', html)

    def test_query_count_does_not_grow_with_the_data(self):
        # 7 + 1 for the codings (the leaves whose status depends on a pending adjudication)
        with self.assertNumQueries(8):
            self.client.get(self.url)
        grow(self, 4)
        with self.assertNumQueries(8):
            response = self.client.get(self.url)
        self.assertEqual(len(TreeNodes(response.content.decode()).order), 8)


#
# Fault page
#


class FaultDetailTests(KBTestCase):
    def get(self, fault, **params):
        return self.client.get(reverse("coverage:fault-detail", args=[fault.code]), params)

    def test_leaf_page_says_addressed_and_names_the_mapping_that_makes_it_so(self):
        response = self.get(self.memory_leak)
        self.assertContains(response, "<h1>Memory leak")
        self.assertContains(response, "because 1 approved <strong>explicit</strong> mapping targets this leaf")
        self.assertContains(response, f'href="#mapping-{self.alpha_leak.uid}"')
        self.assertContains(response, f'id="mapping-{self.alpha_leak.uid}"')
        self.assertContains(response, "No definition published.")

    def test_breadcrumbs_follow_the_tree(self):
        html = self.get(self.memory_leak).content.decode()
        crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
        self.assertEqual(re.findall(r">([^<>]+)</a>", crumbs), ["Taxonomy", "Root", "Memory"])
        self.assertIn('aria-current="page">Memory leak<', crumbs)

    def test_category_level_research_is_shown_apart_and_does_not_count(self):
        response = self.get(self.memory_leak)
        context = response.context
        self.assertEqual([m.paper.key for m in context["direct_mappings"]], ["alpha"])
        self.assertEqual([m.paper.key for m in context["above_mappings"]], ["beta"])
        self.assertContains(response, "Research on the categories above")
        self.assertContains(response, "a mapping to a category never changes a leaf’s status")

    def test_category_page_shows_research_on_it_as_a_whole_and_below(self):
        response = self.get(self.memory)
        self.assertEqual([m.paper.key for m in response.context["direct_mappings"]], ["beta"])
        self.assertEqual([m.paper.key for m in response.context["below_mappings"]], ["alpha"])
        self.assertContains(response, "Research on this category as a whole")
        self.assertEqual([row.code for row in response.context["children"]], ["T.1-1"])
        self.assertContains(response, '<tr data-code="T.1-1">')

    def test_a_category_page_lists_the_first_mappings_below_and_counts_them_all(self):
        gamma, delta = make_paper("gamma", title="Gamma"), make_paper("delta", title="Delta")
        make_mapping(gamma, self.memory_leak)
        make_mapping(delta, self.memory_leak, strength="partial")
        with mock.patch.object(coverage_views, "MAPPING_LIMIT", 2):
            response = self.get(self.root)
        # Below the root, in tree order then by title: beta (on Memory), then alpha, delta, gamma (on the leaf).
        self.assertEqual([m.paper.key for m in response.context["below_mappings"]], ["beta", "alpha"])
        self.assertEqual(response.context["mapping_totals"], {"direct": 0, "above": 0, "below": 4})
        self.assertContains(response, 'Mappings to faults below this category <span class="muted">(4)</span>')
        see_all = f'<a href="{reverse("papers:paper-list")}?ancestor=T">'
        self.assertContains(response, f"Showing the first 2 of 4:\n  {see_all}")

    def test_the_first_mappings_below_come_from_the_first_faults_and_the_count_from_all(self):
        make_mapping(make_paper("gamma", title="Gamma"), self.memory_leak)
        make_mapping(make_paper("delta", title="Delta"), self.uncovered, strength="partial")
        for limit, keys in ((1, ["beta"]), (2, ["beta", "alpha"]), (3, ["beta", "alpha", "gamma"])):
            with self.subTest(limit=limit), mock.patch.object(coverage_views, "MAPPING_LIMIT", limit):
                response = self.get(self.root)
                # Memory (beta), Memory leak (alpha, gamma), Uncovered (delta): 4 below the root in all.
                self.assertEqual([m.paper.key for m in response.context["below_mappings"]], keys)
                self.assertEqual(response.context["mapping_totals"]["below"], 4)
        with mock.patch.object(coverage_views, "MAPPING_LIMIT", 50):
            response = self.get(self.root)
        self.assertEqual([m.paper.key for m in response.context["below_mappings"]], ["beta", "alpha", "gamma", "delta"])

    def test_unaddressed_leaf_says_why(self):
        make_mapping(make_paper("gamma", title="Gamma pending"), self.uncovered, status=ReviewStatus.PENDING)
        response = self.get(self.uncovered)
        self.assertContains(response, "because no approved mapping targets this leaf")
        self.assertNotContains(response, "Gamma pending")

    def test_partial_leaf_says_why(self):
        make_mapping(make_paper("gamma", title="Gamma partial"), self.uncovered, strength="partial")
        response = self.get(self.uncovered)
        self.assertContains(response, "because no approved explicit mapping targets this leaf, but 1 approved")
        self.assertContains(response, '<span class="badge badge-partial" title="Coverage status">Partially addressed')

    def test_practitioner_evidence_links_out_and_to_the_interview(self):
        response = self.get(self.memory_leak)
        self.assertContains(response, 'href="https://github.com/owner/repo/issues/1"')
        self.assertContains(response, 'href="https://stackoverflow.com/questions/1"')
        self.assertContains(response, f'href="{self.issue.get_absolute_url()}"')
        self.assertContains(response, 'href="/interviews/1/#mention-1"')
        self.assertContains(response, "“leaky memory”")

    def test_related_challenges_are_listed(self):
        response = self.get(self.memory_leak)
        self.assertContains(response, f'href="{self.challenge.get_absolute_url()}"')
        self.assertEqual(
            response.context["challenge_groups"], [(self.challenge, list(self.challenge.fault_links.all()))]
        )

    def test_a_category_lists_each_related_challenge_once_with_its_faults(self):
        # The world's challenge is linked to memory-leak; link it to uncovered and to the root too, and add a
        # second challenge on uncovered alone: the root page names two challenges, linked through 3 and 1 faults.
        ChallengeFault.objects.create(challenge=self.challenge, fault=self.uncovered, rationale="also here")
        ChallengeFault.objects.create(challenge=self.challenge, fault=self.root, rationale="in general")
        other = make_challenge("slow-training", name="Slow training", faults=[self.uncovered])
        response = self.get(self.root)
        groups = [
            (challenge.slug, [link.fault.code for link in links])
            for challenge, links in response.context["challenge_groups"]
        ]
        self.assertEqual(sorted(groups), [("hard-to-use-framework", ["T", "T.1-1", "T-1"]), ("slow-training", ["T-1"])])
        html = response.content.decode()
        self.assertEqual(html.count(f'href="{self.challenge.get_absolute_url()}"'), 1)
        self.assertEqual(html.count(f'href="{other.get_absolute_url()}"'), 1)
        self.assertIn('Related challenges <span class="muted">(2)</span>', html)
        self.assertIn("<summary>Linked to 3 faults here</summary>", html)
        self.assertIn("<summary>Linked to 1 fault here</summary>", html)

    def test_a_long_list_of_mappings_below_a_category_folds_away(self):
        self.assertContains(
            self.get(self.memory),
            '<details class="mapping-fold" open>\n    <summary>The 1 mapping, fault by fault</summary>',
        )
        for n in range(10):  # 12 below the root: beta (on Memory), alpha (on Memory leak) and these
            make_mapping(make_paper(f"fold-{n}"), self.uncovered)
        self.assertContains(
            self.get(self.root),
            '<details class="mapping-fold">\n    <summary>The 12 mappings, fault by fault</summary>',
        )

    def test_a_category_page_shows_its_children_before_mappings_and_evidence(self):
        html = self.get(self.memory).content.decode()
        order = [
            html.index(f'id="{section}-title"')
            for section in ("status", "children", "category-research", "below", "evidence", "challenges")
        ]
        self.assertEqual(order, sorted(order))

    def test_status_and_counts_agree_with_coverage(self):
        grow(self, 2)
        for fault in (self.root, self.memory, self.memory_leak, self.uncovered):
            row = self.get(fault).context["row"]
            self.assertEqual(row, coverage.compute().row(fault.code))

    def test_unknown_fault_id_is_404(self):
        response = self.client.get(reverse("coverage:fault-detail", args=["H-99"]))
        self.assertEqual(response.status_code, 404)

    def test_query_count_does_not_grow_with_the_data(self):
        for fault in (self.memory, self.memory_leak):
            with (
                self.subTest(fault=fault.code),
                self.assertNumQueries(16),
            ):  # 13 (mappings: ranked ids, then the rows) + 2 for the change history + 1 for the codings
                self.get(fault)
        grow(self, 4)
        for fault in (self.memory, self.memory_leak):
            with (
                self.subTest(fault=fault.code),
                self.assertNumQueries(16),
            ):  # 13 (mappings: ranked ids, then the rows) + 2 for the change history + 1 for the codings
                self.get(fault)


class FaultPageEvidenceCapTests(KBTestCase):
    def test_long_evidence_lists_are_capped_with_a_link_to_all(self):
        from unittest import mock

        with mock.patch("coverage.views.EVIDENCE_LIMIT", 1):
            response = self.client.get(reverse("coverage:fault-detail", args=["T.1-1"]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["artifacts"]), 1)
        self.assertEqual(response.context["artifact_total"], 2)  # the GitHub issue and the StackOverflow post
        self.assertContains(response, "Showing the first 1 of 2")
        self.assertContains(response, "/evidence/?fault=T.1-1")
        self.assertNotContains(response, "see all interview mentions")  # one mention, within the cap
