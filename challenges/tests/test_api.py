"""REST API of the challenges app: GitHub artefacts, StackOverflow posts, interviews, mentions and challenges."""

import csv
import io

from django.urls import reverse

from challenges.models import ChallengePassage
from challenges.tests.factories import make_artifact, make_challenge, make_interview, make_mention
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus
from taxonomy.tests.factories import make_fault
from taxonomy.tests.test_api import FAULT_BRIEF_FIELDS, APITestCase

ARTIFACT_FIELDS = {
    "id",
    "url",
    "link",
    "source",
    "kind",
    "repository",
    "framework",
    "labelling_round",
    "final_tag",
    "fault",
    "dataset",
}


class ArtifactAPITests(APITestCase):
    github = reverse("api:github-artifact-list")
    stackoverflow = reverse("api:stackoverflow-post-list")

    def links(self, url, **params):
        return [row["link"] for row in self.json(url, **params)["results"]]

    def test_github_and_stackoverflow_are_separate_lists(self):
        body = self.json(self.github)
        self.assertEqual(body["count"], 2)
        self.assertEqual(set(body["results"][0]), ARTIFACT_FIELDS)
        self.assertEqual({row["source"] for row in body["results"]}, {"github"})
        self.assertEqual(self.links(self.stackoverflow), ["https://stackoverflow.com/questions/1"])
        issue = next(row for row in body["results"] if row["kind"] == "issue")
        self.assertEqual(set(issue["fault"]), FAULT_BRIEF_FIELDS)
        self.assertEqual((issue["fault"]["code"], issue["dataset"]), ("T.1-1", "humbatova2020"))
        self.assertTrue(issue["url"].endswith(f"/api/github-artifacts/{self.issue.pk}/"))

    def test_detail_404_across_sources(self):
        self.assertEqual(self.json(reverse("api:github-artifact-detail", args=[self.issue.pk]))["kind"], "issue")
        self.json(reverse("api:github-artifact-detail", args=[self.post.pk]), expect=404)
        self.json(reverse("api:stackoverflow-post-detail", args=[self.issue.pk]), expect=404)
        self.json(reverse("api:github-artifact-detail", args=["abc"]), expect=404)

    def test_filters(self):
        make_artifact(None, url="https://github.com/owner/repo/issues/99", framework="torch")
        self.assertEqual(self.links(self.github, fault="T-1"), ["https://github.com/owner/repo/commit/abc"])
        self.assertEqual(len(self.links(self.github, ancestor="T")), 2)
        self.assertEqual(self.links(self.github, unclassified="true"), ["https://github.com/owner/repo/issues/99"])
        self.assertEqual(len(self.links(self.github, unclassified="false")), 2)
        self.assertEqual(self.links(self.github, framework="torch"), ["https://github.com/owner/repo/issues/99"])
        self.assertEqual(self.links(self.github, kind="commit"), ["https://github.com/owner/repo/commit/abc"])
        self.assertEqual(self.links(self.github, q="issues/1"), ["https://github.com/owner/repo/issues/1"])
        self.assert_bad_parameter(self.github, "framework", framework="jax")
        self.assert_bad_parameter(self.github, "unclassified", unclassified="perhaps")
        self.assert_bad_parameter(self.github, "labelling_round", labelling_round="1.5")
        self.assert_bad_parameter(self.github, "labelling_round", labelling_round="1.0")
        self.assert_bad_parameter(self.github, "status", status="fine")

    def test_github_issues_of_faults_no_paper_addresses(self):
        """The README's question: GitHub artefacts whose leaf is unaddressed."""
        self.assertEqual(self.links(self.github, status="unaddressed"), ["https://github.com/owner/repo/commit/abc"])
        make_mapping(make_paper("gamma"), self.uncovered)
        self.assertEqual(self.links(self.github, status="unaddressed"), [])

    def test_ordering(self):
        make_artifact(self.uncovered, url="https://github.com/a/b/issues/7", labelling_round=3)
        make_artifact(self.uncovered, url="https://github.com/z/y/issues/8", labelling_round=1)
        links = self.links(self.github, ordering="-url")
        self.assertEqual(links, sorted(links, reverse=True))
        self.issue.labelling_round = 2
        self.issue.save()
        self.assertEqual(
            self.links(self.github, ordering="round", kind="issue"),
            [
                "https://github.com/z/y/issues/8",
                "https://github.com/owner/repo/issues/1",
                "https://github.com/a/b/issues/7",
            ],
        )

    def test_csv(self):
        rows = list(csv.DictReader(io.StringIO(self.get(self.github, format="csv", kind="issue").content.decode())))
        self.assertEqual(
            [(r["link"], r["fault.code"]) for r in rows], [("https://github.com/owner/repo/issues/1", "T.1-1")]
        )

    def test_list_queries_are_fixed(self):
        # The page's count, the artefacts with fault and dataset joined: 2, on both lists.
        self.assertEqual(self.query_count(self.github), 2)
        self.assertEqual(self.query_count(self.stackoverflow), 2)
        for n in range(15):
            fault = make_fault(f"T-{n + 60}", parent=self.root)
            make_artifact(fault)
            make_artifact(fault, source="stackoverflow")
        self.assertEqual(self.query_count(self.github), 2)
        self.assertEqual(self.query_count(self.github, page_size=500), 2)
        self.assertEqual(self.query_count(self.stackoverflow, page_size=500), 2)


