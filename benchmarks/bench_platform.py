"""Platform load: files deposited per second end to end, and status-query latency at 100 concurrent clients.

The platform (SFTP server, worker with the fund engine, web/API) runs in a child process, exactly as
``tierspayant run`` starts it; this process drives it on loopback:

1. end to end: N DEMAUT packages (the example DEMAUT with real PDF/A scans, one reference each) uploaded over SFTP
   by 4 concurrent asyncssh clients; the clock stops when every RETAUT is in ``out/`` (seen by listing the mailbox
   over SFTP). Files per second, and the p50 of one file's upload → RETAUT time;
2. status queries: 100 concurrent httpx async clients ask ``GET /api/v1/deposits/{id}`` (bearer token, a database
   read per call) — p50/p99 latency and requests per second — against the baseline of ``GET /api/v1/health``
   (no authentication, no database) measured in the same run.

The baseline of the end-to-end figure is the fund engine alone: the same packages processed in a spawned process
by the engine the worker calls (``FundEngine.process``), with no SFTP, no worker, no platform store — the server's
CPU per file against the engine's is what the platform adds.

``python -m benchmarks platform`` (``make bench ONLY=platform``); ``BENCH_PLATFORM_FILES`` (default 200; 5 in quick
mode) and ``BENCH_PLATFORM_QUERIES`` (default 5000 per endpoint; 200 in quick mode) size the run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncssh
import httpx

from benchmarks.harness import load, measure, size

CODE = "70012345"
CLIENTS = 100
UPLOADERS = 4


# -- the server side (child process) ----------------------------------------------------------------------------


def serve(var_dir: Path, ready_file: Path) -> None:
    """Run the platform until killed; write its ports to ``ready_file`` once listening."""
    import signal

    from tierspayant.platform.launch import launched
    from tierspayant.platform.settings import load_settings

    settings = load_settings(environ={}, var_dir=var_dir, http_port=0, sftp_port=0, demo=False)
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    with launched(settings) as (_, addresses):
        ready_file.write_text(json.dumps({"http": addresses.http_port, "sftp": addresses.sftp_port}))
        while not stop:
            time.sleep(0.2)


# -- preparation --------------------------------------------------------------------------------------------------


@dataclass
class Prepared:
    key: Path
    token: str
    files: list[Path]


def prepare(var_dir: Path, count: int) -> Prepared:
    from tierspayant.platform.context import PlatformContext
    from tierspayant.platform.practice_link import create_client_key
    from tierspayant.platform.settings import load_settings

    context = PlatformContext.open(load_settings(environ={}, var_dir=var_dir, demo=False))
    key = var_dir / "bench_key"
    context.create_provider("bench", "bench-password-1", "Bench practice", CODE, (create_client_key(key),))
    token = context.accounts.issue_token("bench", "bench")
    context.close()
    outgoing = var_dir / "outgoing"
    outgoing.mkdir()
    return Prepared(key, token, [demaut_package(outgoing, f"BENCH{n:06d}") for n in range(count)])


def demaut_package(folder: Path, reference: str) -> Path:
    """The example DEMAUT as a ZIP package with a real PDF/A scan per request, under its own reference."""
    from tierspayant.schemes.lu_kin.examples import example_model
    from tierspayant.schemes.lu_kin.formats.models import Demaut, PrescriptionDocument
    from tierspayant.schemes.lu_kin.formats.naming import KinFileName
    from tierspayant.schemes.lu_kin.formats.package import build_package
    from tierspayant.schemes.lu_kin.formats.writer import to_bytes
    from tierspayant.schemes.lu_kin.platform.sample_scan import sample_prescription_scan

    demaut = example_model("DEMAUT")
    assert isinstance(demaut, Demaut)
    today = date.today()
    scan = sample_prescription_scan(reference)
    requests = [
        r.model_copy(update={"prescription": PrescriptionDocument(
            file_name=r.prescription.file_name, sha256=hashlib.sha256(scan).hexdigest())})
        for r in demaut.requests
    ]  # fmt: skip
    header = demaut.header.model_copy(update={"reference": reference, "send_date": today})
    xml = to_bytes(Demaut.model_validate({"header": header, "requests": requests}))
    name = KinFileName(provider_code=CODE, year=today.year, month=today.month, file_type="DEMAUT",
                       send_date=today, reference=reference)  # fmt: skip
    path = folder / name.with_extension("zip").build()
    documents = {r.prescription.file_name: scan for r in requests}
    path.write_bytes(build_package(name.stem + ".xml", xml, documents))
    return path


# -- the drivers --------------------------------------------------------------------------------------------------


async def end_to_end(port: int, key: Path, files: list[Path]) -> tuple[float, list[float]]:
    """Upload every file (UPLOADERS connections), wait for each RETAUT; (seconds, per-file latencies)."""
    options = {"username": "bench", "client_keys": [str(key)], "known_hosts": None}
    queue: asyncio.Queue[Path] = asyncio.Queue()
    for path in files:
        queue.put_nowait(path)
    sent_at: dict[str, float] = {}

    async def uploader() -> None:
        async with asyncssh.connect("127.0.0.1", port, **options) as connection, connection.start_sftp_client() as sftp:
            while not queue.empty():
                path = queue.get_nowait()
                sent_at[path.name.removesuffix(".zip").split("_")[-1]] = time.perf_counter()
                await sftp.put(str(path), f"in/{path.name}")

    start = time.perf_counter()
    returned: dict[str, float] = {}
    async with asyncssh.connect("127.0.0.1", port, **options) as connection, connection.start_sftp_client() as watcher:
        uploads = asyncio.gather(*(uploader() for _ in range(UPLOADERS)))
        while len(returned) < len(files):
            for name in await watcher.listdir("out"):
                if "_RETAUT_" in name:
                    reference = name.removesuffix(".xml").split("_")[-1]
                    returned.setdefault(reference, time.perf_counter())
            await asyncio.sleep(0.05)
            if time.perf_counter() - start > 1800:
                raise RuntimeError(f"only {len(returned)} of {len(files)} returns after 30 min")
        await uploads
    elapsed = time.perf_counter() - start
    return elapsed, [returned[r] - sent_at[r] for r in returned if r in sent_at]


async def latencies(base: str, path: str, token: str | None, total: int) -> tuple[list[float], float]:
    """``total`` GETs of ``path`` from CLIENTS concurrent clients, each its own httpx client and keep-alive
    connection (as 100 users would be); (latencies in seconds, wall seconds)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    results: list[float] = []
    per_client = total // CLIENTS
    clients = [httpx.AsyncClient(base_url=base, headers=headers, timeout=120) for _ in range(CLIENTS)]
    try:
        await asyncio.gather(*(client.get(path) for client in clients))  # connect and warm up

        async def one_client(client: httpx.AsyncClient) -> None:
            for _ in range(per_client):
                started = time.perf_counter()
                response = await client.get(path)
                results.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {response.status_code}")

        start = time.perf_counter()
        await asyncio.gather(*(one_client(client) for client in clients))
        return results, time.perf_counter() - start
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))


