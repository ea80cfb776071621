"""Submitting and reviewing: the validation rules (the web form and the API share them, so each case is checked on
both), duplicates, BibTeX, the permission matrix, CSRF, the whole flow with exact coverage numbers, concurrency."""

import datetime
import threading
import time
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import curators_group
from coverage import coverage, snapshots
from coverage.models import Snapshot
from kb_site.test import KBTestCase
from papers import review, submissions, validation
from papers.api.serializers import MappingInSerializer, PaperInSerializer
from papers.bibtex import parse_bibtex
from papers.forms import MappingForm, PaperForm
from papers.models import FaultMapping, Paper, Submission
from papers.submission_forms import SubmissionForms
from papers.tests.factories import if_match, make_mapping, make_paper
from taxonomy.models import Fault, ReviewStatus
from taxonomy.tests.factories import make_fault, make_method, make_source

NEXT_YEAR = timezone.now().year + 1


def mapping(fault="T-1", **overrides) -> dict:
    """One mapping as the API takes it."""
    data = {
        "fault": fault,
        "strength": "explicit",
        "methods": ["M-T-GEN"],
        "phases": ["detection"],
        "targets": ["DL program"],
        "rationale": "The abstract says the tool finds this fault.",
        "evidence_kind": "abstract",
        "quote": "",
        "quote_locator": "",
    }
    data.update(overrides)
    return data


def new_paper(**overrides) -> dict:
    data = {
        "title": "Gamma: catching uncovered faults",
        "authors": ["Grace Hopper", "Edsger Dijkstra"],
        "year": 2024,
        "venue": "ICSE",
        "doi": "10.1145/1111111.2222222",
        "arxiv_id": "",
        "url": "",
    }
    data.update(overrides)
    return data


def web_data(*, paper=None, paper_key=None, mappings=(), comment="", action="submit") -> dict:
    """The same submission as the web form posts it (formset management fields included)."""
    data = {
        "paper_choice": "existing" if paper_key else "new",
        "existing_paper": paper_key or "",
        "comment": comment,
        "action": action,
        "mappings-TOTAL_FORMS": str(len(mappings)),
        "mappings-INITIAL_FORMS": "0",
        "mappings-MIN_NUM_FORMS": "1",
        "mappings-MAX_NUM_FORMS": "20",
    }
    for name, value in (paper or {}).items():
        data[f"paper-{name}"] = "\n".join(value) if isinstance(value, list) else ("" if value is None else value)
    for index, item in enumerate(mappings):
        for name, value in item.items():
            data[f"mappings-{index}-{name}"] = value
    return data


def api_data(*, paper=None, paper_key=None, mappings=(), comment="", bibtex=None) -> dict:
    data = {"mappings": list(mappings), "comment": comment}
    if paper is not None:
        data["paper"] = paper
    if paper_key is not None:
        data["paper_key"] = paper_key
    if bibtex is not None:
        data["bibtex"] = bibtex
    return data


def written() -> tuple:
    """Everything a submission can write, counted (history included), to prove that nothing was."""
    return (
        Paper.objects.count(),
        Submission.objects.count(),
        FaultMapping.objects.count(),
        Paper.history.count(),
        Submission.history.count(),
        FaultMapping.history.count(),
    )


class SubmissionTestCase(KBTestCase):
    def setUp(self):
        cache.clear()  # throttle history
        self.client.force_login(self.researcher)
        self.api = APIClient()
        self.api.force_authenticate(self.researcher)

    def submit_web(self, **kwargs):
        return self.client.post(reverse("papers:submission-create"), web_data(**kwargs))

    def submit_api(self, **kwargs):
        return self.api.post(reverse("api:submission-list"), api_data(**kwargs), format="json")

    def submit(self, user=None, **kwargs) -> Submission:
        """A valid submission through the service (the forms the API uses)."""
        from papers.forms import Vocabulary

        forms = SubmissionForms.from_json(api_data(**kwargs), Vocabulary.load())
        return submissions.submit(user or self.researcher, forms)


#
# Validation: every rule, each message, on the web form and the API alike
#


