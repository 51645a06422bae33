#!/usr/bin/env bash
# bench/peers/peers.sh — Pincer and five published coding-agent CLIs, side by side, against one
# loopback model (fake-llm.mjs: instant answers; in tool mode it calls the request's shell tool
# with `echo hi`).
#
#   bash bench/peers/peers.sh install   install the peers from npm at the pinned versions below (network)
#   bash bench/peers/peers.sh measure   measure the built checkout this script lives in, the peers and
#                                       `node -e 0`, alternately, then print the table (report.js)
#   bash bench/peers/peers.sh all       both
# Env: PINCER_REPO (the built checkout to measure, default the one holding this script)
#      PEERS (work dir, default ~/.cache/pincer-peers)  PEERS_ONLY (names to measure, default all)
#      N (counted runs per figure, default 10; one warm-up round is not counted)  PORT (default 18080)
#      LATEST=1 installs @latest instead of the pinned versions.
# Runs alternate: each round runs the floor, then every tool once, so a load spike on this shared
# machine lands on all of them alike; each figure is the median of its N rounds. Whole process,
# timed from outside (start-up, the model round trip(s), shutdown), peak RSS from GNU time.
# A peer that is not installed (no network to npm here) is measured as nothing and its row says so.
set -u
PEERS=${PEERS:-$HOME/.cache/pincer-peers}
N=${N:-10}
PORT=${PORT:-18080}
BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=${PINCER_REPO:-$(cd "$BENCH/../.." && pwd)}  # a built Pincer checkout (a copy keeps a long run steady while you rebuild)
FAKE="$BENCH/fake-llm.mjs"
mkdir -p "$PEERS/work" "$PEERS/logs"
echo hello > "$PEERS/work/README.md"

# peer  npm-package  pinned-version  bin
PEER_LIST="pi:@mariozechner/pi-coding-agent:0.73.1:pi
opencode:opencode-ai:1.18.33:opencode
codex:@openai/codex:0.169.0:codex
claude:@anthropic-ai/claude-code:2.1.331:claude
qwen:@qwen-code/qwen-code:0.24.4:qwen"

node24() {
  local n="$PEERS/node24/bin/node"
  if [ ! -x "$n" ]; then
    mkdir -p "$PEERS/node24/bin"
    local src
    src=$(npx -y -p node@24 -c 'command -v node' 2>/dev/null | tail -1)
    cp "$(readlink -f "$src")" "$n"
  fi
  echo "$n"
}

install() {
  local NODE; NODE=$(node24)
  echo "node: $("$NODE" -v)"
  echo "$PEER_LIST" | while IFS=: read -r name pkg ver bin; do
    [ -n "${LATEST:-}" ] && ver=latest
    mkdir -p "$PEERS/$name"
    [ -f "$PEERS/$name/package.json" ] || echo "{\"name\":\"peer-$name\",\"private\":true}" > "$PEERS/$name/package.json"
    if [ ! -x "$PEERS/$name/node_modules/.bin/$bin" ]; then
      for try in 1 2; do
        (cd "$PEERS/$name" && PATH="$(dirname "$NODE"):$PATH" npm i --no-audit --no-fund "$pkg@$ver" > install.log 2>&1) && break
        echo "install $name failed (try $try), see $PEERS/$name/install.log"
      done
    fi
  done
  # npm >= 11.x may skip install scripts ("not yet covered by allowScripts"). These two only copy the
  # platform binary out of the optional dependency (no network); run them if the placeholder is still there.
  local c="$PEERS/claude/node_modules/@anthropic-ai/claude-code"
  if [ -d "$c" ] && [ "$(stat -c %s "$c/bin/claude.exe")" -lt 1000000 ]; then (cd "$c" && "$NODE" install.cjs); fi
  local o="$PEERS/opencode/node_modules/opencode-ai"
  if [ -d "$o" ] && [ "$(stat -c %s "$o/bin/opencode.exe")" -lt 1000000 ]; then (cd "$o" && "$NODE" postinstall.mjs); fi
  write_configs
}

