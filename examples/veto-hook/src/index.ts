import { defineHooks, definePlugin } from "@pincer/sdk";

// A hook runs in the plugin's sandbox at a point of every session: here, before each bash call
// (pincer.plugin.json lists it under contributes.hooks, for the bash tool only). It answers with
// a verdict: block (refused, with a reason the model reads), ask (a person must approve), args
// (rewrite the input), context (a note for the model), or nothing for no objection. No verdict
// lowers a gate: what the user's rules ask about or deny stays asked or denied. As a "guard",
// a hook that fails refuses the call rather than let it through.
const REFUSED = [/\brm\s+-[a-z]*r[a-z]*f/, /\bgit\s+push\b.*(--force|-f\b)/, /\bcurl\b.*\|\s*(ba)?sh\b/];

export default definePlugin({
  hooks: defineHooks({
    beforeToolCall(call) {
      const command = String(call.arguments.command ?? "");
      const pattern = REFUSED.find((candidate) => candidate.test(command));
      if (pattern) return { block: { reason: `veto-hook refuses commands matching ${pattern}` } };
    },
  }),
});
