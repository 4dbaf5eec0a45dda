"""Python side of the Node bridge: the bot process, its websocket client and protocol messages."""
