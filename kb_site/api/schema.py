"""The OpenAPI schema generator: drf-spectacular's, plus what DRF and the server really answer.

drf-spectacular documents the success response only; DRF also answers 400 (invalid query parameter or body,
field-level messages), 404 (unknown id, page out of range), 401 (credentials missing where needed, or invalid
anywhere, with a ``WWW-Authenticate`` challenge), 403 (signed in but not allowed, or a session write without its
CSRF token) and 429 (throttled), in the format asked for (``?format=csv`` errors are CSV), and the browsable API
answers HTML.
Documenting all of it lets clients and schemathesis check every response against the schema.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly
from rest_framework.renderers import BrowsableAPIRenderer

from kb_site.citations import CSL_MEDIA_TYPE

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

ERROR_DETAIL = {
    "type": "object",
    "description": "An error with a human-readable message.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "Field-level validation errors: each key names the offending query parameter or body field "
        "(or `non_field_errors`), each value lists the messages."
    ),
    "additionalProperties": {"anyOf": [{"type": "array", "items": {}}, {"type": "object"}]},
    "minProperties": 1,
}
TEXT = {"type": "string"}
# CSL-JSON (``?format=csljson``) is JSON, so clients parse it: always an array of CSL items.
CSL_ITEMS = {
    "type": "array",
    "description": "CSL-JSON items (Citation Style Language input), one per record.",
    "items": {"type": "object", "required": ["id", "type"]},
}


class KBAutoSchema(AutoSchema):
    def get_auth(self):
        """Security requirements only where a token (or a signed-in session) is needed: an operation anyone may
        call (public reads, the classifier) has none, so Swagger UI shows its lock only on operations that need
        credentials. drf-spectacular would list the schemes plus ``{}`` ("or nothing"), and Swagger UI draws a lock
        for that too."""
        auths = super().get_auth()
        permissions = self.view.get_permissions()
        anonymous_read = any(isinstance(p, DjangoModelPermissionsOrAnonReadOnly) for p in permissions)
        if {} in auths or (anonymous_read and self.method in SAFE_METHODS):
            return []
        return auths

    def _get_format_parameters(self):
        """``?format=``: every renderer's format, the browsable API's ``api`` included."""
        parameters = super()._get_format_parameters()
        for parameter in parameters:
            if self._browsable():
                parameter["schema"]["enum"].append("api")
            parameter["description"] = (
                "Response format (default: JSON, or HTML for a browser). The export formats csv (and bibtex, ris "
                "and csljson for papers) return the whole filtered list, not one page."
            )
        return parameters

    def _browsable(self) -> bool:
        return self.method == "GET" and any(isinstance(r, BrowsableAPIRenderer) for r in self.view.get_renderers())

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for response in responses.values():
            content = response.get("content", {})
            for media_type, body in content.items():
                if media_type == CSL_MEDIA_TYPE:
                    body["schema"] = CSL_ITEMS
                elif media_type != "application/json":
                    body["schema"] = TEXT  # CSV, BibTeX, RIS
            if content and self._browsable():
                content["text/html"] = {"schema": TEXT}

        for parameter in operation.get("parameters", []):
            items = parameter.get("schema", {}).get("items", {})
            if parameter["in"] == "query" and parameter["name"] == "ordering" and "enum" in items:
                # A blank ?ordering= (what the HTML filter form sends for "Default") means the default order.
                items["enum"] = ["", *items["enum"]] if "" not in items["enum"] else items["enum"]

        detail = self._component(registry, "ErrorDetail", ERROR_DETAIL)
        invalid = self._component(registry, "ValidationError", VALIDATION_ERROR)
        # A body that is not JSON at all, or a NUL byte in the address, is a 400 with a single message.
        bad_request = self._component(
            registry, "BadRequest", {"anyOf": [invalid.ref, detail.ref], "description": "Invalid request."}
        )
        has_query = any(parameter["in"] == "query" for parameter in operation.get("parameters", []))
        errors = {}
        if has_query or "requestBody" in operation:
            errors["400"] = ("Invalid query parameter or request body.", bad_request)
        if "requestBody" in operation:
            errors["413"] = ("The request body is over the size limit (kb_site.middleware).", detail)
        public = not operation.get("security")  # see get_auth: no requirement means anyone may call it
        challenge = self._challenge()
        if challenge:
            # Invalid credentials are refused even where none are needed: a wrong token on a public read is a 401.
            errors["401"] = (
                "Invalid credentials (e.g. a wrong or revoked token); none are needed here."
                if public
                else "Authentication credentials were not provided or are invalid.",
                detail,
            )
        # Without a challenge DRF refuses missing or invalid credentials with 403 instead (see _challenge).
        if not public or self.method not in SAFE_METHODS or (challenge is None and self.view.get_authenticators()):
            errors["403"] = (
                "Signed in but not allowed to do this (e.g. a researcher approving), or a signed-in browser "
                "session writing without its CSRF token.",
                detail,
            )
        if "{" in path or has_query:
            errors["404"] = ("No such object, or page out of range.", detail)
        errors["429"] = ("Too many requests: retry after the number of seconds in Retry-After.", detail)
        errors["503"] = ("The database is temporarily unavailable: retry after Retry-After seconds.", detail)
        media_types = [*self.map_renderers("media_type"), *(["text/html"] if self._browsable() else [])]
        for code, (description, component) in errors.items():
            content = {
                # CSL-JSON errors are the JSON error body itself (kb_site.api.renderers.CSLJSONRenderer).
                media_type: {"schema": component.ref if media_type in ("application/json", CSL_MEDIA_TYPE) else TEXT}
                for media_type in media_types
            }
            responses.setdefault(code, {"content": content, "description": description})
        if challenge:
            responses["401"].setdefault("headers", {})["WWW-Authenticate"] = {
                "schema": {"type": "string", "enum": [challenge]},
                "required": True,
                "description": f"The scheme to authenticate with: `Authorization: {challenge} <key>`.",
            }
        # The application server refuses a request line over its limit (gunicorn: 4094 bytes), before Django.
        responses.setdefault("414", {"description": "URI too long."})

        return operation

    def _challenge(self) -> str | None:
        """What a 401 carries as ``WWW-Authenticate``: DRF takes it from the view's first authenticator. None if
        that one sends no challenge (SessionAuthentication) or the view has none: DRF then answers 403, not 401."""
        authenticators = self.view.get_authenticators()
        return authenticators[0].authenticate_header(self.view.request) if authenticators else None

    @staticmethod
    def _component(registry, name: str, schema: dict) -> ResolvedComponent:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        registry.register_on_missing(component)
        return component


def markdown_backticks(result, generator, request, public):
    """Every description in Markdown's `code` form rather than reST's ``code`` (drf-spectacular hook)."""

    def walk(node):
        if isinstance(node, dict):
            return {
                key: value.replace("``", "`") if key == "description" and isinstance(value, str) else walk(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(result)
