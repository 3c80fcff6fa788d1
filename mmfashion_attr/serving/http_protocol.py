"""uvicorn's h11 protocol as the service needs it (``tools/serve.py``:
``uvicorn.Config(app, http=ServiceH11Protocol)``; it also pins the h11
parser where httptools is installed):

* requests that fail before they reach the app (a malformed request line,
  header or chunked body; headers over uvicorn's 16 kB) are answered with
  the service's JSON error instead of plain text;
* every connection the server closes is closed gracefully (RFC 9112,
  section 9.6): its write side first (the client reads the answer and then
  a clean end of stream), what the client still sends read and dropped,
  the socket closed when the client closes its side or after a linger
  time. Closing at once (uvicorn's ``transport.close()``) makes the kernel
  answer a request that was already on its way with a reset;
* on a graceful shutdown (:class:`.server.ServiceServer`) a connection
  waiting for its next request is not closed: that request is still
  answered, with ``Connection: close``
  (:class:`.server.DrainMiddleware`); it is closed by the keep-alive
  timeout or at the drain deadline, gracefully as above;
* a request's headers must be complete within ``header_timeout`` seconds
  (``--header-timeout``) of the connection, or on a kept-alive connection
  of the first byte of the request (before it, the connection is idle:
  uvicorn's keep-alive timeout closes it; the two timers never run
  together). Else the connection is closed, with a 408 ``header_timeout``
  if part of a request came, silently if nothing did (as uvicorn's
  keep-alive timeout: a 408 could cross a request the client sends at
  that moment and be taken for its answer). uvicorn has no such timer (its
  keep-alive timer starts after a response; h11 has none), so a client
  that sends nothing, or its headers a byte at a time, held a connection
  for ever (slowloris);
* at most ``max_connections`` (``--max-connections``) are open: one more
  is answered 503 ``overloaded`` (``Retry-After: 1``) and closed. uvicorn's
  ``limit_concurrency`` is no such cap: it accepts every connection and
  answers the *requests* 503 (plain text) while the connections, idle
  ones included, number it, so slow clients would refuse every request.
"""
import asyncio
import json
from typing import Optional

import h11
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

BAD_HTTP_MESSAGE = ('invalid HTTP request: a malformed request line, '
                    'header or chunked body, or headers over 16 kB')
# how long a closed connection's read side waits for the client's close
LINGER_SECONDS = 2.0
# without the app's ServeLimits (its lifespan state's service_limits)
HEADER_TIMEOUT = 10.0
MAX_CONNECTIONS = 1000


