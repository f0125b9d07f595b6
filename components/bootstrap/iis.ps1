# Web server for the load balancer's health probe and users: IIS serving a page that names
# this VM with HTTP 200 at every path, so a change of the probe's path never fails a VM that
# is already running (the script does not depend on the probe). Run once per VM by the
# CustomScriptExtension. Safe to run again.
$ErrorActionPreference = 'Stop'
# Web-Asp-Net45 runs the handler below; the WebAdministration module (IIS:\ drive,
# *-WebConfigurationProperty) ships in Web-Scripting-Tools, which -IncludeManagementTools on
# Web-Server does not add. https://learn.microsoft.com/powershell/module/webadministration/
Install-WindowsFeature -Name Web-Server, Web-Asp-Net45, Web-Scripting-Tools -IncludeManagementTools | Out-Null
Import-Module WebAdministration

$root = 'C:\inetpub\wwwroot'
$name = $env:COMPUTERNAME
$page = "<!doctype html><html><head><title>$name</title></head><body><h1>$name</h1><p>Served by IIS on $name.</p></body></html>"
Set-Content -Path (Join-Path $root 'Default.htm') -Value $page -Encoding UTF8

# Every path answers the page with 200. IIS has no fallback like nginx's try_files without the
# URL Rewrite module (a download), and a custom 404 page keeps the 404 status; a handler for
# path '*' answers every request instead. ASP.NET compiles App_Code on the first request.
New-Item -ItemType Directory -Force -Path (Join-Path $root 'App_Code') | Out-Null
Set-Content -Path (Join-Path $root 'App_Code\LbvmsPage.cs') -Encoding UTF8 -Value @'
using System.Web;

public class LbvmsPage : IHttpHandler
{
    public bool IsReusable { get { return true; } }

    public void ProcessRequest(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.WriteFile(context.Server.MapPath("~/Default.htm"));
    }
}
'@
# In applicationHost.config (a <location> for the site): the handlers section is locked
# against a site's own web.config by default.
$site = 'Default Web Site'
$handlers = Get-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $site `
    -Filter 'system.webServer/handlers' -Name '.' | Select-Object -ExpandProperty Collection |
    Where-Object { $_.name -eq 'lbvms-page' }
if (-not $handlers) {
    Add-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Location $site `
        -Filter 'system.webServer/handlers' -Name '.' -AtIndex 0 `
        -Value @{ name = 'lbvms-page'; path = '*'; verb = 'GET,HEAD'; type = 'LbvmsPage';
                  resourceType = 'Unspecified'; preCondition = 'integratedMode' }
}
