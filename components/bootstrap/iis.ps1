# Web server for the load balancer's health probe and users: IIS serving a page that
# names this VM, at / and at the probe path. Run once per VM by the CustomScriptExtension.
# Rendered by components/workload.py, which replaces __PROBE_PATH__. Safe to run again.
$ErrorActionPreference = 'Stop'
# The WebAdministration module (IIS:\ drive, *-WebConfigurationProperty) ships in the
# Web-Scripting-Tools feature, which -IncludeManagementTools on Web-Server does not add;
# without it Import-Module fails and, with 'Stop', so does the whole script.
# https://learn.microsoft.com/powershell/module/webadministration/
Install-WindowsFeature -Name Web-Server, Web-Scripting-Tools -IncludeManagementTools | Out-Null
Import-Module WebAdministration

$root = 'C:\inetpub\wwwroot'
$probe = '__PROBE_PATH__'
$name = $env:COMPUTERNAME
$page = "<!doctype html><html><head><title>$name</title></head><body><h1>$name</h1><p>Served by IIS on $name.</p></body></html>"
Set-Content -Path (Join-Path $root 'Default.htm') -Value $page -Encoding UTF8

# IIS answers 404.3 for files without a known extension (/healthz): map extensionless files.
$mime = Get-WebConfigurationProperty -PSPath 'IIS:\' -Filter 'system.webServer/staticContent' -Name '.' |
    Select-Object -ExpandProperty Collection | Where-Object { $_.fileExtension -eq '.' }
if (-not $mime) {
    Add-WebConfigurationProperty -PSPath 'IIS:\' -Filter 'system.webServer/staticContent' -Name '.' `
        -Value @{ fileExtension = '.'; mimeType = 'text/html' }
}

$target = Join-Path $root ($probe.TrimStart('/') -replace '/', '\')
if ($probe.EndsWith('/')) {
    New-Item -ItemType Directory -Force -Path $target | Out-Null
    Set-Content -Path (Join-Path $target 'Default.htm') -Value $page -Encoding UTF8
} elseif ($probe -ne '/') {
    New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
    Set-Content -Path $target -Value $page -Encoding UTF8
}
