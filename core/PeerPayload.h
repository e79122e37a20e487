// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QStringView>
#include <optional>

namespace re6st {

// Payload of an authenticated peer datagram, node-protocol.md §6.6:
// code byte (low 7 bits, bit 7 = relayed for the registry) followed by a body.
// An empty payload is an acknowledgement and has no PeerPayload.
class PeerPayload final
{
public:
    enum Code : quint8 {
        Version = 0,           // body: network version blob (§6.7)
        Address = 1,           // request: empty; answer: address string
        TunnelKillRequest = 2, // "let me close my client tunnel to you" (§5.8)
        TunnelKillReady = 3,   // "ready, close it" (§5.8)
        NodeInfo = 4,          // answer: "<version>, <platform>"
        Topology = 5,          // answer: "<n> cn cn ..."
        RemoteLog = 7,         // body: text logged by the registry node
    };
    static constexpr quint8 kRelayedFlag = 0x80;

    PeerPayload() = default;
    PeerPayload(quint8 code, const QByteArray &body, bool relayed = false)
        : m_code(quint8(code & 0x7f)), m_relayed(relayed), m_body(body) {}

    // Nullopt for the empty payload (ACK).
    static std::optional<PeerPayload> parse(const QByteArray &payload);
    QByteArray encode() const;

    quint8 code() const { return m_code; }
    bool relayed() const { return m_relayed; }
    QByteArray body() const { return m_body; }
    // §6.6: a flagged code with a non-empty body is an answer to a relayed request,
    // to forward to the local registry; with an empty body it is a request
    // processed as the plain code (whose answer keeps the flag).
    bool isRelayedAnswer() const { return m_relayed && !m_body.isEmpty(); }
    // The code byte of our answer to this request: code | 0x80 if flagged.
    quint8 answerCodeByte() const { return quint8(m_code | (m_relayed ? kRelayedFlag : 0)); }
    PeerPayload answer(const QByteArray &body) const { return PeerPayload(m_code, body, m_relayed); }

    // Code 4 body: "<version>, <platform>".
    static QByteArray nodeInfo(const QString &version, const QString &platform);
    // Code 5 body: "<number of client tunnels> <client CNs…> <served CNs…>".
    static QByteArray topology(const QStringList &clientPeers, const QStringList &servedPeers);
    struct TopologyAnswer
    {
        int clientCount = 0;
        QStringList peers; // client tunnels first, then served peers
    };
    static std::optional<TopologyAnswer> parseTopology(const QByteArray &body);

private:
    quint8 m_code = 0;
    bool m_relayed = false;
    QByteArray m_body;
};

// One advertised address "IP,PORT,PROTO[,CC]" (§6.6 dump_address / parse_address).
struct PeerAddress final
{
    QString ip;
    quint16 port = 0;
    QString proto; // udp, tcp, udp6, tcp6 (udp4, tcp4 accepted)
    QString country; // empty if absent
    bool operator==(const PeerAddress &) const = default;

    // Entries joined by ';'. Entries with a non-integer port or fewer than three
    // fields are skipped (upstream warns and skips bad ports).
    static QList<PeerAddress> parseList(const QString &text);
    // `withCountry` = false for peers of protocol < 7 (3 fields only).
    static QString dumpList(const QList<PeerAddress> &addresses, bool withCountry = true);
    static bool isKnownProto(const QString &proto);

    // An address string written by another node (§6.6 code 1 answer, the registry's
    // bootstrap peer, a §7.2 cache row). Upstream advertises one entry per --pp entry and
    // address (§9.1), so a handful: the caps are generous. Only the first kMaxListBytes
    // are read (cut at the last ';'); an entry is kept if its IP is a unicast literal
    // without scope or a syntactically valid host name (§5.10 resolves remote addresses,
    // and an upstream node started with a host name for --ip advertises it), its port
    // 1-65535, its protocol known and its country short; duplicates go; at most
    // kMaxListEntries, in order. The kept entries, re-serialised by dumpList, are all that
    // may be stored.
    static constexpr int kMaxListBytes = 2048;
    static constexpr int kMaxListEntries = 32;
    static QList<PeerAddress> parseUntrusted(QStringView text, bool *truncated = nullptr);
};

} // namespace re6st
