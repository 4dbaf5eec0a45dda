"""The dashboard: a local web page that shows the live episode (view, inventory, vitals, tech-tree progress,
skills, a map of the path) and replays recorded sessions. server.py serves it, live.py holds the live
episode, feed.py feeds it from the env, sessions.py reads recorded sessions, static/ is the page."""

DEFAULT_HOST = "127.0.0.1"   # loopback only unless asked (then with a token)
DEFAULT_PORT = 8765
