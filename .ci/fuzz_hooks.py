"""Schemathesis hooks for the write fuzz: real ids where the generated ones could only ever meet a 404 or a 400.

.ci/fuzz_write_data.py creates one submission per operation and names them (with a real fault id, method code and
approved mapping uid) in environment variables. Generated values that are well-formed (a UUID, a string) are swapped
for the real ones, so every write operation reaches its success path; malformed ones (negative testing) are left
alone. A PUT's If-Match is the submission's current ETag, read from the API just before.
"""

import os
import re
import urllib.request

import schemathesis

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACTIONS = {"claim": "CLAIM", "approve": "APPROVE", "reject": "REJECT", "request-changes": "REQUEST_CHANGES"}


def _submission_for(operation) -> str | None:
    path, method = operation.path, operation.method.upper()
    if not path.startswith("/api/submissions/{uid}/"):
        return None
    action = path.removeprefix("/api/submissions/{uid}/").strip("/")
    if not action:
        name = "UPDATE" if method == "PUT" else "RETRIEVE"
    else:
        name = ACTIONS.get(action)
    return os.environ.get(f"KB_FUZZ_UID_{name}") if name else None


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    uid = _submission_for(ctx.operation)
    if uid and path_parameters and isinstance(path_parameters.get("uid"), str) and UUID.match(path_parameters["uid"]):
        path_parameters["uid"] = uid
    return path_parameters


@schemathesis.hook
def map_body(ctx, body):
    if not isinstance(body, dict):
        return body
    path = ctx.operation.path
    if path.startswith("/api/submissions/") and isinstance(body.get("mappings"), list):
        for mapping in body["mappings"]:
            if isinstance(mapping, dict):
                if isinstance(mapping.get("fault"), str):
                    mapping["fault"] = os.environ["KB_FUZZ_FAULT"]
                if isinstance(mapping.get("methods"), list) and all(isinstance(m, str) for m in mapping["methods"]):
                    mapping["methods"] = [os.environ["KB_FUZZ_METHOD"]]
    if path.startswith("/api/retractions/") and isinstance(body.get("mapping"), str) and UUID.match(body["mapping"]):
        body["mapping"] = os.environ["KB_FUZZ_MAPPING"]
    return body


@schemathesis.hook
def map_headers(ctx, headers):
    if ctx.operation.method.upper() != "PUT" or not isinstance(headers, dict) or "If-Match" not in headers:
        return headers
    uid = os.environ.get("KB_FUZZ_UID_UPDATE")
    request = urllib.request.Request(
        f"{os.environ['KB_FUZZ_BASE_URL']}/api/submissions/{uid}/",
        headers={"Authorization": f"Token {os.environ['KB_FUZZ_TOKEN']}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 (the local fuzz server)
        headers["If-Match"] = response.headers["ETag"]
    return headers
