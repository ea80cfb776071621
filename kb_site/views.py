from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kb_site import search as site_search
from kb_site.middleware import error_response
from kb_site.throttling import SearchRateThrottle


@require_safe
def search(request):
    form = site_search.SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        throttle = SearchRateThrottle()
        if not throttle.allow_request(request, None):
            wait = int(throttle.wait()) + 1
            message = f"Too many searches from your address; try again in {wait} seconds."
            return error_response(request, 429, "throttled", message, {"Retry-After": str(wait)})
    results = site_search.search(query)
    return render(
        request,
        "search.html",
        {"results": results, "query": results.query, "form": form, "max_length": settings.KB_SEARCH_MAX_LENGTH},
    )
