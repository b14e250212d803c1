#!/usr/bin/env bash
# Nightly drift check for a Matomo instance managed by matoform.
#
# Runs `matoform plan --detailed-exitcode` and reports to a webhook (Mattermost / Slack
# compatible: a JSON body {"text": "..."}):
#   exit 0  no drift            -> no report
#   exit 2  drift               -> one report: the plan as a chat message
#   exit 3  policy violations   -> one report: the plan as a chat message
#   exit 1  error               -> one error report (distinct wording), with the error
# The plan's message is written by matoform itself, payload included (`show --format
# chat --webhook-payload`): bullet lists, the changed sites first, under 16,000
# characters (Mattermost's post limit) whatever the size of the instance.
# Then, unless the plan failed, it runs `matoform scan` (yesterday's reports, the
# configuration's sites, waivers and baseline) and posts its findings the same way:
#   exit 0  no personal data found (or all waived/known) -> no report
#   exit 3  personal data found  -> one report: the findings as a chat message (redacted)
#   exit 1  error                -> one error report
# Set MATOFORM_SCAN=0 to skip the scan.
# The script exits with matoform's code (the scan's 3 or 1 wins over the plan's 0 or 2),
# so a supervisor (systemd) sees failures too.
#
# Usage: matoform-drift.sh [ENV_FILE]
#
# Settings come from the environment (the systemd unit's EnvironmentFile=) or from
# ENV_FILE, which is read as data, never run as shell code: KEY=VALUE lines (an optional
# `export `, the value optionally in matching quotes, no expansion), blank lines and
# # comments. Only the keys below and proxy settings (*_PROXY) are taken; a file's value
# wins over the environment.
#   MATOFORM_CONFIG       configuration file or directory (default /etc/matoform/config)
#   MATOFORM_WEBHOOK_URL  incoming webhook URL (required; a secret: it reaches curl on
#                         its standard input, never on a command line, and is removed
#                         from the environment matoform runs in)
#   MATOMO_URL, MATOMO_TOKEN  the instance and a read token (see the README's runbook)
#   MATOMO_LOGIN, MATOMO_PASSWORD  optional, to read the admin pages
#   MATOFORM_BIN          matoform binary (default: matoform on PATH)
#   MATOFORM_SCAN         1 (default): also scan the reports for personal data; 0: skip
set -u

# Reads KEY=VALUE lines of "$1" as data: nothing in the file is executed or expanded.
read_env_file() {
  local file="$1" line key value n=0
  if [ ! -r "$file" ]; then
    echo "matoform-drift: cannot read the env file $file" >&2
    exit 1
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line="${line%$'\r'}"
    [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ ! "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]]; then
      echo "matoform-drift: $file:$n: not a KEY=VALUE line, ignored" >&2
      continue
    fi
    key="${BASH_REMATCH[2]}"
    value="${BASH_REMATCH[3]}"
    if [[ "$value" =~ ^\"(.*)\"[[:space:]]*$ || "$value" =~ ^\'(.*)\'[[:space:]]*$ ]]; then
      value="${BASH_REMATCH[1]}"
    fi
    case "$key" in
      MATOMO_URL | MATOMO_TOKEN | MATOMO_LOGIN | MATOMO_PASSWORD | MATOFORM_CONFIG | \
        MATOFORM_WEBHOOK_URL | MATOFORM_BIN | MATOFORM_SCAN | [A-Za-z]*_PROXY | [a-z]*_proxy)
        printf -v "$key" '%s' "$value"
        export "${key?}"
        ;;
      *)
        echo "matoform-drift: $file:$n: $key is not a setting of this script, ignored" >&2
        ;;
    esac
  done < "$file"
}

if [ $# -gt 0 ]; then
  read_env_file "$1"
fi

config="${MATOFORM_CONFIG:-/etc/matoform/config}"
webhook="${MATOFORM_WEBHOOK_URL:?set MATOFORM_WEBHOOK_URL}"
unset MATOFORM_WEBHOOK_URL
# A URL has no quote, backslash, space or control character; refusing them keeps the
# curl config line below unambiguous (and the URL is not shown: it is a secret).
if [[ "$webhook" =~ [\"\\[:space:][:cntrl:]] ]]; then
  echo "matoform-drift: MATOFORM_WEBHOOK_URL has a quote, backslash, space or control character: percent-encode them" >&2
  exit 1
fi
bin="${MATOFORM_BIN:-matoform}"
host="$(hostname 2>/dev/null || echo unknown-host)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# JSON string escaping of a short text (the error report) with bash's own
# substitutions: no loop over characters, no jq needed on the server. Other control
# characters are dropped.
json_escape() {
  local s
  s="$(printf '%s' "$1" | tr -d '\000-\010\013\014\016-\037\177')"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"
  s="${s//$'\r'/\\r}"
  s="${s//$'\t'/\\t}"
  printf '%s' "$s"
}

# The webhook URL is a secret: it goes to curl as a config line on standard input
# (`-K -`, written by the printf builtin), never as an argument that `ps` would show.
# The body comes from the file "$1".
post_file() {
  printf 'url = "%s"\n' "$webhook" \
    | curl -sS --fail --max-time 30 -K - -H 'Content-Type: application/json' \
      --data-binary "@$1" > /dev/null \
    || echo "matoform-drift: could not post to the webhook" >&2
}

"$bin" plan -c "$config" --detailed-exitcode --format json --no-color --out "$work/plan.json" \
  > "$work/plan-stdout.json" 2> "$work/stderr.txt"
code=$?

case "$code" in
  0)
    ;;
  2 | 3)
    if [ "$code" = 3 ]; then
      title="matoform: policy violations on $host"
    else
      title="matoform: drift detected on $host"
    fi
    # `show` exits 3 on violations like plan: the payload file tells whether it rendered.
    "$bin" show "$work/plan.json" --format chat --webhook-payload --title "$title" \
      --no-color > "$work/payload.json" 2>> "$work/stderr.txt"
    if [ -s "$work/payload.json" ]; then
      post_file "$work/payload.json"
    else
      echo "matoform-drift: could not render the plan: $(tail -n 1 "$work/stderr.txt")" >&2
    fi
    ;;
  *)
    text="matoform: the drift check FAILED on $host (exit $code)"$'\n\n''```'$'\n'"$(tail -n 20 "$work/stderr.txt" | cut -c 1-500)"$'\n''```'
    printf '{"text": "%s"}' "$(json_escape "$text")" > "$work/payload.json"
    post_file "$work/payload.json"
    ;;
esac

# The personal-data scan of what Matomo collected yesterday (never when the plan failed:
# its error is reported once). The message holds only redacted values.
if [ "$code" != 1 ] && [ "${MATOFORM_SCAN:-1}" != 0 ]; then
  "$bin" scan -c "$config" --format chat --webhook-payload --no-color \
    --title "matoform: personal data found in the reports on $host" \
    > "$work/scan-payload.json" 2> "$work/scan-stderr.txt"
  scan_code=$?
  case "$scan_code" in
    0 | 2)
      ;;
    3)
      post_file "$work/scan-payload.json"
      code=3
      ;;
    *)
      text="matoform: the personal-data scan FAILED on $host (exit $scan_code)"$'\n\n''```'$'\n'"$(tail -n 20 "$work/scan-stderr.txt" | cut -c 1-500)"$'\n''```'
      printf '{"text": "%s"}' "$(json_escape "$text")" > "$work/scan-payload.json"
      post_file "$work/scan-payload.json"
      code=1
      ;;
  esac
fi
exit "$code"
