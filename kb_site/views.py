from django.shortcuts import render
from django.views.decorators.http import require_safe

from kb_site import search as site_search


@require_safe
def search(request):
    results = site_search.search(request.GET.get("q", ""))
    return render(request, "search.html", {"results": results, "query": results.query})
