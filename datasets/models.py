from django.db import models


class SeedRelease(models.Model):
    """A release of the shipped seed data applied to this database, with what its upgrade did (the history)."""

    number = models.PositiveIntegerField(unique=True)
    released_on = models.DateField(null=True, blank=True, help_text="The release date given by the survey data.")
    applied_at = models.DateTimeField(auto_now_add=True)
    adopted = models.BooleanField(
        default=False,
        help_text="Taken over from a database loaded before seed releases were recorded (its data was not written "
        "by this upgrade).",
    )
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    conflicts = models.JSONField(
        default=list,
        blank=True,
        help_text="Records upstream changed that were also changed here: the local value was kept "
        "(model, key, field, upstream and local values).",
    )

    class Meta:
        ordering = ["number"]

    def __str__(self):
        return f"seed release {self.number}"


class SeedRecord(models.Model):
    """A row the seed data put in this database: its identity, the release it last came from and its seeded values.

    ``fields`` is the record as seeded (the fixture's field values), the base of the three-way merge that a later
    release's upgrade makes: a field the database still holds with its seeded value may follow upstream, one that
    differs was curated here and is kept.
    """

    model = models.CharField(max_length=100, help_text="app_label.model")
    key = models.TextField(help_text="The row's identity as JSON (natural-key values, as in the fixture).")
    release = models.PositiveIntegerField()
    fields = models.JSONField()

    class Meta:
        ordering = ["model", "key"]
        constraints = [
            models.UniqueConstraint(fields=["model", "key"], name="%(app_label)s_%(class)s_unique_key"),
        ]

    def __str__(self):
        return f"{self.model} {self.key} (release {self.release})"
