"""Typed messages of the bridge protocol, version 1 (bridge/PROTOCOL.md, bridge/protocol.schema.json).

Every message from the bridge parses into a dataclass here; a message that lacks a required field raises
ProtocolError naming the field by its path (``observation.state.position.x``). Unknown extra fields are
kept: each parsed state keeps its source dict in ``raw``, so fields newer than this module (for example
``enchanted``) still reach the agent.

Binary frames: ``uint32 LE header length | UTF-8 JSON header | RGB bytes | optional uint16 LE labels``.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any, Mapping, Union

import numpy as np

from world.embedded_server import check_speed

PROTOCOL_VERSION = 1

SKILL_ERROR_KINDS = (
    "cancelled", "deadline", "disconnected", "died", "missing_items", "missing_tool", "not_found", "unreachable",
    "failed", "internal",
)
PROTOCOL_ERROR_KINDS = (
    "malformed_json", "too_large", "too_deep", "bad_request", "unknown_type", "unknown_skill", "bad_arguments",
    "busy", "not_ready", "not_connected", "bad_token", "bad_protocol", "internal",
)
EVENT_NAMES = (
    "skill_started", "skill_progress", "death", "respawn", "damage", "chat", "disconnect", "reconnecting",
    "reconnected", "kicked",
)
# Made by the client, never sent by the bridge: the websocket to the bridge closed.
CLIENT_EVENT_BRIDGE_CLOSED = "bridge_closed"
EQUIPMENT_SLOTS = ("hand", "offhand", "head", "chest", "legs", "feet")


class ProtocolError(ValueError):
    """A message from the bridge does not follow the protocol; the message names the field."""


# --------------------------------------------------------------------------------------------- helpers

def _get(d: Mapping[str, Any], key: str, path: str) -> Any:
    if not isinstance(d, Mapping):
        raise ProtocolError(f"{path} must be an object, got {type(d).__name__}")
    if key not in d:
        raise ProtocolError(f"missing field {path}.{key}")
    return d[key]


def _num(d: Mapping[str, Any], key: str, path: str) -> float:
    value = _get(d, key, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(f"{path}.{key} must be a number, got {value!r}")
    return float(value)


def _int(d: Mapping[str, Any], key: str, path: str) -> int:
    value = _get(d, key, path)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise ProtocolError(f"{path}.{key} must be an integer, got {value!r}")
    return int(value)


def _str(d: Mapping[str, Any], key: str, path: str) -> str:
    value = _get(d, key, path)
    if not isinstance(value, str):
        raise ProtocolError(f"{path}.{key} must be a string, got {value!r}")
    return value


def _bool(d: Mapping[str, Any], key: str, path: str) -> bool:
    value = _get(d, key, path)
    if not isinstance(value, bool):
        raise ProtocolError(f"{path}.{key} must be a boolean, got {value!r}")
    return value


def _obj(d: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = _get(d, key, path)
    if not isinstance(value, Mapping):
        raise ProtocolError(f"{path}.{key} must be an object, got {value!r}")
    return value


def _list(d: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = _get(d, key, path)
    if not isinstance(value, list):
        raise ProtocolError(f"{path}.{key} must be an array, got {value!r}")
    return value


def _counts(d: Mapping[str, Any], key: str, path: str) -> dict[str, int]:
    raw = _obj(d, key, path)
    out: dict[str, int] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
            raise ProtocolError(f"{path}.{key}.{name} must be an integer, got {value!r}")
        out[str(name)] = int(value)
    return out


def _opt_str(d: Mapping[str, Any], key: str, path: str) -> str | None:
    value = d.get(key)
    if value is not None and not isinstance(value, str):
        raise ProtocolError(f"{path}.{key} must be a string, got {value!r}")
    return value


# ------------------------------------------------------------------------------------------ the state

@dataclass(frozen=True)
class Vec3:
    x: float
    y: float
    z: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str = "vec3") -> Vec3:
        return cls(_num(d, "x", path), _num(d, "y", path), _num(d, "z", path))

    def to_dict(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y, "z": self.z}


@dataclass(frozen=True)
class BlockSighting:
    """The nearest block of one kind: its position and distance from the bot."""

    x: float
    y: float
    z: float
    distance: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str) -> BlockSighting:
        distance = d.get("distance")
        if distance is not None and (isinstance(distance, bool) or not isinstance(distance, (int, float))):
            raise ProtocolError(f"{path}.distance must be a number, got {distance!r}")
        return cls(_num(d, "x", path), _num(d, "y", path), _num(d, "z", path),
                   None if distance is None else float(distance))


@dataclass(frozen=True)
class NearbyBlocks:
    radius: int
    counts: dict[str, int]
    nearest: dict[str, BlockSighting]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str = "nearby_blocks") -> NearbyBlocks:
        nearest_raw = _obj(d, "nearest", path)
        nearest = {str(k): BlockSighting.from_dict(v, f"{path}.nearest.{k}") for k, v in nearest_raw.items()}
        return cls(_int(d, "radius", path), _counts(d, "counts", path), nearest)


@dataclass(frozen=True)
class NearbyEntity:
    name: str
    kind: str
    position: Vec3
    distance: float
    health: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str) -> NearbyEntity:
        health = d.get("health")
        return cls(_str(d, "name", path), _str(d, "kind", path), Vec3.from_dict(_obj(d, "position", path), f"{path}.position"),
                   _num(d, "distance", path), None if health is None else float(health))


@dataclass(frozen=True)
class DroppedItem:
    item: str
    count: int
    position: Vec3
    distance: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str) -> DroppedItem:
        return cls(_str(d, "item", path), _int(d, "count", path),
                   Vec3.from_dict(_obj(d, "position", path), f"{path}.position"), _num(d, "distance", path))


@dataclass(frozen=True)
class Experience:
    level: int
    points: int
    progress: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str = "xp") -> Experience:
        return cls(_int(d, "level", path), _int(d, "points", path), _num(d, "progress", path))


@dataclass(frozen=True)
class WorldIdentity:
    """The world the bot is in (the state's ``world``): its id (None where the server sends none) and its game
    time, the world's own tick (vanilla's world age; None before the server sent it)."""

    id: str | None
    game_time: int | None

    @classmethod
    def from_dict(cls, d: Any, path: str = "world") -> WorldIdentity:
        if not isinstance(d, Mapping):
            raise ProtocolError(f"{path} must be an object, got {d!r}")
        game_time = d.get("game_time")
        if game_time is not None and (isinstance(game_time, bool) or not isinstance(game_time, int)):
            raise ProtocolError(f"{path}.game_time must be an integer or null, got {game_time!r}")
        return cls(_opt_str(d, "id", path), game_time)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "game_time": self.game_time}


@dataclass(frozen=True)
class Observation:
    """The bot's state (the ``state`` of an ``observation`` message). ``raw`` is the dict it came from."""

    username: str
    alive: bool
    tick: int
    time_of_day: int
    dimension: str
    biome: str
    position: Vec3
    yaw: float
    pitch: float
    health: float
    food: float
    xp: Experience
    inventory: dict[str, int]
    equipment: dict[str, str | None]
    nearby_blocks: NearbyBlocks
    nearby_entities: list[NearbyEntity]
    dropped_items: list[DroppedItem]
    on_ground: bool | None = None
    in_water: bool | None = None
    saturation: float | None = None
    # Enchanted items by name, one list of enchantments per enchanted item (the bridge's ``enchanted``):
    # {"diamond_sword": [[{"name": "sharpness", "level": 1}]]}
    enchanted: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    world: WorldIdentity | None = None   # None: a bridge older than the field
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str = "state") -> Observation:
        if not isinstance(d, Mapping):
            raise ProtocolError(f"{path} must be an object, got {type(d).__name__}")
        facing = _obj(d, "facing", path)
        equipment_raw = _obj(d, "equipment", path)
        equipment: dict[str, str | None] = {}
        for slot in EQUIPMENT_SLOTS:
            if slot not in equipment_raw:
                raise ProtocolError(f"missing field {path}.equipment.{slot}")
        for slot, value in equipment_raw.items():
            if value is not None and not isinstance(value, str):
                raise ProtocolError(f"{path}.equipment.{slot} must be an item name or null, got {value!r}")
            equipment[str(slot)] = value
        entities = [NearbyEntity.from_dict(e, f"{path}.nearby_entities[{i}]")
                    for i, e in enumerate(_list(d, "nearby_entities", path))]
        dropped = [DroppedItem.from_dict(e, f"{path}.dropped_items[{i}]")
                   for i, e in enumerate(_list(d, "dropped_items", path))]
        enchanted_raw = d.get("enchanted") or {}
        if not isinstance(enchanted_raw, Mapping):
            raise ProtocolError(f"{path}.enchanted must be an object, got {enchanted_raw!r}")
        saturation = d.get("saturation")
        return cls(
            username=_str(d, "username", path),
            alive=_bool(d, "alive", path),
            tick=_int(d, "tick", path),
            time_of_day=_int(d, "time_of_day", path),
            dimension=_str(d, "dimension", path),
            biome=_str(d, "biome", path),
            position=Vec3.from_dict(_obj(d, "position", path), f"{path}.position"),
            yaw=_num(facing, "yaw", f"{path}.facing"),
            pitch=_num(facing, "pitch", f"{path}.facing"),
            health=_num(d, "health", path),
            food=_num(d, "food", path),
            xp=Experience.from_dict(_obj(d, "xp", path), f"{path}.xp"),
            inventory=_counts(d, "inventory", path),
            equipment=equipment,
            nearby_blocks=NearbyBlocks.from_dict(_obj(d, "nearby_blocks", path), f"{path}.nearby_blocks"),
            nearby_entities=entities,
            dropped_items=dropped,
            on_ground=d.get("on_ground"),
            in_water=d.get("in_water"),
            saturation=None if saturation is None else float(saturation),
            enchanted=normalize_enchanted(enchanted_raw),
            world=None if d.get("world") is None else WorldIdentity.from_dict(d["world"], f"{path}.world"),
            raw=dict(d),
        )

    def to_dict(self) -> dict[str, Any]:
        """The state as the protocol's JSON object (the source dict when parsed from one)."""
        if self.raw:
            return dict(self.raw)
        return {
            "username": self.username, "alive": self.alive, "tick": self.tick, "time_of_day": self.time_of_day,
            "dimension": self.dimension, "biome": self.biome, "position": self.position.to_dict(),
            "facing": {"yaw": self.yaw, "pitch": self.pitch}, "on_ground": self.on_ground, "in_water": self.in_water,
            "health": self.health, "food": self.food, "saturation": self.saturation,
            "xp": {"level": self.xp.level, "points": self.xp.points, "progress": self.xp.progress},
            "inventory": dict(self.inventory), "equipment": dict(self.equipment),
            "nearby_blocks": {
                "radius": self.nearby_blocks.radius, "counts": dict(self.nearby_blocks.counts),
                "nearest": {k: {"x": v.x, "y": v.y, "z": v.z, "distance": v.distance}
                            for k, v in self.nearby_blocks.nearest.items()},
            },
            "nearby_entities": [{"name": e.name, "kind": e.kind, "position": e.position.to_dict(),
                                 "distance": e.distance, "health": e.health} for e in self.nearby_entities],
            "dropped_items": [{"item": e.item, "count": e.count, "position": e.position.to_dict(),
                               "distance": e.distance} for e in self.dropped_items],
            "enchanted": dict(self.enchanted),
            **({"world": self.world.to_dict()} if self.world is not None else {}),
        }