class ValidationTests(SubmissionTestCase):
    def assert_rejected_everywhere(self, kwargs: dict, where: tuple, message: str):
        """The web form shows ``message`` on the field at ``where``; the API answers 400 with it there; no write."""
        before = written()
        response = self.submit_web(**kwargs)
        self.assertEqual(response.status_code, 400)
        forms = response.context["forms"]
        if where[0] == "paper":
            errors = forms.paper.errors[where[1]]
        elif where[0] == "mappings":
            errors = forms.mappings[where[1]].errors[where[2]]
        elif where[0] == "paper_key":
            errors = forms.submission.errors["existing_paper"]
        else:
            errors = forms.non_field_errors
        self.assertIn(message, errors)
        self.assertContains(response, escape(message), status_code=400)

        response = self.submit_api(**kwargs)
        self.assertEqual(response.status_code, 400, response.content)
        body = response.json()
        node = body
        for part in where:
            node = node[part]
        self.assertIn(message, node)
        self.assertEqual(written(), before)

    def test_unknown_fault_id(self):
        self.assert_rejected_everywhere(
            {"paper": new_paper(), "mappings": [mapping("H-99")]},
            ("mappings", 0, "fault"),
            "Unknown fault id “H-99”: use an id from the taxonomy, e.g. H-1.2.3-1.",
        )

    def test_year_out_of_range(self):
        for year in (1949, NEXT_YEAR + 1):
            with self.subTest(year=year):
                self.assert_rejected_everywhere(
                    {"paper": new_paper(year=year), "mappings": [mapping()]},
                    ("paper", "year"),
                    f"Year must be between 1950 and {NEXT_YEAR}.",
                )

    def test_malformed_doi(self):
        for doi in ("10.12/short-registrant", "doi 10.1145/123", "https://example.org/10.1145/1"):
            with self.subTest(doi=doi):
                self.assert_rejected_everywhere(
                    {"paper": new_paper(doi=doi), "mappings": [mapping()]},
                    ("paper", "doi"),
                    "Not a DOI: expected something like 10.1145/3377811.3380395.",
                )

    def test_malformed_arxiv_id(self):
        for arxiv_id in ("25.03158", "arxiv-2503", "2503.03158.1"):
            with self.subTest(arxiv_id=arxiv_id):
                self.assert_rejected_everywhere(
                    {"paper": new_paper(doi="", arxiv_id=arxiv_id), "mappings": [mapping()]},
                    ("paper", "arxiv_id"),
                    "Not an arXiv id: expected something like 2503.03158 or cs/0112017.",
                )

    def test_empty_evidence(self):
        for rationale in ("", "   \n  "):
            with self.subTest(rationale=rationale):
                self.assert_rejected_everywhere(
                    {"paper": new_paper(), "mappings": [mapping(rationale=rationale)]},
                    ("mappings", 0, "rationale"),
                    "Evidence is required: say what in the paper shows it addresses this fault.",
                )

    def test_mapping_already_in_the_knowledge_base(self):
        self.assert_rejected_everywhere(
            {"paper_key": "alpha", "mappings": [mapping("T.1-1")]},
            ("mappings", 0, "fault"),
            "This mapping is already in the knowledge base: “Alpha: finding memory leaks” is mapped to T.1-1 "
            "(explicit).",
        )

    def test_mapping_awaiting_review_elsewhere(self):
        make_mapping(self.alpha, self.uncovered, status=ReviewStatus.PENDING)
        self.assert_rejected_everywhere(
            {"paper_key": "alpha", "mappings": [mapping("T-1")]},
            ("mappings", 0, "fault"),
            "A mapping of this paper to T-1 is already awaiting review.",
        )

    def test_same_fault_twice_in_one_submission(self):
        self.assert_rejected_everywhere(
            {"paper": new_paper(), "mappings": [mapping("T-1"), mapping("T-1", strength="partial")]},
            ("mappings", 1, "fault"),
            "T-1 is already in mapping 1 of this submission.",
        )

    def test_quote_needs_a_locator(self):
        self.assert_rejected_everywhere(
            {"paper": new_paper(), "mappings": [mapping(quote="We find leaks.", quote_locator="")]},
            ("mappings", 0, "quote_locator"),
            "Say where the quote is: section, page or table.",
        )

    def test_at_least_one_mapping(self):
        self.assert_rejected_everywhere(
            {"paper": new_paper(), "mappings": []}, ("non_field_errors",), "Add at least one mapping."
        )

    def test_paper_needs_an_identifier(self):
        self.assert_rejected_everywhere(
            {"paper": new_paper(doi="", arxiv_id="", url=""), "mappings": [mapping()]},
            ("paper", "doi"),
            "Give a DOI, an arXiv id or a URL, so curators can find the paper.",
        )

    def test_paper_needs_authors(self):
        self.assert_rejected_everywhere(
            {"paper": new_paper(authors=[]), "mappings": [mapping()]},
            ("paper", "authors"),
            "List at least one author (one per line).",
        )

    def test_unknown_method(self):
        self.assert_rejected_everywhere(
            {"paper": new_paper(), "mappings": [mapping(methods=["M-NOPE"])]},
            ("mappings", 0, "methods"),
            "Select a valid choice. M-NOPE is not one of the available choices.",
        )

    def test_existing_paper_must_be_public(self):
        make_paper("hidden", status=ReviewStatus.PENDING)
        for key in ("nope", "hidden"):
            with self.subTest(key=key):
                self.assert_rejected_everywhere(
                    {"paper_key": key, "mappings": [mapping()]},
                    ("paper_key",),
                    f"No paper with key “{key}” in the knowledge base.",
                )

    def test_one_bad_mapping_writes_nothing_of_the_others(self):
        self.assert_rejected_everywhere(
            {"paper": new_paper(), "mappings": [mapping("T-1"), mapping("T.1-1", phases=[])]},
            ("mappings", 1, "phases"),
            "Choose at least one phase.",
        )

    def test_tampered_or_empty_web_posts_are_form_errors_not_500s(self):
        before = written()
        for data in ({}, {"mappings-TOTAL_FORMS": "x"}, {"mappings-TOTAL_FORMS": "999", "mappings-INITIAL_FORMS": "0"}):
            with self.subTest(data=data):
                response = self.client.post(reverse("papers:submission-create"), data)
                self.assertContains(response, 'class="errorlist"', status_code=400)
        self.assertEqual(written(), before)

    def test_api_rejects_the_wrong_json_shape_with_field_messages(self):
        response = self.api.post(reverse("api:submission-list"), {"mappings": "T-1"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json(), {"mappings": ['Expected a list of items but got type "str".']})
        response = self.submit_api(paper=new_paper(), paper_key="alpha", mappings=[mapping()])
        self.assertEqual(response.json(), {"paper_key": ["Give either paper_key or a new paper, not both."]})

    def test_api_checks_json_types_with_the_forms_messages(self):
        before = written()
        cases = [
            ({"paper": new_paper(year="2024")}, ("paper", "year"), "Year must be a whole number, e.g. 2023."),
            ({"paper": new_paper(year=True)}, ("paper", "year"), "Year must be a whole number, e.g. 2023."),
            ({"paper": new_paper(title=12)}, ("paper", "title"), "Not a valid string."),
            (
                {"paper": {k: v for k, v in new_paper().items() if k != "authors"}},
                ("paper", "authors"),
                "List at least one author (one per line).",
            ),
            ({"mappings": [mapping(rationale=5)]}, ("mappings", 0, "rationale"), "Not a valid string."),
            (
                {"mappings": [{k: v for k, v in mapping().items() if k != "methods"}]},
                ("mappings", 0, "methods"),
                "Choose at least one debugging method.",
            ),
            (
                {"mappings": [mapping(phases="detection")]},
                ("mappings", 0, "phases"),
                'Expected a list of items but got type "str".',
            ),
            (
                {"mappings": ["T-1"]},
                ("mappings", 0, "non_field_errors"),
                "Invalid data. Expected a dictionary, but got str.",
            ),
        ]
        for overrides, where, message in cases:
            with self.subTest(where=where, message=message):
                body = {"paper": new_paper(), "mappings": [mapping()]} | overrides
                response = self.api.post(reverse("api:submission-list"), body, format="json")
                self.assertEqual(response.status_code, 400)
                node = response.json()
                for part in where:
                    node = node[part]
                self.assertEqual(node, [message])
        self.assertEqual(written(), before)

    def test_the_api_body_has_exactly_the_forms_fields(self):
        self.assertEqual(set(MappingInSerializer().fields), set(MappingForm.base_fields))
        self.assertEqual(set(MappingForm.base_fields), {"fault", "methods", *FaultMapping.CURATED_FIELDS})
        self.assertEqual(set(PaperInSerializer().fields), set(PaperForm.base_fields))
        self.assertEqual(tuple(PaperForm.base_fields), Paper.SUBMITTED_FIELDS)

    def test_a_race_with_another_writer_becomes_a_form_error_and_writes_nothing(self):
        # Another submission takes the DOI between validation and writing: the database constraint refuses it.
        make_paper("gamma-2024", doi="10.1145/1111111.2222222")
        before = written()
        with mock.patch.object(validation, "find_duplicates", return_value=[]):
            response = self.submit_web(paper=new_paper(), mappings=[mapping()])
            self.assertEqual(response.status_code, 400)
            message = (
                "Someone proposed the same paper or mapping a moment ago; nothing was saved. Check and submit again."
            )
            self.assertEqual(response.context["forms"].non_field_errors, [message])
            response = self.submit_api(paper=new_paper(), mappings=[mapping()])
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response.json()["non_field_errors"], [message])
        self.assertEqual(written(), before)


