"""The framework-free core the LangChain and LlamaIndex adapters share (pydantic only, public core names only)."""
