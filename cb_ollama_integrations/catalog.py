"""The model catalog: defaults for well-known Ollama models and the recommendation lists.

The first 13 rows are the original provider's catalog, with its exact values; the rest are models the seed
README names and the tiny models the test server serves. The live server is the source of truth: see
`OllamaClient.fetch_available_models`, which merges /api/show facts over these defaults.
"""

from __future__ import annotations

import functools

from .model_info import ModelCapability, ModelInfo

__all__ = [
    "CATALOG",
    "EMBEDDING_INSTRUCTIONS",
    "embedding_instructions",
    "get_model_info",
    "get_recommended_models",
    "normalize_model_name",
]

T, C, K, R, E, V, F, H = (
    ModelCapability.TEXT_GENERATION,
    ModelCapability.CONVERSATIONAL_AI,
    ModelCapability.CODE_GENERATION,
    ModelCapability.REASONING,
    ModelCapability.EMBEDDING,
    ModelCapability.VISION,
    ModelCapability.TOOLS,
    ModelCapability.THINKING,
)

# id, display name, context window, max output tokens, capabilities, embedding dimension
_ROWS: list[tuple[str, str, int, int, tuple[ModelCapability, ...], int | None]] = [
    ("qwen2.5-coder:3b", "Qwen2.5 Coder 3B", 32768, 4096, (K, T, C, R), None),
    ("gemma3:4b", "Gemma 3 4B", 8192, 4096, (T, C, R), None),
    ("nomic-embed-text:latest", "Nomic Embed Text", 8192, 0, (E,), 768),
    ("llama2:latest", "Llama 2 7B", 4096, 2048, (T, C, R), None),
    ("llama2:13b", "Llama 2 13B", 4096, 2048, (T, C, R), None),
    ("llama2:70b", "Llama 2 70B", 4096, 2048, (T, C, R), None),
    ("codellama:latest", "Code Llama 7B", 16384, 4096, (K, T, C), None),
    ("codellama:13b", "Code Llama 13B", 16384, 4096, (K, T, C), None),
    ("mistral:latest", "Mistral 7B", 8192, 4096, (T, C, R), None),
    ("phi:latest", "Phi 2B", 2048, 1024, (T, C, K), None),
    ("gemma:2b", "Gemma 2B", 8192, 4096, (T, C, R), None),
    ("gemma:7b", "Gemma 7B", 8192, 4096, (T, C, R), None),
    ("llama3:latest", "Llama 3 8B", 8192, 4096, (T, C, R, K), None),
    # Named by the seed README (gemma2:4b is the seed's name; Ollama's library has gemma2:2b and 9b).
    ("gemma2:4b", "Gemma 2 4B", 8192, 4096, (T, C, R), None),
    ("gemma2:2b", "Gemma 2 2B", 8192, 4096, (T, C, R), None),
    ("llama3:70b", "Llama 3 70B", 8192, 4096, (T, C, R, K), None),
    ("llama3.1:8b", "Llama 3.1 8B", 131072, 4096, (T, C, R, K, F), None),
    ("llama3.2:3b", "Llama 3.2 3B", 131072, 4096, (T, C, R, F), None),
    ("qwen2.5:latest", "Qwen2.5 7B", 32768, 8192, (T, C, R, K, F), None),
    ("qwen3:latest", "Qwen3 8B", 40960, 8192, (T, C, R, K, F, H), None),
    ("gemma3:latest", "Gemma 3 4B", 131072, 8192, (T, C, R, V), None),
    ("mxbai-embed-large:latest", "mxbai Embed Large", 512, 0, (E,), 1024),
    # The tiny real models of scripts/ollama-server (used to record the cassettes).
    ("smollm2:135m", "SmolLM2 135M Instruct", 8192, 2048, (T, C, F), None),
    ("gemma3:270m", "Gemma 3 270M", 32768, 8192, (T, C), None),
    ("all-minilm:latest", "all-MiniLM-L6-v2", 512, 0, (E,), 384),
]


