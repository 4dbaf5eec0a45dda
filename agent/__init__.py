"""The long-running agent loop: observe, decide, act; play, finetune and eval modes; recording."""
from gymnasium import register

# gymnasium.make("larm/Minecraft-v0", task=..., max_steps=..., record_dir=...) builds make_env's stack
# (agent/registration.py).
# Nondeterministic: the world runs on its own clock, so a seed does not fix what follows.
register(id="larm/Minecraft-v0", entry_point="agent.registration:make_env", nondeterministic=True)