class DuplicateTests(SubmissionTestCase):
    def setUp(self):
        super().setUp()
        self.known = make_paper(
            "known-2020",
            title="Taxonomy of Real Faults in Deep Learning Systems",
            doi="10.1145/3377811.3380395",
            arxiv_id="1910.11015",
        )

    def test_same_doi_same_arxiv_id_or_same_title_points_to_the_existing_paper(self):
        cases = [
            ("doi", new_paper(doi="https://doi.org/10.1145/3377811.3380395")),
            ("arxiv_id", new_paper(doi="", arxiv_id="arXiv:1910.11015v2")),
            (
                "title",
                new_paper(
                    doi="", url="https://example.org/p", title="TAXONOMY of real-faults in {D}eep Learning Systems!"
                ),
            ),
        ]
        what = {"doi": "this DOI", "arxiv_id": "this arXiv id", "title": "this title"}
        for field, paper in cases:
            with self.subTest(field=field):
                before = written()
                message = (
                    f"A paper with {what[field]} is already in the knowledge base: “Taxonomy of Real Faults in Deep "
                    "Learning Systems” (key known-2020). Add your mappings to it instead."
                )
                response = self.submit_web(paper=paper, mappings=[mapping()])
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.context["forms"].paper.errors[field])
                self.assertContains(response, 'value="use-paper:known-2020"', status_code=400)
                response = self.submit_api(paper=paper, mappings=[mapping()])
                self.assertEqual(response.status_code, 400)
                body = response.json()
                self.assertIn(message, body["paper"][field])
                self.assertEqual(body["duplicate_of"][0]["key"], "known-2020")
                self.assertEqual(body["duplicate_of"][0]["url"], "/papers/known-2020/")
                self.assertEqual(written(), before)

    def test_use_the_existing_paper_instead_keeps_the_mappings_and_then_submits_to_it(self):
        data = web_data(
            paper=new_paper(doi="10.1145/3377811.3380395"), mappings=[mapping()], action="use-paper:known-2020"
        )
        response = self.client.post(reverse("papers:submission-create"), data)
        self.assertEqual(response.status_code, 200)
        forms = response.context["forms"]
        self.assertEqual(forms.submission["paper_choice"].value(), "existing")
        self.assertEqual(forms.submission["existing_paper"].value(), "known-2020")
        self.assertEqual(forms.formset.forms[0]["fault"].value(), "T-1")
        self.assertEqual(forms.formset.forms[0]["rationale"].value(), mapping()["rationale"])
        self.assertNotContains(response, "errorlist")
        response = self.submit_web(paper_key="known-2020", mappings=[mapping()])
        submission = Submission.objects.get()
        self.assertRedirects(response, submission.get_absolute_url())
        self.assertEqual((submission.paper, submission.creates_paper), (self.known, False))

    def test_a_paper_awaiting_review_is_a_duplicate_too(self):
        first = self.submit(paper=new_paper(doi="10.1145/5555555.5555555"), mappings=[mapping()])
        response = self.submit_api(paper=new_paper(doi="10.1145/5555555.5555555"), mappings=[mapping()])
        self.assertEqual(
            response.json()["paper"]["doi"],
            [f"A paper with this DOI is already awaiting review in your submission of {first.created_at:%Y-%m-%d}."],
        )
        self.api.force_authenticate(self.curator)
        response = self.submit_api(paper=new_paper(doi="10.1145/5555555.5555555"), mappings=[mapping()])
        self.assertEqual(
            response.json()["paper"]["doi"], ["A paper with this DOI is already awaiting review in another submission."]
        )

    def test_a_rejected_new_paper_does_not_block_a_later_proposal(self):
        first = self.submit(paper=new_paper(doi="10.1145/5555555.5555555"), mappings=[mapping()])
        review.reject(first, self.curator, "Wrong fault.")
        second = self.submit(paper=new_paper(doi="10.1145/5555555.5555555"), mappings=[mapping()])
        self.assertNotEqual(first.paper_id, second.paper_id)
        self.assertEqual(Paper.objects.filter(doi="10.1145/5555555.5555555").count(), 2)

    def test_lookup_finds_public_papers_by_title_doi_or_arxiv_id(self):
        make_paper("secret", title="Taxonomy of Real Faults, pending", status=ReviewStatus.PENDING)
        url = reverse("papers:submission-lookup")
        for query, match in [
            ("10.1145/3377811.3380395", "doi"),
            ("https://arxiv.org/abs/1910.11015v1", "arxiv"),
            ("taxonomy of real faults in deep learning systems", "title"),
            ("real faults", "similar"),
        ]:
            with self.subTest(query=query):
                body = self.client.get(url, {"q": query}).json()
                self.assertEqual([(m["key"], m["match"]) for m in body["matches"]], [("known-2020", match)])
        self.assertEqual(self.client.get(url, {"q": "ta"}).json(), {"matches": []})
        api = self.api.get(reverse("api:submission-lookup"), {"q": "10.1145/3377811.3380395"}).json()
        self.assertEqual(api["matches"][0]["key"], "known-2020")


#
# BibTeX
#

ACM = """@inproceedings{10.1145/3377811.3380395,
author = {Humbatova, Nargiz and Jahangirova, Gunel and Bavota, Gabriele and Riccio, Vincenzo and Stocco, Andrea and Tonella, Paolo},
title = {Taxonomy of Real Faults in Deep Learning Systems},
year = {2020},
isbn = {9781450371216},
publisher = {Association for Computing Machinery},
address = {New York, NY, USA},
url = {https://doi.org/10.1145/3377811.3380395},
doi = {10.1145/3377811.3380395},
booktitle = {Proceedings of the ACM/IEEE 42nd International Conference on Software Engineering},
pages = {1110–1121},
numpages = {12},
keywords = {deep learning, real faults, software testing, taxonomy},
location = {Seoul, South Korea},
series = {ICSE '20}
}"""  # noqa: E501

IEEE = """@INPROCEEDINGS{9402050,
  author={Wardat, Mohammad and Le, Wei and Rajan, Hridesh},
  booktitle={2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)},
  title={DeepLocalize: Fault Localization for Deep Neural Networks},
  year={2021},
  volume={},
  number={},
  pages={251-262},
  doi={10.1109/ICSE43902.2021.00034}}"""

ARXIV = """@misc{nguyen2025systematicsurveydebuggingtechniques,
      title={A Systematic Survey on Debugging Techniques for Machine Learning Systems},
      author={Thanh-Dat Nguyen and Haoye Tian and Bach Le and Patanamon Thongtanunam and Shane McIntosh},
      year={2025},
      eprint={2503.03158},
      archivePrefix={arXiv},
      primaryClass={cs.SE},
      url={https://arxiv.org/abs/2503.03158},
}"""

DBLP = """@inproceedings{DBLP:conf/sosp/PeiCYJ17,
  author       = {Kexin Pei and
                  Yinzhi Cao and
                  Junfeng Yang and
                  Suman Jana},
  title        = {DeepXplore: Automated Whitebox Testing of Deep Learning Systems},
  booktitle    = {Proceedings of the 26th Symposium on Operating Systems Principles,
                  Shanghai, China, October 28-31, 2017},
  pages        = {1--18},
  publisher    = {{ACM}},
  year         = {2017},
  url          = {https://doi.org/10.1145/3132747.3132785},
  doi          = {10.1145/3132747.3132785},
  biburl       = {https://dblp.org/rec/conf/sosp/PeiCYJ17.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}"""

DBLP_CORR = """@article{DBLP:journals/corr/abs-1910-11015,
  author       = {Nargiz Humbatova and
                  Gunel Jahangirova and
                  Gabriele Bavota and
                  Vincenzo Riccio and
                  Andrea Stocco and
                  Paolo Tonella},
  title        = {Taxonomy of Real Faults in Deep Learning Systems},
  journal      = {CoRR},
  volume       = {abs/1910.11015},
  year         = {2019},
  url          = {http://arxiv.org/abs/1910.11015},
  eprinttype    = {arXiv},
  eprint       = {1910.11015},
}"""