class InterviewAPITests(APITestCase):
    def test_interviews(self):
        make_mention(self.interview, None, tag="unplaceable")
        body = self.json(reverse("api:interview-list"))
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        self.assertEqual(set(row), {"id", "url", "number", "dataset", "mention_count", "classified_mention_count"})
        self.assertEqual((row["number"], row["mention_count"], row["classified_mention_count"]), (1, 2, 1))
        detail = self.json(reverse("api:interview-detail", args=[1]))
        self.assertEqual(detail["transcript"], self.interview.transcript)
        self.json(reverse("api:interview-detail", args=[99]), expect=404)
        self.json(reverse("api:interview-detail", args=["x"]), expect=404)

    def test_mentions(self):
        second = make_interview(2)
        make_mention(second, self.uncovered, tag="forgot to free")
        url = reverse("api:interview-mention-list")
        body = self.json(url)
        self.assertEqual(body["count"], 2)
        self.assertEqual(set(body["results"][0]), {"id", "url", "interview", "position", "tag", "fault"})
        self.assertEqual(
            [(r["interview"], r["tag"]) for r in body["results"]], [(1, "leaky memory"), (2, "forgot to free")]
        )
        self.assertEqual([r["tag"] for r in self.json(url, interview=2)["results"]], ["forgot to free"])
        self.assertEqual([r["tag"] for r in self.json(url, fault="T.1-1")["results"]], ["leaky memory"])
        self.assertEqual([r["tag"] for r in self.json(url, status="unaddressed")["results"]], ["forgot to free"])
        self.assertEqual([r["tag"] for r in self.json(url, q="FREE")["results"]], ["forgot to free"])
        self.assert_bad_parameter(url, "interview", interview="two")
        # The page's count, the mentions with interview and fault joined: 2.
        self.assertEqual(self.query_count(url), 2)
        for n in range(10):
            make_mention(second, make_fault(f"T-{n + 80}", parent=self.root))
        self.assertEqual(self.query_count(url), 2)
        # The page's count, the interviews with their dataset and mention counts: 2.
        self.assertEqual(self.query_count(reverse("api:interview-list")), 2)
        self.assertEqual(self.query_count(reverse("api:interview-list"), page_size=1), 2)


class ChallengeAPITests(APITestCase):
    url = reverse("api:challenge-list")

    def test_list_and_detail(self):
        ChallengePassage.objects.create(
            challenge=self.challenge, interview=self.interview, lines=[2], first_line=2, excerpt="hi", note="n"
        )
        body = self.json(self.url)
        self.assertEqual(body["count"], 1)
        row = body["results"][0]
        fields = {"id", "url", "slug", "name", "group", "status", "description", "note", "source"}
        fields |= {"encounter_frequency_our_coding", "candidate_interviews", "position", "faults"}
        self.assertEqual(set(row), fields)
        self.assertEqual([(f["fault"]["code"], f["rationale"]) for f in row["faults"]], [("T.1-1", "related")])
        detail = self.json(reverse("api:challenge-detail", args=[self.challenge.slug]))
        self.assertEqual(set(detail), fields | {"passages"})
        self.assertEqual(
            detail["passages"], [{"interview": 1, "first_line": 2, "lines": [2], "excerpt": "hi", "note": "n"}]
        )
        self.json(reverse("api:challenge-detail", args=["nope"]), expect=404)

    def test_filters(self):
        make_challenge("data-woes", group="data", status="candidate", faults=[self.uncovered])
        slugs = lambda **p: [r["slug"] for r in self.json(self.url, **p)["results"]]  # noqa: E731
        self.assertEqual(slugs(), ["data-woes", "hard-to-use-framework"])  # by status (candidate, confirmed)
        self.assertEqual(slugs(fault="T-1"), ["data-woes"])
        self.assertEqual(slugs(group="data"), ["data-woes"])
        self.assertEqual(slugs(status="confirmed"), ["hard-to-use-framework"])
        self.assertEqual(slugs(q="woes"), ["data-woes"])
        self.assertEqual(slugs(ordering="-name"), ["hard-to-use-framework", "data-woes"])
        self.assert_bad_parameter(self.url, "fault", fault="NOPE")
        self.assert_bad_parameter(self.url, "group", group="music")

    def test_list_queries_are_fixed(self):
        # The page's count, the challenges with their source, their fault links with the faults: 3.
        self.assertEqual(self.query_count(self.url), 3)
        for n in range(8):
            make_challenge(f"c-{n}", faults=[make_fault(f"T-{n + 90}", parent=self.root), self.uncovered])
        self.assertEqual(self.query_count(self.url), 3)
        self.assertEqual(self.query_count(self.url, page_size=1), 3)


class PublicOnlyTests(APITestCase):
    def test_pending_mapping_does_not_change_what_the_evidence_lists_say(self):
        make_mapping(make_paper("gamma"), self.uncovered, status=ReviewStatus.PENDING)
        links = [r["link"] for r in self.json(reverse("api:github-artifact-list"), status="unaddressed")["results"]]
        self.assertEqual(links, ["https://github.com/owner/repo/commit/abc"])