def normalize_enchanted(raw: Any) -> dict[str, list[list[dict[str, Any]]]]:
    """The state's ``enchanted`` field as {item: [[{name, level}, ...] per enchanted item]}, items with none left out.

    Accepts the bridge's form (a list of enchantment lists per item name) and the flat form of one item
    ({item: [{name, level}, ...]}).
    """
    out: dict[str, list[list[dict[str, Any]]]] = {}
    if not isinstance(raw, Mapping):
        return out
    for name, value in raw.items():
        if not isinstance(value, list) or not value:
            continue
        if all(isinstance(v, Mapping) for v in value):
            items = [[dict(v) for v in value]]
        else:
            items = [[dict(e) for e in v if isinstance(e, Mapping)] for v in value if isinstance(v, list)]
        items = [i for i in items if i]
        if items:
            out[str(name)] = items
    return out


def state_dict(state: Observation | Mapping[str, Any]) -> dict[str, Any]:
    """A state as a plain dict, from an Observation or a dict."""
    if isinstance(state, Observation):
        return state.to_dict()
    if isinstance(state, Mapping):
        return dict(state)
    raise TypeError(f"expected an Observation or a state dict, got {type(state).__name__}")


# ------------------------------------------------------------------------------------------- messages

@dataclass(frozen=True)
class FrameSettings:
    """The frame stream the agent asks for in ``hello`` (fps 0: no stream; frames on request only)."""

    fps: float = 10
    width: int = 224
    height: int = 224
    labels: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.fps <= 30:
            raise ValueError(f"frames fps must be in 0..30, got {self.fps}")
        for name in ("width", "height"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 16 <= value <= 1024:
                raise ValueError(f"frames {name} must be an integer in 16..1024, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        fps: float | int = int(self.fps) if float(self.fps).is_integer() else self.fps
        return {"fps": fps, "width": self.width, "height": self.height, "labels": self.labels}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str = "frames") -> FrameSettings:
        return cls(fps=_num(d, "fps", path), width=_int(d, "width", path), height=_int(d, "height", path),
                   labels=bool(d.get("labels", False)))


@dataclass(frozen=True)
class VerbInfo:
    verb: str
    target: str
    description: str
    args: dict[str, Any]
    deadline_ms: int | None = None   # the verb's own deadline (skills/verbs/<verb>.js); None from an older bridge

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], path: str) -> VerbInfo:
        args = d.get("args") or {}
        deadline = d.get("deadline_ms")
        return cls(_str(d, "verb", path), str(d.get("target", "none")), str(d.get("description", "")),
                   dict(args) if isinstance(args, Mapping) else {},
                   int(deadline) if isinstance(deadline, int) and not isinstance(deadline, bool) else None)


