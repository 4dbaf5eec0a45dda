"""Training data: decisions from recorded sessions, the Minecraft knowledge corpus, labelled frames."""
