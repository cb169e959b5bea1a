# The rollout act of `make demo`, sourced by scripts/demo (which defines say,
# ctl, $bin, $api, $data and $repo). A separate fleet of simulated devices
# that only take part in rollouts (keel-sim --ota: the device's own update
# code, signed metadata, A/B slots, mTLS polls; 5% of the poll replies are
# lost on the way back) gets three versions of the pump-ae model
# (examples/ota/): 1.0.0 to every device, 1.1.0 through a canary and waves,
# and 1.2.0, whose health check fails on 30% of the devices, so the
# deployment stops and the hub rolls every device that installed it back.
# The act runs next to the fleet and the plant, through the demo's broker and
# hub crashes (keelctl calls are retried while the hub restarts).

rollout_dir=$data/rollout
rollout_devices=30
rollout_prefix=ota

# Before the hub starts: the offline root keys (outside the hub's data
# directory) and the online roles' keys the hub signs update metadata with.
rollout_keys() {
  mkdir -p "$rollout_dir"
  "$bin/keelctl" keys init --offline "$rollout_dir/offline-root" --online "$data/hub/updates" \
    >"$rollout_dir/keys.log"
}

rnote() {
  local ms=$(($(date +%s%3N) - rollout_t0))
  printf '\033[1;33m[rollout %3d.%ds]\033[0m %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$1"
}

# keelctl, retried for up to 20 s while the hub is down (the demo kills it).
rctl() {
  local i
  for i in $(seq 1 40); do
    if ctl "$@" 2>>"$rollout_dir/keelctl.err"; then return 0; fi
    sleep 0.5
  done
  return 1
}

# The versions the simulated devices run, from keel-sim's latest summary
# ("30x1.1.0"); the summary is printed every second.
rollout_running() {
  sleep 1.2
  grep 'ota devices run:' "$rollout_dir/sim.out" | tail -1 | sed 's/.*run: *\(.*\) | lost.*/\1/'
}

rollout_sim_alive() { kill -0 "$(cat "$rollout_dir/sim.pid" 2>/dev/null)" 2>/dev/null; }

# Creates a deployment, narrates it until it ends, writes its last status
# (the API's JSON) to $rollout_dir/last.json.
rollout_deploy() {
  local id d line last="" state
  id=$(rctl --json deploy create --target "tag:line=ota" "$@" | jq -r .id)
  rnote "keelctl deploy create $* --target tag:line=ota -> deployment $id"
  for _ in $(seq 1 360); do
    rollout_sim_alive || { rnote "the OTA fleet (keel-sim --ota) exited: $rollout_dir/sim.log"; break; }
    sleep 0.5
    # While the hub restarts, a status cannot be read: try again.
    d=$(ctl --json deploy status "$id" 2>>"$rollout_dir/keelctl.err") &&
      jq -e '.counts' >/dev/null 2>&1 <<<"$d" || continue
    state=$(jq -r .state <<<"$d")
    line=$(jq -r '"\(.state) wave \(.wave)/\(.waves_total - 1): " +
                  ([.counts | to_entries[] | "\(.value) \(.key)"] | join(", "))' <<<"$d")
    if [ "$line" != "$last" ]; then
      rnote "  deployment $id: $line"
      last=$line
    fi
    case "$state" in
      completed | aborted | rolled_back)
        rnote "  deployment $id: $(jq -r .reason <<<"$d")"
        echo "$d" >"$rollout_dir/last.json"
        return 0 ;;
    esac
  done
  echo "{\"id\": ${id:-0}, \"state\": \"unfinished\", \"wave\": -1, \"counts\": {}}" \
    >"$rollout_dir/last.json"
}

# Sets id, state, wave and failed from the last deployment, and running
# from the devices (rollout_running).
rollout_outcome() {
  local f=$rollout_dir/last.json
  id=$(jq -r .id "$f")
  state=$(jq -r .state "$f")
  wave=$(jq -r .wave "$f")
  failed=$(jq -r '.counts.failed // 0' "$f")
  running=$(rollout_running)
}

