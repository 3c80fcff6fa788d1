"""Run an ASGI app with uvicorn on a free port of 127.0.0.1 in a thread,
for tests that talk to it over a real socket."""
import socket
import threading
import time
from contextlib import contextmanager


def free_port() -> int:
    """A port free right now (for a server started in another process)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@contextmanager
def serving(app, timeout: float = 30.0, http='auto', **config):
    """``with serving(app) as url:`` the app's base URL while it runs;
    ``http``: uvicorn's protocol (``ServiceH11Protocol``: as
    ``tools/serve.py``); ``config``: more ``uvicorn.Config`` arguments."""
    import uvicorn
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    config.setdefault('log_level', 'warning')
    server = uvicorn.Server(uvicorn.Config(app, http=http, **config))
    thread = threading.Thread(target=server.run, kwargs=dict(sockets=[sock]),
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError('the test server did not start')
        time.sleep(0.01)
    try:
        yield f'http://127.0.0.1:{port}'
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()


def wait_until_up(url: str, proc=None, timeout: float = 120.0) -> None:
    """Poll ``url/healthz`` until it answers (a server in a subprocess);
    fails early when ``proc`` has exited."""
    import requests
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f'the server exited with {proc.returncode}')
        try:
            if requests.get(url + '/healthz', timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f'{url} did not come up in {timeout} s')
