"""Prometheus metrics of the service (``GET /metrics``, prometheus-client),
each app with its own registry:

``mmfashion_attr_requests_total{route,method,status}``
    Answers by route (the endpoint's path; ``unmatched`` for unknown paths,
    so that hostile paths cannot add series) and status.
``mmfashion_attr_request_duration_seconds{route,method}``
    Time from the request to the end of its answer (histogram).
``mmfashion_attr_requests_in_flight``
    Requests received and not yet answered.
``mmfashion_attr_errors_total{status,code}``
    Error answers by the ``code`` of their ``{"error": ...}`` body;
    ``bad_http_request`` counts the requests refused by the HTTP parser.
``mmfashion_attr_images_total``
    Images answered (predicted).
``mmfashion_attr_images_refused_total{reason}``
    Refusals that name an image, by error code (``too_many_pixels``,
    ``not_an_image``, ...).
``mmfashion_attr_batch_size`` / ``mmfashion_attr_model_call_seconds``
    Images per model call and its duration (histograms).
``mmfashion_attr_queue_depth``
    Images waiting for a model call.
``mmfashion_attr_draining``
    1 from SIGTERM on (``/readyz`` answers 503).
``mmfashion_attr_model_info{config,kind,backend,checkpoint_sha256}``
    The model served (value 1).
``process_*``
    The process's memory (``process_resident_memory_bytes``), CPU time and
    open files (prometheus-client's process collector, Linux).
"""
import json
import time
from typing import Callable, Optional

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry,
                               Counter, Gauge, Histogram, Info,
                               ProcessCollector, disable_created_metrics,
                               generate_latest)

# no *_created series (a timestamp per counter and label set): half the
# output for nothing a dashboard uses (prometheus-client's own switch)
disable_created_metrics()

PREFIX = 'mmfashion_attr'
METHODS = ('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS')
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                   10.0, 30.0, 60.0)


def batch_buckets(max_batch: int) -> tuple:
    """1, 2, 4, ... up to ``max_batch`` (itself the last)."""
    buckets, size = [], 1
    while size < max_batch:
        buckets.append(size)
        size *= 2
    return tuple(buckets + [max_batch])


class ServiceMetrics:
    """The service's metrics (see the module) in their own registry.

    Args:
        max_batch (int): The batcher's most images per call (buckets).
        queue_depth (Callable, optional): Images waiting, read at scrape.
        draining (Callable, optional): Whether the service is draining.
    """

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, max_batch: int = 32,
                 queue_depth: Optional[Callable[[], float]] = None,
                 draining: Optional[Callable[[], bool]] = None):
        self.registry = registry = CollectorRegistry()
        ProcessCollector(registry=registry)
        self.requests = Counter(
            f'{PREFIX}_requests', 'Answers by route, method and status',
            ['route', 'method', 'status'], registry=registry)
        self.latency = Histogram(
            f'{PREFIX}_request_duration_seconds',
            'Time from the request to the end of its answer',
            ['route', 'method'], buckets=LATENCY_BUCKETS, registry=registry)
        self.in_flight = Gauge(f'{PREFIX}_requests_in_flight',
                               'Requests not yet answered',
                               registry=registry)
        self.errors = Counter(
            f'{PREFIX}_errors', 'Error answers by status and error code',
            ['status', 'code'], registry=registry)
        self.images = Counter(f'{PREFIX}_images', 'Images answered',
                              registry=registry)
        self.images_refused = Counter(
            f'{PREFIX}_images_refused', 'Refusals naming an image, by '
            'error code', ['reason'], registry=registry)
        self.batch_size = Histogram(
            f'{PREFIX}_batch_size', 'Images per model call',
            buckets=batch_buckets(max_batch), registry=registry)
        self.model_seconds = Histogram(
            f'{PREFIX}_model_call_seconds', 'Duration of one model call',
            buckets=LATENCY_BUCKETS, registry=registry)
        self.queue_depth = Gauge(f'{PREFIX}_queue_depth',
                                 'Images waiting for a model call',
                                 registry=registry)
        self.queue_depth.set_function(queue_depth or (lambda: 0))
        self.draining = Gauge(f'{PREFIX}_draining',
                              '1 while shutting down (not ready)',
                              registry=registry)
        self.draining.set_function(lambda: float(bool(
            draining and draining())))
        self.model = Info(f'{PREFIX}_model', 'The model served',
                          registry=registry)

    def set_model(self, **labels) -> None:
        self.model.info({k: str(v) for k, v in labels.items()})

    def model_call(self, size: int, seconds: float) -> None:
        """The batcher's hook: one model call of ``size`` images."""
        self.batch_size.observe(size)
        self.model_seconds.observe(seconds)

    def error(self, status: int, body: bytes) -> None:
        """An error answer: counted by the code of its JSON body."""
        try:
            error = json.loads(body)['error']
            code = str(error['code'])
        except (ValueError, KeyError, TypeError):
            code, error = 'unknown', {}
        self.errors.labels(str(status), code).inc()
        if isinstance(error, dict) and error.get('image') is not None:
            self.images_refused.labels(code).inc()

    def scrape(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """ASGI middleware counting every HTTP answer of the app into a
    :class:`ServiceMetrics` (the outermost one: it sees the answers of
    the other middleware too)."""

    def __init__(self, app, metrics: ServiceMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        metrics, start = self.metrics, time.perf_counter()
        answer = dict(status=500, error=b'')

        async def send_counted(message):
            if message['type'] == 'http.response.start':
                answer['status'] = message['status']
            elif message['type'] == 'http.response.body' and \
                    answer['status'] >= 400 and len(answer['error']) < 65536:
                answer['error'] += message.get('body', b'')
            await send(message)

        metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_counted)
        finally:
            metrics.in_flight.dec()
            route = getattr(scope.get('route'), 'path', 'unmatched')
            # labels from fixed sets: hostile requests add no series
            method = scope['method'] if scope['method'] in METHODS \
                else 'other'
            metrics.requests.labels(route, method,
                                    str(answer['status'])).inc()
            metrics.latency.labels(route, method).observe(
                time.perf_counter() - start)
            if answer['status'] >= 400:
                metrics.error(answer['status'], bytes(answer['error']))
