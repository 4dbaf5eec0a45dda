"""Evaluation of the model alone: the knowledge quiz and decision latency."""
