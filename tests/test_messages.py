"""bridge/messages.py: protocol messages parse into dataclasses; a missing field is named in the error."""
from __future__ import annotations

import copy
import json
import struct

import numpy as np
import pytest

from bridge.messages import (
    Event, ErrorMessage, Frame, FrameSettings, Observation, ObservationMessage, Pong, ProtocolError, Reconnection,
    SkillResult, Welcome, WorldIdentity, parse_message, state_dict,
)

STATE = {
    "username": "larm", "alive": True, "tick": 1234, "time_of_day": 6000, "dimension": "overworld", "biome": "plains",
    "position": {"x": 1.5, "y": 64, "z": -3.5}, "facing": {"yaw": 0.0, "pitch": 0.0}, "on_ground": True,
    "in_water": False, "health": 20, "food": 20, "saturation": 5, "xp": {"level": 0, "points": 0, "progress": 0.0},
    "inventory": {"oak_log": 3},
    "equipment": {"hand": "wooden_pickaxe", "offhand": None, "head": None, "chest": None, "legs": None, "feet": None},
    "nearby_blocks": {"radius": 16, "counts": {"oak_log": 12, "stone": 340},
                      "nearest": {"oak_log": {"x": 4, "y": 65, "z": 2, "distance": 4.6}}},
    "nearby_entities": [{"name": "cow", "kind": "animal", "position": {"x": 8, "y": 64, "z": 1}, "distance": 7.1,
                         "health": 10}],
    "dropped_items": [{"item": "oak_log", "count": 1, "position": {"x": 2, "y": 64, "z": 0}, "distance": 2.0}],
}


def test_observation_parses_every_field() -> None:
    msg = parse_message({"type": "observation", "id": "o1", "state": STATE})
    assert isinstance(msg, ObservationMessage) and msg.id == "o1"
    s = msg.state
    assert s.position.y == 64 and s.inventory == {"oak_log": 3} and s.equipment["hand"] == "wooden_pickaxe"
    assert s.nearby_blocks.counts["stone"] == 340 and s.nearby_blocks.nearest["oak_log"].distance == 4.6
    assert s.nearby_entities[0].name == "cow" and s.dropped_items[0].count == 1
    assert s.xp.level == 0 and s.enchanted == {}
    assert state_dict(s) == STATE  # the source dict is kept


def test_extra_fields_are_kept() -> None:
    state = dict(STATE, enchanted={"diamond_sword": [{"name": "sharpness", "level": 2}]}, future_field=1)
    s = Observation.from_dict(state)
    assert s.enchanted["diamond_sword"] == [[{"name": "sharpness", "level": 2}]]  # flat form normalised
    bridge_form = Observation.from_dict(dict(STATE, enchanted={"diamond_sword": [[{"name": "sharpness", "level": 1}], []]}))
    assert bridge_form.enchanted == {"diamond_sword": [[{"name": "sharpness", "level": 1}]]}
    assert s.raw["future_field"] == 1


@pytest.mark.parametrize("path", [["position", "x"], ["xp", "level"], ["equipment", "feet"], ["inventory"],
                                  ["nearby_blocks", "radius"], ["facing", "yaw"], ["biome"]])
def test_missing_state_field_is_named(path: list[str]) -> None:
    state = copy.deepcopy(STATE)
    target = state
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    with pytest.raises(ProtocolError, match="missing field state." + ".".join(path)):
        Observation.from_dict(state)


def test_missing_entity_field_names_the_index() -> None:
    state = copy.deepcopy(STATE)
    del state["nearby_entities"][0]["distance"]
    with pytest.raises(ProtocolError, match=r"state.nearby_entities\[0\].distance"):
        Observation.from_dict(state)


def test_wrong_type_is_named() -> None:
    state = dict(STATE, health="full")
    with pytest.raises(ProtocolError, match="state.health must be a number"):
        Observation.from_dict(state)


def test_the_state_says_which_world_the_bot_is_in() -> None:
    s = Observation.from_dict(dict(STATE, world={"id": "5f0c", "game_time": 8815}))
    assert s.world == WorldIdentity("5f0c", 8815)
    assert Observation.from_dict(dict(STATE, world={"id": None, "game_time": None})).world == WorldIdentity(None, None)
    assert Observation.from_dict(STATE).world is None   # a bridge older than the field
    with pytest.raises(ProtocolError, match="state.world.game_time must be an integer"):
        Observation.from_dict(dict(STATE, world={"id": "5f0c", "game_time": "late"}))


def test_a_reconnected_event_says_what_was_lost() -> None:
    data = {"server": "127.0.0.1:25565", "world": {"id": "9a41", "game_time": 18},
            "before": {"id": "5f0c", "game_time": 8815}, "same_world": False,
            "lost": [{"what": "world", "message": "a different world (id 5f0c, now 9a41)"},
                     {"what": "game_time", "message": "the game time went backwards (8815 → 18 ticks)"}]}
    back = Reconnection.from_event(Event("reconnected", 5210, data))
    assert back.same_world is False and back.before == WorldIdentity("5f0c", 8815)
    assert back.reason == "a different world (id 5f0c, now 9a41); the game time went backwards (8815 → 18 ticks)"
    same = Reconnection.from_event(Event("reconnected", 5210, dict(data, same_world=True, lost=[])))
    assert same.reason is None
    assert Reconnection.from_event(Event("reconnected", 1, {"server": "x"})).reason is None   # an older bridge
    with pytest.raises(ProtocolError, match=r"reconnected.data.lost\[0\].message"):
        Reconnection.from_event(Event("reconnected", 1, dict(data, lost=[{"what": "world"}])))


