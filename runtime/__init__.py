"""Process plumbing shared by the worker and the CLI: settings, logs, the Temporal client."""
