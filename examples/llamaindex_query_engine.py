"""A LlamaIndex query engine over the same corpus: CBOllamaEmbedding into a VectorStoreIndex, CBOllama
answering with a streamed response and the cited nodes.

    python examples/llamaindex_query_engine.py --model llama3.2 "What does the museum show?"
"""

from __future__ import annotations

import sys

from _common import parser, session
from _corpus import QUESTIONS, pages
from _failures import run
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.node_parser import SentenceSplitter

from cb_ollama_integrations.llama_index import CBOllama, CBOllamaEmbedding


def main() -> int:
    """Index the corpus and stream an answer to each question, then list the nodes it cites."""
    options = parser(__doc__ or "", model="smollm2:135m", embed_model="nomic-embed-text")
    options.add_argument("questions", nargs="*", default=QUESTIONS)
    args = options.parse_args()
    with session("llamaindex_query_engine", args, recorded_model="smollm2:135m") as live:
        # Only the file name goes into the indexed text, so the requests do not depend on where the repo lives.
        documents = [Document(text=text, metadata={"file_name": name}) for name, text in pages()]
        embed_model = CBOllamaEmbedding(model_name=live.embed_model, base_url=live.base_url)
        index = VectorStoreIndex.from_documents(
            documents, embed_model=embed_model, transformations=[SentenceSplitter(chunk_size=128, chunk_overlap=0)]
        )
        llm = CBOllama(model=live.model, base_url=live.base_url, temperature=0, max_tokens=60)
        engine = index.as_query_engine(llm=llm, similarity_top_k=2, streaming=True)
        for question in args.questions:
            print(f"\nQ: {question}\nA: ", end="")
            response = engine.query(question)
            for token in response.response_gen:  # type: ignore[union-attr]
                print(token, end="", flush=True)
            print()
            for node in response.source_nodes:
                print(f"  cited: {node.metadata['file_name']} (score {node.score:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
