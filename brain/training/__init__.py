"""The training phases, one file per `run_agent.py train --phase` (options.py: the settings they share)."""
