"""A TCP proxy in front of the SMTP server that holds the server's answer to the end of the first
message's data: the server has the message, the sender has not heard so. Killing the sender in
that window is the crash "between sending and recording" without any hook in the service."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class HoldingProxy:
    END_OF_DATA = b"\r\n.\r\n"

    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.server.getsockname()[1]
        self.holding = threading.Event()  # set once an answer to a message's end is held
        self._held_once = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = [self.server]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self._sockets += [client, upstream]
            state = {"ended": False}
            threading.Thread(target=self._pump_out, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._pump_back, args=(upstream, client, state), daemon=True).start()

    def _pump_out(self, src: socket.socket, dst: socket.socket, state: dict[str, bool]) -> None:
        tail = b""
        while (chunk := self._recv(src)):
            tail = (tail + chunk)[-8:]
            if self.END_OF_DATA in tail:
                state["ended"] = True
                tail = b""
            if not self._send(dst, chunk):
                return
        dst.close()

    def _pump_back(self, src: socket.socket, dst: socket.socket, state: dict[str, bool]) -> None:
        while (chunk := self._recv(src)):
            if state["ended"]:
                with self._lock:
                    hold, self._held_once = not self._held_once, True
                if hold:
                    self.holding.set()
                    return  # never answered: the sender waits until it is killed
                state["ended"] = False
            if not self._send(dst, chunk):
                return
        dst.close()

    @staticmethod
    def _recv(s: socket.socket) -> bytes:
        try:
            return s.recv(65536)
        except OSError:
            return b""

    @staticmethod
    def _send(s: socket.socket, data: bytes) -> bool:
        try:
            s.sendall(data)
            return True
        except OSError:
            return False

    def close(self) -> None:
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()

    def __enter__(self) -> HoldingProxy:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()