# Braces that protect capitals and LaTeX accents, an unbraced year, an escaped ampersand.
LATEX = r"""@inproceedings{cito2021,
  author = {Cito, J{\"u}rgen and Dillig, I{\c{s}}{\i}l and Kim, Seohyun},
  title = {Explaining {M}ispredictions of {M}achine {L}earning {M}odels using {R}ule {I}nduction},
  booktitle = {Proc.\ ESEC/FSE \& co},
  year = 2021,
}"""

HUMBATOVA = [
    "Nargiz Humbatova",
    "Gunel Jahangirova",
    "Gabriele Bavota",
    "Vincenzo Riccio",
    "Andrea Stocco",
    "Paolo Tonella",
]


class BibTeXTests(SubmissionTestCase):
    def test_real_world_styles(self):
        cases = {
            "ACM": (
                ACM,
                {
                    "title": "Taxonomy of Real Faults in Deep Learning Systems",
                    "authors": HUMBATOVA,
                    "year": 2020,
                    "venue": "Proceedings of the ACM/IEEE 42nd International Conference on Software Engineering",
                    "doi": "10.1145/3377811.3380395",
                    "arxiv_id": "",
                },
            ),
            "IEEE": (
                IEEE,
                {
                    "title": "DeepLocalize: Fault Localization for Deep Neural Networks",
                    "authors": ["Mohammad Wardat", "Wei Le", "Hridesh Rajan"],
                    "year": 2021,
                    "venue": "2021 IEEE/ACM 43rd International Conference on Software Engineering (ICSE)",
                    "doi": "10.1109/ICSE43902.2021.00034",
                    "arxiv_id": "",
                },
            ),
            "arXiv @misc with eprint": (
                ARXIV,
                {
                    "title": "A Systematic Survey on Debugging Techniques for Machine Learning Systems",
                    "authors": [
                        "Thanh-Dat Nguyen",
                        "Haoye Tian",
                        "Bach Le",
                        "Patanamon Thongtanunam",
                        "Shane McIntosh",
                    ],
                    "year": 2025,
                    "venue": "",
                    "doi": "",
                    "arxiv_id": "2503.03158",
                },
            ),
            "DBLP": (
                DBLP,
                {
                    "title": "DeepXplore: Automated Whitebox Testing of Deep Learning Systems",
                    "authors": ["Kexin Pei", "Yinzhi Cao", "Junfeng Yang", "Suman Jana"],
                    "year": 2017,
                    "venue": "Proceedings of the 26th Symposium on Operating Systems Principles, "
                    "Shanghai, China, October 28-31, 2017",
                    "doi": "10.1145/3132747.3132785",
                    "arxiv_id": "",
                },
            ),
            "DBLP CoRR": (
                DBLP_CORR,
                {
                    "title": "Taxonomy of Real Faults in Deep Learning Systems",
                    "authors": HUMBATOVA,
                    "year": 2019,
                    "venue": "CoRR",
                    "doi": "",
                    "arxiv_id": "1910.11015",
                },
            ),
            "braces and LaTeX accents": (
                LATEX,
                {
                    "title": "Explaining Mispredictions of Machine Learning Models using Rule Induction",
                    "authors": ["Jürgen Cito", "Işıl Dillig", "Seohyun Kim"],
                    "year": 2021,
                    "venue": "Proc. ESEC/FSE & co",
                    "doi": "",
                    "arxiv_id": "",
                },
            ),
        }
        for style, (text, expected) in cases.items():
            with self.subTest(style=style):
                parsed = parse_bibtex(text)
                self.assertEqual({key: parsed[key] for key in expected}, expected)

    def test_prefill_from_pasted_bibtex_fills_the_paper_fields_and_keeps_the_mappings(self):
        data = web_data(paper={}, mappings=[mapping()], action="prefill")
        data["bibtex"] = ARXIV
        response = self.client.post(reverse("papers:submission-create"), data)
        self.assertEqual(response.status_code, 200)
        paper_form = response.context["paper_form"]
        self.assertEqual(
            paper_form["title"].value(), "A Systematic Survey on Debugging Techniques for Machine Learning Systems"
        )
        self.assertEqual(paper_form["arxiv_id"].value(), "2503.03158")
        self.assertEqual(paper_form["year"].value(), 2025)
        self.assertIn("Thanh-Dat Nguyen\nHaoye Tian", paper_form["authors"].value())
        self.assertEqual(response.context["forms"].formset.forms[0]["fault"].value(), "T-1")
        self.assertEqual(response.context["duplicates"], [])
        self.assertEqual(Paper.objects.count(), 2)

    def test_prefill_from_an_uploaded_file_shows_a_paper_already_here(self):
        make_paper("deepxplore-2017", title="DeepXplore: Automated Whitebox Testing of Deep Learning Systems")
        data = web_data(paper={}, mappings=[mapping()], action="prefill")
        data["bibtex_file"] = SimpleUploadedFile("pei.bib", DBLP.encode(), content_type="application/x-bibtex")
        response = self.client.post(reverse("papers:submission-create"), data)
        self.assertEqual(
            [(m.paper.key, m.reason) for m in response.context["duplicates"]], [("deepxplore-2017", "title")]
        )
        self.assertContains(response, 'value="use-paper:deepxplore-2017"')

    def test_unreadable_or_oversized_bibtex_is_a_field_error(self):
        cases = [
            (
                "bibtex",
                "not bibtex at all",
                "No BibTeX entry found (expected something like @article{key, title={...}, ...}).",
            ),
            ("bibtex", "@misc{k, title={T}," + "x" * 21_000 + "}", "BibTeX is limited to 20 kB."),
            ("bibtex", "", "Paste a BibTeX entry or choose a .bib file."),
            ("bibtex", "@misc{k, author={A}}", "The BibTeX entry has no title."),
        ]
        for field, text, message in cases:
            with self.subTest(message=message):
                data = web_data(paper={}, mappings=[mapping()], action="prefill")
                data[field] = text
                response = self.client.post(reverse("papers:submission-create"), data)
                self.assertEqual(response.context["bibtex"].errors[field], [message])
        data = web_data(paper={}, mappings=[mapping()], action="prefill")
        data["bibtex_file"] = SimpleUploadedFile("big.bib", b"@misc{k, title={T}}" + b" " * 20_001)
        response = self.client.post(reverse("papers:submission-create"), data)
        self.assertEqual(response.context["bibtex"].errors["bibtex_file"], ["BibTeX is limited to 20 kB."])

    def test_api_takes_bibtex_instead_of_the_paper_fields(self):
        response = self.submit_api(bibtex=IEEE, mappings=[mapping()])
        self.assertEqual(response.status_code, 201, response.content)
        paper = Paper.objects.get(doi="10.1109/ICSE43902.2021.00034")
        self.assertEqual(
            (paper.title, paper.year, paper.status),
            ("DeepLocalize: Fault Localization for Deep Neural Networks", 2021, "pending"),
        )
        self.assertEqual(paper.authors, ["Mohammad Wardat", "Wei Le", "Hridesh Rajan"])
        response = self.submit_api(bibtex="@@@", mappings=[mapping()])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["bibtex"],
            ["No BibTeX entry found (expected something like @article{key, title={...}, ...})."],
        )


#
# Rate limit
#


TWO_PER_HOUR = {
    **settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "submissions": "2/hour"},
}


