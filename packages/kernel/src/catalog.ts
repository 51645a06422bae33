import type { TokenUsage, Usage } from "./messages.js";

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface ModelInfo {
  /** `provider/model`. */
  id: string;
  contextWindow: number;
  maxOutputTokens: number;
  price: ModelPrice;
  reasoning?: boolean;
}

const FREE: ModelPrice = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

/** Models known to this kernel: providers register theirs, config adds or overrides. */
export class ModelCatalog {
  private readonly models = new Map<string, ModelInfo>();

  constructor(models: Iterable<ModelInfo> = []) {
    for (const model of models) this.add(model);
  }

  add(model: ModelInfo): void {
    this.models.set(model.id, model);
  }

  get(id: string): ModelInfo | undefined {
    return this.models.get(id);
  }

  list(): ModelInfo[] {
    return [...this.models.values()];
  }

  /** Info for any model id; an unknown model gets a conservative window and no price. */
  resolve(id: string): ModelInfo {
    return this.get(id) ?? { id, contextWindow: 128_000, maxOutputTokens: 16_384, price: FREE };
  }
}

export function priceUsage(tokens: TokenUsage, price: ModelPrice): Usage {
  const perToken = (perMillion: number, count: number) => (perMillion * count) / 1_000_000;
  const cost = {
    input: perToken(price.input, tokens.input),
    output: perToken(price.output, tokens.output),
    cacheRead: perToken(price.cacheRead, tokens.cacheRead),
    cacheWrite: perToken(price.cacheWrite, tokens.cacheWrite),
    total: 0,
  };
  cost.total = cost.input + cost.output + cost.cacheRead + cost.cacheWrite;
  return { ...tokens, cost };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
    cost: {
      input: a.cost.input + b.cost.input,
      output: a.cost.output + b.cost.output,
      cacheRead: a.cost.cacheRead + b.cost.cacheRead,
      cacheWrite: a.cost.cacheWrite + b.cost.cacheWrite,
      total: a.cost.total + b.cost.total,
    },
  };
}
