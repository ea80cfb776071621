"""Provenance: a paper's link is its own address, never the page where its abstract was read; evidence kinds keep
their qualifier."""

import json
from pathlib import Path

from django.conf import settings
from django.test import TestCase

from papers.bibtex import paper_to_bibtex
from papers.models import FaultMapping, Paper
from papers.tests.factories import make_mapping, make_paper
from taxonomy.tests.factories import make_fault

MIRROR = "https://fdocuments.in/document/some-paper.html"


class PaperLinkTests(TestCase):
    def test_link_is_doi_then_arxiv_then_canonical_url_never_the_abstract_page(self):
        self.assertEqual(
            make_paper(doi="10.1/x", arxiv_id="2001.1", abstract_source_url=MIRROR).link, "https://doi.org/10.1/x"
        )
        self.assertEqual(make_paper(arxiv_id="2001.2", abstract_source_url=MIRROR).link, "https://arxiv.org/abs/2001.2")
        self.assertEqual(
            make_paper(url="https://example.org/p", abstract_source_url=MIRROR).link, "https://example.org/p"
        )
        self.assertEqual(make_paper(abstract_source_url=MIRROR).link, "")

    def test_api_link_and_bibtex_url_skip_the_abstract_page_while_the_page_says_where_it_was_read(self):
        paper = make_paper("mirrored", abstract_source_url=MIRROR, abstract_read=True)
        self.assertEqual(self.client.get(f"/api/papers/{paper.key}/").json()["link"], "")
        self.assertNotIn("url =", paper_to_bibtex(paper))
        self.assertNotIn(MIRROR, self.client.get("/api/papers/?format=bibtex").content.decode())
        page = self.client.get(paper.get_absolute_url())
        self.assertContains(page, f'read at <a href="{MIRROR}"')

    def test_no_shipped_paper_links_to_where_its_abstract_was_read(self):
        objs = json.loads((Path(settings.FIXTURE_DIRS[0]) / "papers.json").read_text())
        papers = [o["fields"] for o in objs if o["model"] == "papers.paper"]
        # Papers with a reading page but no DOI, arXiv id or URL of their own: counted from the fixture here.
        only_read = {
            p["key"] for p in papers if p["abstract_source_url"] and not (p["doi"] or p["arxiv_id"] or p["url"])
        }
        self.assertTrue(only_read)
        for fields in papers:
            if fields["key"] in only_read:
                paper = Paper(**{k: v for k, v in fields.items() if k not in ("source", "methods", "submitted_by")})
                self.assertEqual(paper.link, "")
                self.assertNotIn(fields["abstract_source_url"], paper_to_bibtex(paper))


class EvidenceKindTests(TestCase):
    def test_the_intro_excerpt_qualifier_is_shown(self):
        paper = make_paper("excerpted")
        make_mapping(paper, make_fault("T-X"), evidence_kind=FaultMapping.EvidenceKind.PAPER_TEXT)
        self.assertContains(self.client.get(paper.get_absolute_url()), "Source: the paper&#x27;s text (intro excerpt)")
