"""Every answer the kinds table lists names a handler its workflow really has, of the
right sort (an Update where the service executes an Update, a Signal where it signals),
and every handler name is one of domain/handlers.py's. A misspelt answer fails here, not
when a person presses its button."""

from __future__ import annotations

import pytest
from temporalio import workflow

from adapters.http.pushes import PUSHES
from domain.handlers import QueryName, SignalName, UpdateName
from service.catalogue import KINDS
from workflows.registry import WORKFLOWS

BY_NAME = {workflow._Definition.must_from_class(cls).name: cls for cls in WORKFLOWS}


def definition(cls: type) -> workflow._Definition:
    # The SDK's own reading of the class: the handlers exactly as a worker registers them.
    return workflow._Definition.must_from_class(cls)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_answer_names_a_handler_of_its_workflow(kind):
    spec = KINDS[kind]
    defn = definition(BY_NAME[spec.workflow])
    for name, answer in spec.answers.items():
        handlers = defn.updates if answer.update else defn.signals
        assert answer.handler in handlers, f"{kind} answer {name!r}: {spec.workflow} has no {answer.handler!r}"
        assert isinstance(answer.handler, UpdateName if answer.update else SignalName), name


@pytest.mark.parametrize("cls", WORKFLOWS, ids=lambda c: c.__name__)
def test_every_handler_is_named_in_one_place(cls):
    defn = definition(cls)
    assert set(defn.updates) <= set(UpdateName)
    assert set(defn.signals) <= set(SignalName)
    assert set(defn.queries) <= set(QueryName)


def test_every_push_is_a_signal_some_workflow_takes():
    taken = {name for cls in WORKFLOWS for name in definition(cls).signals}
    assert set(PUSHES.values()) <= taken
