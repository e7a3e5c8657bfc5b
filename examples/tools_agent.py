"""Tool calling: a LangChain agent loop and LlamaIndex predict_and_call, with the same two tools.

`tool_choice="any"` (LangChain) and `tool_required=True` (LlamaIndex) are enforced by this package through a
JSON-schema `format`, so even a small model produces a well-formed call.

    python examples/tools_agent.py --model qwen2.5:7b "What is 12 times 7?"
"""

from __future__ import annotations

import sys

from _common import parser, session
from _failures import run
from langchain_core.messages import BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from llama_index.core.tools import FunctionTool

from cb_ollama_integrations.langchain import ChatCBOllama
from cb_ollama_integrations.llama_index import CBOllama


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def langchain_agent(question: str, model: str, base_url: str) -> str:
    """Ask for a tool call, run it, and let the model answer with its result (bounded to 3 rounds)."""
    tools = {t.name: t for t in (tool(multiply), tool(add))}
    llm = ChatCBOllama(model=model, base_url=base_url, temperature=0, max_tokens=60)
    messages: list[BaseMessage] = [HumanMessage(question)]
    reply = llm.bind_tools(list(tools.values()), tool_choice="any").invoke(messages)
    for _ in range(3):
        if not reply.tool_calls:
            break
        messages.append(reply)
        for call in reply.tool_calls:
            result = tools[call["name"]].invoke(call["args"])
            print(f"  langchain tool call: {call['name']}({call['args']}) -> {result}")
            messages.append(ToolMessage(str(result), tool_call_id=call["id"]))
        reply = llm.invoke(messages)
    return str(reply.content).strip()


def main() -> int:
    """Answer the question both ways."""
    options = parser(__doc__ or "", model="smollm2:135m")
    options.add_argument("question", nargs="?", default="What is 12 times 7?")
    args = options.parse_args()
    with session("tools_agent", args, recorded_model="smollm2:135m", embeddings=False) as live:
        print("LangChain:")
        print(f"  answer: {langchain_agent(args.question, live.model, live.base_url)}")
        print("LlamaIndex:")
        llm = CBOllama(model=live.model, base_url=live.base_url, temperature=0, max_tokens=60)
        tools = [FunctionTool.from_defaults(fn=multiply), FunctionTool.from_defaults(fn=add)]
        response = llm.predict_and_call(tools, user_msg=args.question, tool_required=True)
        for output in response.sources:
            print(f"  llama-index tool call: {output.tool_name}({output.raw_input.get('kwargs')}) -> {output.content}")
        print(f"  answer: {response.response}")
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
