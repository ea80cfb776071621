"""``{% object_history obj %}``: the change history of a paper, fault or submission (``includes/history.html``).

The tag runs the fixed queries of ``kb_site.history`` (one per history table, two for a paper or a fault), so a
page shows its record's history with a one-line include and no change to its view.
"""

from django import template

from kb_site.history import history_for

register = template.Library()


@register.inclusion_tag("includes/history.html")
def object_history(obj, limit=50, title="History"):
    return {"entries": history_for(obj, limit=limit), "title": title}
