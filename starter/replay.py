"""`aftersales replay`: fetch workflow histories from the server and replay them against
the current workflow code, reporting any non-determinism before a deploy does."""

from __future__ import annotations

import argparse

from temporalio.client import WorkflowHistory
from temporalio.service import RPCError
from temporalio.worker import Replayer

from runtime.settings import Settings
from runtime.temporal import data_converter
from service.context import Context
from starter.cli import CliError


def replayer(settings: Settings | None = None) -> Replayer:
    from worker import sandbox_runner
    from workflows.registry import WORKFLOWS

    # the same keyring as the worker: encrypted histories decode, pre-codec ones pass through
    return Replayer(workflows=WORKFLOWS, data_converter=data_converter(settings), workflow_runner=sandbox_runner())


async def fetch_histories(
    ctx: Context, workflow_ids: list[str], query: str | None, limit: int
) -> list[WorkflowHistory]:
    client = await ctx.temporal()
    histories = []
    try:
        for wid in workflow_ids:
            histories.append(await client.get_workflow_handle(wid).fetch_history())
        if query is not None or not workflow_ids:
            async for h in client.list_workflows(query or None, limit=limit).map_histories():
                histories.append(h)
    except RPCError as e:
        raise CliError(f"cannot fetch histories: {e.message}") from None
    return histories


async def cmd_replay(args: argparse.Namespace, ctx: Context) -> int:
    histories = await fetch_histories(ctx, args.workflow_id or [], args.query, args.limit)
    if not histories:
        ctx.say("no workflow histories matched")
        return 0
    failed = 0
    r = replayer(ctx.settings)
    for history in histories:
        result = await r.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is None:
            ctx.say(f"ok                {history.workflow_id}")
        else:
            failed += 1
            reason = str(result.replay_failure).strip().splitlines()
            ctx.say(
                f"NON-DETERMINISTIC {history.workflow_id}: {reason[0] if reason else type(result.replay_failure).__name__}"
            )
    ctx.say(f"replayed {len(histories)}: {len(histories) - failed} ok, {failed} failed")
    if failed:
        raise CliError(f"{failed} of {len(histories)} histories do not replay against the current code")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="replay histories from the server against the current code")
    p.add_argument("--workflow-id", action="append", metavar="ID", help="a workflow id (repeatable)")
    p.add_argument("--query", help="a visibility query, e.g. 'WorkflowType=\"ReturnRefund\"'")
    p.add_argument("--limit", type=int, default=100, help="at most this many from the query (default 100)")
    p.set_defaults(afunc=cmd_replay)
