"""Hostile websocket messages for the bridge's fuzz run (tests/test_faults.py): malformed JSON, deep nesting,
huge messages, unknown types, inherited (prototype) names, wrong types, binary frames and invalid UTF-8.

None of them is a valid request: each must get a structured error, or (`closes`) the connection it came on
must be closed. A message that ran a skill, or got any answer but an error, is a hole. The generator is
seeded, so a failing run can be replayed.
"""
from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from typing import Callable, Iterator

MAX_TEXT_BYTES = 64 * 1024          # bridge/bot/protocol.js: beyond this, too_large
MAX_WS_PAYLOAD = 1024 * 1024        # bridge/bot/bridge.js: beyond this, ws closes the socket (1009)
MAX_DEPTH = 16                      # bridge/bot/protocol.js: deeper, too_deep

# Names every JavaScript object inherits: looked up on a plain object they are found, and were once taken for
# skill targets (issue 14: mine:constructor returned ok).
PROTOTYPE_NAMES = ("__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty",
                   "isPrototypeOf", "propertyIsEnumerable", "toLocaleString", "__defineGetter__",
                   "__lookupSetter__")
WRONG_VALUES: tuple[object, ...] = (1, -1, 1.5, 1e300, True, False, [], [1, 2], {}, {"a": 1}, "", "x" * 300)


@dataclass(frozen=True)
class Hostile:
    """One message: its category, the payload, and how it is sent."""

    category: str
    payload: str | bytes
    binary: bool = False          # sent as a binary frame
    raw_text: bool = False        # bytes sent as a text frame as they are (invalid UTF-8)
    before_hello: bool = False    # sent on a connection that has not said hello
    closes: bool = False          # the bridge closes the connection instead of answering
    echo_id: str | None = None    # the id the error must carry

    def size(self) -> int:
        return len(self.payload) if isinstance(self.payload, bytes) else len(self.payload.encode())


def _dumps(message: dict[str, object]) -> str:
    return json.dumps(message, separators=(",", ":"))


def _id(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=rng.randint(1, 12)))


def malformed_json(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Not JSON at all, or a valid request cut short or followed by junk (never by mere whitespace)."""
    valid = _dumps({"type": "skill", "id": _id(rng), "token": "mine:oak_log", "args": {"count": 1}})
    junk = "".join(rng.choices(string.printable.strip() + "\u00e9\u4e16\U0001f600", k=rng.randint(1, 40)))
    payload = rng.choice([
        valid[:rng.randint(0, len(valid) - 1)],                         # cut short: no prefix is JSON
        valid + rng.choice("x}]{,\"'") + junk,
        junk if not junk.strip().lstrip("-").isdigit() else "#" + junk,  # a bare number is JSON (an error too)
        valid.replace('"', "'"),
        valid[:-1] + ",}",
        '{"type": "ping", /* a comment */ "id": "c"}',
        '{"type": NaN}', '{"type": undefined}', "{type: 'ping'}", "\ufeff" + valid[:-1],
        '{"type": "ping"', '"unterminated', "[1, 2", "{}}", "\x00\x01\x02", "",
    ])
    return Hostile("malformed_json", payload)


def deep_nesting(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Arrays or objects nested deeper than the limit (up to 30 000 levels: too_deep, or too_large beyond
    64 KiB), alone or inside a request."""
    depth = rng.choice([MAX_DEPTH + 1, MAX_DEPTH + 2, rng.randint(MAX_DEPTH + 1, 1000), rng.randint(1000, 30_000)])
    inner = rng.choice(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth])
    msg_id = _id(rng)
    payload = rng.choice([
        inner,
        '{"type":' + inner + "}",
        '{"type":"skill","id":"' + msg_id + '","token":"mine:oak_log","args":{"count":' + inner + "}}",
        '{"type":"hello","protocol":1,"token":"t","frames":' + inner + "}",
    ])
    return Hostile("deep_nesting", payload)


