import { createJobLauncher, type HostJobLauncher } from "@pincer/host";
import { configPath, osSandboxSettings, readSettings, runDir } from "./home.js";

/**
 * How a local Hub this process starts (`pincer hub serve`, the one `pincer intern` embeds) runs
 * jobs: in the OS sandbox, under the user's own sandbox settings (a project's have no say over a
 * Hub), able to reach that Hub's address and nothing else unless sandbox.network says so.
 * `listening()` is the Hub's URL once it listens.
 */
export function hubJobLauncher(
  home: string,
  env: NodeJS.ProcessEnv,
  listening: () => string | undefined,
  options: { unconfined?: boolean } = {},
): HostJobLauncher {
  const user = readSettings(configPath(home));
  const sandbox = {
    ...osSandboxSettings(user.sandbox, undefined, []),
    ...(options.unconfined ? { os: "off" as const } : {}),
    stateDir: runDir(home),
    // Masked for the jobs' commands: this home, whatever PINCER_HOME the environment says.
    pincerHome: home,
  };
  return createJobLauncher({
    sandbox,
    env,
    loopback: () => {
      const url = listening();
      if (!url) return undefined;
      const { hostname, port } = new URL(url);
      return { host: hostname.replace(/^\[|\]$/g, ""), port: Number(port) };
    },
  });
}