@dataclass(frozen=True)
class Welcome:
    protocol: int
    bridge: str
    minecraft: str
    username: str
    server: str
    connected: bool
    frames: FrameSettings
    verbs: list[VerbInfo]
    speed: float = 1.0               # the game clock's speed: deadlines and wall_ms are game milliseconds
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Welcome:
        p = "welcome"
        return cls(
            protocol=_int(d, "protocol", p), bridge=str(d.get("bridge", "")), minecraft=str(d.get("minecraft", "")),
            username=str(d.get("username", "")), server=str(d.get("server", "")),
            connected=bool(d.get("connected", True)),
            frames=FrameSettings.from_dict(_obj(d, "frames", p), f"{p}.frames") if "frames" in d else FrameSettings(),
            verbs=[VerbInfo.from_dict(v, f"{p}.verbs[{i}]") for i, v in enumerate(d.get("verbs") or [])],
            speed=_speed(d.get("speed", 1.0)),
            raw=dict(d),
        )


def _speed(value: Any) -> float:
    """welcome.speed: a JSON number the game clock accepts (world.embedded_server.check_speed)."""
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"not a number: {value!r}")
        return check_speed(value)
    except ValueError as err:
        raise ProtocolError(f"welcome.speed: {err}") from None


@dataclass(frozen=True)
class ObservationMessage:
    id: str | None
    state: Observation

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ObservationMessage:
        return cls(_opt_str(d, "id", "observation"), Observation.from_dict(_obj(d, "state", "observation"), "observation.state"))


