"""The long-running agent loop: observe, decide, act; play, finetune and eval modes; recording."""
