// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st {

// The channel from OpenVPN back to the daemon (node-protocol.md §3.5): the
// MANAGEMENT INTERFACE, not script hooks. Each openvpn process gets
//   --management <unix socket> unix --management-client --management-hold
// so openvpn connects to a socket the daemon listens on (one per process) and
// waits for "hold release" before doing anything: no event can be emitted
// before the daemon listens. Why this and not --client-connect/--route-up
// helpers:
//  * no helper executable to install, find and keep in sync, no fd passing;
//  * server side, --management-client-auth makes the daemon answer each
//    ">CLIENT:CONNECT" synchronously: "client-deny" for a revoked serial, else
//    "client-auth" with the mandatory wire push
//    `push "setenv-safe external_ip <ip>"` (§3.5), exactly what upstream's
//    client-connect script writes (upstream clients read OPENVPN_external_ip);
//  * no data is lost when a process dies: the stream is read to EOF before the
//    process' exit is reported, and if the daemon dies, --management-client
//    makes openvpn terminate itself (SIGTERM) instead of running unsupervised.
// Client side, the route-up notification is ">STATE:…,CONNECTED,SUCCESS,…";
// the external IP the server pushed comes from the "PUSH: Received control
// message: 'PUSH_REPLY,…setenv-safe external_ip X…'" log line (verb ≥ 3,
// hence --verb 3 in clientArguments()), so it also works with upstream servers.
// Cost: the server needs --auth-user-pass-optional (2.6 otherwise demands a
// username/password once --management-client-auth is on); nothing on the wire.
//
// This class is the pure part: a line parser (stateful only to gather the
// ">CLIENT:ENV" block of a client notification) and the command/argument
// formatters. I/O lives in OpenVpnProcess.
class OpenVpnEvents final
{
public:
    enum class Kind {
        Info,              // ">INFO:…" banner
        Hold,              // ">HOLD:…": waiting for "hold release"
        ClientConnect,     // server: new client, needs client-auth/client-deny
        ClientReauth,      // server: TLS renegotiation, needs client-auth-nt/client-deny
        ClientEstablished, // server: client fully connected
        ClientDisconnect,  // server: client instance gone
        ClientOther,       // server: ADDRESS, CR_RESPONSE, … (unused by re6st)
        State,             // ">STATE:…" other than CONNECTED
        Connected,         // client: ">STATE:…,CONNECTED,SUCCESS,…" (route-up)
        PushReply,         // client: PUSH_REPLY received (externalIp set if pushed)
        Log,               // other ">LOG:…"
        ByteCount,         // server: ">BYTECOUNT_CLI:cid,in,out" (after `bytecount N`)
        Success,           // "SUCCESS: …" reply to a command
        Error,             // "ERROR: …" reply to a command
        Other,             // any other line (">ECHO:", ">FATAL:", …)
    };

    struct Event
    {
        Kind kind = Kind::Other;
        int clientId = -1; // CLIENT:*
        int keyId = -1;    // CLIENT:CONNECT / REAUTH
        QHash<QString, QString> env; // CLIENT:* (the ENV block)
        // Derived from env (§3.5): common_name, dev, tls_serial_0 (decimal),
        // trusted_ip, else trusted_ip6 (udp6), else untrusted_ip(6) (CONNECT has
        // only the untrusted ones). Client side: externalIp from PUSH_REPLY.
        QString commonName, device, serial, externalIp;
        qint64 time = 0;   // STATE / LOG / Connected: unix time from openvpn
        QString state;     // STATE name (CONNECTED, EXITING, …)
        QString text;      // rest of the line after the prefix
        quint64 bytesIn = 0, bytesOut = 0; // ByteCount: totals of the client's connection
    };

    // One line without its line terminator (a trailing '\r' is ignored).
    // Returns nothing while inside a ">CLIENT:" block (until ">CLIENT:ENV,END").
    std::optional<Event> feed(QByteArrayView line);
    bool inClientBlock() const { return m_pending.has_value(); }

    // Management commands (each ends with '\n').
    static QByteArray clientAuth(int clientId, int keyId, const QString &externalIp);
    static QByteArray clientAuthNoPush(int clientId, int keyId); // client-auth-nt (REAUTH)
    static QByteArray clientDeny(int clientId, int keyId, const QString &reason);
    static QByteArray startCommands(bool client); // enable notifications, then "hold release"

    // Arguments appended to an OpenVpnArguments::server/client argv.
    static QStringList serverArguments(const QString &socketPath);
    static QStringList clientArguments(const QString &socketPath);

    // "1.2.3.4" from "PUSH_REPLY,setenv-safe external_ip 1.2.3.4,peer-id 0,…"; empty if absent.
    static QString pushedExternalIp(QStringView pushReply);

private:
    std::optional<Event> m_pending;
    static constexpr int MaxEnv = 1000; // a hostile/garbled stream cannot grow memory
};

} // namespace re6st
