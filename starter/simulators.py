"""`aftersales simulators`: the warehouse, courier and payment simulators as one HTTP
service (adapters/simulators/service), for ADAPTERS=http workers, demos and tests."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from runtime.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser("simulators", help="serve the outside-world simulators over HTTP")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8700)
    p.add_argument("--database-url", default=None, help="default: SIMULATOR_DATABASE_URL or data/simulators.db")
    p.add_argument(
        "--faults",
        default=None,
        help="JSON file of initial fault settings (see PUT /admin/faults); "
        "default: derived from SIMULATOR_CONFIG, the in-process simulators' file",
    )
    p.add_argument("--seed", type=int, default=None, help="seed of the fault dice (overrides --faults)")
    p.add_argument(
        "--webhook-url",
        default=None,
        help="push every event to this webhooks service (e.g. http://webhooks:8701/webhooks), "
        "signed with WEBHOOK_SECRET (overrides --faults)",
    )
    p.add_argument("--openapi", metavar="DIR", default=None, help="write one OpenAPI document per system and exit")
    p.set_defaults(afunc=run)


async def run(args: argparse.Namespace, ctx: Any = None) -> int:
    import uvicorn

    from adapters.simulators import SimulatorConfig
    from adapters.simulators.service import FaultSettings, create_app
    from adapters.simulators.service.app import SERVICES, faults_from, openapi_for

    settings = ctx.settings if ctx is not None else Settings()  # the main job passes its own
    url = args.database_url or settings.simulator_database_url or f"sqlite:///{settings.data_dir / 'simulators.db'}"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    world = SimulatorConfig.from_file(settings.simulator_config) if settings.simulator_config else SimulatorConfig()
    faults = (
        FaultSettings.model_validate_json(Path(args.faults).read_text())
        if args.faults
        else faults_from(world)
        if settings.simulator_config
        else FaultSettings()
    )
    if args.seed is not None:
        faults = faults.model_copy(update={"seed": args.seed})
    if args.webhook_url:  # push first: the events reach the cases as they happen
        faults = faults.model_copy(update={"webhook_url": args.webhook_url, "webhook_token": settings.webhook_secret})
    app = create_app(url, faults, world)
    if args.openapi:
        out = Path(args.openapi)
        out.mkdir(parents=True, exist_ok=True)
        for service in SERVICES:
            (out / f"{service}.json").write_text(
                json.dumps(openapi_for(app, service), indent=2, ensure_ascii=False) + "\n"
            )
        return 0
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=args.host, port=args.port, log_level="warning", access_log=False, timeout_graceful_shutdown=2
        )
    )
    stop = getattr(args, "stop", None)  # the main job's Ctrl-C, when it hosts the service
    if stop is not None:
        asyncio.get_running_loop().create_task(stop.wait()).add_done_callback(
            lambda _: setattr(server, "should_exit", True)
        )
    await server.serve()
    return 0