@override_settings(REST_FRAMEWORK=TWO_PER_HOUR)
class RateLimitTests(SubmissionTestCase):
    def test_web_form_counts_the_users_submissions_in_the_window(self):
        for fault in ("T-1", "T.1"):
            response = self.submit_web(paper_key="alpha", mappings=[mapping(fault)])
            self.assertEqual(response.status_code, 302)
        before = written()
        response = self.submit_web(paper_key="beta", mappings=[mapping("T-1")])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.context["forms"].non_field_errors,
            ["You have reached the limit of 2 submissions per hour; please try again later."],
        )
        self.assertEqual(written(), before)
        # Another user is not affected.
        self.client.force_login(self.curator)
        self.assertEqual(self.submit_web(paper_key="beta", mappings=[mapping("T-1")]).status_code, 302)

    def test_api_throttles_with_429(self):
        for fault in ("T-1", "T.1"):
            self.assertEqual(self.submit_api(paper_key="alpha", mappings=[mapping(fault)]).status_code, 201)
        response = self.submit_api(paper_key="beta", mappings=[mapping("T-1")])
        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response.headers)
        self.assertEqual(Submission.objects.count(), 2)

    def test_old_submissions_leave_the_window(self):
        for fault in ("T-1", "T.1"):
            self.submit(paper_key="alpha", mappings=[mapping(fault)])
        Submission.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))
        self.assertEqual(self.submit_web(paper_key="beta", mappings=[mapping("T-1")]).status_code, 302)


#
# Permissions and CSRF
#


class PermissionTests(SubmissionTestCase):
    def setUp(self):
        super().setUp()
        self.other = User.objects.create_user("other", "other@example.org", "other-pass-123")
        self.client.logout()

    def pending(self, user=None) -> Submission:
        paper = make_paper(f"pending-{Paper.objects.count()}")
        return self.submit(user or self.researcher, paper_key=paper.key, mappings=[mapping("T-1")])

    def pending_paper(self) -> str:
        return make_paper(f"fresh-{Paper.objects.count()}").key

    def web_actions(self):
        """(name, method, url, data, expected status for researcher, expected for curator)."""
        own = self.pending()
        changes = self.pending(self.other)
        review.request_changes(changes, self.curator, "Please add a quote.")
        approved = make_mapping(make_paper(self.pending_paper() + "-approved"), self.uncovered)
        return [
            ("submit form", "get", reverse("papers:submission-create"), None, 200, 200),
            (
                "submit",
                "post",
                reverse("papers:submission-create"),
                web_data(paper_key=self.pending_paper(), mappings=[mapping("T.1")]),
                302,
                302,
            ),
            ("my submissions", "get", reverse("papers:submission-list"), None, 200, 200),
            ("own submission", "get", own.get_absolute_url(), None, 200, 200),
            ("someone else's submission", "get", changes.get_absolute_url(), None, 404, 200),
            ("edit someone else's", "get", reverse("papers:submission-edit", args=[changes.uid]), None, 404, 404),
            ("review queue", "get", reverse("papers:review-queue"), None, 403, 200),
            ("review page", "get", reverse("papers:review-detail", args=[own.uid]), None, 403, 200),
            ("claim", "post", reverse("papers:review-claim", args=[own.uid]), {}, 403, 302),
            ("release", "post", reverse("papers:review-release", args=[own.uid]), {}, 403, 302),
            ("approve", "post", reverse("papers:review-decide", args=[own.uid]), {"decision": "approve"}, 403, 302),
            ("retract form", "get", reverse("papers:mapping-retract", args=[approved.uid]), None, 403, 200),
            (
                "retract",
                "post",
                reverse("papers:mapping-retract", args=[approved.uid]),
                {"reason": "Misread."},
                403,
                302,
            ),
            ("freeze snapshot", "post", reverse("coverage:snapshot-create"), {"name": "perm-check"}, 403, 302),
            ("profile", "get", reverse("accounts:profile"), None, 200, 200),
            ("create token", "post", reverse("accounts:token-create"), {}, 302, 302),
            ("revoke token", "post", reverse("accounts:token-revoke"), {}, 302, 302),
        ]

    def test_web_permission_matrix(self):
        for role, user in (("anonymous", None), ("researcher", self.researcher), ("curator", self.curator)):
            for name, method, url, data, researcher_status, curator_status in self.web_actions():
                with self.subTest(role=role, action=name):
                    client = Client()
                    if user is not None:
                        client.force_login(user)
                    response = getattr(client, method)(url, data) if data is not None else client.get(url)
                    if user is None:
                        self.assertEqual(response.status_code, 302)
                        self.assertTrue(
                            response["Location"].startswith(reverse("login") + "?next="), response["Location"]
                        )
                    else:
                        expected = researcher_status if role == "researcher" else curator_status
                        self.assertEqual(response.status_code, expected)

    def api_actions(self):
        own = self.pending()
        others = self.pending(self.other)
        approved = make_mapping(make_paper(f"epsilon-{own.pk}"), self.uncovered)
        detail = lambda s, action="": reverse(f"api:submission-{action or 'detail'}", args=[s.uid])  # noqa: E731
        return [
            (
                "create",
                "post",
                reverse("api:submission-list"),
                api_data(paper_key=self.pending_paper(), mappings=[mapping("T.1")]),
                201,
                201,
            ),
            ("list", "get", reverse("api:submission-list"), None, 200, 200),
            ("retrieve own", "get", detail(own), None, 200, 200),
            ("retrieve someone else's", "get", detail(others), None, 404, 200),
            ("claim", "post", detail(own, "claim"), {}, 403, 200),
            ("request changes", "post", detail(own, "request-changes"), {"reason": "Add a quote."}, 403, 200),
            ("reject", "post", detail(others, "reject"), {"reason": "Out of scope."}, 403, 200),
            ("approve", "post", detail(self.pending(self.other), "approve"), {}, 403, 200),
            (
                "retract",
                "post",
                reverse("api:retraction-list"),
                {"mapping": str(approved.uid), "reason": "Misread."},
                403,
                200,
            ),
            ("snapshot diff (public)", "get", reverse("api:snapshot-diff-list") + "?before=live", None, 200, 200),
        ]

    def test_api_permission_matrix(self):
        for role, user in (("anonymous", None), ("researcher", self.researcher), ("curator", self.curator)):
            for name, method, url, data, researcher_status, curator_status in self.api_actions():
                with self.subTest(role=role, action=name):
                    client = APIClient()
                    if user is not None:
                        client.force_authenticate(user)
                    response = (
                        getattr(client, method)(url, data, format="json") if data is not None else client.get(url)
                    )
                    if user is None:
                        expected = 200 if "public" in name else 401
                    else:
                        expected = researcher_status if role == "researcher" else curator_status
                    self.assertEqual(response.status_code, expected, response.content)
                    # Only a 401 carries the challenge: for a 403, authenticating again would not help.
                    self.assertEqual(response.get("WWW-Authenticate"), "Token" if expected == 401 else None)

    def test_token_authentication_submits_without_csrf(self):
        token = Token.objects.create(user=self.researcher)
        client = APIClient(enforce_csrf_checks=True)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        response = client.post(
            reverse("api:submission-list"), api_data(paper_key="alpha", mappings=[mapping("T-1")]), format="json"
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["submitter"], "researcher")

    def test_session_api_and_every_form_enforce_csrf(self):
        own = self.pending()
        approved = make_mapping(make_paper("zeta"), self.uncovered)
        posts = [
            (
                self.researcher,
                reverse("papers:submission-create"),
                web_data(paper_key="alpha", mappings=[mapping("T.1")]),
            ),
            (self.curator, reverse("papers:review-claim", args=[own.uid]), {}),
            (self.curator, reverse("papers:review-decide", args=[own.uid]), {"decision": "approve"}),
            (self.curator, reverse("papers:mapping-retract", args=[approved.uid]), {"reason": "x"}),
            (self.curator, reverse("coverage:snapshot-create"), {"name": "csrf"}),
            (self.researcher, reverse("accounts:token-create"), {}),
            (self.researcher, reverse("logout"), {}),
            (self.researcher, reverse("api:submission-list"), {"paper_key": "alpha"}),
        ]
        before = written()
        for user, url, data in posts:
            with self.subTest(url=url):
                client = Client(enforce_csrf_checks=True)
                client.force_login(user)
                self.assertEqual(client.post(url, data).status_code, 403)
        self.assertEqual(written(), before)
        self.assertFalse(Snapshot.objects.exists())
        self.assertFalse(Token.objects.exists())
        # With the token from the form, the same post goes through.
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.researcher)
        page = client.get(reverse("papers:submission-create"))
        data = web_data(paper_key="alpha", mappings=[mapping("T.1")])
        data["csrfmiddlewaretoken"] = page.context["csrf_token"]
        self.assertEqual(client.post(reverse("papers:submission-create"), data).status_code, 302)

    def test_researcher_sees_only_their_own_submissions_in_the_api(self):
        mine = self.pending()
        self.pending(self.other)
        client = APIClient()
        client.force_authenticate(self.researcher)
        body = client.get(reverse("api:submission-list")).json()
        self.assertEqual([item["uid"] for item in body["results"]], [str(mine.uid)])
        client.force_authenticate(self.curator)
        self.assertEqual(client.get(reverse("api:submission-list")).json()["count"], 2)

    def test_the_submitter_edits_only_after_changes_were_requested_and_curators_while_it_is_open(self):
        # The whole matrix of curators' edits is in test_curator_edit.py.
        own = self.pending()
        client = APIClient()
        client.force_authenticate(self.researcher)
        body = api_data(mappings=[mapping("T-1", strength="partial")])
        response = client.put(reverse("api:submission-detail", args=[own.uid]), body, format="json", **if_match(own))
        self.assertEqual(response.status_code, 409)
        review.request_changes(own, self.curator, "Partial, not explicit.")
        client.force_authenticate(self.curator)
        self.assertEqual(
            client.put(
                reverse("api:submission-detail", args=[own.uid]), body, format="json", **if_match(own)
            ).status_code,
            200,
        )
        client.force_authenticate(self.other)
        self.assertEqual(
            client.put(
                reverse("api:submission-detail", args=[own.uid]), body, format="json", **if_match(own)
            ).status_code,
            404,
        )


