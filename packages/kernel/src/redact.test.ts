import { describe, expect, it } from "vitest";
import { createRedactor, isSecretEnvName, REDACTED, secretsFromEnv } from "./redact.js";

const redact = createRedactor();

describe("createRedactor", () => {
  it.each([
    ["OpenAI", "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD"],
    ["OpenAI project", "sk-proj-Ab12_Cd34-Ef56Gh78Ij90Kl12Mn34Op56"],
    ["Anthropic", "sk-ant-api03-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56-Qr78AA"],
    ["Hugging Face", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567"],
    ["GitHub classic", "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"],
    ["GitHub fine-grained", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"],
    ["AWS access key id", "AKIAIOSFODNN7EXAMPLE"],
  ])("redacts %s tokens in text", (_name, token) => {
    expect(redact(`export KEY=${token} # set`)).toBe(`export KEY=${REDACTED} # set`);
    expect(redact(`"${token}"`)).toBe(`"${REDACTED}"`);
  });

  it("redacts bearer tokens but keeps the scheme", () => {
    expect(redact("curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.sig' x")).toBe(
      `curl -H 'Authorization: Bearer ${REDACTED}' x`,
    );
    expect(redact("authorization: bearer abcdef0123456789xyz")).toBe(`authorization: bearer ${REDACTED}`);
  });

  it("redacts private key blocks, even unterminated ones", () => {
    const block =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAA\n-----END OPENSSH PRIVATE KEY-----";
    expect(redact(`key:\n${block}\ndone`)).toBe(`key:\n${REDACTED}\ndone`);
    expect(redact("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg")).toBe(REDACTED);
    expect(redact("-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----")).toContain("MIIBIjAN");
  });

  it("leaves ordinary text alone", () => {
    for (const text of [
      "pip install scikit-learn sk-learn",
      "task-manager-component-with-long-name",
      "Bearer authentication is described in RFC 6750",
      "the hf_hub_download helper",
      "ghp_ is the prefix of GitHub tokens",
      "short",
    ]) {
      expect(redact(text)).toBe(text);
    }
  });

  it("redacts known secret values, longest first, ignoring short ones", () => {
    const custom = createRedactor({
      secrets: ["hunter2-but-longer", "hunter2-but-longer-still", "short", "$pecial.*(val)"],
    });
    expect(custom("a hunter2-but-longer-still b hunter2-but-longer c short")).toBe(
      `a ${REDACTED} b ${REDACTED} c short`,
    );
    expect(custom("x $pecial.*(val) y $pecialXX(val)")).toBe(`x ${REDACTED} y $pecialXX(val)`);
  });

  it("applies extra patterns, global or not", () => {
    const custom = createRedactor({ patterns: [/corp-[0-9]{6}/, /internal\.example\.com/g] });
    expect(custom("corp-123456 and corp-654321 at internal.example.com")).toBe(
      `${REDACTED} and ${REDACTED} at ${REDACTED}`,
    );
  });

  it("is idempotent", () => {
    const text = "key sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12 and Bearer abcdef0123456789xyz";
    expect(redact(redact(text))).toBe(redact(text));
  });
});

describe("secretsFromEnv", () => {
  it("collects values of variables whose names look secret", () => {
    const env = {
      OPENAI_API_KEY: "sk-live-value-1",
      HF_TOKEN: "hf_value_number_2",
      AWS_SECRET_ACCESS_KEY: "aws-secret-value",
      CLIENT_SECRET: "client-secret-value",
      DB_PASSWORD: "db-password-value",
      PASSWORD: "plain-password",
      GH_TOKEN: "short",
      MAX_TOKENS: "4096000000",
      OPENAI_BASE_URL: "https://api.openai.com/v1",
      HOME: "/home/someone",
      EMPTY_TOKEN: undefined,
    };
    expect(secretsFromEnv(env).sort()).toEqual(
      [
        "sk-live-value-1",
        "hf_value_number_2",
        "aws-secret-value",
        "client-secret-value",
        "db-password-value",
        "plain-password",
      ].sort(),
    );
  });

  it("adds explicitly named variables", () => {
    expect(
      secretsFromEnv({ MY_PROVIDER_CREDENTIAL: "credential-value", OTHER: "not-secret-value" }, [
        "MY_PROVIDER_CREDENTIAL",
      ]),
    ).toEqual(["credential-value"]);
  });

  it("feeds createRedactor so env keys never reach the output", () => {
    const env = { ANTHROPIC_API_KEY: "a-key-with-no-known-shape" };
    expect(createRedactor({ secrets: secretsFromEnv(env) })("got a-key-with-no-known-shape")).toBe(`got ${REDACTED}`);
  });

  it("recognises secret-looking names", () => {
    expect(isSecretEnvName("OPENAI_API_KEY")).toBe(true);
    expect(isSecretEnvName("openai_apikey")).toBe(true);
    expect(isSecretEnvName("GITHUB_TOKEN")).toBe(true);
    expect(isSecretEnvName("TOKENIZERS_PARALLELISM")).toBe(false);
    expect(isSecretEnvName("KEYBOARD")).toBe(false);
  });
});
