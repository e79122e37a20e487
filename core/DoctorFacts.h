// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <optional>

namespace re6st::doctor {

// What `re6stctl doctor` looked at, gathered by platform/DoctorProbe (or by a test).
// For every fact: a value, or nothing and the reason it could not be read (the
// matching check is then "skipped" with that reason).
struct DoctorFacts final
{
    qint64 now = 0; // Unix s

    // source-routing: can the kernel install "from" routes (CONFIG_IPV6_SUBTREES)?
    std::optional<bool> ipv6Subtrees;
    QString ipv6SubtreesHow;  // how it was found out (for the detail)
    QString ipv6SubtreesSkip; // why it was not
    bool gateway = false;     // --gateway

    // ipv6-forwarding: net.ipv6.conf.all.forwarding
    std::optional<int> ipv6Forwarding;
    QString ipv6ForwardingSkip;
    bool nodeRunning = false; // babeld runs (it switches forwarding on at start)

    // accept-ra: interfaces configured by router advertisements
    struct Interface
    {
        QString name;
        std::optional<int> acceptRa;   // net.ipv6.conf.<name>.accept_ra
        bool routerAdvertised = false; // a default route learned from RAs (proto ra) or a SLAAC address
    };
    std::optional<QList<Interface>> interfaces;
    QString interfacesSkip;

    // networkmanager: org.re6st.HostNetwork1's NetworkManager and Conflicts
    std::optional<bool> networkManager;
    std::optional<QList<QVariantMap>> conflicts;
    QString networkManagerSkip;

    // babel-port, openvpn-ports
    QStringList babelInterfaces;             // tunnel interfaces + -i interfaces
    QList<QPair<int, QString>> serverPorts;  // --pp (port, proto) of our OpenVPN servers
    QStringList uplinks;                     // where peers reach the servers from
    std::optional<QByteArray> nftJson;       // `nft -j list ruleset`
    QString nftSkip;                         // not readable (not root, error); empty with no nft installed
    std::optional<QString> ip6tablesSave, iptablesSave;
    QString iptablesSkip;

    // openvpn, babeld: `openvpn --version`, `babeld -V` output; nullopt: not installed
    std::optional<QString> openvpnVersion;
    QString openvpnSkip;
    std::optional<QString> babeldVersion;
    QString babeldSkip;

    // certificate
    QString certPath;
    std::optional<qint64> certNotAfter; // Unix s
    QString certError;   // the file is missing or not a certificate (a problem)
    QString certSkip;    // could not be read (permissions)

    // registry
    QString registryUrl;
    std::optional<bool> registryReachable;
    QString registryDetail; // the error when unreachable
    QString registrySkip;
};

} // namespace re6st::doctor