@dataclass(frozen=True)
class SkillError:
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


@dataclass(frozen=True)
class SkillResult:
    """The outcome of one skill. Besides the bridge's kinds (SKILL_ERROR_KINDS), the client may report a
    protocol error kind (``unknown_skill``, ``bad_arguments``, ``busy``, ``not_connected``...) when the
    bridge refused the request, and ``disconnected`` when the websocket itself died."""

    id: str
    token: str
    ok: bool
    error: SkillError | None
    inventory_delta: dict[str, int]
    ticks: int
    wall_ms: float
    detail: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SkillResult:
        p = "skill_result"
        error_raw = _get(d, "error", p)
        error = None
        if error_raw is not None:
            if not isinstance(error_raw, Mapping):
                raise ProtocolError(f"{p}.error must be null or an object, got {error_raw!r}")
            error = SkillError(_str(error_raw, "kind", f"{p}.error"), str(error_raw.get("message", "")))
        detail = d.get("detail") or {}
        return cls(
            id=_str(d, "id", p), token=_str(d, "token", p), ok=_bool(d, "ok", p), error=error,
            inventory_delta=_counts(d, "inventory_delta", p), ticks=_int(d, "ticks", p), wall_ms=_num(d, "wall_ms", p),
            detail=dict(detail) if isinstance(detail, Mapping) else {"value": detail},
        )

    @classmethod
    def failure(cls, id: str, token: str, kind: str, message: str, wall_ms: float = 0.0,
                detail: dict[str, Any] | None = None) -> SkillResult:
        """A failed result made on the client side (the bridge refused, or could not answer)."""
        return cls(id=id, token=token, ok=False, error=SkillError(kind, message), inventory_delta={}, ticks=0,
                   wall_ms=wall_ms, detail=dict(detail or {}))

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "token": self.token, "ok": self.ok, "error": self.error.to_dict() if self.error else None,
                "inventory_delta": dict(self.inventory_delta), "ticks": self.ticks, "wall_ms": self.wall_ms,
                "detail": dict(self.detail)}


