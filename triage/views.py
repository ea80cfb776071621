from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kb_site.throttling import ClassifyRateThrottle, page_throttle
from triage import classifier, services
from triage.forms import ClassifyForm


@never_cache
def classify(request):
    """Paste a bug report, see its likely faults. The text is only read: never stored, never logged."""
    form = ClassifyForm(request.POST or None)
    result, unavailable = None, None
    if request.method == "POST" and (refused := page_throttle(request, ClassifyRateThrottle(), "classifications")):
        return refused
    if request.method == "POST" and form.is_valid():
        try:
            result = services.triage(form.cleaned_data["text"])
        except classifier.ClassifierUnavailable as error:
            unavailable = str(error)
    status = 503 if unavailable else (400 if request.method == "POST" and not form.is_valid() else 200)
    context = {"form": form, "result": result, "unavailable": unavailable}
    return render(request, "triage/classify.html", context, status=status)
