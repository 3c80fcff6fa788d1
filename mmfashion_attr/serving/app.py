"""The HTTP attribute service: a FastAPI app around a predictor
(:mod:`.predictors`), its model calls micro-batched across requests on one
worker thread (:class:`.MicroBatcher`) so the event loop never waits on
the model."""
import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Optional

import torch
from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from .metrics import MetricsMiddleware, ServiceMetrics
from .micro_batcher import MicroBatcher
from .openapi import (ATTRIBUTE_STATUSES, ATTRIBUTES_ANSWER,
                      ATTRIBUTES_REQUEST, description, error_responses)
from .predictors import loader_draft_size
from .request_parsing import (RequestError, ServeLimits, check_image,
                              max_request_bytes, parse_request)
from .resources import BodyGuard, ImageQueue, MemoryBudget, memory_cap
from .server import Drain, DrainMiddleware
from .startup import packed_image_bytes

logger = logging.getLogger('mmfashion_attr.serving')

ROUTES = ('POST /v1/attributes, GET /v1/schema, GET /healthz, '
          'GET /readyz, GET /metrics')
TITLE = 'mmfashion_attr attribute service'
HTTP_CODES = {404: 'not_found', 405: 'method_not_allowed'}


def server_error(code: str, message: str,
                 image: Optional[str] = None) -> JSONResponse:
    """A 500 in the service's error form; ``Connection: close``, so that a
    client on a kept-alive connection opens a new one for its next
    request instead of finding this one reset."""
    error = dict(code=code, message=message)
    if image is not None:
        error['image'] = image
    return JSONResponse(dict(error=error), status_code=500,
                        headers={'connection': 'close'})


async def http_error(request: Request,
                     exc: HTTPException) -> JSONResponse:
    """Starlette's own errors (no route, wrong method) in the service's
    error form, their headers (``Allow``) kept."""
    route = f'{request.method} {request.url.path}'
    routes = getattr(request.app.state, 'routes_text', ROUTES)
    message = {404: f'{route}: no such endpoint; the service has {routes}',
               405: f'{route}: method not allowed; the service has '
               f'{routes}'}.get(exc.status_code, f'{route}: {exc.detail}')
    return JSONResponse(
        dict(error=dict(code=HTTP_CODES.get(exc.status_code,
                                            f'http_{exc.status_code}'),
                        message=message)),
        status_code=exc.status_code, headers=exc.headers)


def new_fastapi(docs: bool, **kwargs) -> FastAPI:
    """A FastAPI app whose ``/docs`` (Swagger UI) and ``/redoc`` load their
    scripts and styles from the service itself (fastapi-offline's copies,
    the serve extra), so they work offline; FastAPI's own load them from a
    CDN. ``docs=False``, or fastapi-offline missing: no ``/docs`` or
    ``/redoc`` (``/openapi.json`` stays)."""
    if docs:
        try:
            from fastapi_offline import FastAPIOffline
        except ImportError:
            logger.warning('no /docs: fastapi-offline (the serve extra: pip '
                           'install -e .[serve]) is not installed')
        else:
            # validatorUrl: no badge fetched from validator.swagger.io
            app = FastAPIOffline(swagger_ui_parameters=dict(
                validatorUrl=None), **kwargs)
            app.state.docs_paths = ['/docs', '/redoc']
            return app
    app = FastAPI(docs_url=None, redoc_url=None, **kwargs)
    app.state.docs_paths = []
    return app


