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
  timeout or at the drain deadline, gracefully as above.
"""
import asyncio
import json
from typing import Optional

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

BAD_HTTP_MESSAGE = ('invalid HTTP request: a malformed request line, '
                    'header or chunked body, or headers over 16 kB')
# how long a closed connection's read side waits for the client's close
LINGER_SECONDS = 2.0


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
    (:class:`GracefulCloseTransport`) and whose idle connections stay open
    on a graceful shutdown (see the module)."""

    linger = LINGER_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(GracefulCloseTransport(transport,
                                                       self.linger))

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():  # after our close: dropped
            return
        super().data_received(data)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.transport.cancel_linger()
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
        body = json.dumps(dict(error=dict(
            code='bad_http_request', message=BAD_HTTP_MESSAGE))).encode()
        metrics = self.app_state.get('service_metrics')  # the app's
        if metrics is not None:
            metrics.error(400, body)
        headers = [(b'content-type', b'application/json'),
                   (b'content-length', str(len(body)).encode()),
                   (b'connection', b'close')]
        for event in (h11.Response(status_code=400, headers=headers,
                                   reason=b'Bad Request'),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()
