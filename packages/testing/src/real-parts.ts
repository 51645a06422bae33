// Real parts of Pincer that plugin tests run against, so a plugin's tests import
// @pincer/testing and @pincer/sdk only: the host's capabilities (a tool context over a temp
// folder, granted what a manifest would grant), the theme a host loads, the kernel's pricing,
// and the embedded Hugging Face Hub to talk to over loopback HTTP.
export { createEnvCapability, createExecCapability, createFsCapability, type LoadedTheme } from "@pincer/host";
export { type LocalHub, type LocalHubOptions, startLocalHub, unconfinedLauncher } from "@pincer/hub";
export { priceUsage } from "@pincer/kernel";
