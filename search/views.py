from django.shortcuts import render
from django.views.decorators.http import require_safe

from kb_site.middleware import error_response
from kb_site.throttling import SearchRateThrottle
from search import engine
from search.forms import SearchForm


@require_safe
def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "search/search.html", {"form": form, "query": ""}, status=400)
    query = form.cleaned_data["q"]
    if query:
        throttle = SearchRateThrottle()
        if not throttle.allow_request(request, None):
            wait = int(throttle.wait()) + 1
            message = f"Too many searches from your address; try again in {wait} seconds."
            return error_response(request, 429, "throttled", message, {"Retry-After": str(wait)})
    return render(request, "search/search.html", {"form": form, "query": query, "results": engine.search(query)})
