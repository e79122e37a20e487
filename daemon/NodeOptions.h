// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st::daemon {

// `re6stnet` command line, node-protocol.md §1.1 (+ @file, §1.2).
struct NodeOptions final
{
    struct PortProto
    {
        int port = 0;
        QString proto; // udp, tcp, udp6, tcp6
        bool operator==(const PortProto &) const = default;
    };

    // General
    QStringList ip;      // --ip: IPv4/IPv6 literal, `any`, `upnp` or a host name (resolved later)
    QString registry;    // required
    QString log = QStringLiteral("/var/log/re6stnet");
    QString run = QStringLiteral("/var/run/re6stnet");
    QString state = QStringLiteral("/var/lib/re6stnet");
    int verbose = 2;     // 0 off .. 4 trace (values above 4 act as 4)
    QStringList interfaces; // -i
    QString mainInterface = QStringLiteral("lo"); // -I
    bool multicast = false; // -m
    QString up;
    QStringList daemons; // --daemon
    QString test;        // --test: kept for compatibility, not evaluated
    QString console;
    QString country;
    // Routing
    QStringList babelArgs; // -B
    bool defaultRoute = false; // -D, obsolete
    bool gateway = false;
    // Tunnelling
    QStringList openvpnArgs; // -O values, then the arguments after `--`
    bool ovpnlog = false;
    QList<PortProto> pp;     // effective: given pairs, or 1194 udp/tcp minus disabled protos
    bool ppGiven = false;
    QString dh;              // empty = fetch from the registry (<state>/dh.pem)
    QString ca, cert, key;   // required
    std::optional<int> clientCount; // unset = network parameter client_count
    std::optional<int> maxClients;  // unset = network parameter max_clients
    QStringList remoteGateways;
    QStringList disableProto;  // effective: given list, ("udp","udp6") by default, empty with `none`
    QString client;            // --client HOST,PORT,PROTO[;...]
    QStringList neighbours;    // CN form, validated
    // re6st-qt extensions
    bool dbusService = false;  // --dbus-service: registry/ca/cert/key may be missing (not enrolled)
    bool noDbus = false;       // --no-dbus
    QString configDir = QStringLiteral("/etc/re6stnet"); // --config-dir
    QString metrics;           // --metrics ADDR:PORT (loopback), empty = off

    struct Result;
    // `args` without the program name; @files are expanded here (core/OptionFile).
    static Result parseCommandLine(const QStringList &args);
    // Same, @files already expanded.
    static Result parse(const QStringList &args);
    static bool isOptionString(const QString &option); // for OptionFile
    // --dh FILE: empty when it is a readable file of PEM DH parameters, else the error
    // ("--dh: cannot read FILE: why" / "--dh: FILE is not PEM DH parameters ..."). Checked
    // at start, like --ca/--cert/--key, so a bad file fails on the terminal (audit F5).
    static QString checkDhFile(const QString &path);
    static QString usage();
    static QString helpText();
    static QString versionText();
};

struct NodeOptions::Result
{
    std::optional<NodeOptions> options;
    QString error;       // usage error (exit status 2) when options is empty and no flag below
    bool help = false;   // print helpText(), exit 0
    bool version = false; // print versionText(), exit 0
};

} // namespace re6st::daemon
