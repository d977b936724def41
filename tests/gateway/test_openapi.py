"""The OpenAPI document describes every route under /api/v1."""

from __future__ import annotations

import re

API_PREFIX = "/api/v1"


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
