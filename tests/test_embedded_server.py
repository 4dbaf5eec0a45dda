"""The embedded server process: starts, reports its port, listens on loopback only, stops, reports death."""
from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import pytest

from world.embedded_server import SERVER_SCRIPT, EmbeddedServer, EmbeddedServerError, parse_event
from world.node_process import LOG_DIR_ENV

# Starts embedded servers and bots: minutes, not seconds (`./larm test -m "not slow"` skips it).
pytestmark = pytest.mark.slow


def listening_addresses(port: int) -> list[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) with a listening socket on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A: LISTEN
                found.append(address)
    return found


def test_parse_event_finds_the_json_among_log_lines() -> None:
    assert parse_event('> \x1b[1G{"event":"ready","port":4242,"seed":3}\n') == {"event": "ready", "port": 4242, "seed": 3}
    assert parse_event("November 22nd [INFO]: Server listening on port 4242") is None
    assert parse_event('{"event": broken') is None


def test_starts_reports_ready_and_stops(node: Path) -> None:
    with EmbeddedServer(seed=3) as server:
        assert server.info is not None
        assert server.info.host == "127.0.0.1"
        assert 0 < server.info.port < 65536
        assert server.info.seed == 3
        assert server.info.version == "1.21.4"
        assert server.alive()
        with socket.create_connection(("127.0.0.1", server.info.port), timeout=5):
            pass
        server.ensure_running()
        process = server.process
    assert process is not None and process.poll() is not None
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.info.port), timeout=2).close()


def test_log_lines_are_kept_whole_under_the_log_dir(node: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "logs"))
    with EmbeddedServer(seed=3) as server:
        assert server.process is not None
        pid = server.process.pid
    text = (tmp_path / "logs" / f"embedded_server-{pid}.log").read_text()
    assert "Server listening on port" in text


def test_a_log_dir_that_cannot_be_made_is_a_clear_error(node: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a_file").write_text("")
    monkeypatch.setenv(LOG_DIR_ENV, str(tmp_path / "a_file" / "logs"))
    with pytest.raises(EmbeddedServerError, match="LARM_NODE_LOG_DIR=.*cannot make that folder"):
        EmbeddedServer(seed=3).start()


def test_listens_on_loopback_only(node: Path) -> None:
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs /proc/net/tcp (Linux)")
    with EmbeddedServer(seed=4) as server:
        assert server.info is not None
        addresses = listening_addresses(server.info.port)
        assert addresses, "no listening socket found for the server's port"
        assert all(a == "0100007F" for a in addresses), f"listening on {addresses}, expected 127.0.0.1 only"


def test_bad_seed_exits_2_with_a_clear_message(node: Path) -> None:
    result = subprocess.run([str(node), str(SERVER_SCRIPT), "--seed", "abc"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert "--seed" in result.stderr
    with pytest.raises(EmbeddedServerError, match=r"code 2 before it was ready:[\s\S]*--seed"):
        EmbeddedServer(seed="abc").start()  # type: ignore[arg-type]


def test_unknown_assist_is_refused(node: Path) -> None:
    with pytest.raises(EmbeddedServerError, match=r"before it was ready:[\s\S]*unknown --assist fly"):
        EmbeddedServer(seed=1, assists=["fly"], startup_timeout=30).start()


def test_server_death_is_a_clear_error(node: Path) -> None:
    server = EmbeddedServer(seed=5)
    server.start()
    try:
        assert server.process is not None
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
        with pytest.raises(EmbeddedServerError, match="died with code"):
            server.ensure_running()
        assert not server.alive()
    finally:
        server.stop()


def test_context_manager_reports_a_death_while_in_use(node: Path) -> None:
    with pytest.raises(EmbeddedServerError, match="died with code .* while in use"):
        with EmbeddedServer(seed=6) as server:
            assert server.process is not None
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(10)


def test_stop_is_idempotent(node: Path) -> None:
    server = EmbeddedServer(seed=8)
    assert server.stop() is None  # never started
    server.start()
    first = server.stop()
    assert first is not None
    assert server.stop() == first


JOIN_SCRIPT = r"""
const mineflayer = require('mineflayer')
const bot = mineflayer.createBot({ host: '127.0.0.1', port: Number(process.argv[process.argv.length - 1]), username: 'joiner', version: '1.21.4', auth: 'offline' })
const done = (code, msg) => { console.log(msg); process.exit(code) }
bot.once('spawn', () => done(0, `spawned at ${bot.entity.position} in game mode ${bot.game.gameMode}`))
bot.once('kicked', r => done(1, `kicked: ${JSON.stringify(r)}`))
bot.once('error', e => done(1, `error: ${e.message}`))
setTimeout(() => done(1, 'no spawn within 30 s'), 30000)
"""


def test_a_bot_joins_in_survival(node: Path) -> None:
    from world.node_runtime import REPO_ROOT

    with EmbeddedServer(seed=9) as server:
        assert server.info is not None
        result = subprocess.run([str(node), "-e", JOIN_SCRIPT, str(server.info.port)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "game mode survival" in result.stdout
