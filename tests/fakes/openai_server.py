"""A local HTTP server that speaks the OpenAI Chat Completions protocol, for tests.

The real `openai` SDK talks to it over real HTTP (point OPENAI_BASE_URL at `server.base_url`),
so everything between our code and the wire is exercised. Each request takes the next scripted
behaviour (then `default` once the script runs out):

    with FakeOpenAI() as server:
        server.script(RateLimited(retry_after="2"), Ok())
        ...
        server.requests  # every request body the server received, in order

Behaviours: Ok (a valid structured Reading, built from the hands named in the request),
RateLimited (429 + Retry-After), ServerError (500), Hang (no answer for a while: the client's
timeout fires), Malformed (200 whose content is not JSON), Unauthorized (401).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass
class Ok:
    prompt_tokens: int = 1234
    completion_tokens: int = 567
    content: str | None = None  # override the generated reading


@dataclass
class RateLimited:
    retry_after: str = "1"


@dataclass
class ServerError:
    status: int = 500


@dataclass
class Hang:
    seconds: float = 10.0


@dataclass
class Malformed:
    content: str = '{"summary": "cut off mid-'


@dataclass
class Unauthorized:
    pass


Behaviour = Ok | RateLimited | ServerError | Hang | Malformed | Unauthorized


def _hands_in(body: dict[str, Any]) -> list[str]:
    """The hands the client asked about, from the JSON block in its first user text part."""
    for message in body.get("messages", []):
        if message.get("role") != "user" or not isinstance(message.get("content"), list):
            continue
        for part in message["content"]:
            if part.get("type") == "text" and "{" in part.get("text", ""):
                text = part["text"]
                try:
                    intro = json.loads(text[text.index("{") :])
                except ValueError:
                    continue
                return list(intro.get("hands", []))
    return ["left"]


def reading_for(hands: list[str]) -> dict[str, Any]:
    """A structured reading as a model would return it, with evidence to be grounded: one real
    field with a made-up value (the client must replace it) and one field that does not exist
    (the client must drop it)."""
    first = hands[0] if hands else "left"
    return {
        "summary": "Your heart line runs long and curves upward: a warm, open nature.",
        "sections": [
            {
                "key": "heart_line",
                "title": "Heart line (Hriday rekha)",
                "text": "A long heart line speaks of warmth given freely.",
                "evidence": [
                    {
                        "hand": first,
                        "field": "geometry.index_to_ring",
                        "value": 99.5,
                        "confidence": 1.0,
                    },
                    {
                        "hand": first,
                        "field": "lines.heart.nonsense",
                        "value": "x",
                        "confidence": 1.0,
                    },
                ],
            },
            {
                "key": "hand_shape",
                "title": "Hand shape",
                "text": "The proportions of your palm suggest a practical temperament.",
                "evidence": [],
            },
        ],
        "focus": "general",
        "hands": hands,
        "convention": "model's own convention",
        "disclaimer": "model's own disclaimer",
    }


@dataclass
class _State:
    script: deque[Behaviour] = field(default_factory=deque)
    default: Behaviour = field(default_factory=Ok)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(
        self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        self._send_json(
            status,
            {"error": {"message": message, "type": kind, "param": None, "code": kind}},
            headers,
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, "not_found", f"no route {self.path}")
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._error(400, "invalid_request_error", "body is not JSON")
            return
        state = self.server.state
        with state.lock:
            state.requests.append(body)
            state.headers.append({k.lower(): v for k, v in self.headers.items()})
            behaviour = state.script.popleft() if state.script else state.default
        if not self.headers.get("Authorization", "").startswith("Bearer "):
            self._error(401, "invalid_api_key", "missing bearer token")
            return
        if isinstance(behaviour, RateLimited):
            self._error(
                429,
                "rate_limit_exceeded",
                "Rate limit reached",
                {"Retry-After": behaviour.retry_after},
            )
        elif isinstance(behaviour, ServerError):
            self._error(behaviour.status, "server_error", "The server had an error")
        elif isinstance(behaviour, Unauthorized):
            self._error(401, "invalid_api_key", "Incorrect API key provided")
        elif isinstance(behaviour, Hang):
            # Wait (releasable on close) so the client's timeout fires first.
            state.closing.wait(behaviour.seconds)
            with contextlib.suppress(OSError):  # the client gave up and hung up
                self._error(503, "server_error", "too late")
        elif isinstance(behaviour, Malformed):
            self._send_json(200, self._completion(body, behaviour.content, 50, 10))
        else:
            content = behaviour.content or json.dumps(reading_for(_hands_in(body)))
            self._send_json(
                200,
                self._completion(
                    body, content, behaviour.prompt_tokens, behaviour.completion_tokens
                ),
            )

    @staticmethod
    def _completion(
        body: dict[str, Any], content: str, prompt: int, completion: int
    ) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake{int(time.time() * 1000)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "unknown"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class FakeOpenAI:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = _State()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._server.state.lock:
            return list(self._server.state.requests)

    @property
    def request_headers(self) -> list[dict[str, str]]:
        with self._server.state.lock:
            return list(self._server.state.headers)

    def script(self, *behaviours: Behaviour) -> None:
        with self._server.state.lock:
            self._server.state.script.extend(behaviours)

    def set_default(self, behaviour: Behaviour) -> None:
        with self._server.state.lock:
            self._server.state.default = behaviour

    def reset(self) -> None:
        with self._server.state.lock:
            self._server.state.script.clear()
            self._server.state.requests.clear()
            self._server.state.headers.clear()
            self._server.state.default = Ok()

    def close(self) -> None:
        self._server.state.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
