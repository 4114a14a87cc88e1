"""The batch queue: every picture waiting to be varied unattended, its state and its cost."""
