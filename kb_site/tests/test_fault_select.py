"""FaultSelect renders exactly what Django's Select renders (one template loop instead of one include per option)."""

from django import forms
from django.test import SimpleTestCase

from kb_site.ui import FaultSelect

CHOICES = [("", "Any fault"), ("T.1", "\u2003T.1 <Memory> & co"), ("T.1-1", "\u2003\u2003T.1-1 Leak")]


class FaultSelectTests(SimpleTestCase):
    def test_same_markup_as_django_select(self):
        for attrs in ({}, {"id": "id_fault", "class": "wide", "required": True, "disabled": False}):
            for value in (None, "", "T.1", "T.1-1", "NOPE"):
                with self.subTest(attrs=attrs, value=value):
                    self.assertEqual(
                        FaultSelect(attrs=attrs, choices=CHOICES).render("fault", value),
                        forms.Select(attrs=attrs, choices=CHOICES).render("fault", value),
                    )

    def test_selected_option_and_escaping(self):
        html = FaultSelect(choices=CHOICES).render("fault", "T.1")
        self.assertIn('<option value="T.1" selected>\u2003T.1 &lt;Memory&gt; &amp; co</option>', html)
        self.assertEqual(html.count(" selected"), 1)

    def test_searchable_adds_a_search_box_that_controls_the_select(self):
        html = FaultSelect(attrs={"id": "id_fault"}, choices=CHOICES, searchable=True).render("fault", "T.1")
        search, select = html.split("<select", 1)
        self.assertEqual(
            search,
            '<input type="search" class="fault-search" id="id_fault-search" aria-controls="id_fault" '
            'aria-describedby="id_fault-matches" aria-label="Find a fault by words of its name or its id" '
            'placeholder="Type words of a fault’s name or its id" autocomplete="off" spellcheck="false" hidden>\n'
            '<span class="fault-matches help" id="id_fault-matches" role="status"></span>\n',
        )
        plain = forms.Select(attrs={"id": "id_fault"}, choices=CHOICES).render("fault", "T.1")
        self.assertEqual("<select" + select, plain)
