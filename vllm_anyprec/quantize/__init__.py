"""Quantizers that write anyprec checkpoints: nested uniform, nested LUT, and SNU import."""
