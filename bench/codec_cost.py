"""The payload codec's cost (issue 12), from one run's histories: the same histories
replayed with the codec and in the clear (events/s, and their ratio), and the codec's
CPU per case against the engine's, which gives the capacity with the codec against
without it. The throughput phase's worker already runs with the codec, so its measured
engine CPU per case includes it; without the codec it would be that minus the codec's
own CPU (every payload of the run decrypted and encrypted once, as its reader and
writer do)."""

from __future__ import annotations

import time
from typing import Any

from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

from bench.replay import replay_speed, replayer
from runtime.codec import ENCODING, EncryptionCodec, encrypted_converter, history_payloads
from runtime.temporal import codec_for


def in_the_clear(history: WorkflowHistory, codec: EncryptionCodec) -> WorkflowHistory:
    events = []
    for e in history.events:
        copy = HistoryEvent()
        copy.CopyFrom(e)
        for p in history_payloads(copy):
            p.CopyFrom(codec.decrypt(p))
        events.append(copy)
    return WorkflowHistory(history.workflow_id, events)


async def codec_cost(
    histories: list[WorkflowHistory], cases: int, engine_cpu_ms_per_case: float | None
) -> dict[str, Any]:
    codec = codec_for()
    clear = [in_the_clear(h, codec) for h in histories]
    # Alternated and the best of three each: on a shared machine one pass drifts more than
    # the codec costs, and the first pass also pays the sandbox's warm-up.
    runs: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
    for _ in range(3):
        runs["with"].append(await replay_speed(replayer(encrypted_converter(codec)), histories))
        runs["without"].append(await replay_speed(replayer(encrypted_converter(None)), clear))
    with_codec, without = (max(runs[k], key=lambda r: r["events_per_s"]) for k in ("with", "without"))
    sealed = [
        p for h in histories for e in h.events for p in history_payloads(e) if p.metadata.get("encoding") == ENCODING
    ]
    began = time.process_time()
    opened = [codec.decrypt(p) for p in sealed]
    for p in opened:
        codec.encrypt(p)
    codec_cpu_ms = (time.process_time() - began) * 1000
    per_case = codec_cpu_ms / cases if cases else 0.0
    result: dict[str, Any] = dict(
        replay_events_per_s_with_codec=with_codec["events_per_s"],
        replay_events_per_s_without=without["events_per_s"],
        replay_ratio=round(with_codec["events_per_s"] / without["events_per_s"], 3)
        if without["events_per_s"]
        else None,
        replay_failures=with_codec["failures"] + without["failures"],
        payloads=len(sealed),
        payloads_per_case=round(len(sealed) / cases, 1) if cases else 0,
        codec_us_per_payload=round(codec_cpu_ms * 1000 / len(sealed), 2) if sealed else 0.0,
        codec_cpu_ms_per_case=round(per_case, 3),
    )
    if engine_cpu_ms_per_case:
        # capacity = cores / engine CPU per case: with the codec against without it
        result["capacity_ratio"] = round((engine_cpu_ms_per_case - per_case) / engine_cpu_ms_per_case, 4)
    return result
