"""Training pipeline for the score models bundled with the editor (Song et al. 2021)."""
