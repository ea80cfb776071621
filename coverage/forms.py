"""Forms of the coverage pages: publishing a release."""

from __future__ import annotations

from django import forms

from coverage import snapshots
from coverage.models import Release, Snapshot


class ReleaseForm(forms.ModelForm):
    """What a curator fills in to publish a snapshot as a release (the rest is fixed at publication)."""

    snapshot = forms.ModelChoiceField(
        queryset=Snapshot.objects.order_by("-created_at", "name"),
        to_field_name="name",
        help_text="The frozen snapshot to publish. Freeze a new one on the snapshots page to publish today's data.",
    )

    class Meta:
        model = Release
        fields = ["snapshot", "version", "name", "date", "licence", "description", "release_notes"]
        widgets = {
            # An HTML date input takes ISO dates only, whatever the locale's display format.
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "release_notes": forms.Textarea(attrs={"rows": 12}),
        }

    def clean_version(self):
        version = self.cleaned_data["version"]
        if version in {"latest", "new", "feed"}:
            raise forms.ValidationError(f"“{version}” is a page address; choose another version.")
        return version

    def clean_snapshot(self):
        snapshot = self.cleaned_data["snapshot"]
        if not snapshots.verify(snapshot):
            raise forms.ValidationError(
                "This snapshot no longer recomputes to its stored figures (the taxonomy or the evidence changed "
                "since it was frozen); freeze a new snapshot and publish that."
            )
        return snapshot
