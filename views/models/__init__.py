"""Qt table models, one module each."""
