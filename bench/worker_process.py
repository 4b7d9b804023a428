"""The bench's worker, in a process of its own so its memory can be read from /proc:
the production worker (worker.build_worker, same settings) plus the floor workflow.
Prints "ready" once polling; stops gracefully on SIGTERM.

    python -m bench.worker_process ADDRESS TASK_QUEUE STORE_URL [SIMULATOR_CONFIG_FILE]
"""
from __future__ import annotations

import asyncio
import signal
import sys

import worker
from activities.registry import activities_for
from adapters.simulators import SimulatorConfig
from bench.floor import Floor, touch
from runtime import logs
from runtime.pushes import SignalPushes
from runtime.settings import Settings
from runtime.temporal import connect
from store import open_store
from workflows.registry import WORKFLOWS


async def serve(address: str, task_queue: str, store_url: str, simulator_file: str) -> None:
    settings = Settings(temporal_address=address, task_queue=task_queue)
    logs.configure(settings.log_level)
    client = await connect(settings)
    store = open_store(store_url)
    config = SimulatorConfig.from_file(simulator_file) if simulator_file else SimulatorConfig()
    outside = worker.Outside.simulated(config)
    if config.pushes:  # the throughput run's cases are woken by their systems' pushes, as in production
        outside.push_with(SignalPushes(client))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    w = worker.build_worker(
        client, store, outside, settings,
        workflows=[*WORKFLOWS, Floor], activities=[*activities_for(store, outside), touch],
    )
    async with w:
        print("ready", flush=True)
        await stop.wait()


if __name__ == "__main__":
    args = sys.argv[1:]
    asyncio.run(serve(args[0], args[1], args[2], args[3] if len(args) > 3 else ""))
