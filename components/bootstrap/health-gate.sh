#!/bin/sh
# Health gate of one VM: a managed Run Command (components/gate.py) that succeeds only once
# this VM serves what the load balancer probes, so `pulumi up` ends when every VM serves, a
# broken bootstrap fails `up`, and Pulumi deletes replaced VMs only after their successors
# serve (it deletes them after every create has finished). Rendered by components/gate.py,
# which fills in the __MARKS__. Output and error reach the deployment error (last 4 KB).
set -u
vm='__VM__'
protocol='__PROTOCOL__'
port='__PORT__'
path='__PATH__'
boot_seconds='__BOOT_SECONDS__'
settle_seconds='__SETTLE_SECONDS__'
deadline=$(($(date +%s) + boot_seconds))

fail() {
  echo "$vm: $*" >&2
  exit 1
}

# 1. The bootstrap ran: `cloud-init status --wait` returns once every stage is done
#    (0 done, 2 done with recoverable errors, 1 failed).
if command -v cloud-init >/dev/null 2>&1; then
  timeout "$boot_seconds" cloud-init status --wait >/dev/null 2>&1
  rc=$?
  if [ "$rc" -eq 124 ]; then fail "cloud-init did not finish within $boot_seconds s"; fi
  if [ "$rc" -eq 1 ]; then fail "cloud-init failed: $(cloud-init status --long 2>&1 | tr '\n' ' ')"; fi
fi

# 2. The workload answers locally as the probe asks: HTTP 200 (the only status the probe
#    counts as up) at the probe's port and path, or a TCP connect for a Tcp probe.
case "$protocol" in
  Tcp) what="TCP port $port" ;;
  Https) what="https://127.0.0.1:$port$path (HTTP 200)" ;;
  *) what="http://127.0.0.1:$port$path (HTTP 200)" ;;
esac
answers() {
  case "$protocol" in
    Tcp) timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null ;;
    Https) [ "$(curl -ks -o /dev/null -w '%{http_code}' --max-time 5 "https://127.0.0.1:$port$path")" = 200 ] ;;
    *) [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port$path")" = 200 ] ;;
  esac
}
until answers; do
  if [ "$(date +%s)" -ge "$deadline" ]; then fail "$what did not answer within $boot_seconds s"; fi
  sleep 2
done

# 3. The load balancer puts a VM in rotation after probeThreshold successful probes,
#    intervalSeconds apart: wait as long, so the VM takes traffic when the gate passes.
sleep "$settle_seconds"
echo "$vm: $what answers; in rotation after $settle_seconds s of probes"
