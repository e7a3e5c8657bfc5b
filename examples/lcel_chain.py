"""An LCEL chain: prompt | ChatCBOllama | StrOutputParser, streaming tokens, with token usage at the end.

    python examples/lcel_chain.py --model llama3.2 "Why is the sea salty?"
"""

from __future__ import annotations

import sys

from _common import parser, session
from _failures import run
from langchain_core.callbacks import UsageMetadataCallbackHandler
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from cb_ollama_integrations.langchain import ChatCBOllama


def main() -> int:
    """Stream one answer through the chain and print the tokens it used."""
    options = parser(__doc__ or "", model="smollm2:135m")
    options.add_argument("question", nargs="?", default="Explain in two sentences why the sea is salty.")
    args = options.parse_args()
    with session("lcel_chain", args, recorded_model="smollm2:135m", embeddings=False) as live:
        prompt = ChatPromptTemplate.from_messages(
            [("system", "You are a concise science teacher."), ("human", "{question}")]
        )
        llm = ChatCBOllama(model=live.model, base_url=live.base_url, temperature=0, max_tokens=80)
        chain = prompt | llm | StrOutputParser()
        usage = UsageMetadataCallbackHandler()
        for token in chain.stream({"question": args.question}, config={"callbacks": [usage]}):
            print(token, end="", flush=True)
        print()
        for model, counts in usage.usage_metadata.items():
            print(f"usage ({model}): {counts['input_tokens']} input + {counts['output_tokens']} output "
                  f"= {counts['total_tokens']} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
