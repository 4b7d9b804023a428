"""Pure after-sales domain: models, the policy table, the working-day calendar and
the compensation calculator. No I/O, no clocks: safe inside the workflow sandbox."""
