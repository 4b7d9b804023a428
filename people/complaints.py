"""The people of §5's agent complaints: the agent who may contact the handler and appeal, and
the review of the appeal."""

from __future__ import annotations

from domain.actors import ActorRef
from domain.agent_complaints import AgentContact, Appeal
from domain.timeline import Entry
from people.approvers import decide
from people.desk import Desk


async def agent_people(
    desk: Desk,
    case_id: str,
    agent: ActorRef,
    *,
    contact: str | None,
    appeal: str | None,
    granted: bool,
    review_note: str = "",
) -> None:
    """After the verdict notice: the agent's contact (None: none), the appeal (None: none,
    else its grounds), and the review granting it or not."""
    await desk.wait(case_id, Entry.VERDICT_NOTICE)
    if contact is not None:
        await desk.answer(case_id, "contact", AgentContact(agent=agent, note=contact))
        if appeal is not None:
            await desk.wait(case_id, Entry.AGENT_CONTACTED)
    if appeal is not None:
        await desk.answer(case_id, "appeal", Appeal(agent=agent, grounds=appeal))
        await decide(desk, case_id, 1, approve=granted, note=review_note)