write_configs() {
  # pi: custom provider (OpenAI Chat Completions)
  mkdir -p "$PEERS/home-pi/.pi/agent"
  cat > "$PEERS/home-pi/.pi/agent/models.json" <<EOF
{"providers":{"fake":{"baseUrl":"http://127.0.0.1:$PORT/v1","api":"openai-completions","apiKey":"sk-fake","compat":{"supportsDeveloperRole":false,"supportsReasoningEffort":false},"models":[{"id":"fake-model","contextWindow":128000,"maxTokens":4096}]}}}
EOF
  echo '{"enableInstallTelemetry":false}' > "$PEERS/home-pi/.pi/agent/settings.json"
  # codex: custom provider (OpenAI Responses API)
  mkdir -p "$PEERS/home-codex/.codex"
  cat > "$PEERS/home-codex/.codex/config.toml" <<EOF
model = "gpt-5-codex"
model_provider = "fake"
approval_policy = "never"
sandbox_mode = "workspace-write"
check_for_update_on_startup = false

[model_providers.fake]
name = "fake"
base_url = "http://127.0.0.1:$PORT/v1"
env_key = "FAKE_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[analytics]
enabled = false

[otel]
exporter = "none"
EOF
  # opencode: custom provider (OpenAI-compatible Chat Completions via @ai-sdk/openai-compatible)
  mkdir -p "$PEERS/home-opencode/.config/opencode"
  cat > "$PEERS/home-opencode/.config/opencode/opencode.json" <<EOF
{
  "\$schema": "https://opencode.ai/config.json",
  "autoupdate": false,
  "share": "disabled",
  "model": "fake/fake-model",
  "small_model": "fake/fake-model",
  "provider": {
    "fake": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "Fake",
      "options": { "baseURL": "http://127.0.0.1:$PORT/v1", "apiKey": "sk-fake" },
      "models": { "fake-model": { "name": "Fake model", "limit": { "context": 128000, "output": 4096 } } }
    }
  }
}
EOF
  # qwen: OpenAI-compatible auth via env (OPENAI_*), telemetry and update checks off
  mkdir -p "$PEERS/home-qwen/.qwen"
  cat > "$PEERS/home-qwen/.qwen/settings.json" <<'EOF'
{
  "security": { "auth": { "selectedType": "openai" } },
  "privacy": { "usageStatisticsEnabled": false },
  "telemetry": { "enabled": false },
  "general": { "disableAutoUpdate": true, "disableUpdateNag": true },
  "ui": { "hideTips": true }
}
EOF
  # claude: env only (ANTHROPIC_BASE_URL + ANTHROPIC_API_KEY)
  mkdir -p "$PEERS/home-claude"
}

# Commands (run with cwd=$PEERS/work; each peer gets its own HOME under $PEERS).
P=$PEERS
ENV_pi="HOME=$P/home-pi PI_OFFLINE=1 PI_SKIP_VERSION_CHECK=1 PI_TELEMETRY=0"
ENV_opencode="HOME=$P/home-opencode OPENCODE_DISABLE_AUTOUPDATE=1 OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1 OPENCODE_DISABLE_SHARE=1"
ENV_codex="HOME=$P/home-codex CODEX_HOME=$P/home-codex/.codex FAKE_API_KEY=sk-fake"
ENV_claude="HOME=$P/home-claude ANTHROPIC_BASE_URL=http://127.0.0.1:$PORT ANTHROPIC_API_KEY=sk-ant-fake CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 ANTHROPIC_MODEL=claude-sonnet-4-5 ANTHROPIC_SMALL_FAST_MODEL=claude-3-5-haiku-latest"
ENV_qwen="HOME=$P/home-qwen OPENAI_API_KEY=sk-fake OPENAI_BASE_URL=http://127.0.0.1:$PORT/v1 OPENAI_MODEL=qwen3-coder-plus QWEN_CODE_SUPPRESS_YOLO_WARNING=1"
RUN_pi="$P/pi/node_modules/.bin/pi --provider fake --model fake-model -p"
RUN_opencode="$P/opencode/node_modules/.bin/opencode run"
RUN_codex="$P/codex/node_modules/.bin/codex exec --skip-git-repo-check"
RUN_claude="$P/claude/node_modules/.bin/claude -p"
RUN_qwen="$P/qwen/node_modules/.bin/qwen -p"
# extra flags so the tool turn (shell tool running `echo hi`) is auto-approved
TOOLFLAGS_pi=""; TOOLFLAGS_opencode=""; TOOLFLAGS_codex=""; TOOLFLAGS_claude="--allowedTools Bash"; TOOLFLAGS_qwen="--yolo"
VER_pi="$P/pi/node_modules/.bin/pi --version"
VER_opencode="$P/opencode/node_modules/.bin/opencode --version"
VER_codex="$P/codex/node_modules/.bin/codex --version"
VER_claude="$P/claude/node_modules/.bin/claude --version"
VER_qwen="$P/qwen/node_modules/.bin/qwen --version"

