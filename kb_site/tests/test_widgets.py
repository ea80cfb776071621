"""FastSelect renders exactly what Django's Select renders, only faster."""

from django import forms
from django.test import SimpleTestCase

from kb_site.widgets import FastSelect

CHOICES = [("", "Any fault"), ("H-1", '\u2003H-1 <Model> & "quotes"'), ("S-1.2", "S 1.2"), (3, "three"), (None, "none")]


class FastSelectTests(SimpleTestCase):
    def test_markup_equals_djangos_select(self):
        for value in ("", "H-1", None, "3", 3, "missing", ["S-1.2"]):
            for attrs in ({"id": "id_fault"}, {"id": "id_fault", "required": True, "disabled": False, "data-x": 'a"b'}):
                with self.subTest(value=value, attrs=attrs):
                    self.assertHTMLEqual(
                        FastSelect(attrs=attrs, choices=CHOICES).render("fault", value),
                        forms.Select(attrs=attrs, choices=CHOICES).render("fault", value),
                    )
                    self.assertEqual(
                        FastSelect(attrs=attrs, choices=CHOICES).render("fault", value),
                        forms.Select(attrs=attrs, choices=CHOICES).render("fault", value),
                    )

    def test_option_groups_fall_back_to_django(self):
        grouped = [("Group", [("a", "A"), ("b", "B")]), ("c", "C")]
        self.assertEqual(FastSelect(choices=grouped).render("x", "b"), forms.Select(choices=grouped).render("x", "b"))

    def test_through_a_form(self):
        class Form(forms.Form):
            fault = forms.ChoiceField(choices=CHOICES, widget=FastSelect, required=False)

        class DjangoForm(forms.Form):
            fault = forms.ChoiceField(choices=CHOICES, required=False)

        self.assertEqual(str(Form({"fault": "H-1"})["fault"]), str(DjangoForm({"fault": "H-1"})["fault"]))
