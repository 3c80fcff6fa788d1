"""Raw HTTP over a socket, for requests an HTTP client library will not
send (a malformed request line or header, headers cut short)."""
import socket
import time
from typing import List, Tuple


def raw_exchange(port: int, data: List[bytes]) -> Tuple[int, dict, bytes]:
    """``data`` sent to 127.0.0.1:``port`` in pieces (a short pause after
    each, so the server reads it before the next) on a new socket; the
    answer read until the server closes: status, headers (lower-case
    names), body."""
    with socket.create_connection(('127.0.0.1', port), timeout=30) as sock:
        for piece in data:
            sock.sendall(piece)
            time.sleep(0.05)
        answer = b''
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b'\r\n\r\n')
    status_line, *lines = head.decode('latin-1').split('\r\n')
    headers = dict(line.lower().split(': ', 1) for line in lines)
    return int(status_line.split()[1]), headers, body
