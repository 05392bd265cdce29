"""The app: one FastAPI object, its repository, templates and routes (pages, feeds, API)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from crawler.exceptions import GovwatchError
from crawler.web import api, feeds, pages
from crawler.web.config import ServeConfig
from crawler.web.context import HERE, Web
from crawler.web.security import Guard
from storage import BadQuery, Repository

logger = logging.getLogger(__name__)


def create_app(config: ServeConfig, repo: Repository | None = None) -> FastAPI:
    """The app over ``repo`` (opened from ``config.db_url`` when not given)."""
    app = FastAPI(
        title="govwatch",
        summary="Meeting announcements of government portals: search, feeds and records.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI needs inline script: the schema is enough
        redoc_url=None,
    )
    app.state.web = Web(config, repo or Repository.open(config.db_url))
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(pages.router)
    app.include_router(feeds.router)
    app.include_router(api.router)

    @app.exception_handler(BadQuery)
    async def bad_query(request: Request, exc: BadQuery) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=400)
        web: Web = request.app.state.web
        return web.page(request, "error.html", 400, message=str(exc))

    @app.exception_handler(GovwatchError)
    async def config_error(request: Request, exc: GovwatchError) -> Response:
        # a malformed portals.yaml or alerts.yaml: its message names the file and entry
        logger.warning("%s: %s", request.url.path, exc)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=500)
        web: Web = request.app.state.web
        return web.page(request, "error.html", 500, message=str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        message = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=400)
        web: Web = request.app.state.web
        return web.page(request, "error.html", 400, message=message)

    app.add_middleware(Guard, token=config.token)
    return app
