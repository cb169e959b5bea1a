# The incidents step of `make demo`, sourced by scripts/demo (which defines
# say, ctl, plant_elapsed, $plant_dir, $plant_t0 and $plant_secs). The hub
# runs with examples/plant/alert-policy.json (short timers, so incidents
# open and resolve within the act) and the plant's topology
# (examples/plant/topology.json: a site, two assets with their criticality).
# Every detection, quarantine and device going offline reaches the hub's
# correlator; this step narrates the notifications it decides (the outbox,
# `keelctl incident notifications`) and checks at the end that the plant's
# real problems became incidents, pump-03's planned stop did not, and that
# far fewer notifications than raw alerts were sent. The hub rules of
# examples/plant/hub-rules.json (set by scripts/demo) also see pump-01's
# bearing wear, in its vibration band energy.

inote() { printf '\033[1;33m[incident %6.1fs]\033[0m %s\n' "$1" "$2"; }

# Planned stops are maintenance: their devices' offline alarms are recorded
# in incidents but notify nobody. $1: matcher (KEY=VALUE), $2: why.
maintenance_window() {
  local id
  id=$(ctl --json silence add --match "$1" --match alertname=device.offline --for 30m \
    --maintenance --comment "$2" 2>/dev/null | jq -r .id)
  inote "$(plant_elapsed)" "maintenance window $id ($1, device.offline, 30 min): $2 (keelctl silence add)"
}

# Narrates notifications until the act's end, then checks the verdicts;
# writes 0 (all hold) or 1 to $plant_dir/incidents.rc.
incident_act() {
  set +e
  echo 1 >"$plant_dir/incidents.rc"
  local after=0 end=$((plant_t0 + (plant_secs + 5) * 1000)) notes id inc reason pri title
  while :; do
    notes=$(ctl --json incident notifications --after "$after" --limit 100 2>/dev/null)
    while IFS=$'\t' read -r id inc reason pri title; do
      [ -z "$id" ] && continue
      inote "$(plant_elapsed)" "NOTIFY incident #$inc $reason [$pri] $title"
      after=$id
    done < <(jq -r '.notifications[]? | [.id, .incident, .reason, .priority, .title] | @tsv' <<<"$notes" 2>/dev/null)
    [ "$(date +%s%3N)" -ge "$end" ] && break
    sleep 3
  done
  incident_verdict >"$plant_dir/incidents.out"
  echo $? >"$plant_dir/incidents.rc"
  cat "$plant_dir/incidents.out"
}

incident_verdict() {
  local all ok=0 r raw sent
  all=$(ctl --json incident list --state open --limit 1000 2>/dev/null |
    jq -c '.incidents[]' 2>/dev/null)
  all+=$'\n'$(ctl --json incident list --state acknowledged --limit 1000 2>/dev/null |
    jq -c '.incidents[]' 2>/dev/null)
  all+=$'\n'$(ctl --json incident list --state resolved --limit 1000 2>/dev/null |
    jq -c '.incidents[]' 2>/dev/null)
  printf '%s\n' "$all" | grep -v '^$' >"$plant_dir/incidents.jsonl"
  q() { jq -s -r "$@" "$plant_dir/incidents.jsonl"; }
  pass() { say "INCIDENTS PASS: $*"; }
  fail() { say "INCIDENTS FAIL: $*"; ok=1; }
  # Holds when some incident has a member named $1 (NAME or NAME/RULE: a
  # rule's alert with that rule label) on device $2; prints "id priority
  # state notified".
  member() {
    q --arg n "${1%%/*}" --arg r "$([ "${1#*/}" != "$1" ] && echo "${1#*/}")" --arg d "$2" \
      '[.[] | select(.merged_into == 0 and
        any(.members[]; .name == $n and .labels.device == $d and
                        ($r == "" or .labels.rule == $r)))] | first
        | if . == null then "" else "\(.id) \(.priority) \(.state) \(.notified_ms > 0)" end'
  }
  local name device what
  while IFS=: read -r name device what; do
    r=$(member "$name" "$device")
    set -- $r
    if [ "${4:-}" = true ]; then
      pass "$what is incident #$1 ($2, $3), notified"
    elif [ -n "$r" ]; then
      fail "$what is incident #$1 ($2, $3) but was never notified"
    else
      fail "no incident for $what"
    fi
  done <<'CASES'
attestation:pump-03:pump-03's quarantine
anomaly:pump-01:pump-01's bearing wear
rule/bearing-band-high:pump-01:pump-01's bearing band energy (hub rule bearing-band-high)
sensor_fault:pump-02:pump-02's stuck sensor
CASES
  r=$(q '[.[] | .members[] | select(.labels.device == "pump-03" and
          (.name == "anomaly" or .name == "sensor_fault" or .name == "rule"))] | length')
  if [ "$r" = 0 ]; then
    pass "pump-03's planned stop and restart raised no incident"
  else
    fail "pump-03 has $r detection(s) in incidents"
  fi
  raw=$(ctl metrics 2>/dev/null | awk '$1 == "keel_alerts_total" { print $2 }')
  sent=$(ctl --json incident notifications --limit 1000 2>/dev/null | jq '.notifications | length')
  say "alerting: ${raw:-?} raw alerts reached the correlator (this hub process), $(q length) incidents, ${sent:-?} notifications (keelctl incident list, keelctl incident show ID)"
  return $ok
}
