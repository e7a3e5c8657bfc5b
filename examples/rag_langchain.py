"""RAG with LangChain: split a small corpus, embed it with CBOllamaEmbeddings into an in-memory vector
store, and answer questions with ChatCBOllama, citing the pages used.

    python examples/rag_langchain.py                      # nomic-embed-text (query/document prefixes on)
    python examples/rag_langchain.py --model llama3.2 "Who was the last keeper?"
"""

from __future__ import annotations

import sys

from _common import parser, session
from _corpus import QUESTIONS, paragraphs
from _failures import run
from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.vectorstores import InMemoryVectorStore

from cb_ollama_integrations.langchain import CBOllamaEmbeddings, ChatCBOllama

PROMPT = ChatPromptTemplate.from_messages([
    ("system", "Answer the question in one sentence, using only this context:\n\n{context}"),
    ("human", "{question}"),
])


def main() -> int:
    """Index the corpus, then answer each question with its sources."""
    options = parser(__doc__ or "", model="smollm2:135m", embed_model="nomic-embed-text")
    options.add_argument("questions", nargs="*", default=QUESTIONS)
    args = options.parse_args()
    with session("rag_langchain", args, recorded_model="smollm2:135m") as live:
        embeddings = CBOllamaEmbeddings(model=live.embed_model, base_url=live.base_url)
        documents = [Document(page_content=text, metadata={"source": name}) for name, text in paragraphs()]
        store = InMemoryVectorStore.from_documents(documents, embeddings)
        print(f"indexed {len(documents)} passages with {live.embed_model}")
        llm = ChatCBOllama(model=live.model, base_url=live.base_url, temperature=0, max_tokens=60)
        for question in args.questions:
            hits = store.similarity_search(question, k=2)
            context = "\n\n".join(hit.page_content for hit in hits)
            answer = (PROMPT | llm).invoke({"context": context, "question": question})
            print(f"\nQ: {question}\nA: {str(answer.content).strip()}")
            print("sources: " + ", ".join(dict.fromkeys(str(hit.metadata["source"]) for hit in hits)))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