# One verdict: $1 is 0 when it holds; $2 says what passed, $3 what failed.
rollout_verdict() {
  if [ "$1" = 0 ]; then rnote "PASS: $2"; else rnote "FAIL: $3"; ok=1; fi
}

# The whole act; writes 0 (every verdict holds) or 1 to $rollout_dir/verdict.rc.
rollout_act() {
  set +e  # this subshell checks every step itself
  local ok=0 id state wave failed running v
  rollout_t0=$(date +%s%3N)
  echo 1 >"$rollout_dir/verdict.rc"
  for v in 1.0.0 1.1.0 1.2.0; do
    rnote "keelctl model push examples/ota/pump-ae-$v: $(rctl model push "$repo/examples/ota/pump-ae-$v")"
  done
  rnote "starting $rollout_devices simulated OTA devices (own keys, pinned update root; health of 1.2.0 fails on 30%)"
  "$bin/keel-sim" --ota --hub "$api" --cacert "$data/hub/pki/ca.crt" \
    --token-file "$data/hub/admin.token" --devices "$rollout_devices" --prefix "$rollout_prefix" \
    --dir "$rollout_dir/devices" --fail-version 1.2.0 --fail-share 0.3 --lost-replies 0.05 \
    --step-ms 300 --summary-every 1 >"$rollout_dir/sim.out" 2>>"$rollout_dir/sim.log" &
  echo $! >"$rollout_dir/sim.pid"
  for _ in $(seq 1 120); do
    grep -q 'ota devices run:' "$rollout_dir/sim.out" 2>/dev/null && break
    sleep 0.5
  done
  for i in $(seq 1 "$rollout_devices"); do
    rctl device tag "$(printf '%s-%04d' "$rollout_prefix" "$i")" line=ota >/dev/null
  done
  rnote "tagged them line=ota (keelctl device tag ID line=ota)"

  rollout_deploy --artifact pump-ae@1.0.0 --canary 0 --waves 100 --wave-soak 0s
  rollout_outcome
  [ "$state" = completed ] && [ "$running" = "${rollout_devices}x1.0.0" ]
  rollout_verdict $? "1.0.0 installed on every device ($running)" \
    "the first model: deployment $id $state, devices run $running"

  rollout_deploy --artifact pump-ae@1.1.0 --canary 2 --waves 25,50,100 --max-failures 5% \
    --wave-soak 3s --device-timeout 60s
  rollout_outcome
  [ "$state" = completed ] && [ "$running" = "${rollout_devices}x1.1.0" ]
  rollout_verdict $? "1.1.0 went canary -> 25% -> 50% -> 100% ($running)" \
    "the good model: deployment $id $state, devices run $running"

  rollout_deploy --artifact pump-ae@1.2.0 --canary 2 --waves 25,50,100 --max-failures 5% \
    --wave-soak 3s --device-timeout 60s
  rollout_outcome
  [ "$state" = rolled_back ] && [ "$wave" -le 1 ] && [ "$running" = "${rollout_devices}x1.1.0" ]
  rollout_verdict $? \
    "1.2.0 failed its health check on $failed device(s), the deployment stopped at wave $wave and every device runs 1.1.0 again ($running)" \
    "the bad model: deployment $id $state at wave $wave, devices run $running"
  rnote "poll replies lost on the way: $(grep 'ota devices run:' "$rollout_dir/sim.out" | tail -1 | sed 's/.*| lost replies \([0-9]*\).*/\1/'); the devices resent those reports and the hub applied each once"
  rollout_stop
  echo "$ok" >"$rollout_dir/verdict.rc"
}

# Stops the OTA fleet (from the act, or from the demo's cleanup).
rollout_stop() {
  [ -f "$rollout_dir/sim.pid" ] || return 0
  local pid
  pid=$(cat "$rollout_dir/sim.pid")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true  # only the act's shell can wait for it
  rm -f "$rollout_dir/sim.pid"
}