class GracefulCloseTransport:
    """An asyncio transport whose :meth:`close` closes the write side only
    (a FIN after the buffered answer), keeps reading until the client
    closes (:class:`ServiceH11Protocol` drops what it reads) and closes
    the socket then or after ``linger`` seconds. Everything else is the
    wrapped transport's."""

    def __init__(self, transport: asyncio.Transport, linger: float):
        self._transport, self._linger = transport, linger
        self._closing = False
        self._timer: Optional[asyncio.TimerHandle] = None

    def close(self) -> None:
        transport = self._transport
        if self._closing or transport.is_closing():
            self._closing = True
            return
        self._closing = True
        if not transport.can_write_eof():
            transport.close()
            return
        transport.write_eof()
        transport.resume_reading()  # to see the client's close
        self._timer = asyncio.get_running_loop().call_later(
            self._linger, transport.close)

    def abort(self) -> None:
        self._closing = True
        self._transport.abort()

    def is_closing(self) -> bool:
        return self._closing or self._transport.is_closing()

    def cancel_linger(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def __getattr__(self, name):
        return getattr(self._transport, name)


class ServiceH11Protocol(H11Protocol):
    """:class:`H11Protocol` whose 400 for an unparsable request is
    ``{"error": {"code": "bad_http_request", "message"}}`` with
    ``Connection: close`` (the connection cannot be read any further),
    whose connections are closed gracefully
    (:class:`GracefulCloseTransport`), whose idle connections stay open
    on a graceful shutdown, with a header timeout and a cap on open
    connections (see the module). The two limits are the app's
    :class:`.ServeLimits` (``header_timeout``, ``max_connections``), from
    its lifespan state (``service_limits``)."""

    linger = LINGER_SECONDS
    _header_timer: Optional[asyncio.TimerHandle] = None
    _request_began = False  # bytes of the awaited request arrived

    def _limit(self, name: str, default):
        limits = self.app_state.get('service_limits')
        return default if limits is None else getattr(limits, name)

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(GracefulCloseTransport(transport,
                                                       self.linger))
        cap = self._limit('max_connections', MAX_CONNECTIONS)
        if len(self.connections) > cap:  # this one counted
            self.logger.warning('%d connections open: one more refused '
                                '(--max-connections)', cap)
            self.answer_and_close(
                503, 'overloaded', f'the service has {cap} connections '
                'open already (--max-connections); send it again shortly '
                '(or to another replica)', [(b'retry-after', b'1')])
            return
        self._start_header_timer()

    def _awaiting_headers(self) -> bool:
        """No request of this cycle has been received whole (h11: both
        sides idle)."""
        return self.conn.our_state is h11.IDLE and \
            self.conn.their_state is h11.IDLE

    def _start_header_timer(self) -> None:
        """Unless running: the header timer starts, uvicorn's keep-alive
        timer stops (the connection is no longer idle: its request
        began)."""
        if self._header_timer is None:
            self._unset_keepalive_if_required()
            self._header_timer = self.loop.call_later(
                self._limit('header_timeout', HEADER_TIMEOUT),
                self._header_timeout)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self._request_began = False

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._awaiting_headers():
            return
        if self._request_began:  # a request in transit: say why
            seconds = self._limit('header_timeout', HEADER_TIMEOUT)
            self.logger.info('408 header_timeout: %s', self.client)
            self.answer_and_close(
                408, 'header_timeout', f'the request headers were not '
                f'received whole within {seconds:g} s (--header-timeout)')
        else:  # nothing sent: closed as uvicorn's keep-alive timeout does
            self.conn.send(h11.ConnectionClosed())
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():  # after our close: dropped
            return
        if self._awaiting_headers():
            self._request_began = True
            self._start_header_timer()
        super().data_received(data)
        if not self._awaiting_headers():  # the headers are complete
            self._stop_header_timer()
        else:  # still, or again (the last request's body ended here)
            if self.conn.trailing_data[0]:
                self._request_began = True
            # uvicorn's keep-alive timer stopped when the data came
            self._start_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # handles a pipelined request
        if self.transport.is_closing():
            return
        if not self._awaiting_headers():
            self._stop_header_timer()
        elif self.conn.trailing_data[0]:  # part of the next one came
            self._request_began = True
            self._start_header_timer()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.transport.cancel_linger()
        self._stop_header_timer()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        """A graceful shutdown began: a request being answered is answered
        (with ``Connection: close``: :class:`.server.DrainMiddleware`;
        a response already under way is followed by a close); an idle
        connection is left open for the client's next request."""
        if self.cycle is not None and not self.cycle.response_complete:
            self.cycle.keep_alive = False

    def send_400_response(self, msg: str) -> None:
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            self.transport.close()  # mid-response: nothing can be said
            return
        self.answer_and_close(400, 'bad_http_request', BAD_HTTP_MESSAGE)

    def answer_and_close(self, status: int, code: str, message: str,
                         headers=()) -> None:
        """Answer ``{"error": {"code", "message"}}`` with ``Connection:
        close`` (before or instead of the app: h11 lets a server answer
        before a request), counted by the app's metrics; close."""
        self._stop_header_timer()
        body = json.dumps(dict(error=dict(code=code,
                                          message=message))).encode()
        metrics = self.app_state.get('service_metrics')  # the app's
        if metrics is not None:
            metrics.error(status, body)
        headers = [(b'content-type', b'application/json'),
                   (b'content-length', str(len(body)).encode()),
                   (b'connection', b'close'), *headers]
        for event in (h11.Response(status_code=status, headers=headers,
                                   reason=STATUS_PHRASES[status]),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()
