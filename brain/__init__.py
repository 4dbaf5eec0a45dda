"""The LARM policy, the CoLA latent-action layer, the referees, PPO, pretraining and behaviour cloning."""
