"""One module per case process. Workflows decide through domain policy functions and
act only through activities."""
