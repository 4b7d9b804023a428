"""Activities: the only place side effects happen. One module per outside system."""
