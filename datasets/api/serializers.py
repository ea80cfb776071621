from rest_framework import serializers

from datasets import dataset


class DatasetRecordSerializer(serializers.Serializer):
    pk = serializers.JSONField(help_text="The row's id in the exporting database.")
    fields = serializers.DictField(
        help_text="Field values; references to other rows are their identity (fault id, paper key, ...)."
    )


class DatasetSerializer(serializers.Serializer):
    """The dataset document ``datasets.dataset.dump`` writes and ``manage.py import_dataset`` reads."""

    format = serializers.ChoiceField(choices=[dataset.FORMAT])
    schema_version = serializers.IntegerField(help_text="Incremented whenever the document's structure changes.")
    scope = serializers.ChoiceField(choices=dataset.SCOPES)
    exported_at = serializers.DateTimeField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Records per model label.")
    records = serializers.DictField(
        child=DatasetRecordSerializer(many=True), help_text="Records per model label (app_label.model)."
    )