@dataclass(frozen=True)
class Event:
    event: str
    tick: int
    data: dict[str, Any]
    id: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Event:
        p = "event"
        data = _get(d, "data", p)
        if not isinstance(data, Mapping):
            raise ProtocolError(f"{p}.data must be an object, got {data!r}")
        return cls(event=_str(d, "event", p), tick=_int(d, "tick", p), data=dict(data), id=_opt_str(d, "id", p))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event, "tick": self.tick, "data": dict(self.data)}
        if self.id is not None:
            out["id"] = self.id
        return out


@dataclass(frozen=True)
class Reconnection:
    """What a ``reconnected`` event says: the world now and the one the bot left (None: it had not spawned), whether
    they are the same (None: an id is unknown), and what was lost on the way as (what, message) pairs; empty
    when nothing was. A bridge older than these fields reports nothing lost and nothing known."""

    world: WorldIdentity | None
    before: WorldIdentity | None
    same_world: bool | None
    lost: tuple[tuple[str, str], ...]

    @classmethod
    def from_event(cls, event: Event) -> Reconnection:
        p = "reconnected.data"
        d = event.data
        lost = d.get("lost") or []
        if not isinstance(lost, list) or not all(isinstance(x, Mapping) for x in lost):
            raise ProtocolError(f"{p}.lost must be a list of objects, got {lost!r}")
        same = d.get("same_world")
        if same is not None and not isinstance(same, bool):
            raise ProtocolError(f"{p}.same_world must be true, false or null, got {same!r}")
        world, before = (None if d.get(k) is None else WorldIdentity.from_dict(d[k], f"{p}.{k}") for k in ("world", "before"))
        return cls(world, before, same,
                   tuple((_str(x, "what", f"{p}.lost[{i}]"), _str(x, "message", f"{p}.lost[{i}]")) for i, x in enumerate(lost)))

    @property
    def reason(self) -> str | None:
        """One line saying what was lost, or None when nothing was."""
        return "; ".join(message for _, message in self.lost) or None


@dataclass(frozen=True)
class Pong:
    id: str | None
    tick: int

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Pong:
        return cls(_opt_str(d, "id", "pong"), _int(d, "tick", "pong"))


@dataclass(frozen=True)
class ErrorMessage:
    kind: str
    message: str
    id: str | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ErrorMessage:
        return cls(_str(d, "kind", "error"), str(d.get("message", "")), _opt_str(d, "id", "error"))


Message = Union[Welcome, ObservationMessage, SkillResult, Event, Pong, ErrorMessage]
_PARSERS: dict[str, Any] = {
    "welcome": Welcome, "observation": ObservationMessage, "skill_result": SkillResult, "event": Event,
    "pong": Pong, "error": ErrorMessage,
}