def open_engine(database_url: str) -> Any:
    from tierspayant.schemes.lu_kin.platform.engine import open_fund

    engine = open_fund(database_url)
    engine.service.reference()  # parsed once, as the running worker has it
    return engine


def engine_alone(engine: Any, files: list[Path], outbox: Path) -> int:
    """The baseline: every package through the engine the worker calls, one after the other."""
    outbox.mkdir(parents=True, exist_ok=True)
    for path in files:
        engine.process(path, outbox, datetime.now().astimezone(), CODE)
    return len(files)


def peak_mb(pid: int) -> float:
    """A running process's peak RSS so far (Linux ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    count = size("BENCH_PLATFORM_FILES", 200, 5)
    queries = max(CLIENTS, size("BENCH_PLATFORM_QUERIES", 5000, 200))
    with tempfile.TemporaryDirectory(prefix="bench-platform-") as scratch:
        var_dir = Path(scratch) / "var"
        prepared = prepare(var_dir, count)
        copies = Path(scratch) / "engine-alone"
        shutil.copytree(prepared.files[0].parent, copies / "in")
        alone = measure(engine_alone, sorted((copies / "in").iterdir()), copies / "out",
                        setup=(open_engine, f"sqlite:///{copies / 'fund.db'}"))  # fmt: skip
        print(f"{load()} before; baseline, the fund engine alone in its own process: {count} DEMAUT packages in "
              f"{alone.wall:.1f} s wall, {alone.cpu / count * 1000:.0f} ms CPU per file, "
              f"{count / alone.wall:.1f} files/s, peak {alone.peak_mb:.0f} MB", flush=True)  # fmt: skip
        ready = Path(scratch) / "ready.json"
        server = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_platform", "serve", str(var_dir), str(ready)],
            cwd=Path(__file__).resolve().parents[1],
        )
        try:
            deadline = time.monotonic() + 120
            while not ready.exists():
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the platform did not start")
                time.sleep(0.2)
            ports = json.loads(ready.read_text())
            base = f"http://127.0.0.1:{ports['http']}"

            server_cpu = cpu_seconds(server.pid)
            seconds, file_latencies = asyncio.run(end_to_end(ports["sftp"], prepared.key, prepared.files))
            server_cpu = cpu_seconds(server.pid) - server_cpu
            print(f"end to end: {count} DEMAUT packages, SFTP upload → worker → fund engine → RETAUT in out/: "
                  f"{seconds:.1f} s, {count / seconds:.1f} files/s ({seconds / alone.wall:.2f}× the engine alone's "
                  f"wall time); one file's round trip p50 {statistics.median(file_latencies) * 1000:.0f} ms "
                  f"(queueing included); server CPU {server_cpu / count * 1000:.0f} ms per file "
                  f"({server_cpu / alone.cpu:.2f}× the engine alone); {load()}", flush=True)  # fmt: skip

            deposits = httpx.get(f"{base}/api/v1/deposits", params={"limit": 1},
                                 headers={"Authorization": f"Bearer {prepared.token}"}).json()  # fmt: skip
            status_path = f"/api/v1/deposits/{deposits[0]['id']}"
            baseline: tuple[float, float, float] | None = None
            for label, path, token in (("baseline GET /api/v1/health", "/api/v1/health", None),
                                       (f"status GET {status_path.rsplit('/', 1)[0]}/{{id}}", status_path,
                                        prepared.token)):  # fmt: skip
                server_cpu, driver_cpu = cpu_seconds(server.pid), time.process_time()
                values, wall = asyncio.run(latencies(base, path, token, queries))
                server_cpu, driver_cpu = cpu_seconds(server.pid) - server_cpu, time.process_time() - driver_cpu
                p50, per_request = percentile(values, 0.5), server_cpu / len(values)
                ratio = (f"; {per_request / baseline[0]:.1f}× the baseline's server CPU, {p50 / baseline[1]:.1f}× "
                         f"its p50, {baseline[2] / (len(values) / wall):.1f}× its time per request"
                         if baseline else "")  # fmt: skip
                print(f"{label}: {CLIENTS} concurrent clients, {len(values)} requests: "
                      f"p50 {p50 * 1000:.1f} ms, p99 {percentile(values, 0.99) * 1000:.1f} ms, "
                      f"{len(values) / wall:.0f} requests/s; CPU per request: server "
                      f"{per_request * 1000:.2f} ms, load driver {driver_cpu / len(values) * 1000:.2f} ms{ratio}; "
                      f"{load()}", flush=True)  # fmt: skip
                baseline = baseline or (per_request, p50, len(values) / wall)
            print(f"server peak memory (its own VmHWM): {peak_mb(server.pid):.0f} MB")
        finally:
            server.terminate()
            server.wait(timeout=60)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
