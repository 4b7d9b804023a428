"""The worker registers its activities by an explicit list (activities/registry.py): every
public activity method of every group is on it, and every activity a workflow calls by
name is registered."""

from __future__ import annotations

import inspect
import re

from activities import registry
from runtime.settings import ROOT
from worker import Outside


def registered() -> set[str]:
    from store import open_store

    return {a.__name__ for a in registry.activities_for(open_store("sqlite://"), Outside.simulated())}


def test_every_public_method_of_an_activity_group_is_registered():
    groups = {obj for name, obj in vars(registry).items() if inspect.isclass(obj) and name.endswith("Activities")}
    public = {
        name
        for g in groups
        for name, fn in vars(g).items()
        if inspect.iscoroutinefunction(fn) and not name.startswith("_")
    }
    assert public - registered() == set()


def test_every_activity_a_workflow_calls_is_registered():
    source = "\n".join(path.read_text() for path in (ROOT / "workflows").glob("*.py"))
    called = set(re.findall(r'(?:call|call_local|poll)\(\s*"(\w+)"', source))
    called |= {name for pair in re.findall(r'answer_by\(\s*"(\w+)",\s*"(\w+)"', source) for name in pair}
    assert {"open_case", "pay_refund", "poll_return_receipt", "check_return_receipt"} <= called
    assert called - registered() == set()