def _info(row: tuple[str, str, int, int, tuple[ModelCapability, ...], int | None]) -> ModelInfo:
    model_id, name, window, max_out, caps, dim = row
    # Trusted literal data: model_construct skips validation, so the catalog costs nothing at import.
    return ModelInfo.model_construct(
        id=model_id,
        name=name,
        context_window=window,
        max_output_tokens=max_out,
        supports_streaming=E not in caps,
        supports_function_calling=F in caps,
        capabilities=list(caps),
        embedding_dimension=dim,
        family=model_id.split(":", 1)[0],
    )


CATALOG: dict[str, ModelInfo] = {row[0]: _info(row) for row in _ROWS}

# Family defaults for tags the catalog does not list (e.g. "llama2:7b-chat-q4_0" -> "llama2:latest").
_FAMILY_DEFAULT: dict[str, str] = {}
for _id in CATALOG:
    _FAMILY_DEFAULT.setdefault(_id.split(":", 1)[0], _id)

_RECOMMENDED: dict[str, list[str]] = {
    "chat": ["gemma3:4b", "llama3", "llama2"],
    "code": ["qwen2.5-coder:3b", "codellama", "phi"],
    "reasoning": ["gemma3:4b", "llama3", "mistral"],
    "fast": ["qwen2.5-coder:3b", "gemma3:4b", "phi"],
    "quality": ["gemma3:4b", "qwen2.5-coder:3b", "llama3"],
    "embeddings": ["nomic-embed-text:latest"],
}


# (query instruction, document instruction) that embedding model families were trained with; retrieval quality
# drops noticeably without them (e.g. nomic-embed-text). Both adapters' embedding classes read this table.
EMBEDDING_INSTRUCTIONS: dict[str, tuple[str, str]] = {
    "nomic-embed-text": ("search_query: ", "search_document: "),
    "mxbai-embed-large": ("Represent this sentence for searching relevant passages: ", ""),
    "e5": ("query: ", "passage: "),
    "multilingual-e5": ("query: ", "passage: "),
    "snowflake-arctic-embed": ("Represent this sentence for searching relevant passages: ", ""),
}


def embedding_instructions(model: str, query: str | None = None, document: str | None = None) -> tuple[str, str]:
    """The (query, document) prefixes to use: `query`/`document` when given ("" switches one off), else the
    ones the model's family was trained with, else none.

    Matches the family and its variants: `nomic-embed-text:v1.5`, `e5-large` (family `e5`).
    """
    family = normalize_model_name(model).rsplit("/", 1)[-1].split(":", 1)[0]
    trained = next((pair for name, pair in EMBEDDING_INSTRUCTIONS.items()
                    if family == name or family.startswith(f"{name}-")), ("", ""))
    return (query if query is not None else trained[0], document if document is not None else trained[1])


@functools.lru_cache(maxsize=512)  # pure, and asked several times per call (routing, sizing, the catalog)
def normalize_model_name(name: str) -> str:
    """Lower-case a model name and add the implicit ":latest" tag, as Ollama matches names."""
    text = name.strip().lower()
    last = text.rsplit("/", 1)[-1]
    return text if ":" in last else f"{text}:latest"


def get_model_info(name: str) -> ModelInfo | None:
    """Catalog facts for `name`: the exact tag, else the family's default entry, else None.

    `llama2`, `llama2:latest` and `LLaMA2` are the same model; `codellama:7b` falls back to the codellama
    family defaults (with `source="family"` and `id` the name asked for).
    """
    key = normalize_model_name(name)
    if key in CATALOG:
        return CATALOG[key]
    family = key.rsplit("/", 1)[-1].split(":", 1)[0]
    default = _FAMILY_DEFAULT.get(family)
    if default is None:
        return None
    return CATALOG[default].model_copy(update={"id": name.strip(), "source": "family"})


def get_recommended_models() -> dict[str, list[str]]:
    """Recommended model ids per use case: chat, code, reasoning, fast, quality, embeddings (a fresh copy)."""
    return {category: list(models) for category, models in _RECOMMENDED.items()}
