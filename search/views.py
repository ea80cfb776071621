from django.shortcuts import render
from django.views.decorators.http import require_safe

from search import engine
from search.forms import SearchForm


@require_safe
def search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "search/search.html", {"form": form, "query": ""}, status=400)
    query = form.cleaned_data["q"]
    return render(request, "search/search.html", {"form": form, "query": query, "results": engine.search(query)})