def create_app(predictor, limits: Optional[ServeLimits] = None,
               max_batch: int = 32, max_wait_ms: float = 10.0,
               docs: bool = True, max_fill_ms: float = 50.0) -> FastAPI:
    """The service's app.

    Args:
        predictor: An :class:`AttributePredictor` or
            :class:`M2FashionPredictor` (``prepare``, ``predict``,
            ``schema``, ``takes_known``).
        limits (ServeLimits, optional): Per-request limits (default
            16 images of at most 20 MB, 50 megapixels and 300 MB to
            decode each) and the bounds of all requests together (2
            decodes at once, 64 images admitted, 600 MB of request data,
            body timeouts): :mod:`.resources`; the header timeout and
            the connection cap (:mod:`.http_protocol`).
        max_batch (int): Most images per model call (1: no batching).
        max_wait_ms (float): How long a batch waits for more images.
        max_fill_ms (float): How long a batch that is not full waits for
            images already received and being decoded (they would
            otherwise make a small batch of their own just after).
        docs (bool): Serve ``/docs`` and ``/redoc`` (with their assets:
            they work offline).

    Endpoints: ``POST /v1/attributes``, ``GET /v1/schema``,
    ``GET /healthz`` (liveness), ``GET /readyz`` (readiness: 503 while
    draining), ``GET /metrics`` (Prometheus). Errors are JSON
    ``{"error": {"code", "message", "image"}}`` with a 4xx status (bad
    input, unknown path, wrong method, too costly, too slow), 503
    (draining, overloaded: ``Retry-After``) or 500 with
    ``Connection: close`` (the model failed on this request, the other
    requests of its batch being run again alone; or a fault of the
    service).
    """
    limits = limits or ServeLimits()
    # bounded resources (resources.py): request data held, images waiting,
    # decodes at once; the memory cap they make
    budget = MemoryBudget(limits.request_memory_bytes)
    image_queue = ImageQueue(limits.max_queued_images)
    decode_slots = asyncio.Semaphore(limits.decode_workers)
    preparing = [0]  # images received, not yet handed to the batcher
    draft_size = loader_draft_size(predictor)
    packed_bytes = packed_image_bytes(predictor)
    cap = memory_cap(limits, packed_bytes or 0)

    drain = Drain()
    metrics = ServiceMetrics(
        max_batch, queue_depth=lambda: app.state.batcher.queued()
        if getattr(app.state, 'batcher', None) else 0,
        draining=lambda: drain.active)
    metrics.set_model(config=predictor.config_name,
                      kind=predictor.schema()['kind'],
                      backend=getattr(predictor, 'backend', 'pytorch'),
                      checkpoint_sha256=predictor.checkpoint_sha256)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.batcher = MicroBatcher(predictor.predict, max_batch,
                                         max_wait_ms,
                                         on_call=metrics.model_call,
                                         pending=lambda: preparing[0],
                                         max_fill_ms=max_fill_ms)
        # the server's state: ServiceH11Protocol counts bad_http_request,
        # takes the header timeout and the connection cap
        yield dict(service_metrics=metrics, service_limits=limits)
        # what is queued is finished, within the drain time if draining
        app.state.batcher.close(timeout=min(10.0, max(drain.remaining(),
                                                      1.0)))

    app = new_fastapi(docs, title=TITLE, description=description(),
                      lifespan=lifespan)
    app.state.predictor, app.state.limits = predictor, limits
    # graceful shutdown (server.ServiceServer): Connection: close, 503s
    app.state.drain, app.state.metrics = drain, metrics
    app.add_middleware(BodyGuard, budget=budget,
                       max_bytes=max_request_bytes(limits),
                       timeout=limits.body_timeout,
                       idle_timeout=limits.body_idle_timeout)
    app.add_middleware(DrainMiddleware, drain=drain)
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost

    @app.exception_handler(RequestError)
    async def request_error(request: Request, exc: RequestError):
        logger.info('%s %s: %s', exc.status, exc.code, exc.message)
        return JSONResponse(exc.to_json(), status_code=exc.status,
                            headers=exc.headers)

    app.add_exception_handler(HTTPException, http_error)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        # uvicorn logs the traceback: starlette re-raises after this answer
        return server_error('internal_error', f'{type(exc).__name__}: the '
                            'service failed on this request (logged)')

    @app.get('/healthz', responses=error_responses(503))
    async def healthz():
        """Liveness: the process answers (also while draining)."""
        batcher = app.state.batcher
        return dict(status='ok', model=predictor.config_name,
                    model_calls=sum(batcher.batch_sizes.values()),
                    batch_sizes={str(k): v for k, v in
                                 sorted(batcher.batch_sizes.items())})

    @app.get('/readyz', responses=error_responses(503))
    async def readyz():
        """Readiness: the model is loaded, its worker runs and the service
        is not draining; else 503."""
        if drain.active:
            return JSONResponse(dict(error=dict(
                code='draining', message='the service is shutting down; '
                'send requests to another replica')), status_code=503)
        if not app.state.batcher.is_alive():
            return JSONResponse(dict(error=dict(
                code='not_ready', message='the model worker is not '
                'running')), status_code=503)
        return dict(status='ready', model=predictor.config_name)

    @app.get('/metrics', responses={200: dict(
        description='Prometheus text format',
        content={'text/plain': {'schema': {'type': 'string'}}}),
        **error_responses(503)})
    async def prometheus_metrics():
        """Prometheus text format (see mmfashion_attr/serving/metrics.py).
        """
        return Response(metrics.scrape(),
                        media_type=metrics.content_type)

    @app.get('/v1/schema', responses=error_responses(503))
    async def schema():
        """The model (tasks and values, or categories and attributes), the
        files and backend served, the limits and the memory cap."""
        files = getattr(predictor, 'files', None) or {}
        sha = predictor.checkpoint_sha256
        return dict(
            predictor.schema(),
            service=dict(
                config=files.get('config'),
                checkpoint=dict(path=files.get('checkpoint'),
                                sha256_prefix=sha[:12] if sha else None),
                schema_file=files.get('schema_file'),
                schema_file_sha256_prefix=(
                    files.get('schema_file_sha256') or '')[:12] or None,
                backend=getattr(predictor, 'backend', 'pytorch'),
                # 'asyncio' or 'uvloop' (tools/serve.py --loop)
                event_loop=type(asyncio.get_running_loop()).__module__
                .split('.')[0],
                # PyTorch's intra-op threads (tools/serve.py --torch-threads)
                torch_threads=torch.get_num_threads()),
            limits=dict(limits.to_json(), memory_cap_bytes=cap,
                        packed_image_bytes=packed_bytes),
            batching=dict(max_batch=max_batch, max_wait_ms=max_wait_ms,
                          max_fill_ms=max_fill_ms))

    @app.post('/v1/attributes',
              openapi_extra=dict(requestBody=ATTRIBUTES_REQUEST),
              responses={200: ATTRIBUTES_ANSWER,
                         **error_responses(*ATTRIBUTE_STATUSES)})
    async def attributes(request: Request):
        uploads, known = await parse_request(request, limits)
        for upload in uploads:
            check_image(upload, limits, draft_size)
        image_queue.admit(len(uploads))  # else 503 overloaded
        try:
            results = await predict(uploads, known)
        finally:
            image_queue.leave(len(uploads))
        for upload, result in zip(uploads, results):
            if isinstance(result, BaseException):
                logger.error('model error on %s', upload.name,
                             exc_info=result)
                return server_error(
                    'model_error', f'{type(result).__name__}: {result}',
                    upload.name)
        metrics.images.inc(len(uploads))
        # plain JSON types already: JSONResponse skips FastAPI's
        # jsonable_encoder, a recursive walk of every score
        return JSONResponse(dict(model=predictor.config_name, images=[
            dict(name=u.name, **r) for u, r in zip(uploads, results)]))

    async def prepare(upload, known):
        """Decoding and resizing: off the event loop, at most
        ``decode_workers`` at once."""
        async with decode_slots:
            return await run_in_threadpool(predictor.prepare, upload, known)

    async def predict(uploads, known) -> list:
        """The images decoded (each failure after all have finished: no
        decode outlives its request) and answered by the micro-batcher."""
        preparing[0] += len(uploads)
        try:
            items = await asyncio.gather(*[prepare(u, k)
                                           for u, k in zip(uploads, known)],
                                         return_exceptions=True)
            for item in items:
                if isinstance(item, BaseException):
                    raise item
            futures = [asyncio.wrap_future(app.state.batcher.submit(item))
                       for item in items]
        finally:
            preparing[0] -= len(uploads)
        return await asyncio.gather(*futures, return_exceptions=True)

    # for 404 / 405 messages: what the service has
    app.state.routes_text = ', '.join(
        [f'{method} {route.path}' for route in app.routes
         if isinstance(route, APIRoute) and route.include_in_schema
         for method in sorted(route.methods)] +
        [f'GET {path}' for path in app.state.docs_paths +
         [app.openapi_url]])
    return app
