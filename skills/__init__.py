"""The skill vocabulary generated from minecraft-data, the skill implementations and the expert planner."""
