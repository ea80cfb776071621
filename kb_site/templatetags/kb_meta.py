"""Machine-readable metadata in pages: ``{{ data|ld_json }}`` writes a schema.org JSON-LD data block."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# The escapes of Django's json_script: inside the block no "<", ">" or "&" can end it or open a tag ("</script").
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter(is_safe=True)
def ld_json(value) -> str:
    """``value`` as a ``<script type="application/ld+json">`` data block (not executed, so the CSP allows it)."""
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
