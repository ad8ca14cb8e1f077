"""The shipped systemd unit files (deploy/systemd/) read back into a command line and an
environment, so the soak starts its web processes and workers exactly as the units say
(what's shipped is what's tested). Only the keys the units use are understood."""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "deploy" / "systemd"
# Where the units expect the checkout on a real server.
INSTALL_DIR = "/opt/cryptoshop"


@dataclass
class Unit:
    name: str
    exec_start: list[str]
    environment: dict[str, str] = field(default_factory=dict)
    restart_always: bool = False
    restart_sec: float = 0.1


def _environment_line(value: str) -> dict[str, str]:
    """`Environment=A=1 "B=two words"` (systemd's quoting is close enough to the shell's)."""
    pairs = {}
    for word in shlex.split(value):
        key, _, val = word.partition("=")
        pairs[key] = val
    return pairs


def read_unit(filename: str, instance: str) -> Unit:
    """The unit's [Service] with %i replaced by ``instance``, and the install paths by this
    checkout and this interpreter."""
    text = (UNITS / filename).read_text()
    unit = Unit(name=filename.replace("@", f"@{instance}"), exec_start=[])
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section != "[Service]":
            continue
        key, _, value = line.partition("=")
        value = value.replace("%i", instance)
        if key == "ExecStart":
            words = shlex.split(value)
            python = f"{INSTALL_DIR}/.venv/bin/python"
            unit.exec_start = [sys.executable if w == python else w for w in words]
        elif key == "Environment":
            unit.environment.update(_environment_line(value))
        elif key == "Restart":
            unit.restart_always = value == "always"
        elif key == "RestartSec":
            unit.restart_sec = float(value.rstrip("s"))
    if not unit.exec_start:
        raise ValueError(f"{filename}: no ExecStart")
    return unit


def render_haproxy(ports: list[int], listen_port: int, stats_port: int) -> str:
    """deploy/haproxy.cfg with the soak's ports: the `soak: port` lines get ours, the
    server list becomes one line per web port, `soak: drop` lines (root-only) go."""
    out: list[str] = []
    in_servers = False
    for line in (ROOT / "deploy" / "haproxy.cfg").read_text().splitlines():
        if "# soak: drop" in line:
            continue
        if "# servers begin" in line:
            in_servers = True
            out.append(line)
            indent = line[: len(line) - len(line.lstrip())]
            out += [f"{indent}server web{n} 127.0.0.1:{port}"
                    for n, port in enumerate(ports, 1)]
            continue
        if "# servers end" in line:
            in_servers = False
        elif in_servers:
            continue
        if "# soak: port" in line:
            port = listen_port if "frontend" in _last_section(out) else stats_port
            head, _, _ = line.partition(":")
            # "bind 127.0.0.1:8080   # soak: port" -> the same with our port
            line = f"{head}:{port}"
        out.append(line)
    return "\n".join(out) + "\n"


def _last_section(lines: list[str]) -> str:
    for line in reversed(lines):
        if line and not line[0].isspace():
            return line
    return ""
