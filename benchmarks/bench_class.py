"""A class on one machine: 1, 5 and 10 learners, as app instances in terminals and as `serve` sessions.

Each learner opens Section 4's Demo (one run with the course's code, then idle). Once every app has
its engines (the template holds a reference engine and a spare per app) and their memory has
settled, the proportional set size (PSS: a page shared by k processes counts 1/k in each) of every
process they started is summed: the apps, the engine template and its engines, the server. Printed
per count: the total, per learner, and what each learner added to the first.

    .venv/bin/python benchmarks/bench_class.py                    # terminals and serve, 1 5 10
    .venv/bin/python benchmarks/bench_class.py --counts 1 3 --modes terminal
    .venv/bin/python benchmarks/bench_class.py --root /work/main  # another checkout, for comparison

Target (issue 18): each added learner costs at most 300 MB (before: ~965 MB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1 << 20


def pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def kind(pid: int, tmpl: set[int], table: dict[int, int]) -> str:
    """What a process is, for the breakdown: the engine template, an engine, an app, the server, other."""
    if pid in tmpl:
        return "template"
    if table.get(pid) in tmpl:
        return "engines"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "other"
    if b"engine.server" in cmd:
        return "engines"
    if b"serve" in cmd:
        return "server"
    return "apps" if b"tui" in cmd else "other"


def breakdown(procs: set[int], cache: Path) -> str:
    tmpl, table = templates(cache), parents()
    parts: dict[str, int] = {}
    for pid in procs:
        name = kind(pid, tmpl, table)
        parts[name] = parts.get(name, 0) + pss(pid)
    return ", ".join(f"{name} {size / MB:.0f}" for name, size in sorted(parts.items()))


def parents() -> dict[int, int]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                found[int(stat.parent.name)] = int(fields[1])
    return found


def tree(roots: set[int]) -> set[int]:
    table = parents()
    kin = {p for p in roots if p in table}
    while grown := {p for p, parent in table.items() if parent in kin} - kin:
        kin |= grown
    return kin


def templates(cache: Path) -> set[int]:
    """The engine templates of this benchmark (their command line names a socket; their env our cache folder)."""
    found = set()
    for cmd in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if b"engine.template" in cmd.read_bytes():
                env = Path(cmd.parent, "environ").read_bytes()
                if f"OPTCOURSE_CACHE={cache}".encode() in env:
                    found.add(int(cmd.parent.name))
    table = parents()
    return {p for p in found if table.get(p) not in found}  # engines are its forks: same command line


def settled(roots: set[int], cache: Path, engines: int, timeout: float = 300.0) -> tuple[set[int], int, str]:
    """Wait until the templates have `engines` engines and the total PSS stops growing; (processes, PSS)."""
    deadline = time.monotonic() + timeout
    last = -1
    while True:
        procs = tree(roots | templates(cache))
        tmpl = templates(cache)
        forked = {p for p, parent in parents().items() if parent in tmpl}
        total = sum(pss(p) for p in procs)
        if (not tmpl or len(forked) >= engines) and last > 0 and abs(total - last) < 0.01 * total:
            return procs, total, breakdown(procs, cache)
        if time.monotonic() > deadline:
            print(f"  (not settled after {timeout:.0f} s: {len(forked)} of {engines} engines)", file=sys.stderr)
            return procs, total, breakdown(procs, cache)
        last = total
        time.sleep(2.0)


def env_for(cache: Path, home: Path, root: Path) -> dict[str, str]:
    return dict(
        os.environ,
        OPTCOURSE_CACHE=str(cache),
        OPTCOURSE_HOME=str(home),
        PYTHONPATH=str(root),
        TEXTUAL_ANIMATIONS="none",
    )


def terminals(count: int, root: Path, cache: Path, work: Path) -> tuple[set[int], int, str]:
    sessions = [f"class-{os.getpid()}-{i}" for i in range(count)]
    python = root / ".venv" / "bin" / "python"
    try:
        for i, name in enumerate(sessions):
            env = env_for(cache, work / f"home{i}", root)
            cmd = f"{python} -m tui --device cpu --section 4"
            subprocess.run(
                [
                    "tmux",
                    "new-session",
                    "-d",
                    "-s",
                    name,
                    "-c",
                    str(root),
                    "-x",
                    "100",
                    "-y",
                    "30",
                    *(f"-e{k}={v}" for k, v in env.items() if k.startswith(("OPTCOURSE", "PYTHON", "TEXTUAL"))),
                    cmd,
                ],
                check=True,
            )
        time.sleep(3.0)
        for name in sessions:  # the Demo tab: one run with the course's code
            subprocess.run(["tmux", "send-keys", "-t", name, "]"], check=True)
        panes = set()
        for name in sessions:
            out = subprocess.run(
                ["tmux", "list-panes", "-t", name, "-F", "#{pane_pid}"], capture_output=True, text=True
            )
            panes |= {int(p) for p in out.stdout.split()}
        return settled(panes, cache, 2 * count)
    finally:
        for name in sessions:
            subprocess.run(["tmux", "send-keys", "-t", name, "q"], capture_output=True)
        time.sleep(2.0)
        for name in sessions:
            subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def served(count: int, root: Path, cache: Path, work: Path) -> tuple[set[int], int, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            str(root / ".venv" / "bin" / "python"),
            "-m",
            "tui",
            "serve",
            "--port",
            str(port),
            "--device",
            "cpu",
            "--section",
            "4",
            *(["--max-sessions", str(count)] if "--max-sessions" in _serve_help(root) else []),
        ],
        cwd=root,
        env=env_for(cache, work / "served-home", root),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        return asyncio.run(_sessions(server, port, count, cache))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _serve_help(root: Path) -> str:
    out = subprocess.run(
        [str(root / ".venv" / "bin" / "python"), "-m", "tui", "serve", "--help"],
        cwd=root,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(root)),
    )
    return out.stdout


async def _sessions(server: subprocess.Popen, port: int, count: int, cache: Path) -> tuple[set[int], int, str]:
    import aiohttp

    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        await asyncio.sleep(0.2)
    async with aiohttp.ClientSession() as http:
        sockets = []
        for _ in range(count):
            ws = await http.ws_connect(f"http://127.0.0.1:{port}/ws?width=100&height=30")
            sockets.append(ws)
            drain = asyncio.ensure_future(_drain(ws))
            sockets.append(drain)
        await asyncio.sleep(3.0)
        for ws in sockets[::2]:
            await ws.send_json(["stdin", "]"])
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(None, settled, {server.pid}, cache, 2 * count)
        for ws in sockets[::2]:
            await ws.close()
        for drain in sockets[1::2]:
            drain.cancel()
        return result


async def _drain(ws) -> None:
    with contextlib.suppress(Exception):
        async for _ in ws:
            pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 5, 10])
    parser.add_argument("--modes", nargs="+", default=["terminal", "serve"], choices=["terminal", "serve"])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run (its .venv)")
    args = parser.parse_args()
    if "terminal" in args.modes and shutil.which("tmux") is None:
        sys.exit("bench_class: the terminal mode needs tmux")
    for mode in args.modes:
        first = None
        for count in args.counts:
            work = Path(tempfile.mkdtemp(prefix="bench-class-"))
            cache = work / "cache"  # its own engine template, started by the first app
            measure = terminals if mode == "terminal" else served
            procs, total, parts = measure(count, args.root.resolve(), cache, work)
            if first is None:
                first = (count, total)
            added = (total - first[1]) / (count - first[0]) if count > first[0] else float("nan")
            print(
                f"{mode:8} {count:3d} learners: {len(procs):3d} processes, PSS {total / MB:7.0f} MB in all, "
                f"{total / count / MB:5.0f} MB each; each added learner {added / MB:5.0f} MB   (target <= 300)"
            )
            print(f"             MB by kind: {parts}")
            shutil.rmtree(work, ignore_errors=True)
            time.sleep(3.0)  # the template exits once its last app has gone


if __name__ == "__main__":
    main()
