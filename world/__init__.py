"""The embedded world: the Node runtime, the embedded server process, check-world and the vanilla tables.

The lowest layer of the project: it imports nothing of bridge, skills, brain or agent.
"""