#
# The whole flow, with exact numbers
#


def figures() -> dict:
    return snapshots.figures_for(None)


class FlowTests(SubmissionTestCase):
    """Tiny world: 2 leaves (memory-leak addressed by alpha's explicit mapping; uncovered with nothing), beta maps
    to the memory category; GitHub: 1 issue on memory-leak, 1 commit on uncovered; 1 SO post and 1 interview
    mention on memory-leak. A new paper mapped explicitly to "uncovered" moves exactly these figures."""

    EXPECTED_CHANGE = {
        "leaves.addressed": (1, 2),
        "leaves.unaddressed": (1, 0),
        "leaves.addressed_pct": (50.0, 100.0),
        "leaves.unaddressed_pct": (50.0, 0.0),
        "github.addressed": (1, 2),
        "github.unaddressed": (1, 0),
        "github.unaddressed_pct": (50.0, 0.0),
        "papers.total": (2, 3),
        "papers.mappings": (2, 3),
        "papers.explicit": (1, 2),
    }

    def setUp(self):
        super().setUp()
        self.seed = snapshots.freeze("seed", created_by="test")
        self.seed_figures = dict(self.seed.figures)
        self.curator_client = Client()
        self.curator_client.force_login(self.curator)

    def submit_gamma(self) -> Submission:
        response = self.submit_web(
            paper=new_paper(),
            mappings=[mapping("T-1", quote="We catch uncovered faults.", quote_locator="abstract")],
            comment="Found while reading ICSE 2024.",
        )
        submission = Submission.objects.get()
        self.assertRedirects(response, submission.get_absolute_url())
        return submission

    def test_submit_queue_claim_approve_moves_live_coverage_by_exactly_the_expected_amount(self):
        before = figures()
        self.assertEqual(
            {key: snapshots._flatten(before)[key] for key in self.EXPECTED_CHANGE},
            {key: values[0] for key, values in self.EXPECTED_CHANGE.items()},
        )
        submission = self.submit_gamma()
        self.assertEqual(figures(), before, "a pending submission never counts")
        self.assertFalse(Paper.objects.public().filter(title__startswith="Gamma").exists())

        queue = self.curator_client.get(reverse("papers:review-queue"))
        self.assertEqual(list(queue.context["page_obj"]), [submission])
        page = self.curator_client.get(reverse("papers:review-detail", args=[submission.uid]))
        (row,) = page.context["diff"].mappings
        self.assertEqual(
            (row.status_now, row.status_if_approved), (coverage.Status.UNADDRESSED, coverage.Status.ADDRESSED)
        )
        self.assertEqual(page.context["diff"].leaves_newly_addressed, 1)

        self.curator_client.post(reverse("papers:review-claim", args=[submission.uid]))
        response = self.curator_client.post(
            reverse("papers:review-decide", args=[submission.uid]), {"decision": "approve", "reason": ""}
        )
        self.assertRedirects(response, reverse("papers:review-queue"))

        flat_before, flat_after = snapshots._flatten(before), snapshots._flatten(figures())
        self.assertEqual(set(flat_before), set(flat_after))
        changed = {
            key: (flat_before[key], flat_after[key]) for key in flat_after if flat_before[key] != flat_after[key]
        }
        self.assertEqual(changed, self.EXPECTED_CHANGE)
        paper = Paper.objects.get(title="Gamma: catching uncovered faults")
        mapping_row = paper.mappings.get()
        self.assertEqual((paper.status, paper.origin, paper.submitted_by), ("approved", "submission", self.researcher))
        self.assertEqual((mapping_row.status, mapping_row.curated_by), ("approved", "curator"))
        self.assertIsNotNone(mapping_row.approved_at)
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.reviewed_by), ("approved", self.curator))

        # The API and the pages show the live figures; the seed snapshot is unchanged and still verifies.
        api = self.api.get(reverse("api:coverage-list")).json()
        self.assertEqual((api["leaves"]["addressed"], api["leaves"]["unaddressed"]), (2, 0))
        seeded = self.api.get(reverse("api:coverage-list"), {"snapshot": "seed"}).json()
        self.assertEqual((seeded["leaves"]["addressed"], seeded["leaves"]["unaddressed"]), (1, 1))
        self.seed.refresh_from_db()
        self.assertEqual(self.seed.figures, self.seed_figures)
        self.assertTrue(snapshots.verify(self.seed))
        self.assertEqual(self.seed.entries.count(), 2)

        # The diff explains exactly this change.
        diff = snapshots.diff(self.seed, None)
        self.assertEqual(
            [(c.code, c.before, c.after) for c in diff.status_changes], [("T-1", "unaddressed", "addressed")]
        )
        self.assertEqual(
            [(m.mapping_uid, m.paper_key, m.fault_code, m.strength) for m in diff.added],
            [(str(mapping_row.uid), paper.key, "T-1", "explicit")],
        )
        self.assertEqual(diff.removed, [])
        self.assertEqual({f.key: (f.before, f.after) for f in diff.figures}, self.EXPECTED_CHANGE)
        api_diff = self.api.get(reverse("api:snapshot-diff-list"), {"before": "seed", "after": "live"}).json()
        self.assertEqual(
            api_diff["status_changes"],
            [{"code": "T-1", "name": "Uncovered", "before": "unaddressed", "after": "addressed"}],
        )
        self.assertEqual([m["fault_code"] for m in api_diff["added"]], ["T-1"])
        self.assertEqual({f["key"]: (f["before"], f["after"]) for f in api_diff["figures"]}, self.EXPECTED_CHANGE)

        # History: who proposed, who approved.
        page = self.client.get(paper.get_absolute_url())
        self.assertContains(page, "History")
        from papers.history import paper_history

        entries = paper_history(paper)
        self.assertEqual(
            [(e.who, e.subject, e.action) for e in entries],
            [
                ("curator", "Mapping to T-1", "changed"),
                ("curator", "Paper", "changed"),
                ("researcher", "Mapping to T-1", "created"),
                ("researcher", "Paper", "created"),
            ],
        )
        self.assertIn(
            ("Status", "Pending review", "Approved"),
            [(c.field.capitalize(), c.before, c.after) for c in entries[0].changes],
        )

    def test_reject_changes_nothing_and_the_reason_is_visible_to_the_submitter(self):
        before = figures()
        submission = self.submit_gamma()
        response = self.curator_client.post(
            reverse("papers:review-decide", args=[submission.uid]), {"decision": "reject"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.context["form"].errors["reason"], ["Give a reason when rejecting: the submitter sees it."]
        )
        response = self.curator_client.post(
            reverse("papers:review-decide", args=[submission.uid]),
            {"decision": "reject", "reason": "The paper targets category T, not leaf T-1."},
        )
        self.assertRedirects(response, reverse("papers:review-queue"))
        self.assertEqual(figures(), before)
        self.assertEqual(snapshots.diff(self.seed, None).figures, [])
        paper = Paper.objects.get(title="Gamma: catching uncovered faults")
        self.assertEqual((paper.status, paper.mappings.get().status), ("rejected", "rejected"))
        self.assertEqual(self.client.get(paper.get_absolute_url()).status_code, 404)
        for url in (reverse("papers:submission-list"), submission.get_absolute_url()):
            self.assertContains(self.client.get(url), "The paper targets category T, not leaf T-1.")
        body = self.api.get(reverse("api:submission-detail", args=[submission.uid])).json()
        self.assertEqual(
            (body["status"], body["review_reason"]), ("rejected", "The paper targets category T, not leaf T-1.")
        )

    def test_request_changes_then_edit_and_resubmit_then_approve(self):
        submission = self.submit_gamma()
        self.curator_client.post(
            reverse("papers:review-decide", args=[submission.uid]),
            {"decision": "request_changes", "reason": "It is partial: the abstract does not name the fault."},
        )
        submission.refresh_from_db()
        self.assertEqual(submission.status, "changes_requested")
        self.assertEqual(submission.mappings.get().status, "changes_requested")
        edit = self.client.get(reverse("papers:submission-edit", args=[submission.uid]))
        self.assertContains(edit, "It is partial: the abstract does not name the fault.")
        self.assertEqual(edit.context["forms"].formset.forms[0]["fault"].value(), "T-1")
        edited = mapping("T-1", strength="partial", quote="We catch uncovered faults.", quote_locator="abstract")
        data = web_data(paper=new_paper(), mappings=[edited], comment="Now partial.")
        del data["paper_choice"], data["existing_paper"]
        response = self.client.post(reverse("papers:submission-edit", args=[submission.uid]), data)
        self.assertRedirects(response, submission.get_absolute_url())
        submission.refresh_from_db()
        self.assertEqual((submission.status, submission.comment), ("pending", "Now partial."))
        self.assertEqual(submission.mappings.get().strength, "partial")
        page = self.curator_client.get(reverse("papers:review-detail", args=[submission.uid]))
        self.assertEqual(page.context["diff"].mappings[0].changed_fields, [("strength", "explicit", "partial")])
        review.approve(submission, self.curator)
        self.assertEqual(figures()["leaves"]["partial"], 1)
        # Approved: no more edits.
        self.assertRedirects(
            self.client.get(reverse("papers:submission-edit", args=[submission.uid])), submission.get_absolute_url()
        )

    def test_retract_takes_the_mapping_out_of_live_coverage_and_the_diff_lists_it(self):
        submission = self.submit_gamma()
        review.approve(submission, self.curator)
        approved = submission.mappings.get()
        frozen = snapshots.freeze("after-gamma")
        response = self.curator_client.post(reverse("papers:mapping-retract", args=[approved.uid]), {"reason": ""})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.context["form"].errors["reason"],
            ["Give a reason for retracting this mapping; it is kept in its history."],
        )
        response = self.curator_client.post(
            reverse("papers:mapping-retract", args=[approved.uid]), {"reason": "The tool targets a different fault."}
        )
        self.assertRedirects(response, approved.paper.get_absolute_url())
        approved.refresh_from_db()
        self.assertEqual(approved.status, "retracted")
        self.assertIsNotNone(approved.retracted_at)
        self.assertEqual(figures(), self.seed_figures)
        diff = snapshots.diff(frozen, None)
        self.assertEqual([(m.fault_code, m.strength) for m in diff.removed], [("T-1", "explicit")])
        self.assertEqual(
            [(c.code, c.before, c.after) for c in diff.status_changes], [("T-1", "addressed", "unaddressed")]
        )
        record = approved.history.order_by("-history_date").first()
        self.assertEqual(record.history_change_reason, "The tool targets a different fault.")
        self.assertTrue(snapshots.verify(frozen))

    def test_a_second_approval_applies_nothing(self):
        submission = self.submit_gamma()
        review.approve(submission, self.curator)
        history_before = FaultMapping.history.count()
        with self.assertRaisesMessage(
            review.ReviewConflict, "This submission is approved already; nothing was changed."
        ):
            review.approve(submission, self.curator)
        response = self.curator_client.post(
            reverse("papers:review-decide", args=[submission.uid]), {"decision": "approve"}
        )
        self.assertRedirects(response, reverse("papers:review-detail", args=[submission.uid]))
        api = APIClient()
        api.force_authenticate(self.curator)
        response = api.post(reverse("api:submission-approve", args=[submission.uid]))
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json(), {"detail": "This submission is approved already; nothing was changed."})
        self.assertEqual(FaultMapping.history.count(), history_before)

    def test_a_submission_claimed_by_another_curator_must_be_taken_over_first(self):
        submission = self.submit_gamma()
        other = User.objects.create_user("curator2", "c2@example.org", "curator2-pass-123")
        other.groups.add(curators_group())
        review.claim(submission, other)
        with self.assertRaisesMessage(
            review.ReviewConflict, "curator2 has claimed this submission; claim it first to review it."
        ):
            review.approve(submission, self.curator)
        review.claim(submission, self.curator)
        review.approve(submission, self.curator)
        submission.refresh_from_db()
        self.assertEqual(submission.status, "approved")

    def test_api_end_to_end_with_a_token(self):
        token = Token.objects.create(user=self.researcher)
        researcher = APIClient()
        researcher.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        response = researcher.post(
            reverse("api:submission-list"), api_data(paper=new_paper(), mappings=[mapping("T-1")]), format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual(
            set(created),
            {
                "uid",
                "url",
                "web_url",
                "status",
                "submitter",
                "paper",
                "creates_paper",
                "comment",
                "mappings",
                "created_at",
                "updated_at",
                "claimed_by",
                "claimed_at",
                "reviewed_by",
                "reviewed_at",
                "review_reason",
                "edited_by",
                "edited_at",
            },
        )
        self.assertEqual((created["status"], created["paper"]["status"]), ("pending", "pending"))
        curator_token = Token.objects.create(user=self.curator)
        curator = APIClient()
        curator.credentials(HTTP_AUTHORIZATION=f"Token {curator_token.key}")
        queue = curator.get(reverse("api:submission-list"), {"status": "pending", "ordering": "age"}).json()
        self.assertEqual([item["uid"] for item in queue["results"]], [created["uid"]])
        self.assertEqual(
            curator.post(reverse("api:submission-claim", args=[created["uid"]])).json()["claimed_by"], "curator"
        )
        approved = curator.post(
            reverse("api:submission-approve", args=[created["uid"]]), {"reason": "Good."}, format="json"
        )
        self.assertEqual(approved.json()["status"], "approved")
        self.assertEqual(researcher.get(created["url"]).json()["mappings"][0]["status"], "approved")
        self.assertEqual(figures()["leaves"]["addressed"], 2)


#
# Query counts of the list pages
#


class QueryCountTests(SubmissionTestCase):
    def grow(self, n: int):
        for i in range(n):
            paper = make_paper(f"grow-{self.id()[-8:]}-{Submission.objects.count()}-{i}")
            submission = Submission.objects.create(submitter=self.researcher, paper=paper, claimed_by=self.curator)
            for fault in (self.uncovered, self.memory):
                make_mapping(paper, fault, status=ReviewStatus.PENDING, submission=submission, methods=[self.fuzzing])

    def test_my_submissions_page(self):
        self.grow(2)
        with self.assertNumQueries(8):
            self.client.get(reverse("papers:submission-list"))
        self.grow(5)
        with self.assertNumQueries(8):
            response = self.client.get(reverse("papers:submission-list"))
        self.assertEqual(len(response.context["page_obj"]), 7)

    def test_review_queue(self):
        self.client.force_login(self.curator)
        self.grow(2)
        # + 1 since the blind coding: the curator's open blind codings, whose papers' mappings are hidden.
        with self.assertNumQueries(10):
            self.client.get(reverse("papers:review-queue"))
        self.grow(5)
        with self.assertNumQueries(10):
            response = self.client.get(reverse("papers:review-queue"), {"ordering": "fault"})
        self.assertEqual(len(response.context["page_obj"]), 7)

    def test_api_list(self):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=self.researcher).key}")
        self.grow(2)
        with self.assertNumQueries(7):
            client.get(reverse("api:submission-list"))
        self.grow(5)
        with self.assertNumQueries(7):
            self.assertEqual(client.get(reverse("api:submission-list")).json()["count"], 7)


