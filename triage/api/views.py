from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from triage import classifier, services
from triage.api.serializers import ClassifyRequestSerializer, ClassifyResponseSerializer

_detail = inline_serializer("ClassifierUnavailable", {"detail": serializers.CharField()})


class ClassifyView(APIView):
    """Classify a pasted bug report onto the taxonomy. The text is neither stored nor logged."""

    # Public: anyone may ask (it changes nothing); throttled by the project's default throttle classes.
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    serializer_class = ClassifyRequestSerializer

    @extend_schema(
        summary="Classify a bug report",
        description="Bad input (empty, over 50 kB of UTF-8, control characters) is a 400 with a message on `text`; "
        "anonymous clients need no token and no CSRF token (a signed-in browser session needs its CSRF token).",
        request=ClassifyRequestSerializer,
        responses={
            200: ClassifyResponseSerializer,
            503: OpenApiResponse(
                _detail, description="The classifier has not been trained (run make data), or the database is down."
            ),
        },
    )
    def post(self, request):
        serializer = ClassifyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = services.triage(serializer.validated_data["text"])
        except classifier.ClassifierUnavailable as error:
            return Response({"detail": str(error)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response(ClassifyResponseSerializer(result, context={"request": request}).data)
