// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/Addressing.h"
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st {

// OpenVPN 2.6 command lines of a node: node-protocol.md §3.1–3.6, adapted per
// §3.8. Pure: returns arguments after argv[0]; no process is started here.
class OpenVpnArguments final
{
public:
    struct Common
    {
        QString device;        // tap name (§3.1)
        QString upCommand;     // --up: our helper (sets link up + MTU, §3.2); empty = none
        QString tlsVerifyCommand; // --tls-verify: peer certificate check (CRL serials); empty = none
        QString pathEnv;       // --setenv PATH …; empty = omitted
        QStringList extraArguments; // -O (§1.1)
        QString ca, cert, key; // §2.3
        std::optional<addressing::Ipv4Payload> ipv4; // --ifconfig (§2.5)
        QString logFile;       // --log-append (--ovpnlog); empty = none
        bool encrypt = false;  // network param `encrypt` (§3.8)
        int timeout = 60;      // 4 × hello: --ping-exit / --ping-restart
    };
    struct Remote
    {
        QString host;
        int port = 0;
        QString proto; // udp, tcp, udp6, tcp6 (re6st names)
    };

    // One server per protocol (§3.3). The hook commands are ours (§3.5: local IPC
    // is free); each empty one is omitted. UDP: --tun-mtu instead of upstream's
    // --link-mtu + 93 (see the .cpp, §3.8).
    struct Server
    {
        Common common;
        QString proto; // udp, tcp, udp6, tcp6
        int port = 1194;
        int maxClients = 20;
        QString dhFile;
        QString clientConnectCommand;
        QString clientDisconnectCommand;
    };
    static std::optional<QStringList> server(const Server &s, QString *error = nullptr);

    // One client tunnel to one peer (§3.4). Takes from the peer's push only
    // "setenv-safe external_ip" (§3.5) and OpenVPN's own negotiation (see the .cpp):
    // --route-nopull and --pull-filter, before the -O args (they cannot be overridden).
    struct Client
    {
        Common common;
        Remote remote;
        QString serverCn;        // expected CN of the peer, "<int>/<len>"
        QString routeUpCommand;  // connection notification hook; empty = omitted
        int connectRetryMax = 3;
    };
    static std::optional<QStringList> client(const Client &c, QString *error = nullptr);

    // `--client` mode (§3.6): every remote, OpenVPN restarts by itself. Same
    // --pull-filter list, after the -O args (an admin's own earlier filter wins).
    static std::optional<QStringList> clientMode(const Common &common, const QList<Remote> &remotes,
                                                 QString *error = nullptr);

    // Tap pre-creation / removal (§3.1).
    static QStringList makeTap(const QString &device);
    static QStringList removeTap(const QString &device);

    // "255.255.255.0" for 24.
    static QString dottedMask(int prefixLength);
};

} // namespace re6st
