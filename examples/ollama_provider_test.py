"""The Circuit Breaker provider walkthrough, in Python: health, models, chat, streaming, embeddings, errors.

    python examples/ollama_provider_test.py
    OLLAMA_DEFAULT_MODEL=qwen2.5-coder:3b OLLAMA_EMBEDDING_MODEL=nomic-embed-text \
        python examples/ollama_provider_test.py
    TEST_STREAMING=true python examples/ollama_provider_test.py

Configured by OLLAMA_BASE_URL, OLLAMA_DEFAULT_MODEL, OLLAMA_EMBEDDING_MODEL and TEST_STREAMING, as in the seed.
"""

from __future__ import annotations

import os
import sys

from _common import parser, session
from _failures import run

from cb_ollama_integrations import (
    ChatMessage,
    EmbeddingsRequest,
    LLMError,
    LLMRequest,
    ModelNotFoundError,
    NetworkError,
    OllamaClient,
    OllamaConfig,
    get_model_info,
    get_recommended_models,
)


def main() -> int:
    """Walk through the provider's features; exit 1 if the server is unhealthy."""
    options = parser(__doc__ or "", model="smollm2:135m").parse_args()
    streaming = os.environ.get("TEST_STREAMING", "").lower() == "true"
    with session("ollama_provider_test", options, recorded_model="smollm2:135m") as live, OllamaClient(
        OllamaConfig.from_env(base_url=live.base_url, default_model=live.model, embedding_model=live.embed_model)
    ) as client:
        print("1. Health check")
        if not client.health_check():
            print(f"   Ollama is not reachable at {live.base_url}; start it with `ollama serve`")
            return 1
        print(f"   Ollama {client.version()} is running at {live.base_url}")

        print("2. Model discovery")
        print(f"   catalog: {len(client.get_available_models())} models; recommended for code: "
              f"{get_recommended_models()['code'][0]}")
        for model in client.fetch_available_models():
            print(f"   installed: {model.id} (context {model.context_window}, "
                  f"{', '.join(c.value for c in model.capabilities)})")
        info = get_model_info("qwen2.5-coder:3b")
        print(f"   catalog: qwen2.5-coder:3b has a {info.context_window if info else '?'}-token context window")

        print(f"3. Chat completion with {live.model}")
        request = LLMRequest(messages=[ChatMessage(role="user", content="Hello! What can you help me with?")],
                             temperature=0.7, max_tokens=40)
        response = client.chat_completion(request)
        print(f"   Response: {response.choices[0].message.content.strip()}")
        print(f"   Tokens used: {response.usage.total_tokens}, cost: ${response.usage.estimated_cost:.6f}")

        if streaming:
            print("4. Streaming")
            print("   ", end="")
            for chunk in client.chat_completion_stream(request.model_copy(update={"max_tokens": 20})):
                print(chunk.choices[0].delta.content, end="", flush=True)
            print()

        print(f"5. Embeddings with {live.embed_model}")
        batch = client.embeddings(EmbeddingsRequest(input=["First text", "Second text", "Third text"]))
        for item in batch.data:
            print(f"   Text {item.index + 1}: {len(item.embedding)} dimensions")

        print("6. Error handling")
        try:
            client.chat_completion(request.model_copy(update={"model": "no-such-model:7b"}))
        except ModelNotFoundError as exc:
            print(f"   Model not found - {exc}")
        except NetworkError:
            print("   Network error - is Ollama running?")
        except LLMError as exc:
            print(f"   Other error: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