# Pincer itself: this checkout's built CLI, in its own PINCER_HOME (kept between runs, as a user's is).
ENV_pincer="PINCER_HOME=$P/home-pincer OPENAI_API_KEY=sk-fake OPENAI_BASE_URL=http://127.0.0.1:$PORT/v1"
TOOLFLAGS_pincer="--allowedTools bash"
ENV_floor="HOME=$P/work"

FAKE_PID=""
start_fake() { # $1 = log name, $2 = mode (text|tool)
  FAKE_MODE=$2 FAKE_LOG="$P/logs/req-$1.jsonl" "$NODE" "$FAKE" "$PORT" > /dev/null 2> "$P/logs/fake-$1.err" &
  FAKE_PID=$!
  for _ in $(seq 100); do curl -s "http://127.0.0.1:$PORT/v1/models" > /dev/null 2>&1 && return; sleep 0.1; done
  echo "the fake model did not start: $P/logs/fake-$1.err" >&2; exit 1
}
stop_fake() { [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=""; }

# once FILE ENV... -- CMD...: one whole-process run, appending "wall_ms peak_kb exit t0 t1" to FILE
once() {
  local file=$1; shift
  local envs=(); while [ "$1" != "--" ]; do envs+=("$1"); shift; done; shift
  local t0 t1
  t0=$(date +%s%3N)
  (cd "$P/work" && env "${envs[@]}" PATH="$(dirname "$NODE"):$PATH" /usr/bin/time -f '%e %M %x' -o "$P/logs/.t" timeout -k 5 120 "$@" < /dev/null > "$P/logs/out.txt" 2>&1)
  t1=$(date +%s%3N)
  [ -n "$file" ] && echo "$((t1 - t0)) $(awk 'END {print $2, $3}' "$P/logs/.t") $t0 $t1" >> "$file"
}

# phase NAME MODE: N+1 rounds (the first a warm-up), each running the floor and then every tool once.
phase() {
  local figure=$1 mode=$2 name i
  [ "$figure" = version ] || start_fake "$figure" "$mode"
  for name in floor $TOOLS; do : > "$P/logs/time-$name-$figure.txt"; done
  for i in $(seq 0 "$N"); do
    local file
    for name in floor $TOOLS; do
      file="$P/logs/time-$name-$figure.txt"; [ "$i" -eq 0 ] && file=""
      local e="ENV_$name" v="VER_$name" r="RUN_$name" tf="TOOLFLAGS_$name"
      # shellcheck disable=SC2086
      if [ "$name" = floor ]; then once "$file" ${!e} -- "$NODE" -e 0
      elif [ "$figure" = version ]; then once "$file" ${!e} -- ${!v}
      elif [ "$figure" = oneshot ]; then once "$file" ${!e} -- ${!r} "Reply with ok"
      else once "$file" ${!e} -- ${!r} "Run echo hi" ${!tf}; fi
    done
  done
  [ "$figure" = version ] || stop_fake
}

measure_all() {
  NODE=$(node24)
  write_configs
  local bin="$REPO/packages/cli/dist/bin.js"
  [ -f "$bin" ] || { echo "build Pincer first (pnpm -s build): $bin is missing" >&2; exit 1; }
  RUN_pincer="$NODE $bin --model openai/gpt-5 -p"; VER_pincer="$NODE $bin --version"
  mkdir -p "$P/home-pincer"
  TOOLS=""; local missing="" name
  for name in ${PEERS_ONLY:-pincer pi opencode codex claude qwen}; do
    if [ "$name" = pincer ] || [ -x "$P/$name/node_modules/.bin/$name" ]; then TOOLS="$TOOLS $name"
    else missing="$missing $name"; fi
  done
  rm -f "$P"/logs/req-*.jsonl
  {
    echo "node=$("$NODE" -v)"; echo "n=$N"; echo "date=$(date -u +%F)"
    echo "cpus=$(nproc) x $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "memory=$(awk '/MemTotal/ {printf "%d GiB", $2 / 1048576}' /proc/meminfo)"
    echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "tools=$TOOLS"; echo "missing=$missing"
    echo "versions=$(echo "$PEER_LIST" | cut -d: -f1,3 | tr '\n' ' ')"
  } > "$P/run.env"
  phase version text
  phase oneshot text
  phase toolturn tool
  echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$P/run.env"
  "$NODE" "$BENCH/report.js" "$P"
}

trap stop_fake EXIT
case "${1:-all}" in
  install) install ;;
  measure) measure_all ;;
  all) install; measure_all ;;
  *) echo "usage: $0 [install|measure|all]"; exit 2 ;;
esac
