"""A small OpenAI-compatible chat endpoint on 127.0.0.1 for the referee's tests: POST /v1/chat/completions
answers from a script of replies (a letter, any text, a 429, a delay), and counts the requests it got."""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ChatStub:
    """`replies`: what the next requests get, in order; each is ("text", s), ("status", code) or
    ("sleep", seconds, s). When the script runs out, `default` answers."""

    def __init__(self, default: str = "A") -> None:
        self.default = default
        self.replies: deque[tuple[Any, ...]] = deque()
        self.requests: list[dict[str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
                stub.requests.append({"path": self.path, "body": body, "auth": self.headers.get("authorization")})
                reply = stub.replies.popleft() if stub.replies else ("text", stub.default)
                if reply[0] == "status":
                    self._send(reply[1], {"error": {"message": "slow down", "type": "rate_limit"}},
                               {"retry-after-ms": "10"})
                    return
                if reply[0] == "sleep":
                    time.sleep(reply[1])
                    reply = ("text", reply[2])
                self._send(200, {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": reply[1]}}],
                                 "usage": {"prompt_tokens": 100, "completion_tokens": 1, "total_tokens": 101}})

            def _send(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    for k, v in {"content-type": "application/json", **(headers or {})}.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ChatStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
