"""Atom feeds of newly approved mappings (all, per fault, per category subtree) and of retractions; ?since= polling."""

import datetime

import feedparser
from django.urls import reverse
from django.utils import timezone

from kb_site.test import KBTestCase
from papers.models import FaultMapping, Paper
from papers.tests.factories import make_mapping, make_paper
from taxonomy.models import ReviewStatus

T0 = datetime.datetime(2026, 11, 1, 12, 0, tzinfo=datetime.UTC)


class FeedTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # The shared world's two mappings were approved "now"; date them so the order below is known.
        FaultMapping.objects.filter(pk=cls.alpha_leak.pk).update(approved_at=T0)
        FaultMapping.objects.filter(pk=cls.beta_memory.pk).update(approved_at=T0 + datetime.timedelta(days=1))
        cls.delta = make_paper("delta", title="Delta: uncovered no more")
        cls.delta_uncovered = make_mapping(cls.delta, cls.uncovered, approved_at=T0 + datetime.timedelta(days=2))
        cls.pending = make_mapping(make_paper("epsilon"), cls.memory_leak, status=ReviewStatus.PENDING)
        cls.retracted = make_mapping(
            make_paper("zeta", title="Zeta: withdrawn"),
            cls.memory_leak,
            status=ReviewStatus.RETRACTED,
            approved_at=T0,
            retracted_at=T0 + datetime.timedelta(days=3),
        )

    def parse(self, url, queries):
        with self.assertNumQueries(queries):
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/atom+xml; charset=utf-8")
        feed = feedparser.parse(response.content)
        self.assertFalse(feed.bozo, feed.get("bozo_exception"))
        return feed

    def test_all_approved_mappings_newest_first(self):
        feed = self.parse(reverse("papers:mapping-feed"), 1)
        self.assertEqual(feed.version, "atom10")
        self.assertEqual(
            [entry.id for entry in feed.entries],
            [f"urn:uuid:{m.uid}" for m in (self.delta_uncovered, self.beta_memory, self.alpha_leak)],
        )
        first = feed.entries[0]
        self.assertEqual(first.title, "Delta: uncovered no more → T-1 Uncovered (explicit)")
        self.assertEqual(first.link, f"http://testserver/papers/delta/#mapping-{self.delta_uncovered.uid}")
        self.assertEqual(first.published, "2026-11-03T12:00:00+00:00")

    def test_a_newly_approved_mapping_enters_the_feed(self):
        self.pending.status = ReviewStatus.APPROVED
        self.pending.approved_at = timezone.now()
        self.pending.save()
        feed = self.parse(reverse("papers:mapping-feed"), 1)
        self.assertEqual(feed.entries[0].id, f"urn:uuid:{self.pending.uid}")
        self.assertEqual(len(feed.entries), 4)

    def test_a_category_feed_carries_its_subtree_and_a_leaf_feed_itself(self):
        # Fault lookup, tree, mappings.
        memory = self.parse(reverse("papers:mapping-feed-fault", args=["T.1"]), 3)
        self.assertEqual(
            [e.id for e in memory.entries], [f"urn:uuid:{m.uid}" for m in (self.beta_memory, self.alpha_leak)]
        )
        leaf = self.parse(reverse("papers:mapping-feed-fault", args=["T.1-1"]), 3)
        self.assertEqual([e.id for e in leaf.entries], [f"urn:uuid:{self.alpha_leak.uid}"])
        root = self.parse(reverse("papers:mapping-feed-fault", args=["T"]), 3)
        self.assertEqual(len(root.entries), 3)
        self.assertEqual(self.client.get(reverse("papers:mapping-feed-fault", args=["nope"])).status_code, 404)

    def test_retraction_feed(self):
        feed = self.parse(reverse("papers:retraction-feed"), 1)
        self.assertEqual([e.id for e in feed.entries], [f"urn:uuid:{self.retracted.uid}:retracted"])
        self.assertEqual(feed.entries[0].title, "Retracted: Zeta: withdrawn → T.1-1 Memory leak (explicit)")
        self.assertEqual(feed.entries[0].published, "2026-11-04T12:00:00+00:00")

    def test_papers_page_links_its_feeds(self):
        response = self.client.get(reverse("papers:paper-list"))
        self.assertContains(
            response, 'type="application/atom+xml" title="Newly approved mappings" href="/papers/feeds/mappings/"'
        )
        self.assertContains(response, 'href="/papers/feeds/retractions/"')


class SinceTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        FaultMapping.objects.filter(pk=cls.alpha_leak.pk).update(approved_at=T0)
        FaultMapping.objects.filter(pk=cls.beta_memory.pk).update(approved_at=T0 + datetime.timedelta(days=1))

    def keys(self, url_name, field, **params):
        response = self.client.get(reverse(url_name), params)
        self.assertEqual(response.status_code, 200, response.content)
        return sorted(field(item) for item in response.json()["results"])

    def test_mappings_since(self):
        keys = self.keys("api:mapping-list", lambda m: m["paper"]["key"], since="2026-11-01T12:00:01Z")
        self.assertEqual(keys, ["beta"])
        self.assertEqual(
            self.keys("api:mapping-list", lambda m: m["paper"]["key"], since="2026-11-01T12:00:00Z"), ["alpha", "beta"]
        )

    def test_papers_since_counts_new_papers_and_newly_mapped_ones(self):
        Paper.objects.filter(key__in=["alpha", "beta"]).update(created_at=T0 - datetime.timedelta(days=30))
        self.assertEqual(self.keys("api:paper-list", lambda p: p["key"], since="2026-11-02T00:00:00+00:00"), ["beta"])
        make_paper("fresh")  # created now, no mapping yet
        self.assertEqual(
            self.keys("api:paper-list", lambda p: p["key"], since="2026-11-02T00:00:00+00:00"), ["beta", "fresh"]
        )

    def test_a_bad_since_is_a_400_naming_the_parameter(self):
        for name in ("api:mapping-list", "api:paper-list"):
            response = self.client.get(reverse(name), {"since": "yesterday"})
            self.assertEqual(response.status_code, 400)
            self.assertEqual(list(response.json()), ["since"])


class SinceOffsetsTests(KBTestCase):
    """Any ISO offset is accepted (converted to UTC for the database); a moment with no UTC date is a 400."""

    def test_offsets_past_what_postgresql_accepts_and_out_of_range_moments(self):
        for url in ("/api/mappings/", "/api/papers/"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url, {"since": "0416-01-25T00:59:19-16:08"}).status_code, 200)
                self.assertEqual(self.client.get(url, {"since": "2460-11-22T06:23:06+23:12"}).status_code, 200)
                response = self.client.get(url, {"since": "0001-01-01T00:00:00+05:00"})
                self.assertEqual(response.status_code, 400)
                self.assertIn("since", response.json())
