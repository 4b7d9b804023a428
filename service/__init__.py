"""The one service layer the CLI and the API share: a rule is written once, here or in
domain/, and every front end calls it."""
