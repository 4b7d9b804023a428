"""Scripted people: how the customer, the specialists and the approvers of each case kind
answer a case, written once against a Desk and used by the demo (through the case API)
and the bench (through Temporal, reading the store's timelines)."""
