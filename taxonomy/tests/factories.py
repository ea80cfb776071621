"""Plain factory functions with overridable defaults."""

import itertools

from taxonomy.models import Fault, Method, ReportedFigure, Source

_seq = itertools.count(1)


def make_source(key="humbatova2020", **kw) -> Source:
    defaults = {"title": f"Source {key}", "authors": "A. Author", "year": 2020, "licence": ""}
    defaults.update(kw)
    source, _ = Source.objects.get_or_create(key=key, defaults=defaults)
    return source


def make_fault(code=None, *, parent=None, kind=Fault.Kind.LEAF, name=None, **kw) -> Fault:
    n = next(_seq)
    code = code or f"T-{n}"
    defaults = {
        "slug": kw.pop("slug", f"fault-{code.lower().replace('.', '-')}"),
        "name": name or f"Fault {code}",
        "origin": Fault.Origin.HUMBATOVA2020,
        "source": kw.pop("source", None) or make_source(),
        "position": kw.pop("position", n),
    }
    defaults.update(kw)
    return Fault.objects.create(code=code, parent=parent, kind=kind, **defaults)


def make_method(code="M-T", *, parent=None, name=None, **kw) -> Method:
    n = next(_seq)
    return Method.objects.create(code=code, parent=parent, name=name or f"Method {code}", position=n, **kw)


def make_reported_figure(key="faults-explicitly-addressed-pct", *, value="48.0", unit="percent", **kw):
    defaults = {"of": "faults", "locator": "abstract", "source": kw.pop("source", None) or make_source("nguyen2025")}
    defaults.update(kw)
    return ReportedFigure.objects.create(key=key, value=value, unit=unit, **defaults)
