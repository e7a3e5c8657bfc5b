"""`cb-ollama chat`: a small streaming chat for smoke tests (stdin lines, or one `--once` turn)."""

from __future__ import annotations

import sys
from typing import Any

from rich.markup import escape

from ..client import OllamaClient
from ..types import ChatMessage, LLMRequest, MessageRole, StreamingChunk
from ._common import EXIT_OK, CliContext

__all__ = ["register", "run"]

_EXIT_WORDS = ("/exit", "/quit", "/bye")


def register(commands: Any) -> None:
    """Add the `chat` subcommand."""
    parser = commands.add_parser("chat", help="a streaming chat REPL (stdin) or one turn with --once")
    parser.add_argument("--model", help="chat model (default: OLLAMA_DEFAULT_MODEL)")
    parser.add_argument("--system", help="system prompt")
    parser.add_argument("--once", metavar="PROMPT", help="send one prompt, print the answer, exit")
    parser.add_argument("--max-tokens", type=int, help="stop after this many generated tokens")
    parser.add_argument("--temperature", type=float, help="sampling temperature (model default when unset)")
    parser.add_argument("--seed", type=int, help="sampling seed, for repeatable answers")
    parser.add_argument("--think", action="store_true", help="ask a thinking model to show its reasoning")
    parser.set_defaults(run=run)


class _TurnPrinter:
    """Prints a streamed answer as it arrives: thinking dim, then the content; a stats line at the end."""

    def __init__(self, ctx: CliContext) -> None:
        self.ctx = ctx
        self.in_thinking = False
        self.content: list[str] = []

    def feed(self, chunk: StreamingChunk) -> None:
        delta = chunk.choices[0].delta
        out = self.ctx.out
        if delta.thinking:
            if not self.in_thinking:
                out.print("thinking: ", style="dim italic", end="")
                self.in_thinking = True
            out.print(escape(delta.thinking), style="dim", end="", soft_wrap=True)
        if delta.content:
            if self.in_thinking:
                out.print()
                self.in_thinking = False
            out.print(escape(delta.content), end="", soft_wrap=True)
            self.content.append(delta.content)
        if chunk.done:
            out.print()
            self._stats(chunk)

    def _stats(self, chunk: StreamingChunk) -> None:
        tokens = chunk.usage.completion_tokens if chunk.usage else 0
        duration = chunk.metrics.eval_duration if chunk.metrics else None
        speed = f", {tokens / (duration / 1e9):.1f} tok/s" if duration else ""
        reason = chunk.choices[0].finish_reason or "?"
        self.ctx.out.print(f"[{tokens} tokens{speed}, {reason}]", style="dim", markup=False)


def _turn(ctx: CliContext, client: OllamaClient, messages: list[ChatMessage]) -> str:
    """Stream one answer to `messages`; return its text (the conversation keeps it)."""
    args = ctx.args
    request = LLMRequest(model=args.model, messages=messages, max_tokens=args.max_tokens,
                         temperature=args.temperature, seed=args.seed, think=True if args.think else None)
    printer = _TurnPrinter(ctx)
    for chunk in client.chat_completion_stream(request):
        printer.feed(chunk)
    return "".join(printer.content)


def run(ctx: CliContext) -> int:
    """Chat until EOF or /exit (or answer --once); each turn sees the whole conversation."""
    args = ctx.args
    messages = [ChatMessage(role=MessageRole.SYSTEM, content=args.system)] if args.system else []
    interactive = args.once is None and sys.stdin.isatty()
    with ctx.client() as client:
        if args.once is not None:
            messages.append(ChatMessage(role=MessageRole.USER, content=args.once))
            _turn(ctx, client, messages)
            return EXIT_OK
        model = args.model or ctx.config.default_model
        if interactive:
            ctx.out.print(f"Chatting with {escape(model)}; /exit or Ctrl-D to quit.", style="dim")
        while True:  # ends at EOF or an exit word: stdin is finite when piped, the user's when interactive
            if interactive:
                ctx.out.print(">>> ", end="")
            line = sys.stdin.readline()
            if not line:
                break
            prompt = line.strip()
            if prompt in _EXIT_WORDS:
                break
            if not prompt:
                continue
            messages.append(ChatMessage(role=MessageRole.USER, content=prompt))
            answer = _turn(ctx, client, messages)
            messages.append(ChatMessage(role=MessageRole.ASSISTANT, content=answer))
    return EXIT_OK
