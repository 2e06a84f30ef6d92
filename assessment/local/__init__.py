"""The embedded offline model (llama-server with Gemma 3 270M) and its demo candidates."""
