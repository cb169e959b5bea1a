# The attestation step of `make demo`, sourced by scripts/demo (which defines
# say, ctl, pnote, $plant_dir and $plant_t0). The plant's agents attest what
# they loaded every [attest] interval_s (5 s in examples/plant/). Early in
# the plant act, before the faults, pump-03's configuration file is changed
# on disk under its running agent: its next attestation measures the change,
# the hub quarantines the device (marked in the API, its telemetry held in
# its outbox); the original file is put back and the next attestation lifts
# the quarantine, and the held telemetry arrives.

attest_device=pump-03
attest_at_s=25  # plant time of the change (the faults start at 100 s)

# Seconds (one decimal) since the plant agents started.
plant_elapsed() {
  local ms=$(($(date +%s%3N) - plant_t0))
  echo "$((ms / 1000)).$((ms % 1000 / 100))"
}

# Waits up to 30 s until `ctl device show` of the device satisfies the jq
# filter $1; prints the last answer.
attest_wait() {
  local d=""
  for _ in $(seq 1 60); do
    d=$(ctl --json device show "$attest_device" 2>/dev/null) && jq -e "$1" >/dev/null 2>&1 <<<"$d" &&
      break
    sleep 0.5
  done
  echo "$d"
}

# Writes 0 (quarantined, then restored) or 1 to $plant_dir/attest.rc.
attest_act() {
  set +e  # this subshell checks every step itself
  local config=$plant_dir/$attest_device.toml d t_change t_q
  echo 1 >"$plant_dir/attest.rc"
  sleep $((attest_at_s - ($(date +%s%3N) - plant_t0) / 1000))
  cp "$config" "$config.orig"
  echo "# changed on disk behind the agent's back" >>"$config"
  t_change=$(date +%s%3N)
  pnote "$(plant_elapsed)" "ATTESTATION: $attest_device's configuration file changed on disk under its running agent"
  d=$(attest_wait '.quarantined != null')
  if ! jq -e '.quarantined != null' >/dev/null 2>&1 <<<"$d"; then
    pnote "$(plant_elapsed)" "ATTESTATION FAIL: $attest_device was not quarantined within 30 s"
    cp "$config.orig" "$config"
    return
  fi
  t_q=$(date +%s%3N)
  local dt=$((t_q - t_change))
  pnote "$(plant_elapsed)" "$attest_device QUARANTINED $((dt / 1000)).$((dt % 1000 / 100)) s later (keelctl device show $attest_device): $(jq -r .quarantined.reason <<<"$d")"
  # Held for longer than the hub's group_wait (10 s in examples/plant/alert-policy.json),
  # so the quarantine's incident is notified, not only recorded.
  sleep 12
  cp "$config.orig" "$config"
  pnote "$(plant_elapsed)" "the original file is back; waiting for the next attestation"
  d=$(attest_wait '.quarantined == null')
  if jq -e '.quarantined == null' >/dev/null 2>&1 <<<"$d"; then
    pnote "$(plant_elapsed)" "$attest_device restored: its next attestation matches again; the telemetry it held is delivered"
    echo 0 >"$plant_dir/attest.rc"
  else
    pnote "$(plant_elapsed)" "ATTESTATION FAIL: $attest_device still quarantined 30 s after the file was restored"
  fi
}