class QueueFilterTests(SubmissionTestCase):
    def test_filter_and_sort_by_age_submitter_fault_and_status(self):
        other = User.objects.create_user("aaron", "a@example.org", "aaron-pass-123")
        first = self.submit(paper_key="alpha", mappings=[mapping("T-1")])
        second = self.submit(other, paper_key="beta", mappings=[mapping("T.1-1")])
        third = self.submit(other, paper_key="beta", mappings=[mapping("T-1")])
        review.reject(third, self.curator, "No.")
        self.client.force_login(self.curator)
        url = reverse("papers:review-queue")

        def uids(params):
            return [s.uid for s in self.client.get(url, params).context["page_obj"]]

        self.assertEqual(uids({}), [first.uid, second.uid])  # pending, oldest first
        self.assertEqual(uids({"ordering": "-age"}), [second.uid, first.uid])
        self.assertEqual(uids({"ordering": "submitter"}), [second.uid, first.uid])
        self.assertEqual(uids({"fault": "T-1"}), [first.uid])
        self.assertEqual(uids({"ordering": "fault"}), [second.uid, first.uid])  # T.1-1 comes before T-1 in the tree
        self.assertEqual(uids({"status": "rejected"}), [third.uid])
        self.assertEqual(uids({"status": "", "submitter": "aaron", "ordering": "age"}), [second.uid, third.uid])
        response = self.client.get(url, {"fault": "H-99"})
        self.assertEqual(list(response.context["page_obj"]), [])
        self.assertTrue(response.context["filter"].errors)


