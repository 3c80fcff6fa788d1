"""The service's uvicorn server with a graceful shutdown (``tools/serve.py``).

On SIGTERM or SIGINT (:meth:`ServiceServer.handle_exit`):

1. the service is *draining* (:class:`Drain`): ``/readyz`` answers 503 and
   every answer carries ``Connection: close`` (:class:`DrainMiddleware`);
2. it stops accepting: the listening sockets first drop new handshakes
   (:func:`stop_handshakes`), then connections the kernel already
   accepted (waiting in the listen backlog, their clients may have sent
   a request) are taken and served, then the listening sockets are
   closed, so a new connection is refused (its client retries the
   handshake and finds the port closed) before it sends anything;
3. requests in flight are answered (with ``Connection: close``), as is
   the next request on a kept-alive connection; idle connections are
   closed by the keep-alive timeout, all gracefully (a FIN after the
   answer, never a reset: :mod:`.http_protocol`);
4. it exits (status 0) once every connection is closed, or at the drain
   deadline (``--drain-seconds`` after the signal): then requests still
   unanswered (a stalled upload, a slow model) get a 503
   ``shutting_down`` and the remaining connections are closed gracefully,
   which takes at most :data:`FINAL_SECONDS` more.

A second SIGINT (Ctrl+C) stops at once.
"""
import asyncio
import ctypes
import logging
import math
import os
import signal
import socket
import struct
import time
from typing import List, Optional

import uvicorn
from starlette.responses import JSONResponse

from .http_protocol import ServiceH11Protocol

# uvicorn's: configured by uvicorn.Config(log_level=...)
logger = logging.getLogger('uvicorn.error')

# after the deadline: for the 503s to go out, then for the clients' FINs
FINAL_SECONDS = 2.0


class Drain:
    """The service's shutdown state, shared by the server (which begins
    it) and the app (``/readyz``, :class:`DrainMiddleware`)."""

    def __init__(self):
        self.started: Optional[float] = None
        self.deadline: Optional[float] = None

    @property
    def active(self) -> bool:
        return self.started is not None

    def begin(self, seconds: float) -> None:
        if self.started is None:
            self.started = time.monotonic()
            self.deadline = self.started + seconds

    def remaining(self) -> float:
        """Seconds to the deadline (infinite when not draining)."""
        if self.deadline is None:
            return math.inf
        return max(self.deadline - time.monotonic(), 0.0)


def shutting_down() -> JSONResponse:
    return JSONResponse(dict(error=dict(
        code='shutting_down', message='the service is shutting down and '
        'could not answer this request within its drain time; send it '
        'again (to another replica)')), status_code=503,
        headers={'connection': 'close', 'retry-after': '1'})


class DrainMiddleware:
    """ASGI middleware: while draining, every answer carries
    ``Connection: close`` (the client opens a new connection, to another
    replica, for its next request); a request cancelled at the drain
    deadline before its answer began is answered 503 ``shutting_down``."""

    def __init__(self, app, drain: Drain):
        self.app, self.drain = app, drain

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        started = False

        async def send_closing(message):
            nonlocal started
            if message['type'] == 'http.response.start':
                started = True
                if self.drain.active:
                    headers = [(k, v) for k, v in message.get('headers', [])
                               if k.lower() != b'connection']
                    message = dict(message, headers=headers + [
                        (b'connection', b'close')])
            await send(message)

        try:
            await self.app(scope, receive, send_closing)
        except asyncio.CancelledError:
            if started or not self.drain.active:
                raise
            asyncio.current_task().uncancel()
            await shutting_down()(scope, receive, send_closing)


# SO_ATTACH_FILTER (Linux) with one classic BPF instruction, BPF_RET|BPF_K 0:
# every packet to the socket is dropped
SO_ATTACH_FILTER = 26
DROP_ALL = struct.pack('HBBI', 0x06, 0, 0, 0)


def stop_handshakes(listener) -> bool:
    """Make ``listener`` drop new connection attempts (their SYNs) while
    what is in its backlog can still be accepted: with no filter, a
    connection the kernel completes between the last accept and the
    close is reset after its client sent a request. False where the
    system has no socket filters (that window then stays)."""
    program = ctypes.create_string_buffer(DROP_ALL, len(DROP_ALL))
    fprog = struct.pack('HL', 1, ctypes.addressof(program))
    try:
        listener.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
    except OSError as e:
        logger.debug('no socket filter on the listener (%s): a connection '
                     'made during the shutdown may be reset', e)
        return False
    return True


