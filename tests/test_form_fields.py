"""The shared field template (_fields.html): a group of checkboxes is a fieldset whose legend
names it, not one label wrapped round every box with the group's name trailing after them."""

import re

from django import forms
from django.template.loader import render_to_string


class Choices(forms.Form):
    events = forms.MultipleChoiceField(
        label="send", choices=[("a", "An order is placed"), ("b", "A booking is made")],
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    agree = forms.BooleanField(label="I agree")


def test_a_checkbox_group_is_a_fieldset_named_by_its_legend_and_a_single_box_its_label():
    # given a form with a group of checkboxes and a single one
    # when the shared template renders it
    html = render_to_string("_fields.html", {"form": Choices()})

    # then the group is a fieldset whose legend names it, each box labelled by its own choice
    assert re.search(r'<fieldset class="plain-fieldset"><legend>Send</legend>', html)
    assert re.search(r"<label[^>]*><input[^>]*value=\"a\"[^>]*>\s*An order is placed</label>", html)
    assert "send</label>" not in html
    # and the single box keeps its label round it
    assert re.search(r'<label class="check"><input[^>]*name="agree"[^>]*> I agree</label>', html)
