from __future__ import annotations

import httpx


async def test_liveness_needs_no_dependencies(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_reports_each_component_up(
    client: httpx.AsyncClient, worker: object
) -> None:
    response = await client.get("/api/v1/health")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "up"
    assert set(body["components"]) == {"database", "redis", "worker", "storage"}
    assert all(c["state"] == "up" for c in body["components"].values())


async def test_readiness_is_503_naming_the_component_that_is_down(settings: object) -> None:
    from rekha.app import create_app

    # A Redis nobody listens on: the API must say which part is down, not hang or 500.
    broken = settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})  # type: ignore[attr-defined]
    app = create_app(broken)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/api/v1/health")
    await app.state.db.dispose()
    await app.state.redis.aclose()
    body = response.json()
    assert response.status_code == 503
    assert body["components"]["redis"]["state"] == "down"
    assert body["components"]["database"]["state"] == "up"


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


async def test_unknown_api_route_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_openapi_docs_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    schema = (await client.get("/openapi.json")).json()
    assert "/api/v1/health" in schema["paths"]


async def test_cors_allows_only_configured_origins(settings: object) -> None:
    from rekha.app import create_app

    app = create_app(settings.model_copy(update={"allowed_origins": ["http://localhost:3000"]}))  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = await c.options(
            "/api/v1/auth/login", headers={"Origin": "http://localhost:3000", **preflight}
        )
        refused = await c.options(
            "/api/v1/auth/login", headers={"Origin": "http://evil.test", **preflight}
        )
    await app.state.db.dispose()
    await app.state.redis.aclose()
    assert allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in refused.headers
