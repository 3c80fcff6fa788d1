"""Bounded resources of the service (issue 30, item 2): the memory all
requests' bodies may hold at once (:class:`MemoryBudget`); how many images
may wait (:class:`ImageQueue`); body read timeouts and a body size cap
counted as the bytes arrive (:class:`BodyGuard`, chunked uploads too).

Own code: Starlette and uvicorn bound neither the memory of concurrent bodies nor the time a body
may take.
"""
import asyncio
import time
from typing import Optional

from .decode_cost import MIB
from .request_parsing import RequestError, ServeLimits

# A body's bytes in memory: the body (JSON) or Starlette's in-memory part
# of a spooled file (multipart), and the image bytes parsed from it.
BODY_MEMORY_FACTOR = 2
# threads' stacks, Python objects, the allocator's slack
MEMORY_SLACK_BYTES = 64 * MIB


class MemoryBudget:
    """Bytes all requests may hold at once; used from the event loop only
    (no lock needed).

    Args:
        capacity (int): The budget (``--request-memory-mb``).
    """

    def __init__(self, capacity: int):
        self.capacity, self.used = capacity, 0


class RequestCharge:
    """What one request holds of a :class:`MemoryBudget`; everything is
    given back when the request ends (:class:`BodyGuard`)."""

    def __init__(self, budget: MemoryBudget):
        self.budget, self.held = budget, 0

    def take(self, n: int, what: str) -> None:
        """Hold ``n`` more bytes for ``what``: a 413 when this request
        alone would pass the budget, a 503 ``overloaded`` when the other
        requests hold too much of it now."""
        budget = self.budget
        if self.held + n > budget.capacity:
            raise RequestError(
                413, 'request_too_large', f'{what}: this request needs more '
                f'than {budget.capacity} bytes of memory, the most one '
                'request may hold (--request-memory-mb); send fewer or '
                'smaller images per request', headers=CLOSE)
        if budget.used + n > budget.capacity:
            raise RequestError(
                503, 'overloaded', f'{what}: the service holds as much '
                'request data as it may (--request-memory-mb); send it '
                'again shortly', headers=RETRY)
        budget.used += n
        self.held += n

    def give_back(self, n: Optional[int] = None) -> None:
        n = self.held if n is None else min(n, self.held)
        self.held -= n
        self.budget.used -= n


class ImageQueue:
    """Images admitted past parsing and not yet answered (waiting for a
    decode, decoded and waiting for the model, in a model call); used from
    the event loop only.

    Args:
        capacity (int): The most at once (``--max-queued-images``).
    """

    def __init__(self, capacity: int):
        self.capacity, self.used = capacity, 0

    def admit(self, n: int) -> None:
        if self.used + n > self.capacity:
            raise RequestError(
                503, 'overloaded', f'{self.used} images are waiting, at most '
                f'{self.capacity} (--max-queued-images); send the request '
                'again shortly', headers=RETRY)
        self.used += n

    def leave(self, n: int) -> None:
        self.used -= n


CLOSE = {'connection': 'close'}
RETRY = {'retry-after': '1', 'connection': 'close'}


# an unread rest of a body up to this is read and dropped by uvicorn after
# the answer (the connection stays open); a longer or chunked one closes it
DISCARD_BYTES = 1 << 20


def announced_body(scope) -> Optional[int]:
    """The body's length as announced: Content-Length, None for a chunked
    body (Transfer-Encoding), 0 without either."""
    length = 0
    for name, value in scope.get('headers', ()):
        if name == b'transfer-encoding':
            return None
        if name == b'content-length':
            length = int(value) if value.strip().isdigit() else None
    return length


class BodyGuard:
    """ASGI middleware bounding what request bodies cost, as they arrive:

    * more than ``max_bytes`` received: 413 ``request_too_large`` at once,
      Content-Length or not (a chunked upload is refused when it passes the
      cap, not spooled whole first);
    * a body not complete ``timeout`` seconds after the request began, or
      silent for ``idle_timeout`` seconds: 408 ``body_timeout``;
    * every byte received holds ``BODY_MEMORY_FACTOR`` bytes of ``budget``
      until the request ends (:class:`RequestCharge`, in
      ``scope['mmfashion_attr.charge']`` for the parser to take more):
      413 or 503 ``overloaded`` when it runs out.

    An answer sent before its request's body was read whole carries
    ``Connection: close`` when the rest is chunked or longer than
    :data:`DISCARD_BYTES` (uvicorn would read it all to drop it); the
    refusals above always close the connection.
    """

    def __init__(self, app, budget: MemoryBudget, max_bytes: int,
                 timeout: float, idle_timeout: float):
        self.app, self.budget, self.max_bytes = app, budget, max_bytes
        self.timeout, self.idle_timeout = timeout, idle_timeout

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        charge = RequestCharge(self.budget)
        scope['mmfashion_attr.charge'] = charge
        deadline = time.monotonic() + self.timeout
        announced = announced_body(scope)
        received, done = 0, announced == 0

        async def guarded_receive():
            nonlocal received, done
            if done:
                return await receive()
            wait = min(self.idle_timeout, deadline - time.monotonic())
            try:
                if wait <= 0:
                    raise asyncio.TimeoutError
                message = await asyncio.wait_for(receive(), wait)
            except asyncio.TimeoutError:
                raise RequestError(
                    408, 'body_timeout', f'the body was not received within '
                    f'{self.timeout:g} s, or nothing of it came for '
                    f'{self.idle_timeout:g} s (--body-timeout, '
                    '--body-idle-timeout)', headers=CLOSE)
            if message['type'] != 'http.request':  # the client left
                done = True
                return message
            size = len(message.get('body', b''))
            received += size
            if received > self.max_bytes:
                raise RequestError(413, 'request_too_large',
                                   f'more than {self.max_bytes} bytes per '
                                   'request', headers=CLOSE)
            charge.take(BODY_MEMORY_FACTOR * size, 'the body')
            done = not message.get('more_body', False)
            return message

        async def send_closing(message):
            if message['type'] == 'http.response.start' and not done and (
                    announced is None or
                    announced - received > DISCARD_BYTES):
                headers = [(k, v) for k, v in message.get('headers', [])
                           if k.lower() != b'connection']
                message = dict(message,
                               headers=headers + [(b'connection', b'close')])
            await send(message)

        try:
            await self.app(scope, guarded_receive, send_closing)
        finally:
            charge.give_back()


def memory_cap(limits: ServeLimits, packed_bytes: int) -> int:
    """The most memory requests can make the service hold above its RSS
    after a first full batch (the model's own working memory is then part
    of it): all requests' bodies and images (``request_memory_bytes``),
    ``decode_workers`` decodes of at most ``max_decode_bytes`` each,
    ``max_queued_images`` decoded images of ``packed_bytes`` (the test
    pipeline's output) and :data:`MEMORY_SLACK_BYTES`.
    """
    return (limits.request_memory_bytes +
            limits.decode_workers * limits.max_decode_bytes +
            limits.max_queued_images * packed_bytes + MEMORY_SLACK_BYTES)
