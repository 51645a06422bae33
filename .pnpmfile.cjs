// Published manifests: the workspace's own export condition "@pincer/source" (TypeScript source
// for the workspace's tests and type checks) points into src/, which a tarball does not ship.
function withoutSource(exports) {
  if (!exports || typeof exports !== "object" || Array.isArray(exports)) return exports;
  const kept = {};
  for (const [key, value] of Object.entries(exports)) {
    if (key !== "@pincer/source") kept[key] = withoutSource(value);
  }
  return kept;
}
module.exports = {
  hooks: {
    beforePacking(manifest) {
      if (manifest.exports) manifest.exports = withoutSource(manifest.exports);
      return manifest;
    },
  },
};
