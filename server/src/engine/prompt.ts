/**
 * The chat format of the QED-Nano family, written out explicitly (never auto-detected from the GGUF's
 * template: node-llama-cpp resolves a minimal ChatML template to a wrapper that drops the `<think>`
 * prefill). One turn per message, no system prompt (QED-Nano was trained without one), and the assistant
 * turn opened inside its thinking:
 *
 *   <|im_start|>user\n{problem}<|im_end|>\n<|im_start|>assistant\n<think>\n
 *
 * Earlier assistant turns carry their answers only, as Qwen3's template keeps them. With `thinking:
 * 'closed'` the thinking is prefilled empty (`<think>\n\n</think>\n\n`), which grammar-constrained calls need:
 * a grammar applies from the first generated token and would otherwise land inside the thought.
 * Document text is never parsed for special tokens: a `<|im_end|>` typed in a document stays text.
 * The tasks' own instructions live in prompts/; this module is only the chat format.
 */
import type { ChatMessage, GenerationRequest, ThinkingMode } from './types';

/** A piece of the prompt; `special` pieces are tokenized with special-token parsing, the others never. */
export interface PromptPart {
  special: boolean;
  text: string;
}


export function qedNanoPrompt(messages: readonly ChatMessage[], thinking: ThinkingMode = 'open'): PromptPart[] {
  if (messages.length === 0 || messages[messages.length - 1]!.role !== 'user') {
    throw new Error('a QED-Nano prompt ends with a user message');
  }
  const parts: PromptPart[] = [];
  for (const message of messages) {
    if (message.role === 'assistant' && message.raw !== undefined) {
      parts.push({ special: true, text: '<|im_start|>assistant\n<think>\n' }, ...withThinkTag(message.raw), { special: true, text: '<|im_end|>\n' });
      continue;
    }
    parts.push({ special: true, text: `<|im_start|>${message.role}\n` }, { special: false, text: message.content }, { special: true, text: '<|im_end|>\n' });
  }
  parts.push({ special: true, text: thinking === 'open' ? '<|im_start|>assistant\n<think>\n' : '<|im_start|>assistant\n<think>\n\n</think>\n\n' });
  return parts;
}

/** A generated reply as prompt parts: its last `</think>` is the special token it was generated as. */
function withThinkTag(raw: string): PromptPart[] {
  const at = raw.lastIndexOf('</think>');
  if (at < 0) return [{ special: false, text: raw }];
  return [
    { special: false, text: raw.slice(0, at) },
    { special: true, text: '</think>' },
    { special: false, text: raw.slice(at + '</think>'.length) },
  ];
}

/** A grammar applies from the first token, so JSON output needs the thought closed in the prompt. */
export function thinkingMode(request: Pick<GenerationRequest, 'thinking' | 'jsonSchema' | 'answerPrefix'>): ThinkingMode {
  return request.jsonSchema || request.answerPrefix !== undefined ? 'closed' : (request.thinking ?? 'open');
}

/** The prompt of a request: the chat format, then the answer so far when it continues one (never parsed
 * for special tokens: it is document text). */
export function requestPrompt(request: Pick<GenerationRequest, 'messages' | 'thinking' | 'jsonSchema' | 'answerPrefix'>): PromptPart[] {
  const parts = qedNanoPrompt(request.messages, thinkingMode(request));
  return request.answerPrefix ? [...parts, { special: false, text: request.answerPrefix }] : parts;
}

/**
 * A prompt as one text, for a server that tokenizes it itself (an OpenAI-compatible `/v1/completions`),
 * where special tokens written in the text ARE parsed as such. Document text must never become one, so in
 * the parts that are not special a WORD JOINER (U+2060, invisible) follows the `<` of anything shaped like
 * a Qwen3 special token (`<|...|>`, `<think>`, `</think>`, `<tool_call>`...): the server reads it as text.
 */
export function promptText(parts: readonly PromptPart[]): string {
  return parts.map((part) => (part.special ? part.text : asPlainText(part.text))).join('');
}

/** Text that a server's tokenizer reads as text: a WORD JOINER after the `<` of a special-token look-alike. */
export function asPlainText(text: string): string {
  return text.replace(SPECIAL_TOKEN_START, '<\u2060');
}

const SPECIAL_TOKEN_START = /<(?=\||\/?(?:think|tool_call|tool_response)>)/g;
