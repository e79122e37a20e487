// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/LogThrottle.h"
#include "core/PeerPayload.h"
#include "core/PeerSession.h"
#include "daemon/RemoteLogFilter.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QTimer>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>

class QUdpSocket;

namespace re6st::daemon {

// The I/O shell of the peer-to-peer control protocol on UDP 326 (node-protocol.md §6):
// one socket, one PeerSession per known peer prefix, the payload codes of §6.6, the
// local registry channel of §6.8 and the expiry of peer records (§6.5). Never stops
// on bad input: every dropped datagram is counted in stats() and logged at debug
// level (category "re6st.peer"), at most one line per reason per 10 s.
class PeerEndpoint final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PeerEndpoint)
public:
    static constexpr quint16 kPort = 326;
    static constexpr int kMaxDatagram = 65536; // §6.1

    struct Stats
    {
        quint64 received = 0; // every datagram read
        quint64 accepted = 0; // authenticated hellos/sessions/data and valid local requests
        QMap<QString, quint64> dropped; // short reason -> count
        quint64 uncertifiedRecords = 0; // records without a peer certificate (capped)
        quint64 evictedRecords = 0;     // certificate-less records evicted (cap or age)
        quint64 refusedPrefixes = 0;    // send() to a prefix nested with a certified one
    };
    // Certificate-less records (created by send() or by a failed hello): at most
    // kMaxUncertified, the oldest evicted first; dropped kUncertifiedTtlMs after
    // creation if no handshake gave them a certificate.
    static constexpr int kMaxUncertified = 1024;
    static constexpr qint64 kUncertifiedTtlMs = 10 * 60 * 1000;
    using Endpoint = std::pair<QHostAddress, quint16>;

    // `context` outlives the endpoint (owner updates it through the setters below).
    // `network`: network bits; `ownPrefix`: our prefix bits (below the network).
    PeerEndpoint(PeerContext *context, const QByteArray &network, const QByteArray &ownPrefix,
                 QObject *parent = nullptr);
    ~PeerEndpoint() override;

    bool bind(const QHostAddress &address = QHostAddress::AnyIPv6, quint16 port = kPort,
              QString *error = nullptr);
    void close();
    bool isBound() const { return m_socket != nullptr; }
    quint16 localPort() const;

    void setRegistryPrefix(const QByteArray &bits);            // network param registry_prefix (§5.12)
    void setOwnAddresses(const QList<PeerAddress> &addresses); // answered to code 1 (§6.6)
    void setTopologySource(std::function<QByteArray()> body);  // code 5 body (PeerPayload::topology)
    void setNodeInfo(const QString &version, const QString &platform); // code 4

    // sendto() of §6.3: true if `payload` went out as data (session connected); false if
    // a (rate-limited) hello0 went out instead and the payload was dropped.
    // nullopt = just ensure a session (returns whether it is connected).
    bool send(const QByteArray &prefix, const std::optional<QByteArray> &payload);
    bool isConnected(const QByteArray &prefix) const;
    QList<QByteArray> knownPeers() const;
    const PeerSession *session(const QByteArray &prefix) const; // nullptr if unknown

    void setNetworkVersion(const QByteArray &version); // updates the context
    // §7.6: code 0 with our version to each prefix whose recorded version is lower
    // (a hello first if the peer is unknown or not connected).
    void broadcastVersion(const QList<QByteArray> &prefixes);
    // Beyond §7.6: code 0 with our version to every connected session whose
    // recorded version is lower, starting no handshake; returns how many were
    // sent. The broadcast after a fetch reaches the direct neighbours babel had
    // identified at that moment: a peer tunnelled to us whose route was not
    // identified yet (a tunnel just replaced, say) then waited for its hourly
    // check, and a revocation took that long to reach it. Run every
    // kVersionCatchUpMs; nothing is sent while every peer agrees.
    int catchUpVersion();
    static constexpr int kVersionCatchUpMs = 10 * 1000;
    void setCrl(const QList<qint64> &serials); // updates the context; drops revoked records
    const Stats &stats() const { return m_stats; }

    // Production rules, exposed for tests. §6.1: bits of `address` after `network`
    // when it is a global IPv6 address inside it (nullopt for ::1, scoped, IPv4).
    static std::optional<QByteArray> senderBits(const QByteArray &network, const QHostAddress &address);
    // §2.2: [network + prefix zero-padded]:326.
    static std::optional<Endpoint> peerEndpoint(const QByteArray &network, const QByteArray &prefix);

    // Test hooks (loopback tests where every peer is ::1): where to send to a prefix,
    // who sent a datagram (bits after the network, nullopt = not a peer), and the
    // local channel's source address (default ::1). Defaults follow §6.1/§6.8.
    void setPeerEndpointResolver(std::function<std::optional<Endpoint>(const QByteArray &prefix)> resolver);
    void setSenderResolver(std::function<std::optional<QByteArray>(const QHostAddress &, quint16)> resolver);
    void setLocalChannelAddress(const QHostAddress &address);
    std::optional<Endpoint> forwardAddress() const { return m_forward; } // §6.8

