from django.shortcuts import render
from django.views.decorators.http import require_safe

from kb_site.middleware import error_response
from kb_site.throttling import SearchRateThrottle
from papers.blind import HIDDEN, blind_paper_ids
from papers.models import Paper
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
    results = engine.search(query)
    if blind := blind_paper_ids(request):  # papers coded blind by the reader: never found through their mappings
        engine.hide_papers(results, set(Paper.objects.filter(pk__in=blind).values_list("key", flat=True)), HIDDEN)
    return render(request, "search/search.html", {"form": form, "query": query, "results": results})
