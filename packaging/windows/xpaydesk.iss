; Inno Setup script for XPay Desk. Built by packaging/build.py:
;   iscc /DAppVersion=0.1.0 /DSourceDir=dist\xpaydesk /DOutputDir=dist packaging\windows\xpaydesk.iss
; The AppId never changes: upgrades replace the installed copy and the uninstaller finds it.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\xpaydesk"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
AppId={{6F1D7C2A-52B4-4E39-9A8E-1C3D5B7A9E21}
AppName=XPay Desk
AppVerName=XPay Desk {#AppVersion}
AppVersion={#AppVersion}
VersionInfoVersion={#AppVersion}
AppPublisher=XPay Desk
DefaultDirName={autopf}\XPay Desk
DefaultGroupName=XPay Desk
; per-user by default (no administrator rights); an administrator may choose all users
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir={#OutputDir}
OutputBaseFilename=XPayDesk-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\xpaydesk.exe
CloseApplications=yes

[Languages]
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\XPay Desk"; Filename: "{app}\xpaydesk.exe"
Name: "{group}\{cm:UninstallProgram,XPay Desk}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\XPay Desk"; Filename: "{app}\xpaydesk.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\xpaydesk.exe"; Description: "{cm:LaunchProgram,XPay Desk}"; Flags: nowait postinstall skipifsilent
