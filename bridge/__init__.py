"""Python side of the Node bridge: the Node runtime, the embedded server process and the check-world run."""
