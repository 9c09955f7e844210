import type { AiClientOptions, AiProvider, AiSettings } from './ai-provider.ts';
import { anthropicProvider } from './anthropic.ts';
import { openAiCompatibleProvider } from './openai-compatible.ts';

export { cleanModelText, type AiProvider, type TextPrompt } from './ai-provider.ts';
export { DEFAULT_ANTHROPIC_MODEL } from './anthropic.ts';

/** The configured AI provider, or null when none is (summaries then stay templates). */
export function createAiProvider(settings: AiSettings, options: AiClientOptions = {}): AiProvider | null {
  if (settings.provider === 'openai') {
    if (!settings.baseUrl || !settings.model) return null;
    return openAiCompatibleProvider({ baseUrl: settings.baseUrl, model: settings.model, apiKey: settings.apiKey }, options);
  }
  if (!settings.apiKey) return null;
  return anthropicProvider({ apiKey: settings.apiKey, baseUrl: settings.baseUrl, model: settings.model }, options);
}
