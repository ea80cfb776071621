from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from datasets import dataset
from datasets.api.serializers import DatasetSerializer
from papers.blind import blind_paper_ids


class DatasetExportView(APIView):
    """The whole public dataset as one JSON document with a versioned schema (``manage.py import_dataset`` reads it)."""

    permission_classes = [AllowAny]

    @extend_schema(summary="Full dataset export", responses=DatasetSerializer)
    def get(self, request):
        # The curator who codes a paper blind gets it without that paper's mappings and codings (papers.blind).
        return Response(dataset.dump(scope=dataset.PUBLIC, hidden_papers=blind_paper_ids(request)))
