"""uvicorn's h11 protocol answering the requests that fail before they
reach the app (a malformed request line, header or chunked body; headers
over uvicorn's 16 kB) with the service's JSON error instead of plain text.

Used by ``tools/serve.py``: ``uvicorn.run(app, http=JSONErrorH11Protocol)``
(it also pins the h11 parser where httptools is installed)."""
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

BAD_HTTP_MESSAGE = ('invalid HTTP request: a malformed request line, '
                    'header or chunked body, or headers over 16 kB')


class JSONErrorH11Protocol(H11Protocol):
    """:class:`H11Protocol` whose 400 for an unparsable request is
    ``{"error": {"code": "bad_http_request", "message"}}`` with
    ``Connection: close`` (the connection cannot be read any further)."""

    def send_400_response(self, msg: str) -> None:
        if self.conn.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            self.transport.close()  # mid-response: nothing can be said
            return
        body = json.dumps(dict(error=dict(
            code='bad_http_request', message=BAD_HTTP_MESSAGE))).encode()
        headers = [(b'content-type', b'application/json'),
                   (b'content-length', str(len(body)).encode()),
                   (b'connection', b'close')]
        for event in (h11.Response(status_code=400, headers=headers,
                                   reason=b'Bad Request'),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()