#
# Two curators approving at the same moment (PostgreSQL row locks)
#


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres_only")
class ConcurrentApprovalTests(TransactionTestCase):
    def test_two_curators_approving_at_once_apply_it_once(self):
        make_source("humbatova2020")
        leaf = make_fault("C-1", name="Concurrency leaf")
        make_method("M-T", name="Testing")
        researcher = User.objects.create_user("r", "r@example.org", "researcher-pass-123")
        group = curators_group()
        curators = []
        for name in ("c1", "c2"):
            user = User.objects.create_user(name, f"{name}@example.org", f"{name}-pass-123")
            user.groups.add(group)
            curators.append(user)
        paper = make_paper("conc-2024", status=ReviewStatus.PENDING)
        submission = Submission.objects.create(submitter=researcher, paper=paper, creates_paper=True)
        make_mapping(paper, leaf, status=ReviewStatus.PENDING, submission=submission)

        barrier = threading.Barrier(2)
        outcomes: list[str] = []
        apply = review._apply_approval

        def slow_apply(*args, **kwargs):
            time.sleep(0.3)  # widen the window: without the row lock both would get here and apply twice
            return apply(*args, **kwargs)

        def approve(curator):
            try:
                barrier.wait()
                review.approve(Submission.objects.get(pk=submission.pk), curator)
                outcomes.append("approved")
            except review.ReviewConflict as exc:
                outcomes.append(str(exc))
            finally:
                connection.close()

        with mock.patch.object(review, "_apply_approval", side_effect=slow_apply) as patched:
            threads = [threading.Thread(target=approve, args=(c,)) for c in curators]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(patched.call_count, 1)
        self.assertEqual(sorted(outcomes), ["This submission is approved already; nothing was changed.", "approved"])
        self.assertEqual(FaultMapping.history.filter(status="approved").count(), 1)
        self.assertEqual(Submission.history.filter(status="approved").count(), 1)
        self.assertEqual(Paper.history.filter(status="approved").count(), 1)
        self.assertEqual(Fault.objects.get(code="C-1").mappings.get().status, "approved")
