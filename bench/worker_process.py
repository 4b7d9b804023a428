"""The bench's worker, in a process of its own so its memory can be read from /proc:
the production worker (worker.build_worker, same settings) plus the floor workflow.
Prints "ready" once polling; stops gracefully on SIGTERM.

    python -m bench.worker_process ADDRESS TASK_QUEUE STORE_URL [SIMULATOR_CONFIG_FILE] [ADDRESS TASK_QUEUE STORE_URL SIMULATOR_CONFIG_FILE ...]

Each further group of four is one more shard of the sharded week (bench/week.py): a
server, task queue, store and simulators of its own, served by one more Worker in this
same process, so two processes can serve any number of shards on two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from temporalio.worker import Worker

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


async def shard_worker(address: str, task_queue: str, store_url: str, simulator_file: str) -> Worker:
    settings = Settings(temporal_address=address, task_queue=task_queue)
    client = await connect(settings)
    store = open_store(store_url)
    config = SimulatorConfig.from_file(simulator_file) if simulator_file else SimulatorConfig()
    outside = worker.Outside.simulated(config)
    if config.pushes:  # the throughput run's cases are woken by their systems' pushes, as in production
        outside.push_with(SignalPushes(client))
    return worker.build_worker(
        client,
        store,
        outside,
        settings,
        workflows=[*WORKFLOWS, Floor],
        activities=[*activities_for(store, outside), touch],
    )


async def serve_shards(shards: list[tuple[str, str, str, str]]) -> None:
    logs.configure(Settings().log_level)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    workers = [await shard_worker(*shard) for shard in shards]
    async with contextlib.AsyncExitStack() as stack:
        for w in workers:
            await stack.enter_async_context(w)
        print("ready", flush=True)
        await stop.wait()


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 3:
        args.append("")
    asyncio.run(serve_shards([(args[i], args[i + 1], args[i + 2], args[i + 3]) for i in range(0, len(args), 4)]))
