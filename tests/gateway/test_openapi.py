"""The OpenAPI document describes every route under /api/v1."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.ledger import rendering
from shared.errors import Conflict
from tests.conftest import ServiceClient
from tests.gateway.conftest import log_in
from tests.gateway.support import accounts_with_mail, create_agency_login

API_PREFIX = "/api/v1"


@pytest.fixture
async def accounts_service(engines, signer, tmp_path: Path) -> AsyncIterator[ServiceClient]:
    """The accounts service with an encryption key, which the bank-details route needs, and a local SMTP sink."""
    async with accounts_with_mail(engines, signer, tmp_path / "mail") as service:
        yield service


def api_routes(app) -> set[tuple[str, str]]:
    """Return (method, path template) of every API route, without the HEAD twins of GET routes."""
    routes = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith(API_PREFIX) and route.method != "HEAD":
            routes.add((route.method.lower(), path))
    return routes


async def test_openapi_lists_every_api_route(gateway):
    response = await gateway.get("/api/v1/openapi.json")
    document = await response.json()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}

    missing = api_routes(gateway.server.app) - documented

    assert response.status == 200
    assert document["openapi"] == "3.1.0"
    assert missing == set()


async def test_openapi_documents_no_unknown_route(gateway):
    response = await gateway.get("/api/v1/openapi.json")
    document = await response.json()
    documented = {(method, path) for path, item in document["paths"].items() for method in item}

    extra = documented - api_routes(gateway.server.app)

    assert extra == set()


async def test_openapi_path_parameters_are_declared(gateway):
    document = await (await gateway.get("/api/v1/openapi.json")).json()

    for path, item in document["paths"].items():
        for name in re.findall(r"{(\w+)}", path):
            for operation in item.values():
                declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}

                assert name in declared, f"{path}: path parameter {name} is not declared"


async def test_openapi_references_resolve(gateway):
    document = await (await gateway.get("/api/v1/openapi.json")).json()
    references = set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(document).replace("'", '"')))

    assert references
    assert references <= set(document["components"]["schemas"])


async def test_openapi_cookie_name_follows_mode(make_gateway):
    secure_gateway = await make_gateway(cookie_secure=True)

    document = await (await secure_gateway.get("/api/v1/openapi.json")).json()

    assert document["components"]["securitySchemes"]["sessionCookie"]["name"] == "__Host-mf_session"


# The JSON Schema keywords that the document uses, checked by hand because the test
# environment has no jsonschema package.
FORMAT_PATTERNS = {
    "date": r"\d{4}-\d{2}-\d{2}",
    "date-time": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})",
    "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
}
JSON_TYPES = {
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}
JSON_HEADERS = {"Content-Type": "application/json"}


def resolve(document: dict, schema: dict) -> dict:
    """Return the schema that a local ``$ref`` points to, or ``schema`` itself."""
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def schema_errors(document: dict, schema: dict, value, path: str = "$", *, strict: bool = False) -> list[str]:
    """List where ``value`` breaks ``schema``. With ``strict``, a property that the schema does not declare is an error."""
    schema = resolve(document, schema)

    if "oneOf" in schema:
        matches = [option for option in schema["oneOf"] if not schema_errors(document, option, value, path, strict=strict)]
        return [] if len(matches) == 1 else [f"{path}: matches {len(matches)} schemas of oneOf"]
    types = schema.get("type")
    if types is not None:
        types = [types] if isinstance(types, str) else types
        if not any(JSON_TYPES[name](value) for name in types):
            return [f"{path}: {value!r} is not of type {types}"]

    errors = []
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} is not {schema['const']!r}")

    if isinstance(value, str):
        if "pattern" in schema and re.search(schema["pattern"], value) is None:
            errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: longer than {schema['maxLength']} characters")
        pattern = FORMAT_PATTERNS.get(schema.get("format", ""))
        if pattern is not None and re.fullmatch(pattern, value) is None:
            errors.append(f"{path}: {value!r} is not a {schema['format']}")

    if JSON_TYPES["number"](value):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} is below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value} is above {schema['maximum']}")

    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
            errors.append(f"{path}: {len(value)} items is outside minItems..maxItems")
        for index, item in enumerate(value):
            errors += schema_errors(document, schema.get("items", {}), item, f"{path}[{index}]", strict=strict)

    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors += [f"{path}: required {name!r} is missing" for name in schema.get("required", []) if name not in value]
        for name, item in value.items():
            if name in properties:
                errors += schema_errors(document, properties[name], item, f"{path}.{name}", strict=strict)
            elif strict and "properties" in schema:
                errors.append(f"{path}: {name!r} is not documented")
    return errors


def operations(document: dict):
    """Yield (path, method, operation) of every operation of the document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def schemas_with_samples(node, where: str = "#"):
    """Yield (where, schema, sample) for every ``examples`` item and ``default`` value in the document."""
    if isinstance(node, dict):
        bare = {key: value for key, value in node.items() if key not in ("examples", "default")}
        if "type" in node or "$ref" in node:
            for example in node.get("examples", []) if isinstance(node.get("examples"), list) else []:
                yield where, bare, example
            if "default" in node:
                yield where, bare, node["default"]
        for key, value in node.items():
            yield from schemas_with_samples(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from schemas_with_samples(value, f"{where}/{index}")


def error_code_documented(operation: dict, status: int, body: dict) -> bool:
    """Return whether the documented response of ``status`` names the returned error code."""
    response = operation["responses"].get(str(status))
    return response is not None and f"`{body['error']['code']}`" in response["description"]


async def test_openapi_responses_with_content_have_schema(gateway):
    document = await (await gateway.get("/api/v1/openapi.json")).json()

    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            assert "description" in response, f"{method} {path} {status}: no description"
            for media_type, media in response.get("content", {}).items():
                assert "schema" in media, f"{method} {path} {status} {media_type}: no schema"


async def test_openapi_examples_and_defaults_validate(gateway):
    document = await (await gateway.get("/api/v1/openapi.json")).json()
    samples = list(schemas_with_samples(document))

    assert samples
    for where, schema, sample in samples:
        assert schema_errors(document, schema, sample) == [], where


async def test_openapi_json_responses_match_schemas(gateway, accounts_pool, portal_data):
    """Every JSON GET of an administrateur returns what its 200 schema documents, and no undocumented property."""
    administrator = await create_agency_login(accounts_pool, [portal_data.first], role="administrateur")
    assert (await log_in(gateway, administrator.login, administrator.password)).status == 302
    logged_in = gateway
    document = await (await logged_in.get("/api/v1/openapi.json")).json()
    checked = []
    for path, method, operation in operations(document):
        content = operation["responses"].get("200", {}).get("content", {})
        if method != "get" or "application/json" not in content or path.endswith("/openapi.json"):
            continue
        url = path.replace("{creditor}", portal_data.first.id)
        query = {"view": "all"} if path.endswith("/statement") else None

        response = await logged_in.get(url, params=query)
        body = await response.json()

        assert response.status == 200, f"{url}: {body}"
        assert schema_errors(document, content["application/json"]["schema"], body, strict=True) == [], url
        checked.append(path)

    assert any(path.endswith("/statement") for path in checked)


async def test_openapi_documents_too_large_json_bodies(logged_in, portal_data):
    document = await (await logged_in.get("/api/v1/openapi.json")).json()
    oversized = '{"text": "' + "x" * (1024 * 1024) + '"}'
    json_operations = [
        (path, method, operation)
        for path, method, operation in operations(document)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]

    assert json_operations
    for path, method, operation in json_operations:
        url = path.replace("{creditor}", portal_data.first.id)

        response = await logged_in.request(method.upper(), url, data=oversized, headers=JSON_HEADERS)
        body = await response.json()

        assert response.status == 413, url
        assert error_code_documented(operation, 413, body), f"{method} {path}: 413 {body['error']['code']}"


async def test_openapi_documents_nul_in_parameters(logged_in, portal_data):
    """A NUL in any path or query parameter but the creditor returns a documented 422 that names it."""
    document = await (await logged_in.get("/api/v1/openapi.json")).json()
    checked = 0
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            if name == "creditor" or parameter["in"] not in ("path", "query"):
                continue
            url = path.replace("{creditor}", portal_data.first.id)
            url = re.sub(r"{(\w+)}", lambda match: "bad%00value" if match[1] == name else "FA-0001", url)
            if parameter["in"] == "query":
                url += f"?{name}=bad%00value"
            headers = JSON_HEADERS if method == "post" else {}
            if path.endswith("/imports/fec"):
                headers = {"Content-Type": "application/octet-stream"}

            response = await logged_in.request(method.upper(), url, data=b"{}", headers=headers)
            body = await response.json()

            assert response.status == 422, f"{method} {url}: {body}"
            assert body["error"]["details"]["field"] in (name, "document_number"), url
            assert error_code_documented(operation, 422, body), f"{method} {path} {name}: {body['error']['code']}"
            checked += 1

    assert checked >= 10


async def test_openapi_statement_bounds_match_document(logged_in, portal_data):
    document = await (await logged_in.get("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/creditors/{creditor}/statement"]["get"]
    url = f"/api/v1/creditors/{portal_data.first.id}/statement"

    for parameter in operation["parameters"]:
        if parameter["schema"].get("type") != "integer":
            continue
        name = parameter["name"]
        maximum = parameter["schema"].get("maximum")

        assert maximum is not None, f"{name}: no documented maximum"
        at_maximum = await logged_in.get(url, params={name: str(maximum)})
        above = await logged_in.get(url, params={name: str(maximum + 1)})

        assert at_maximum.status == 200, name
        assert above.status == 422, name
        assert (await above.json())["error"]["details"]["field"] == name


async def test_openapi_names_error_codes_of_messages(logged_in, portal_data):
    document = await (await logged_in.get("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/creditors/{creditor}/messages"]["post"]
    url = f"/api/v1/creditors/{portal_data.first.id}/messages"
    bodies = {
        "unknown service": {"subject": "Question", "message": "Bonjour", "service": "autre"},
        "NUL in subject": {"subject": "Ques\u0000tion", "message": "Bonjour"},
        "missing message": {"subject": "Question"},
    }

    for case, payload in bodies.items():
        response = await logged_in.post(url, json=payload)
        body = await response.json()

        assert response.status == 422, case
        assert error_code_documented(operation, 422, body), f"{case}: {body['error']['code']}"


async def test_openapi_operation_ids_unique(gateway):
    # Client generators name their methods after operationId, and fall back to names built from the path.
    document = await (await gateway.get("/api/v1/openapi.json")).json()
    operation_ids = [operation.get("operationId") for _, _, operation in operations(document)]

    assert None not in operation_ids
    assert len(set(operation_ids)) == len(operation_ids)
    assert all(re.fullmatch(r"[a-z][A-Za-z]+", operation_id) for operation_id in operation_ids), operation_ids


async def test_openapi_names_document_pdf_conflicts(gateway):
    document = await (await gateway.get("/api/v1/openapi.json")).json()
    pdf_route = "/api/v1/creditors/{creditor}/documents/{number}/pdf"
    described = document["paths"][pdf_route]["get"]["responses"]["409"]["description"]
    conflict_codes = [
        error.code for error in vars(rendering).values()
        if isinstance(error, type) and issubclass(error, Conflict) and error is not Conflict
    ]

    assert conflict_codes
    for code in conflict_codes:
        assert f"`{code}`" in described, code
