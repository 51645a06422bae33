// Loaded by `pincer plugin test` into the test process (node --import): a plugin's tests import
// @pincer/testing and @pincer/sdk without installing them; these resolve to Pincer's own copies
// when the plugin folder has none.
import { createRequire, registerHooks } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const PROVIDED = new Set(["@pincer/testing", "@pincer/sdk", "@pincer/host", "@pincer/kernel"]);

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!PROVIDED.has(specifier)) throw error;
      return { url: pathToFileURL(require.resolve(specifier)).href, shortCircuit: true };
    }
  },
});
