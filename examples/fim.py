"""Fill in the middle: a code model writes what goes between the code before the cursor and the code after it.

CBOllamaLLM sends /api/generate with `suffix`. Only models whose template can insert do this (qwen2.5-coder,
codellama:code, starcoder2...); others are refused by the server, and this package turns the refusal into an
InvalidRequestError saying what to use instead. The example then falls back to completing the prefix alone.

    python examples/fim.py --model qwen2.5-coder:3b
"""

from __future__ import annotations

import sys

from _common import parser, session

from cb_ollama_integrations import InvalidRequestError
from cb_ollama_integrations.langchain import CBOllamaLLM

BEFORE = 'def is_palindrome(text: str) -> bool:\n    """True if text reads the same backwards."""\n'
AFTER = "\n    return cleaned == cleaned[::-1]\n"


def main() -> int:
    """Fill the body of a function in; explain a refusal and complete the prefix instead."""
    args = parser(__doc__ or "", model="qwen2.5-coder:3b").parse_args()
    with session("fim", args, recorded_model="smollm2:135m") as live:
        llm = CBOllamaLLM(model=live.model, base_url=live.base_url, temperature=0, max_tokens=24)
        try:
            middle = llm.invoke(BEFORE, suffix=AFTER)
        except InvalidRequestError as exc:
            print(f"fill-in-the-middle refused: {exc.server_message}")
            print(f"  why: {str(exc).rsplit('; ', 1)[-1]}")
            middle = llm.invoke(BEFORE)
            print("completion of the prefix alone:")
        print(BEFORE + middle + AFTER)
    return 0


if __name__ == "__main__":
    sys.exit(main())