def accept_waiting(listener) -> List[socket.socket]:
    """The connections waiting in ``listener``'s backlog (accepted by the
    kernel, not yet by asyncio), taken without blocking; closing the
    listening socket would reset them."""
    sock = socket.socket(fileno=os.dup(listener.fileno()))
    sock.setblocking(False)
    accepted = []
    try:
        while True:
            try:
                accepted.append(sock.accept()[0])
            except (BlockingIOError, InterruptedError):
                return accepted
            except OSError:  # e.g. the client gave up: take no more
                return accepted
    finally:
        sock.close()


class ServiceServer(uvicorn.Server):
    """:class:`uvicorn.Server` with the graceful shutdown of the module.

    Args:
        config (uvicorn.Config): Its ``http`` should be
            :class:`ServiceH11Protocol` (idle connections left open on
            shutdown, graceful closes).
        drain (Drain): The app's (``app.state.drain``).
        drain_seconds (float): How long after the signal requests may
            still be answered.
    """

    def __init__(self, config: uvicorn.Config, drain: Drain,
                 drain_seconds: float = 10.0):
        super().__init__(config)
        self.drain, self.drain_seconds = drain, drain_seconds
        self.signal: Optional[str] = None  # what began the shutdown

    def handle_exit(self, sig, frame) -> None:
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True  # a second Ctrl+C
            return
        self.signal = self.signal or signal.Signals(sig).name
        self.begin_drain()
        # not added to uvicorn's captured signals, which it raises again
        # after serving: the process would die by the signal, not exit 0

    def begin_drain(self) -> None:
        """Start the graceful shutdown (what SIGTERM does)."""
        self.drain.begin(self.drain_seconds)
        self.should_exit = True

    def _busy(self) -> bool:
        return bool(self.server_state.connections or
                    self.server_state.tasks)

    async def _wait(self, until: float) -> None:
        while self._busy() and not self.force_exit and \
                time.monotonic() < until:
            await asyncio.sleep(0.02)

    async def shutdown(self, sockets=None) -> None:
        self.drain.begin(self.drain_seconds)
        logger.info('%s: draining (at most %.1f s)', self.signal or
                    'shutdown', self.drain_seconds)
        loop = asyncio.get_running_loop()
        # stop accepting; what the kernel accepted already is served
        waiting = []
        for server in self.servers:
            for listener in server.sockets:
                stop_handshakes(listener)
                waiting += accept_waiting(listener)
            server.close()
        for sock in sockets or []:
            sock.close()
        for sock in waiting:
            await loop.connect_accepted_socket(
                lambda: self.config.http_protocol_class(
                    config=self.config, server_state=self.server_state,
                    app_state=self.lifespan.state, _loop=loop), sock)
        for connection in list(self.server_state.connections):
            connection.shutdown()
        await self._wait(self.drain.deadline)
        if self._busy() and not self.force_exit:
            tasks = list(self.server_state.tasks)
            logger.warning('drain deadline: %d request(s) unanswered (503 '
                           'shutting_down), %d connection(s) closed',
                           len(tasks), len(self.server_state.connections))
            for task in tasks:
                task.cancel('the drain deadline passed')
            end = time.monotonic() + FINAL_SECONDS
            while self.server_state.tasks and time.monotonic() < end:
                await asyncio.sleep(0.02)
            for connection in list(self.server_state.connections):
                connection.transport.close()
            await self._wait(end)
        if not self.force_exit:
            await self.lifespan.shutdown()


# descriptors beside the connections: listening sockets, model and log
# files, the event loop's, the decode threads'
SPARE_FILES = 128


def allow_open_files(max_connections: int) -> int:
    """Raise the process's soft limit of open files (``ulimit -n``) to
    ``max_connections`` + :data:`SPARE_FILES` where it is lower, so that
    the connection cap is reached before ``accept`` fails (asyncio then
    stops accepting for a second, the listening socket's backlog fills);
    the limit in force. Raises ValueError naming ``--max-connections``
    when the hard limit is lower."""
    import resource
    need = max_connections + SPARE_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            raise ValueError(
                f'--max-connections {max_connections} needs {need} open '
                f'files; the hard limit (ulimit -Hn) is {hard}: lower '
                '--max-connections or raise the limit (systemd: '
                'LimitNOFILE=)')
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
        soft = need
    return soft


def run_service(app, host: str = '127.0.0.1', port: int = 8000,
                drain_seconds: float = 10.0, log_level: str = 'info',
                **config) -> None:
    """Serve ``app`` (from :func:`.create_app`) until SIGTERM or SIGINT,
    then shut down gracefully (see the module); returns normally."""
    server = ServiceServer(uvicorn.Config(
        app, host=host, port=port, log_level=log_level,
        http=ServiceH11Protocol, **config), app.state.drain, drain_seconds)
    server.run()