def test_skill_result_event_pong_error_welcome() -> None:
    r = parse_message({"type": "skill_result", "id": "s1", "token": "mine:oak_log", "ok": False,
                       "error": {"kind": "not_found", "message": "no oak_log"}, "inventory_delta": {"oak_log": 0},
                       "ticks": 3, "wall_ms": 12.5})
    assert isinstance(r, SkillResult) and r.error is not None and r.error.kind == "not_found" and r.detail == {}
    assert r.to_dict()["error"] == {"kind": "not_found", "message": "no oak_log"}
    e = parse_message('{"type":"event","event":"damage","tick":5,"data":{"health":18,"amount":2}}')
    assert isinstance(e, Event) and e.data["amount"] == 2 and e.id is None
    assert parse_message({"type": "pong", "id": "p", "tick": 9}) == Pong("p", 9)
    err = parse_message({"type": "error", "kind": "unknown_skill", "message": "x", "id": "s2"})
    assert err == ErrorMessage("unknown_skill", "x", "s2")
    w = parse_message({"type": "welcome", "protocol": 1, "bridge": "0.1.0", "minecraft": "1.21.4", "username": "larm",
                       "server": "127.0.0.1:1", "connected": True,
                       "frames": {"fps": 10, "width": 224, "height": 224, "labels": False},
                       "verbs": [{"verb": "mine", "target": "block", "description": "d", "args": {}}]})
    assert isinstance(w, Welcome) and w.frames == FrameSettings() and w.verbs[0].verb == "mine"
    assert w.speed == 1.0   # an older bridge says nothing of its clock: real time


def test_the_welcome_carries_the_game_clock_speed() -> None:
    base = {"type": "welcome", "protocol": 1, "bridge": "0.1.0", "minecraft": "1.21.4", "username": "larm",
            "server": "127.0.0.1:1", "connected": True}
    assert parse_message({**base, "speed": 8}).speed == 8.0
    for bad in (0, -1, "8", True, None):
        with pytest.raises(ProtocolError, match="welcome.speed"):
            parse_message({**base, "speed": bad})


def test_bad_messages() -> None:
    with pytest.raises(ProtocolError, match="missing field skill_result.ticks"):
        parse_message({"type": "skill_result", "id": "s", "token": "t", "ok": True, "error": None,
                       "inventory_delta": {}, "wall_ms": 1})
    with pytest.raises(ProtocolError, match="unknown message type"):
        parse_message({"type": "nope"})
    with pytest.raises(ProtocolError, match="not valid JSON"):
        parse_message("{")
    with pytest.raises(ProtocolError, match="message.type"):
        parse_message({})


def _frame_bytes(w: int, h: int, labels: bool, body_fix: int = 0) -> bytes:
    header = json.dumps({"type": "frame", "seq": 7, "tick": 100, "width": w, "height": h, "channels": 3,
                         "labels": labels, "id": "f1", "render_ms": 3.5}).encode()
    rgb = (np.arange(w * h * 3) % 251).astype(np.uint8).tobytes()
    lab = (np.arange(w * h) * 7 % 1000).astype("<u2").tobytes() if labels else b""
    return struct.pack("<I", len(header)) + header + rgb + lab + b"\x00" * body_fix


def test_binary_frame_parses_rgb_and_labels() -> None:
    f = Frame.from_bytes(_frame_bytes(20, 10, True))
    assert f.rgb.shape == (10, 20, 3) and f.rgb.dtype == np.uint8
    assert f.labels is not None and f.labels.shape == (10, 20) and f.labels.dtype == np.uint16
    assert f.rgb[0, 1, 0] == 3 and f.labels[0, 1] == 7  # row-major, top row first
    assert f.header.id == "f1" and f.seq == 7 and f.tick == 100
    assert Frame.from_bytes(f.to_bytes()).header == f.header
    g = Frame.from_bytes(_frame_bytes(16, 16, False))
    assert g.labels is None and g.rgb.shape == (16, 16, 3)


def test_bad_binary_frames() -> None:
    with pytest.raises(ProtocolError, match="body"):
        Frame.from_bytes(_frame_bytes(20, 10, False, body_fix=1))
    with pytest.raises(ProtocolError, match="4-byte"):
        Frame.from_bytes(b"\x01")
    with pytest.raises(ProtocolError, match="exceeds"):
        Frame.from_bytes(struct.pack("<I", 999) + b"{}")
    bad = json.dumps({"type": "frame", "tick": 1, "width": 16, "height": 16, "channels": 3, "labels": False}).encode()
    with pytest.raises(ProtocolError, match="missing field frame.seq"):
        Frame.from_bytes(struct.pack("<I", len(bad)) + bad + bytes(16 * 16 * 3))


def test_frame_settings_validate() -> None:
    assert FrameSettings(fps=0).to_dict() == {"fps": 0, "width": 224, "height": 224, "labels": False}
    with pytest.raises(ValueError):
        FrameSettings(fps=60)
    with pytest.raises(ValueError):
        FrameSettings(width=8)
