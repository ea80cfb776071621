from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from coverage import agreement
from kb_site.history import paper_history
from kb_site.ui import label_choices
from papers.bibtex import paper_to_bibtex
from papers.filtersets import PaperFilterSet
from papers.models import Paper, RelatedReference
from taxonomy.models import Method
from taxonomy.tree import build_tree


class PaperListView(FilterView):
    filterset_class = PaperFilterSet
    paginate_by = 25
    template_name = "papers/paper_list.html"

    def get_queryset(self):
        return Paper.objects.for_list()

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        label_choices(filterset.form, tree=build_tree(), methods=Method.objects.all())
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Column headers sort by that column, and a second click reverses the order.
        current = self.request.GET.get("ordering", "")
        context["ordering"] = current
        context["title_order"] = "-title" if current == "title" else "title"
        context["year_order"] = "year" if current == "-year" else "-year"
        context["mapping_order"] = "mappings" if current == "-mappings" else "-mappings"
        return context


class PaperDetailView(DetailView):
    template_name = "papers/paper_detail.html"
    slug_field = "key"
    slug_url_kwarg = "key"
    context_object_name = "paper"

    def get_queryset(self):
        return Paper.objects.for_detail().select_related("source")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bibtex"] = paper_to_bibtex(self.object)
        context["history"] = paper_history(self.object)
        context["double_coding"] = agreement.paper_agreement(self.object)
        return context


class RelatedReferenceListView(ListView):
    template_name = "papers/related_list.html"
    context_object_name = "references"

    def get_queryset(self):
        return RelatedReference.objects.select_related("source")


paper_list = PaperListView.as_view()
paper_detail = PaperDetailView.as_view()
related_list = RelatedReferenceListView.as_view()
