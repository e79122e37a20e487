// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QVariantMap>
#include <optional>

namespace re6st::doctor {

// One verdict of `re6stctl doctor` / org.re6st.Doctor1.Run() (dbus/org.re6st.Doctor1.xml).
class DoctorFinding final
{
public:
    enum class Status { Ok, Warning, Problem, Skipped };

    QString check;   // stable id: "source-routing", "ipv6-forwarding", ...
    Status status = Status::Ok;
    QString summary; // one English line
    QString detail;  // explanation, may be empty
    QString fix;     // exact command(s) or setting; empty when ok

    static QString toString(Status status);                      // "ok", "warning", ...
    static std::optional<Status> statusFromString(const QString &text);

    // The contract's a{sv}: check, status, summary, detail, fix (all strings, all present).
    QVariantMap toVariantMap() const;
    // Nullopt when a key is missing or the status is unknown.
    static std::optional<DoctorFinding> fromVariantMap(const QVariantMap &map);

    static QList<QVariantMap> toVariantMaps(const QList<DoctorFinding> &findings);
    // True when some finding is a problem (re6stctl doctor then exits 1).
    static bool hasProblem(const QList<DoctorFinding> &findings);
};

// The stable check ids, in the order Run() returns them.
namespace check {
inline constexpr const char *SourceRouting = "source-routing";
inline constexpr const char *Ipv6Forwarding = "ipv6-forwarding";
inline constexpr const char *AcceptRa = "accept-ra";
inline constexpr const char *NetworkManager = "networkmanager";
inline constexpr const char *BabelPort = "babel-port";
inline constexpr const char *OpenVpnPorts = "openvpn-ports";
inline constexpr const char *OpenVpn = "openvpn";
inline constexpr const char *Babeld = "babeld";
inline constexpr const char *Certificate = "certificate";
inline constexpr const char *Registry = "registry";
} // namespace check

} // namespace re6st::doctor