Q_SIGNALS:
    // Code 1 with a body, as its well-formed entries re-serialised (PeerAddress::parseUntrusted);
    // not emitted if none is. Whether we asked is the receiver's business.
    void addressReply(const QByteArray &prefix, const QString &addresses);
    void tunnelKillRequest(const QByteArray &prefix); // code 2
    void tunnelKillReady(const QByteArray &prefix);   // code 3
    void newerVersion(const QByteArray &version);     // a valid higher version was adopted (§7.4.2)
    void localVersionNotice();                        // code 0 from the local registry channel
    // Code 7, registry node only: capped, escaped and rate-limited (RemoteLogFilter).
    void remoteLog(const QByteArray &prefix, const QString &text);
    // A session became connected: new key accepted (seq 2), or first valid data
    // after we sent seq 2 or after the 60 s liveness timeout (§6.3, §6.4).
    void sessionOpened(const QByteArray &prefix);
    void peerExpired(const QByteArray &prefix);       // record dropped at its cert notAfter (§6.5)

private:
    using Sessions = std::map<QByteArray, std::unique_ptr<PeerSession>>;
    void onReadyRead();
    void handleDatagram(const QByteArray &datagram, const QHostAddress &from, quint16 port);
    void handlePeer(const QByteArray &datagram, const QByteArray &bits, const Endpoint &from);
    void handleHello(const QByteArray &datagram, const QByteArray &bits, const Endpoint &from);
    void handleLocal(const QByteArray &datagram, const Endpoint &from);
    // §6.6: the answer body to a request (nullopt: none); `peer` nullptr = local channel.
    std::optional<QByteArray> process(const PeerPayload &payload, PeerSession *peer,
                                      QList<std::function<void()>> &emits);
    // Longest known prefix of `bits`, certified records first (nullptr if none).
    PeerSession *guess(const QByteArray &bits) const;
    PeerSession &record(const QByteArray &prefix);
    // A strict prefix or extension of `prefix` has a certified record.
    bool overlapsCertified(const QByteArray &prefix) const;
    // Forgets certificate-less records past their TTL (and over the cap when
    // `makeRoom`), with their pending relays; drops expired pending relays.
    void pruneUncertified(bool makeRoom);
    bool announceVersion(PeerSession &session);
    void evictRecord(const QByteArray &prefix);
    bool write(const QByteArray &datagram, const Endpoint &to);
    std::optional<Endpoint> peerAddress(const QByteArray &prefix) const; // §2.2, or the test resolver
    bool sendTo(PeerSession &session, const std::optional<QByteArray> &payload);
    void drop(const QString &reason, const QString &detail, const QHostAddress &from, quint16 port);
    void scheduleExpiry();
    void expire();
    bool isRegistryNode() const;
    void flushRelays(const QByteArray &prefix); // §6.8 requests that waited for a session

    struct PendingRelay
    {
        QByteArray payload;
        QDeadlineTimer deadline;
    };
    static constexpr int kRelayWaitMs = 3000; // the registry waits 3 s (§6.8)
    static constexpr int kMaxPendingRelays = 16;
    std::map<QByteArray, QList<PendingRelay>> m_pendingRelays;
    std::map<QByteArray, qint64> m_uncertifiedSince; // prefix -> creation time (context ms)
    friend struct PeerEndpointFuzzAccess; // tests/fuzz/fuzz_peerendpoint.cpp
    QTimer m_pruneTimer;
    QTimer m_versionTimer; // catchUpVersion

    PeerContext *m_context;
    QByteArray m_network;
    QByteArray m_ownPrefix;
    QByteArray m_registryPrefix;
    QString m_addresses;        // full dump (with countries)
    QString m_addressesNoCountry;
    std::function<QByteArray()> m_topology;
    QByteArray m_nodeInfo;
    QUdpSocket *m_socket = nullptr;
    Sessions m_sessions;
    QTimer m_expiryTimer;
    std::optional<Endpoint> m_forward;
    QHostAddress m_localChannel = QHostAddress::LocalHostIPv6;
    std::function<std::optional<Endpoint>(const QByteArray &)> m_peerResolver;
    std::function<std::optional<QByteArray>(const QHostAddress &, quint16)> m_senderResolver;
    Stats m_stats;
    static constexpr qint64 kDropLogIntervalMs = 10000;
    LogThrottle m_dropLog{kDropLogIntervalMs}; // per drop reason (context ms)
    RemoteLogFilter m_remoteLog;
};

} // namespace re6st::daemon
