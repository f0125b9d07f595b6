# Health gate of one VM: a managed Run Command (components/gate.py) that succeeds only once
# this VM serves what the load balancer probes, so `pulumi up` ends when every VM serves, a
# broken bootstrap fails `up`, and Pulumi deletes replaced VMs only after their successors
# serve. Rendered by components/gate.py, which fills in the __MARKS__.
$ErrorActionPreference = 'Stop'
$vm = '__VM__'
$protocol = '__PROTOCOL__'
$port = [int]'__PORT__'
$path = '__PATH__'
$bootSeconds = [int]'__BOOT_SECONDS__'
$settleSeconds = [int]'__SETTLE_SECONDS__'
$deadline = (Get-Date).AddSeconds($bootSeconds)

if ($protocol -eq 'Tcp') { $what = "TCP port $port" }
else { $what = "$($protocol.ToLower())://127.0.0.1:$port$path (HTTP 200)" }

# The workload answers locally as the probe asks: HTTP 200 (the only status the probe counts
# as up; no redirect followed) or a TCP connect for a Tcp probe.
function Test-Answers {
    try {
        if ($protocol -eq 'Tcp') {
            $client = New-Object System.Net.Sockets.TcpClient
            $client.Connect('127.0.0.1', $port)
            $client.Close()
            return $true
        }
        # Azure's HTTPS probe does not validate the certificate; neither does the gate.
        [System.Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
        $uri = "$($protocol.ToLower())://127.0.0.1:$port$path"
        $response = Invoke-WebRequest -UseBasicParsing -Uri $uri -TimeoutSec 5 -MaximumRedirection 0
        return $response.StatusCode -eq 200
    } catch {
        return $false
    }
}

while (-not (Test-Answers)) {
    if ((Get-Date) -ge $deadline) {
        [Console]::Error.WriteLine("${vm}: $what did not answer within $bootSeconds s")
        exit 1
    }
    Start-Sleep -Seconds 2
}
# The load balancer puts a VM in rotation after probeThreshold successful probes,
# intervalSeconds apart: wait as long, so the VM takes traffic when the gate passes.
Start-Sleep -Seconds $settleSeconds
Write-Output "${vm}: $what answers; in rotation after $settleSeconds s of probes"
