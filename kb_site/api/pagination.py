"""Page-number pagination with a total count; export formats (CSV, BibTeX) get the whole filtered list."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from kb_site.api.params import check_parameters
from kb_site.api.renderers import EXPORT_FORMATS


class KBPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        check_parameters(request.query_params, [self.page_query_param, self.page_size_query_param])
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and renderer.format in EXPORT_FORMATS:
            # An export is the whole list; its page parameters must still make sense.
            self.get_page_size(request)
            page = request.query_params.get(self.page_query_param)
            if page is not None and not (page.isascii() and page.isdigit() and int(page[:9]) >= 1):
                raise ValidationError({self.page_query_param: ["Give a whole number from 1."]})
            return None
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        """``page_size`` when given (1 to ``max_page_size``; anything else is a 400), else the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= self.max_page_size):
            raise ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size, default=self.page_size)
        return parameters
