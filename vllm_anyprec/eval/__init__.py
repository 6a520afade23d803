"""Evaluation helpers (perplexity through vLLM or transformers, result tables and plots)."""