def parse_message(d: Mapping[str, Any] | str | bytes) -> Message:
    """Parse one text message from the bridge (a JSON string or an already decoded dict)."""
    if isinstance(d, (str, bytes)):
        try:
            d = json.loads(d)
        except json.JSONDecodeError as err:
            raise ProtocolError(f"a text message is not valid JSON: {err}") from None
    if not isinstance(d, Mapping):
        raise ProtocolError(f"a message must be a JSON object, got {type(d).__name__}")
    kind = d.get("type")
    if kind is None:
        raise ProtocolError("missing field message.type")
    parser = _PARSERS.get(kind)
    if parser is None:
        raise ProtocolError(f"unknown message type {kind!r}")
    return parser.from_dict(d)


# --------------------------------------------------------------------------------------------- frames

@dataclass(frozen=True)
class FrameHeader:
    seq: int
    tick: int
    width: int
    height: int
    channels: int
    labels: bool
    id: str | None = None
    render_ms: float | None = None

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FrameHeader:
        p = "frame"
        if d.get("type", "frame") != "frame":
            raise ProtocolError(f"{p}.type must be 'frame', got {d.get('type')!r}")
        render_ms = d.get("render_ms")
        return cls(seq=_int(d, "seq", p), tick=_int(d, "tick", p), width=_int(d, "width", p), height=_int(d, "height", p),
                   channels=_int(d, "channels", p), labels=_bool(d, "labels", p), id=_opt_str(d, "id", p),
                   render_ms=None if render_ms is None else float(render_ms))


@dataclass(frozen=True)
class Frame:
    """One frame: rgb is (height, width, 3) uint8; labels, when sent, (height, width) uint16 block ids."""

    header: FrameHeader
    rgb: np.ndarray
    labels: np.ndarray | None = None
    received_at: float = 0.0  # time.monotonic() on arrival, set by the client

    @property
    def seq(self) -> int:
        return self.header.seq

    @property
    def tick(self) -> int:
        return self.header.tick

    @classmethod
    def from_bytes(cls, data: bytes, received_at: float = 0.0) -> Frame:
        """Parse a binary frame message."""
        if len(data) < 4:
            raise ProtocolError(f"a binary frame must start with a 4-byte header length, got {len(data)} bytes")
        (hlen,) = struct.unpack_from("<I", data, 0)
        if 4 + hlen > len(data):
            raise ProtocolError(f"frame header length {hlen} exceeds the message ({len(data)} bytes)")
        try:
            header_dict = json.loads(data[4:4 + hlen].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ProtocolError(f"frame header is not UTF-8 JSON: {err}") from None
        header = FrameHeader.from_dict(header_dict)
        if header.channels != 3:
            raise ProtocolError(f"frame.channels must be 3, got {header.channels}")
        pixels = header.width * header.height
        rgb_len = pixels * 3
        labels_len = pixels * 2 if header.labels else 0
        body = len(data) - 4 - hlen
        if body != rgb_len + labels_len:
            raise ProtocolError(
                f"frame body is {body} bytes, expected {rgb_len + labels_len} for {header.width}x{header.height} RGB"
                f"{' + labels' if header.labels else ''}")
        start = 4 + hlen
        rgb = np.frombuffer(data, dtype=np.uint8, count=rgb_len, offset=start).reshape(header.height, header.width, 3)
        labels = None
        if header.labels:
            labels = np.frombuffer(data, dtype="<u2", count=pixels, offset=start + rgb_len)
            labels = labels.astype(np.uint16, copy=False).reshape(header.height, header.width)
        return cls(header, rgb, labels, received_at)

    def to_bytes(self) -> bytes:
        """Encode as the protocol's binary message (for tests and recordings)."""
        header: dict[str, Any] = {"type": "frame", "seq": self.header.seq, "tick": self.header.tick,
                                  "width": self.header.width, "height": self.header.height, "channels": 3,
                                  "labels": self.labels is not None}
        if self.header.id is not None:
            header["id"] = self.header.id
        if self.header.render_ms is not None:
            header["render_ms"] = self.header.render_ms
        hbytes = json.dumps(header).encode("utf-8")
        parts = [struct.pack("<I", len(hbytes)), hbytes, np.ascontiguousarray(self.rgb, dtype=np.uint8).tobytes()]
        if self.labels is not None:
            parts.append(np.ascontiguousarray(self.labels, dtype="<u2").tobytes())
        return b"".join(parts)
