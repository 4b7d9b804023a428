"""What a case carries into its next run when a long wait continues as new (issue 14):
enough to resume the wait it was in, not to start the case again. The case header and
the policy travel in the input as before; this adds the timeline so far (so `timeline`
answers the whole case and every new entry takes the next sequence number), the state,
the deadlines, what the case was waiting for and how it writes its timeline."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from domain.models import Contract, TimelineEntry


class CarriedWait(Contract):
    waiting_for: str = Field(min_length=1, description="the wait the new run resumes: the name of its deadline")
    state: str
    timeline: tuple[TimelineEntry, ...] = Field(min_length=1, description="every entry so far: the case is open")
    deadlines: dict[str, datetime] = Field(default_factory=dict)
    batched: bool = Field(description="the timeline is written in batches (patch timeline-batches)")
    pushes: int = Field(default=0, ge=0)
    since: datetime | None = Field(
        default=None, description="when the wait's question was put, where its answer is as of it"
    )
    run: int = Field(default=2, ge=2, description="which run of the case this is")
    baseline: str | None = Field(
        default=None,
        description="the patch baseline of the case's first run (workflows/patches.py); None from runs begun before it was carried",
    )
