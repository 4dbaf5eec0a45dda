"""The model: what a checkpoint holds and how one decision runs (backbone + LoRA, vision encoder, prompt,
LARM heads, CoLA latent intents). It imports nothing of data, training or the agent."""
