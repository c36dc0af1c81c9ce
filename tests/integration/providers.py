"""Local stand-ins of the messaging providers the product talks to over HTTP, for the tests:
an Indian SMS gateway, the WhatsApp Business Cloud API and a payment gateway's orders
(Razorpay's `POST /v1/orders`). Each is a real HTTP server on the
loopback address that keeps every request (method, path, headers, JSON body) and answers as
the provider does (a message id), or refuses as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any


@dataclass
class Provider:
    url: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    refuse: int | None = None  # answer every request with this status (a refusal)


@contextmanager
def provider(kind: str, address: tuple[str, int] = ("127.0.0.1", 0)) -> Iterator[Provider]:
    """A running stand-in of `kind` ("sms", "whatsapp" or "razorpay") until the end of the
    block, listening on `address` (default: the loopback address, a free port)."""
    ids = count(1)
    state = Provider("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(size) or b"{}")
            state.requests.append({"path": self.path, "headers": dict(self.headers),
                                   "body": body})  # fmt: skip
            if state.refuse is not None:
                self._answer(state.refuse, {"error": {"message": "refused by the stand-in"}})
            elif kind == "razorpay":
                self._answer(200, {"id": f"order_T{next(ids):06d}", "entity": "order",
                                   "amount": body["amount"], "status": "created"})  # fmt: skip
            elif kind == "sms":
                self._answer(200, {"id": f"SMS{next(ids):06d}", "status": "accepted"})
            else:
                self._answer(200, {"messaging_product": "whatsapp",
                                   "messages": [{"id": f"wamid.TEST{next(ids):06d}"}]})  # fmt: skip

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # quiet
            return

    server = ThreadingHTTPServer(address, Handler)
    state.url = f"http://{address[0]}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