def huge(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Over the 64 KiB limit (too_large), and now and then over the websocket's 1 MiB (the socket is closed)."""
    if rng.random() < 0.1:
        return Hostile("huge", "x" * rng.randint(MAX_WS_PAYLOAD + 1, MAX_WS_PAYLOAD + 200_000), closes=True)
    size = rng.randint(MAX_TEXT_BYTES + 1, 600_000)
    payload = rng.choice(["x" * size, '{"type":"ping","id":"' + "a" * size + '"}',
                          _dumps({"type": "skill", "id": "h", "token": "mine:oak_log", "args": {"pad": "p" * size}})])
    return Hostile("huge", payload)


def unknown_type(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Requests of types the protocol does not have (or no type at all)."""
    msg_id = _id(rng)
    kind = rng.choice(["teleport", "give", "eval", "exec", "op", "HELLO", "Ping", "ping ", " skill", "skill\u0000",
                       "", "event", "welcome", "error", "skill_result", "observation",
                       "".join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 20)))])
    return Hostile("unknown_type", _dumps({"type": kind, "id": msg_id}), echo_id=msg_id)


def prototype_names(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Inherited names where the bridge looks names up: skill targets and verbs, types, argument names."""
    name = rng.choice(PROTOTYPE_NAMES)
    msg_id = _id(rng)
    with_target = [str(v["verb"]) for v in verbs if v["target"] != "none"]
    token = rng.choice([f"{rng.choice(with_target)}:{name}", name, f"{name}:oak_log",
                        f"{rng.choice([str(v['verb']) for v in verbs])}:{name}"])
    message: dict[str, object] = rng.choice([
        {"type": "skill", "id": msg_id, "token": token},
        {"type": "skill", "id": msg_id, "token": "mine:oak_log", "args": {name: 1}},
        {"type": name, "id": msg_id},
    ])
    payload = _dumps(message)
    if rng.random() < 0.2:   # an own "__proto__" key, as JSON.parse makes it, beside a request's fields
        payload = payload[:-1] + ',"__proto__":{"type":"ping","token":"explore"}}'
    return Hostile("prototype_names", payload, echo_id=msg_id)


def wrong_types(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Known requests whose fields have the wrong type or range (never a valid request)."""
    msg_id = _id(rng)
    bad = rng.choice(WRONG_VALUES)
    field = rng.choice(["type", "id", "token", "args", "deadline_ms", "count", "extra", "stream", "labels", "not_object"])
    message: dict[str, object] = {"type": "skill", "id": msg_id, "token": "mine:oak_log", "args": {"count": 1},
                                  "deadline_ms": 5000}
    echo: str | None = msg_id
    if field in ("type", "id", "token", "args"):
        message[field] = bad if not (field == "args" and isinstance(bad, dict)) else ["not", "an", "object"]
        echo = None if field in ("type", "id") else msg_id
        if field == "id" and isinstance(bad, str) and bad:
            echo = bad if len(bad) <= 64 else None
    elif field == "deadline_ms":
        message["deadline_ms"] = rng.choice([99, 0, -1, 1.5, "5000", 1_800_001, 1e300, None, [], True])
    elif field == "count":
        message["args"] = {"count": rng.choice([0, -1, 1.5, "3", 10**9, [], {}, True, "1"])}
    elif field == "extra":
        message = {**{"type": rng.choice(["ping", "observe", "frame", "cancel"]), "id": msg_id}, "teleport": bad}
    elif field == "stream":
        message = {"type": "stream", "id": msg_id, "fps": rng.choice([-1, 31, "10", None, [], {}, True])}
    elif field == "labels":
        message = {"type": "frame", "id": msg_id, "labels": rng.choice(["yes", 1, None, [], {}])}
    else:
        return Hostile("wrong_types", rng.choice(["null", "[]", "42", '"ping"', "true", '[{"type":"ping"}]']))
    return Hostile("wrong_types", _dumps(message), echo_id=echo)


def binary_frames(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Binary websocket frames: the agent sends text only."""
    payload = rng.choice([rng.randbytes(rng.randint(0, 2000)), b'{"type":"ping","id":"b"}'])
    return Hostile("binary", payload, binary=True)


def invalid_utf8(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Text frames that are not UTF-8: the websocket is closed (1007), as RFC 6455 says."""
    payload = rng.choice([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80"]) + b'{"type":"ping","id":"u"}'
    return Hostile("invalid_utf8", payload, raw_text=True, closes=True)


def before_hello(rng: random.Random, verbs: list[dict[str, object]]) -> Hostile:
    """Requests and hostile hellos from a connection that has not said a valid hello."""
    msg_id = _id(rng)
    choice = rng.randrange(6)
    if choice == 0:
        return Hostile("before_hello", _dumps({"type": rng.choice(["observe", "ping", "frame"]), "id": msg_id}),
                       before_hello=True, echo_id=msg_id)
    if choice == 1:   # the wrong token: closed (4001)
        return Hostile("before_hello", _dumps({"type": "hello", "protocol": 1, "token": _id(rng)}), before_hello=True,
                       closes=True)
    if choice == 2:   # a token that is not a string, or inherited names in the hello
        token = rng.choice([{"__proto__": "x"}, ["t"], 1, None, {"toString": "x"}])
        return Hostile("before_hello", _dumps({"type": "hello", "protocol": 1, "token": token}), before_hello=True)
    if choice == 3:
        return Hostile("before_hello", _dumps({"type": "hello", "protocol": "1", "token": "t"}), before_hello=True)
    if choice == 4:
        return Hostile("before_hello", _dumps({"type": "hello", "protocol": 1, "token": "t",
                                               "frames": {"width": rng.choice([0, 5000, "224", None])}}),
                       before_hello=True)
    return Hostile("before_hello", rng.choice(PROTOTYPE_NAMES) + "{", before_hello=True)


Maker = Callable[[random.Random, list[dict[str, object]]], Hostile]
# How often each category comes: most are cheap; huge messages cost megabytes, closing ones a new connection.
MIX: tuple[tuple[Maker, float], ...] = (
    (malformed_json, 22), (deep_nesting, 10), (huge, 1.5), (unknown_type, 12), (prototype_names, 22),
    (wrong_types, 24), (binary_frames, 3), (invalid_utf8, 0.5), (before_hello, 5),
)


def hostile_messages(count: int, verbs: list[dict[str, object]], seed: int = 14) -> Iterator[Hostile]:
    """`count` hostile messages drawn from MIX with a seeded generator. `verbs`: the welcome's verb list."""
    rng = random.Random(seed)
    makers, weights = zip(*MIX)
    for maker in rng.choices(makers, weights, k=count):
        yield maker(rng, verbs)
