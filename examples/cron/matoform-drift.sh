#!/usr/bin/env bash
# Nightly drift check for a Matomo instance managed by matoform.
#
# Runs `matoform plan --detailed-exitcode --format json` and reports to a webhook
# (Mattermost / Slack compatible: a JSON body {"text": "..."}):
#   exit 0  no drift            -> no report
#   exit 2  drift               -> one report with the Markdown summary of the plan
#   exit 3  policy violations   -> one report with the Markdown summary of the plan
#   exit 1  error               -> one error report (distinct wording), with the error
# The script exits with matoform's code, so a supervisor (systemd) sees failures too.
#
# Environment (e.g. /etc/matoform/drift.env, read by the systemd unit):
#   MATOFORM_CONFIG       configuration file or directory (default /etc/matoform/config)
#   MATOFORM_WEBHOOK_URL  incoming webhook URL (required)
#   MATOMO_URL, MATOMO_TOKEN  the instance and a read token (see the README's runbook)
#   MATOFORM_BIN          matoform binary (default: matoform on PATH)
set -u

config="${MATOFORM_CONFIG:-/etc/matoform/config}"
webhook="${MATOFORM_WEBHOOK_URL:?set MATOFORM_WEBHOOK_URL}"
bin="${MATOFORM_BIN:-matoform}"
host="$(hostname 2>/dev/null || echo unknown-host)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# JSON string escaping in pure bash (no jq needed on the server).
json_escape() {
  local s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      '"') out+='\"' ;;
      '\') out+='\\' ;;
      $'\n') out+='\n' ;;
      $'\r') out+='\r' ;;
      $'\t') out+='\t' ;;
      *)
        if [[ "$c" < ' ' ]]; then
          printf -v c '\\u%04x' "'$c"
        fi
        out+="$c"
        ;;
    esac
  done
  printf '%s' "$out"
}

post() {
  local text="$1"
  printf '{"text": "%s"}' "$(json_escape "$text")" > "$work/payload.json"
  curl -sS --fail --max-time 30 -H 'Content-Type: application/json' \
    --data-binary "@$work/payload.json" "$webhook" > /dev/null \
    || echo "matoform-drift: could not post to the webhook" >&2
}

"$bin" plan -c "$config" --detailed-exitcode --format json --no-color --out "$work/plan.json" \
  > "$work/plan-stdout.json" 2> "$work/stderr.txt"
code=$?

case "$code" in
  0)
    ;;
  2 | 3)
    summary="$("$bin" show "$work/plan.json" --format markdown --no-color 2>&1)"
    if [ "$code" = 3 ]; then
      title="matoform: policy violations on $host"
    else
      title="matoform: drift detected on $host"
    fi
    post "#### $title"$'\n\n'"$summary"
    ;;
  *)
    post "#### matoform: the drift check FAILED on $host (exit $code)"$'\n\n''```'$'\n'"$(tail -n 20 "$work/stderr.txt")"$'\n''```'
    ;;
esac
exit "$code"
