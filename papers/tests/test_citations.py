"""Cite this: papers and faults in BibTeX, RIS and CSL-JSON (pages and API), and ScholarlyArticle JSON-LD."""

import json

import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from django.urls import reverse

from kb_site.test import KBTestCase
from kb_site.tests.jsonld import SCHEMA, expand, ld_blocks, value
from papers.bibtex import parse_bibtex
from papers.tests.factories import make_paper


def render_bibliography(items: list[dict]) -> list[str]:
    """CSL-JSON items rendered by citeproc-py with the Harvard style it ships."""
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


class PaperCitationTests(KBTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.gamma = make_paper(
            "gamma",
            title="Gamma: tracing {leaks}",
            authors=["Grace Hopper", "Edsger W. Dijkstra"],
            year=2024,
            venue="ICSE",
            doi="10.1234/gamma",
        )

    def test_ris_of_one_paper_parses_with_rispy(self):
        response = self.client.get(reverse("api:paper-detail", args=["gamma"]), {"format": "ris"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/x-research-info-systems; charset=utf-8")
        records = rispy.loads(response.content.decode())
        self.assertEqual(
            records,
            [
                {
                    "type_of_reference": "CPAPER",
                    "title": "Gamma: tracing {leaks}",
                    "authors": ["Hopper, Grace", "Dijkstra, Edsger W."],
                    "year": "2024",
                    "secondary_title": "ICSE",
                    "doi": "10.1234/gamma",
                    "id": "gamma",
                    "urls": ["https://doi.org/10.1234/gamma"],
                }
            ],
        )

    def test_ris_of_a_filtered_list_has_one_record_per_paper(self):
        response = self.client.get(reverse("api:paper-list"), {"format": "ris", "ordering": "title"})
        records = rispy.loads(response.content.decode())
        self.assertEqual([r["id"] for r in records], ["alpha", "beta", "gamma"])
        self.assertEqual([r["type_of_reference"] for r in records], ["GEN", "GEN", "CPAPER"])

    def test_ris_of_an_empty_list_is_an_empty_ris_file_with_its_media_type(self):
        # Found by the CI fuzz: an empty body made DRF drop the Content-Type header of a 200.
        response = self.client.get(reverse("api:paper-list"), {"format": "ris", "year_min": 2100})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/x-research-info-systems; charset=utf-8")
        self.assertEqual(rispy.loads(response.content.decode()), [])

    def test_csljson_renders_with_citeproc(self):
        response = self.client.get(reverse("api:paper-detail", args=["gamma"]), {"format": "csljson"})
        self.assertEqual(response["Content-Type"], "application/vnd.citationstyles.csl+json; charset=utf-8")
        items = json.loads(response.content)
        self.assertEqual(len(items), 1)
        self.assertEqual(
            render_bibliography(items),
            [
                "Hopper, G. and Dijkstra, E.W. (2024) “Gamma: tracing {leaks}”, ICSE. "
                "Available at: https://doi.org/10.1234/gamma."
            ],
        )

    def test_csljson_list_and_bad_filter(self):
        items = json.loads(self.client.get(reverse("api:paper-list"), {"format": "csljson", "fault": "T.1-1"}).content)
        self.assertEqual([item["id"] for item in items], ["alpha"])
        bad = self.client.get(reverse("api:paper-list"), {"format": "csljson", "year_min": "x"})
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(json.loads(bad.content), {"year_min": ["Enter a whole number."]})

    def test_paper_page_offers_bibtex_ris_and_csljson(self):
        response = self.client.get(reverse("papers:paper-detail", args=["gamma"]))
        self.assertContains(response, "TY  - CPAPER")
        self.assertContains(response, "&quot;DOI&quot;: &quot;10.1234/gamma&quot;")
        self.assertContains(response, f'href="{reverse("api:paper-detail", args=["gamma"])}?format=ris"')
        bibtex = response.context["citation"]["bibtex"]
        self.assertEqual(parse_bibtex(bibtex)["title"], "Gamma: tracing leaks")

    def test_paper_page_carries_scholarly_article_json_ld(self):
        response = self.client.get(reverse("papers:paper-detail", args=["alpha"]))
        [document] = ld_blocks(response.content.decode())
        self.assertEqual(document["@context"], "https://schema.org")
        [node] = expand(document)
        self.assertEqual(node["@type"], [SCHEMA + "ScholarlyArticle"])
        self.assertEqual(value(node, "name"), "Alpha: finding memory leaks")
        self.assertEqual(value(node, "datePublished"), "2021")
        self.assertEqual(value(node, "url"), "http://testserver/papers/alpha/")
        authors = [a[SCHEMA + "name"][0]["@value"] for a in node[SCHEMA + "author"]]
        self.assertEqual(authors, ["Ada Lovelace", "Alan Turing"])
        about = [t[SCHEMA + "termCode"][0]["@value"] for t in node[SCHEMA + "about"]]
        self.assertEqual(about, ["T.1-1"])

    def test_json_ld_cannot_close_its_script_element(self):
        make_paper("evil", title='Evil </script><script>alert("x")</script>')
        response = self.client.get(reverse("papers:paper-detail", args=["evil"]))
        html = response.content.decode()
        self.assertNotIn('</script><script>alert("x")', html)
        [document] = ld_blocks(html)
        self.assertEqual(document["name"], 'Evil </script><script>alert("x")</script>')
        # A data block: the CSP (script-src 'self' + nonce) is unchanged and gives it no nonce.
        self.assertNotIn("unsafe-inline", response["Content-Security-Policy"].split("script-src")[1].split(";")[0])


class FaultCitationTests(KBTestCase):
    def test_fault_page_offers_citations_and_its_feed(self):
        response = self.client.get(reverse("coverage:fault-detail", args=["T.1"]))
        feed = reverse("papers:mapping-feed-fault", args=["T.1"])
        self.assertContains(response, '<link rel="alternate" type="application/atom+xml"', count=1)
        self.assertContains(response, f'href="{feed}"', count=2)
        citation = response.context["citation"]
        [record] = rispy.loads(citation["ris"])
        self.assertEqual(record["title"], "Memory (T.1)")
        self.assertEqual(record["urls"], ["http://testserver/faults/T.1/"])
        [item] = json.loads(citation["csljson"])
        self.assertEqual(
            render_bibliography([item]),
            [
                "ML Debugging Knowledge Base editors (no date) “Memory (T.1)”, ML Debugging Knowledge Base. "
                "Available at: http://testserver/faults/T.1/."
            ],
        )
