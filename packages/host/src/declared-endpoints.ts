import type { ModelInfo } from "@pincer/kernel";

/** The provider a plugin contributes to serve endpoints declared in config (provider-openai does). */
export const OPENAI_COMPATIBLE = "openai-compatible";

/**
 * An OpenAI-compatible server the user declared in their own config.json (`providers.<id>` with
 * `"type": "openai-compatible"`): vLLM, Ollama, LM Studio, llama.cpp, OpenRouter, Groq… Declaring
 * it is the user's consent for the plugin serving it to reach that host and read that key.
 * Project settings cannot declare endpoints: a cloned repository must not aim your keys elsewhere.
 */
export interface DeclaredEndpoint {
  id: string;
  baseURL: string;
  /** Environment variable holding the key; none for servers that take no key. */
  apiKeyEnv?: string;
  headers?: Record<string, string>;
  models: ModelInfo[];
  /** Per-server differences: `{ "streamUsage": false, "parallelToolCalls": false }`. */
  quirks?: Record<string, boolean>;
}

export function declaredEndpoints(config: Record<string, Record<string, unknown>> | undefined): DeclaredEndpoint[] {
  const endpoints: DeclaredEndpoint[] = [];
  for (const [id, entry] of Object.entries(config ?? {})) {
    if (entry.type !== OPENAI_COMPATIBLE || typeof entry.baseURL !== "string") continue;
    endpoints.push({
      id,
      baseURL: entry.baseURL,
      ...(typeof entry.apiKeyEnv === "string" ? { apiKeyEnv: entry.apiKeyEnv } : {}),
      ...(entry.headers && typeof entry.headers === "object"
        ? { headers: entry.headers as Record<string, string> }
        : {}),
      ...(entry.quirks && typeof entry.quirks === "object" ? { quirks: entry.quirks as Record<string, boolean> } : {}),
      models: configModels(id, entry.models),
    });
  }
  return endpoints;
}

/** What serving the declared endpoints needs: their hosts, and their key variables. */
export function endpointGrants(endpoints: DeclaredEndpoint[]): { net: string[]; env: string[] } {
  const net: string[] = [];
  const env: string[] = [];
  for (const endpoint of endpoints) {
    try {
      const url = new URL(endpoint.baseURL);
      net.push(url.port ? `${url.hostname}:${url.port}` : url.hostname);
    } catch {
      // An unparsable URL grants nothing; the provider reports it when it is used.
    }
    if (endpoint.apiKeyEnv) env.push(endpoint.apiKeyEnv);
  }
  return { net, env };
}

/**
 * Models listed in config under `providers.<id>.models` (`{ "id": "gpt-5.1", "contextWindow": …,
 * "price": { "input": …, "output": … } }`): how the catalogue is extended without a new release.
 */
export function configModels(providerId: string, list: unknown): ModelInfo[] {
  if (!Array.isArray(list)) return [];
  return (list as Array<Partial<ModelInfo> & { id?: unknown }>)
    .filter((model) => typeof model?.id === "string")
    .map((model) => ({
      id: `${providerId}/${model.id as string}`,
      contextWindow: model.contextWindow ?? 128_000,
      maxOutputTokens: model.maxOutputTokens ?? 8_192,
      price: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, ...model.price },
      ...(model.reasoning ? { reasoning: true } : {}),
    }));
}
