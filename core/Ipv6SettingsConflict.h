// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QMap>
#include <QString>
#include <QVariantMap>

namespace re6st {

// One NetworkManager connection's IPv6 settings that fight re6st (issue 6 §1; the record
// of dbus/org.re6st.HostNetwork1.xml, property Conflicts). Pure: works on the settings
// map of Settings.Connection.GetSettings (a{sa{sv}}: setting name -> property -> value).
//
// re6stnet(8) / node-protocol.md §2.4: NetworkManager must not install routes learnt
// from router advertisements or DHCPv6 (ipv6.ignore-auto-routes) nor an IPv6 default
// route (ipv6.never-default) beside babel's, unless IPv6 is off on that connection.
// Judged per ipv6.method:
//   "auto", "dhcp"  both properties checked ("auto-routes", "default-route");
//   "manual"        "default-route" only, and only when ipv6.gateway is set (static
//                   addresses and routes are the administrator's own choice);
//   "ignore", "disabled", "link-local", "shared": nothing (NetworkManager installs no
//                   learnt or default IPv6 route there);
//   no ipv6 setting at all: nothing (types without IP configuration).
// Never conflicting, whatever the settings: loopback connections, ports of a
// bridge/bond/team (connection.master or connection.controller set: they carry no IP
// configuration), and connections NetworkManager only mirrors (Settings.Connection
// Flags "nm-generated" 0x2 or "external" 0x8: made for interfaces configured by
// someone else, NetworkManager applies nothing from them).
struct Ipv6SettingsConflict final
{
    using Settings = QMap<QString, QVariantMap>;

    static constexpr const char *kAutoRoutes = "auto-routes";
    static constexpr const char *kDefaultRoute = "default-route";
    // Settings.Connection Flags (NMSettingsConnectionFlags) that exempt a connection.
    static constexpr uint kFlagNmGenerated = 0x2;
    static constexpr uint kFlagExternal = 0x8;

    QString connection; // UUID
    QString name;       // connection.id
    QString interface;  // connection.interface-name, may be empty
    QString problem;    // kAutoRoutes or kDefaultRoute
    QString detail;     // English: what goes wrong with re6st
    QString fix;        // English: what FixConflict changes

    // The D-Bus record: every key of the contract present.
    QVariantMap toVariantMap() const;

    // The conflicts of one connection, in a stable order (auto-routes first).
    static QList<Ipv6SettingsConflict> find(const Settings &settings, uint connectionFlags = 0);
    // The whole settings to hand to Settings.Connection.Update/Update2 (which replace
    // every setting): `settings` with ipv6.ignore-auto-routes and ipv6.never-default
    // set to true, everything else untouched. Idempotent; find() on the result is empty.
    static Settings fixed(const Settings &settings);
};

} // namespace re6st
