// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/PeerEndpoint.h"

#include <QDeadlineTimer>
#include "core/Addressing.h"
#include "core/LocalRegistryDatagram.h"
#include "core/NetworkVersion.h"

#include <QLoggingCategory>
#include <QNetworkDatagram>
#include <QPointer>
#include <QUdpSocket>
#include <limits>

Q_LOGGING_CATEGORY(lcPeer, "re6st.peer")

namespace re6st::daemon {

namespace {

constexpr qint64 kMaxTimerMs = 24LL * 3600 * 1000; // re-armed; QTimer takes an int
constexpr quint64 kCountryProtocol = 7;            // §6.6: older peers get 3 fields
constexpr int kReadBurst = 256;

QString dropReason(PeerSession::Outcome outcome, std::optional<PeerDatagram::Error> error)
{
    using O = PeerSession::Outcome;
    switch (outcome) {
    case O::Accepted: return QStringLiteral("accepted");
    case O::Malformed:
        return error == PeerDatagram::Error::TooShort ? QStringLiteral("too short")
                                                      : QStringLiteral("malformed");
    case O::CertificateInvalid: return QStringLiteral("invalid certificate");
    case O::CertificateUntrusted: return QStringLiteral("untrusted certificate");
    case O::CertificateNotYetValid: return QStringLiteral("certificate not yet valid");
    case O::CertificateExpired: return QStringLiteral("expired certificate");
    case O::CertificateRevoked: return QStringLiteral("revoked");
    case O::ProtocolTooOld: return QStringLiteral("protocol too old");
    case O::CertificatePrefixMismatch: return QStringLiteral("cert from wrong source");
    case O::UnknownPeerCertificate: return QStringLiteral("no peer certificate");
    case O::SignatureInvalid: return QStringLiteral("bad signature");
    case O::KeyUndecryptable: return QStringLiteral("undecryptable key");
    case O::StaleKey: return QStringLiteral("stale key");
    case O::BadHmac: return QStringLiteral("bad hmac");
    case O::Replay: return QStringLiteral("replay");
    case O::OverBudget: return QStringLiteral("private key rate limited");
    case O::DuplicateNewSession: return QStringLiteral("duplicate session key");
    }
    return QStringLiteral("unknown outcome");
}

bool validPrefix(const QByteArray &prefix)
{
    return !prefix.isEmpty() && prefix.size() <= 128 && addressing::isBitString(prefix);
}

quint32 readSeq(const QByteArray &datagram)
{
    quint32 seq = 0;
    for (int k = 0; k < 4; ++k) seq = (seq << 8) | quint8(datagram[k]);
    return seq;
}

} // namespace

PeerEndpoint::PeerEndpoint(PeerContext *context, const QByteArray &network,
                           const QByteArray &ownPrefix, QObject *parent)
    : QObject(parent), m_context(context), m_network(network), m_ownPrefix(ownPrefix)
{
    m_expiryTimer.setSingleShot(true);
    connect(&m_expiryTimer, &QTimer::timeout, this, &PeerEndpoint::expire);
    m_pruneTimer.setInterval(60 * 1000);
    connect(&m_pruneTimer, &QTimer::timeout, this, [this] { pruneUncertified(false); });
    m_pruneTimer.start();
    m_versionTimer.setInterval(kVersionCatchUpMs);
    connect(&m_versionTimer, &QTimer::timeout, this, &PeerEndpoint::catchUpVersion);
    m_versionTimer.start();
}

PeerEndpoint::~PeerEndpoint() = default;

bool PeerEndpoint::bind(const QHostAddress &address, quint16 port, QString *error)
{
    close();
    auto *socket = new QUdpSocket(this);
    if (!socket->bind(address, port)) {
        if (error)
            *error = QStringLiteral("cannot bind the peer protocol socket to [%1]:%2: %3 (is another "
                                    "re6stnet running? port 326 needs root or CAP_NET_BIND_SERVICE)")
                         .arg(address.toString())
                         .arg(port)
                         .arg(socket->errorString());
        delete socket;
        return false;
    }
    m_socket = socket;
    connect(m_socket, &QUdpSocket::readyRead, this, &PeerEndpoint::onReadyRead);
    return true;
}

void PeerEndpoint::close()
{
    if (!m_socket) return;
    m_socket->disconnect(this);
    m_socket->close();
    m_socket->deleteLater(); // may be called from a slot run while reading
    m_socket = nullptr;
}

quint16 PeerEndpoint::localPort() const
{
    return m_socket ? m_socket->localPort() : 0;
}

void PeerEndpoint::setRegistryPrefix(const QByteArray &bits)
{
    m_registryPrefix = bits;
}

void PeerEndpoint::setOwnAddresses(const QList<PeerAddress> &addresses)
{
    m_addresses = PeerAddress::dumpList(addresses, true);
    m_addressesNoCountry = PeerAddress::dumpList(addresses, false);
}

void PeerEndpoint::setTopologySource(std::function<QByteArray()> body)
{
    m_topology = std::move(body);
}

void PeerEndpoint::setNodeInfo(const QString &version, const QString &platform)
{
    m_nodeInfo = PeerPayload::nodeInfo(version, platform);
}

void PeerEndpoint::setNetworkVersion(const QByteArray &version)
{
    m_context->networkVersion = version;
}

void PeerEndpoint::setPeerEndpointResolver(std::function<std::optional<Endpoint>(const QByteArray &)> resolver)
{
    m_peerResolver = std::move(resolver);
}

void PeerEndpoint::setSenderResolver(std::function<std::optional<QByteArray>(const QHostAddress &, quint16)> resolver)
{
    m_senderResolver = std::move(resolver);
}

void PeerEndpoint::setLocalChannelAddress(const QHostAddress &address)
{
    m_localChannel = address;
}

std::optional<QByteArray> PeerEndpoint::senderBits(const QByteArray &network, const QHostAddress &address)
{
    // §6.1: only global IPv6 sources inside the network identify peers; ::1 is the
    // local channel, scoped link-local and IPv4(-mapped) sources are ignored.
    if (address.protocol() != QAbstractSocket::IPv6Protocol || address.isLoopback()
        || address.isLinkLocal() || !address.scopeId().isEmpty())
        return std::nullopt;
    bool mapped = false;
    address.toIPv4Address(&mapped);
    if (mapped) return std::nullopt;
    const Q_IPV6ADDR raw = address.toIPv6Address();
    QByteArray bits;
    bits.reserve(128);
    for (int byte = 0; byte < 16; ++byte)
        for (int bit = 7; bit >= 0; --bit) bits.append((raw[byte] >> bit) & 1 ? '1' : '0');
    if (!bits.startsWith(network)) return std::nullopt;
    return bits.mid(network.size());
}

std::optional<PeerEndpoint::Endpoint> PeerEndpoint::peerEndpoint(const QByteArray &network,
                                                                 const QByteArray &prefix)
{
    // §2.2: the peer's Subnet-Router anycast address (zero padded), port 326.
    const auto text = addressing::ipv6FromBits(network + prefix, false);
    if (!text) return std::nullopt;
    const QHostAddress address(*text);
    if (address.isNull()) return std::nullopt;
    return Endpoint{address, kPort};
}

bool PeerEndpoint::isRegistryNode() const
{
    return !m_registryPrefix.isEmpty() && m_registryPrefix == m_ownPrefix;
}

void PeerEndpoint::drop(const QString &reason, const QString &detail, const QHostAddress &from, quint16 port)
{
    ++m_stats.dropped[reason];
    if (!lcPeer().isDebugEnabled()) return;
    // Audit F9: anyone can make us drop datagrams, so at most one line per reason
    // per kDropLogIntervalMs (reasons are fixed strings: the map stays small).
    quint64 left = 0;
    if (!m_dropLog.allow(reason, m_context->now(), &left)) return;
    const QString more = LogThrottle::leftOut(left, QStringLiteral("dropped for this reason"));
    qCDebug(lcPeer).noquote() << "datagram from" << QStringLiteral("[%1]:%2").arg(from.toString()).arg(port)
                              << "dropped:" << reason
                              << (detail.isEmpty() ? QString() : QStringLiteral("(%1)").arg(detail)) + more;
}

void PeerEndpoint::onReadyRead()
{
    const QPointer<PeerEndpoint> self(this);
    const QPointer<QUdpSocket> socket(m_socket);
    // Bounded per call so that a flood cannot starve the event loop; reading re-arms
    // the socket notifier, so what is left is read on the next turn.
    for (int n = 0; n < kReadBurst && self && socket && m_socket == socket && socket->hasPendingDatagrams(); ++n) {
        const QNetworkDatagram d = socket->receiveDatagram(kMaxDatagram);
        if (!d.isValid()) {
            // Typically an ICMP error reported on the socket (peer unreachable).
            qCDebug(lcPeer) << "receive error:" << socket->errorString();
            continue;
        }
        handleDatagram(d.data(), d.senderAddress(), quint16(d.senderPort()));
    }
}

void PeerEndpoint::handleDatagram(const QByteArray &datagram, const QHostAddress &from, quint16 port)
{
    ++m_stats.received;
    const std::optional<QByteArray> bits =
        m_senderResolver ? m_senderResolver(from, port) : senderBits(m_network, from);
    if (bits) {
        handlePeer(datagram, *bits, Endpoint{from, port});
    } else if (from.isEqual(m_localChannel, QHostAddress::StrictConversion)) {
        handleLocal(datagram, Endpoint{from, port}); // §6.8
    } else {
        drop(QStringLiteral("foreign source"), QStringLiteral("not inside the network"), from, port);
    }
}

PeerSession *PeerEndpoint::guess(const QByteArray &bits) const
{
    // §6.1 says "greatest known prefix <= bits" (upstream's bisect), which for real
    // peers (sources inside their own prefix, non-overlapping certified prefixes)
    // is their record. Taken literally it also picks records that are no prefix of
    // the source and lets a certificate-less record nested in a peer's prefix
    // (e.g. one named on the local channel, §6.8) capture that peer's traffic. So:
    // the longest known prefix of `bits`, certified records first.
    PeerSession *uncertified = nullptr;
    for (qsizetype n = bits.size(); n > 0; --n) {
        const auto it = m_sessions.find(bits.left(n));
        if (it == m_sessions.end()) continue;
        if (it->second->hasCertificate()) return it->second.get();
        if (!uncertified) uncertified = it->second.get();
    }
    return uncertified;
}

PeerSession &PeerEndpoint::record(const QByteArray &prefix)
{
    const auto it = m_sessions.find(prefix);
    if (it != m_sessions.end()) return *it->second;
    pruneUncertified(true);
    auto &slot = m_sessions[prefix];
    slot = std::make_unique<PeerSession>(*m_context, prefix);
    m_uncertifiedSince[prefix] = m_context->now(); // until a handshake certifies it
    m_stats.uncertifiedRecords = m_uncertifiedSince.size();
    return *slot;
}

bool PeerEndpoint::overlapsCertified(const QByteArray &prefix) const
{
    for (qsizetype n = prefix.size() - 1; n > 0; --n) { // prefix extends a certified one
        const auto it = m_sessions.find(prefix.left(n));
        if (it != m_sessions.end() && it->second->hasCertificate()) return true;
    }
    for (auto it = m_sessions.upper_bound(prefix); it != m_sessions.end() && it->first.startsWith(prefix); ++it)
        if (it->second->hasCertificate()) return true; // a certified one extends prefix
    return false;
}

void PeerEndpoint::evictRecord(const QByteArray &prefix)
{
    qCDebug(lcPeer).noquote() << "forgetting certificate-less record" << QString::fromLatin1(prefix);
    m_sessions.erase(prefix);
    m_pendingRelays.erase(prefix);
    m_uncertifiedSince.erase(prefix);
    ++m_stats.evictedRecords;
}

void PeerEndpoint::pruneUncertified(bool makeRoom)
{
    const qint64 now = m_context->now();
    auto oldest = m_uncertifiedSince.end();
    for (auto it = m_uncertifiedSince.begin(); it != m_uncertifiedSince.end();) {
        const auto s = m_sessions.find(it->first);
        if (s == m_sessions.end() || s->second->hasCertificate()) {
            it = m_uncertifiedSince.erase(it); // gone, or certified by a handshake
        } else if (now - it->second > kUncertifiedTtlMs || now < it->second - kUncertifiedTtlMs) {
            const QByteArray prefix = (it++)->first;
            evictRecord(prefix);
        } else {
            if (oldest == m_uncertifiedSince.end() || it->second < oldest->second) oldest = it;
            ++it;
        }
    }
    if (makeRoom && qsizetype(m_uncertifiedSince.size()) >= kMaxUncertified
        && oldest != m_uncertifiedSince.end())
        evictRecord(QByteArray(oldest->first)); // one in, one out: the cap holds
    for (auto it = m_pendingRelays.begin(); it != m_pendingRelays.end();) {
        it->second.removeIf([](const PendingRelay &r) { return r.deadline.hasExpired(); });
        if (it->second.isEmpty() || !m_sessions.count(it->first))
            it = m_pendingRelays.erase(it);
        else
            ++it;
    }
    m_stats.uncertifiedRecords = m_uncertifiedSince.size();
}

void PeerEndpoint::handlePeer(const QByteArray &datagram, const QByteArray &bits, const Endpoint &from)
{
    if (datagram.size() <= 4) // §6.1
        return drop(QStringLiteral("too short"), {}, from.first, from.second);
    if (readSeq(datagram) <= 1) return handleHello(datagram, bits, from);

    PeerSession *session = guess(bits);
    if (!session)
        return drop(QStringLiteral("unknown sender"), QStringLiteral("no session for %1").arg(QString::fromLatin1(bits)),
                    from.first, from.second);
    const bool wasConnected = session->isConnected();
    const auto r = session->receive(datagram);
    if (r.outcome != PeerSession::Outcome::Accepted)
        return drop(dropReason(r.outcome, r.datagramError), r.message(), from.first, from.second);
    ++m_stats.accepted;
    const QByteArray prefix = session->prefix();
    for (const QByteArray &reply : r.replies)
        if (!write(reply, from)) session->sendFailed(); // no route back yet: the next hello may go at once

    QList<std::function<void()>> emits;
    // Receiver of seq 2: at once; sender of seq 2: on the peer's first data (§6.3).
    if (r.sessionOpened || (!wasConnected && session->isConnected())) {
        qCDebug(lcPeer).noquote() << "session opened with" << addressing::cnFromBits(prefix);
        emits.append([this, prefix] { Q_EMIT sessionOpened(prefix); });
        flushRelays(prefix);
    }
    if (r.payload && !r.payload->isEmpty()) {
        // §6.3: a non-empty payload is always answered (empty payload = ACK).
        const PeerPayload p = *PeerPayload::parse(*r.payload);
        QByteArray answer;
        if (p.isRelayedAnswer()) {
            // §6.6/§6.8: answer to a request we relayed for the local registry.
            if (m_forward) {
                if (const auto out = LocalRegistryDatagram(prefix, p.code(), p.body()).build())
                    write(*out, *m_forward);
            } else {
                qCDebug(lcPeer) << "relayed answer dropped: no local registry known";
            }
        } else if (const auto body = process(p, session, emits)) {
            answer = p.answer(*body).encode();
        }
        write(session->send(answer), from);
    }
    const QPointer<PeerEndpoint> self(this);
    for (const auto &emitter : emits) {
        if (!self) return;
        emitter();
    }
}

void PeerEndpoint::handleHello(const QByteArray &datagram, const QByteArray &bits, const Endpoint &from)
{
    using O = PeerSession::Outcome;
    // §6.1/§6.3: the certificate fixes the prefix. §6.3 requires it to be a prefix
    // of the sender's bits only when it differs from the guessed record; with
    // upstream's "greatest prefix <= bits" guess that exempts sources outside the
    // prefix, so it is required always (real peers send from inside their prefix).
    // Checked on the CN before the CA signature (audit F9).
    const auto fitsSource = [&bits](const QByteArray &prefix) {
        return PeerSession::certificateFitsSource(prefix, bits);
    };
    std::optional<PeerDatagram::Error> error;
    const auto verified = PeerSession::verifyHello(datagram, *m_context, &error, fitsSource);
    if (const auto *outcome = std::get_if<O>(&verified))
        return drop(dropReason(*outcome, error),
                    *outcome == O::Malformed && error      ? PeerDatagram::errorText(*error)
                    : *outcome == O::CertificatePrefixMismatch ? QStringLiteral("certificate not for the source")
                                                               : PeerSession::outcomeText(*outcome),
                    from.first, from.second);
    const auto &hello = std::get<PeerSession::VerifiedHello>(verified);
    if (hello.prefix == m_ownPrefix)
        return drop(QStringLiteral("own prefix"), QStringLiteral("hello with a certificate for our own prefix"),
                    from.first, from.second);
    PeerSession &session = record(hello.prefix);
    const auto r = session.acceptHello(hello);
    if (r.outcome != PeerSession::Outcome::Accepted)
        return drop(dropReason(r.outcome, r.datagramError), r.message(), from.first, from.second);
    ++m_stats.accepted;
    if (session.hasCertificate()) { // no longer subject to the certificate-less cap
        m_uncertifiedSince.erase(hello.prefix);
        m_stats.uncertifiedRecords = m_uncertifiedSince.size();
    }
    // Deviation from §6.1 ("replies go back to the source"): the hello0 or seq 2 a
    // hello triggers goes to the peer's canonical endpoint (§2.2), as our own hellos
    // do. Wire-compatible: peers bind [::]:326 (§6.1) and must send from inside their
    // prefix anyway. Audit F1: a hello forged from a spoofed source inside the
    // prefix no longer isolates the pair, as the real peer gets the reply and re-keys
    // with us. Data replies (HMAC-authenticated) and the local channel (§6.8, ::1)
    // still answer the source.
    const auto to = peerAddress(hello.prefix);
    for (const QByteArray &reply : r.replies)
        if (!to || !write(reply, *to)) session.sendFailed(); // no route yet: the next hello may go at once
    scheduleExpiry();
}

void PeerEndpoint::flushRelays(const QByteArray &prefix)
{
    const auto it = m_pendingRelays.find(prefix);
    if (it == m_pendingRelays.end()) return;
    const QList<PendingRelay> pending = std::move(it->second);
    m_pendingRelays.erase(it);
    for (const PendingRelay &r : pending)
        if (!r.deadline.hasExpired()) send(prefix, r.payload);
}

void PeerEndpoint::handleLocal(const QByteArray &datagram, const Endpoint &from)
{
    QString error;
    const auto request = LocalRegistryDatagram::parse(datagram, &error);
    if (!request) return drop(QStringLiteral("bad local request"), error, from.first, from.second);
    ++m_stats.accepted;
    m_forward = from; // §6.8: relayed answers go back to the last local sender
    if (request->prefix() != m_ownPrefix) {
        // Relayed with the flag; dropped (hello0 instead) without a live session.
        const QByteArray payload = PeerPayload(request->code(), request->payload(), true).encode();
        if (!send(request->prefix(), payload)) {
            // The hello just sent usually opens the session well within the
            // registry's 3 s wait: relay then instead of losing the request.
            if (!m_sessions.count(request->prefix())) return; // refused prefix: no session will open
            qCDebug(lcPeer).noquote() << "local request for" << QString::fromLatin1(request->prefix())
                                      << "waits for a session";
            auto &pending = m_pendingRelays[request->prefix()];
            if (pending.size() < kMaxPendingRelays) pending.append({payload, QDeadlineTimer(kRelayWaitMs)});
        }
        return;
    }
    QList<std::function<void()>> emits;
    const auto answer = process(PeerPayload(request->code(), request->payload()), nullptr, emits);
    if (answer) {
        if (const auto out = LocalRegistryDatagram(m_ownPrefix, request->code(), *answer).build())
            write(*out, from);
    }
    const QPointer<PeerEndpoint> self(this);
    for (const auto &emitter : emits) {
        if (!self) return;
        emitter();
    }
}

std::optional<QByteArray> PeerEndpoint::process(const PeerPayload &p, PeerSession *peer,
                                                QList<std::function<void()>> &emits)
{
    const QByteArray body = p.body();
    const QByteArray prefix = peer ? peer->prefix() : m_ownPrefix;
    switch (p.code()) {
    case PeerPayload::Version: {
        if (!peer) { // §6.6: from the local registry, "go fetch"
            emits.append([this] { Q_EMIT localVersionNotice(); });
            return std::nullopt;
        }
        std::optional<QByteArray> answer;
        const QByteArray ours = m_context->networkVersion;
        if (body != ours) {
            if (networkversion::verify(body, m_context->ca.publicKey())) {
                if (body < ours) {
                    answer = ours;
                } else {
                    m_context->networkVersion = body;
                    emits.append([this, body] { Q_EMIT newerVersion(body); });
                }
            } else {
                qCDebug(lcPeer).noquote() << "network version from" << addressing::cnFromBits(prefix)
                                          << "not signed by our CA: ignored";
            }
        }
        peer->setPeerVersion(m_context->networkVersion);
        return answer;
    }
    case PeerPayload::Address:
        if (body.isEmpty()) {
            const QString &a = peer && peer->protocol() < kCountryProtocol ? m_addressesNoCountry : m_addresses;
            if (a.isEmpty()) return std::nullopt;
            return a.toUtf8();
        }
        if (peer) {
            // An answer to our request: bounded and re-serialised here, before the cache
            // (§7.2) or the tunnel manager (§5.4) sees it (PeerAddress::parseUntrusted).
            bool truncated = false;
            const QList<PeerAddress> list = PeerAddress::parseUntrusted(
                QString::fromUtf8(body.left(PeerAddress::kMaxListBytes + 1)), &truncated);
            if (truncated) ++m_stats.dropped[QStringLiteral("address reply too long")];
            if (list.isEmpty()) {
                ++m_stats.dropped[QStringLiteral("bad address reply")];
                return std::nullopt;
            }
            const QString text = PeerAddress::dumpList(list);
            emits.append([this, prefix, text] { Q_EMIT addressReply(prefix, text); });
        }
        return std::nullopt;
    case PeerPayload::TunnelKillRequest:
        if (peer) emits.append([this, prefix] { Q_EMIT tunnelKillRequest(prefix); });
        return std::nullopt;
    case PeerPayload::TunnelKillReady:
        if (peer) emits.append([this, prefix] { Q_EMIT tunnelKillReady(prefix); });
        return std::nullopt;
    case PeerPayload::NodeInfo:
        if (!body.isEmpty() || m_nodeInfo.isEmpty()) return std::nullopt;
        return m_nodeInfo;
    case PeerPayload::Topology: {
        // §6.6: only for the local channel or the registry node.
        if (!body.isEmpty() || !m_topology) return std::nullopt;
        if (peer && (m_registryPrefix.isEmpty() || peer->prefix() != m_registryPrefix)) return std::nullopt;
        const QByteArray topology = m_topology();
        if (topology.isEmpty()) return std::nullopt;
        return topology;
    }
    case PeerPayload::RemoteLog:
        if (peer && isRegistryNode()) {
            // The "<cn>: <text>" INFO line is the slot's job (NodeDaemon logs it); any
            // member can send code 7, so only capped, escaped, rate-limited text goes there.
            const auto text = m_remoteLog.admit(prefix, body, m_context->now());
            if (!text) {
                ++m_stats.dropped[QStringLiteral("remote log rate limited")];
                return std::nullopt;
            }
            qCDebug(lcPeer).noquote() << "remote log from" << addressing::cnFromBits(prefix);
            emits.append([this, prefix, line = *text] { Q_EMIT remoteLog(prefix, line); });
        }
        return std::nullopt;
    default: return std::nullopt; // §6.6: unknown codes get an empty ACK
    }
}

bool PeerEndpoint::write(const QByteArray &datagram, const Endpoint &to)
{
    if (datagram.isEmpty() || !m_socket) return false;
    const qint64 n = m_socket->writeDatagram(datagram, to.first, to.second);
    if (n != datagram.size()) {
        qCDebug(lcPeer).noquote() << "cannot send to" << QStringLiteral("[%1]:%2").arg(to.first.toString()).arg(to.second)
                                  << m_socket->errorString();
        return false;
    }
    return true;
}

std::optional<PeerEndpoint::Endpoint> PeerEndpoint::peerAddress(const QByteArray &prefix) const
{
    return m_peerResolver ? m_peerResolver(prefix) : peerEndpoint(m_network, prefix);
}

bool PeerEndpoint::sendTo(PeerSession &session, const std::optional<QByteArray> &payload)
{
    const bool connected = session.isConnected();
    const QByteArray datagram = session.send(payload);
    bool written = true;
    if (!datagram.isEmpty()) {
        const auto to = peerAddress(session.prefix());
        written = to && write(datagram, *to);
        if (!written && !connected) session.sendFailed();
        if (!to)
            qCDebug(lcPeer).noquote() << "no address for prefix" << QString::fromLatin1(session.prefix());
    }
    return connected && written;
}

bool PeerEndpoint::send(const QByteArray &prefix, const std::optional<QByteArray> &payload)
{
    if (!validPrefix(prefix) || prefix == m_ownPrefix || m_network.size() + prefix.size() > 128) {
        qCDebug(lcPeer).noquote() << "not sending to invalid or own prefix" << QString::fromLatin1(prefix);
        return false;
    }
    if (!m_sessions.count(prefix) && overlapsCertified(prefix)) {
        // Prefixes of valid certificates do not nest: a record for one inside (or
        // around) a certified peer's prefix can only shadow that peer.
        ++m_stats.refusedPrefixes;
        qCDebug(lcPeer).noquote() << "not sending to" << QString::fromLatin1(prefix)
                                  << ": nested with a certified peer's prefix";
        return false;
    }
    return sendTo(record(prefix), payload);
}

bool PeerEndpoint::isConnected(const QByteArray &prefix) const
{
    const auto it = m_sessions.find(prefix);
    return it != m_sessions.end() && it->second->isConnected();
}

QList<QByteArray> PeerEndpoint::knownPeers() const
{
    QList<QByteArray> out;
    out.reserve(qsizetype(m_sessions.size()));
    for (const auto &entry : m_sessions) out.append(entry.first);
    return out;
}

const PeerSession *PeerEndpoint::session(const QByteArray &prefix) const
{
    const auto it = m_sessions.find(prefix);
    return it == m_sessions.end() ? nullptr : it->second.get();
}

void PeerEndpoint::broadcastVersion(const QList<QByteArray> &prefixes)
{
    const QByteArray ours = m_context->networkVersion;
    if (ours.isEmpty()) return;
    for (const QByteArray &prefix : prefixes) {
        const auto it = m_sessions.find(prefix);
        if (it == m_sessions.end()) {
            send(prefix, std::nullopt); // §7.6: handshake first; versions follow it (§6.3)
            continue;
        }
        announceVersion(*it->second);
    }
}

// Code 0 with our version to `session` if its recorded version is lower;
// recorded as ours once sent (§6.6, §7.6). True if it was sent.
bool PeerEndpoint::announceVersion(PeerSession &session)
{
    const QByteArray ours = m_context->networkVersion;
    if (!(session.peerVersion() < ours) || !sendTo(session, QByteArray(1, '\0') + ours)) return false;
    session.setPeerVersion(ours);
    return true;
}

int PeerEndpoint::catchUpVersion()
{
    if (m_context->networkVersion.isEmpty()) return 0;
    int sent = 0;
    for (auto &entry : m_sessions)
        if (entry.second->isConnected() && announceVersion(*entry.second)) ++sent;
    return sent;
}

void PeerEndpoint::setCrl(const QList<qint64> &serials)
{
    m_context->crl = serials;
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (it->second->serial() >= 0 && serials.contains(it->second->serial())) {
            qCDebug(lcPeer).noquote() << "dropping revoked peer" << addressing::cnFromBits(it->first);
            m_pendingRelays.erase(it->first); // never for a revoked peer, even if it comes back
            it = m_sessions.erase(it);
        } else {
            ++it;
        }
    }
    scheduleExpiry();
}

void PeerEndpoint::scheduleExpiry()
{
    qint64 earliest = std::numeric_limits<qint64>::max();
    for (const auto &entry : m_sessions)
        if (entry.second->hasCertificate()) earliest = qMin(earliest, entry.second->stopDate());
    if (earliest == std::numeric_limits<qint64>::max()) {
        m_expiryTimer.stop();
        return;
    }
    // §6.5: a record expires once now > notAfter (whole seconds).
    const qint64 delay = (earliest + 1) * 1000 - m_context->now();
    m_expiryTimer.start(int(qBound<qint64>(0, delay, kMaxTimerMs)));
}

void PeerEndpoint::expire()
{
    QList<QByteArray> expired;
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (it->second->isCertificateExpired()) {
            expired.append(it->first);
            m_pendingRelays.erase(it->first);
            it = m_sessions.erase(it);
        } else {
            ++it;
        }
    }
    scheduleExpiry();
    const QPointer<PeerEndpoint> self(this);
    for (const QByteArray &prefix : expired) {
        if (!self) return;
        qCDebug(lcPeer).noquote() << "peer certificate expired: dropping" << addressing::cnFromBits(prefix);
        Q_EMIT peerExpired(prefix);
    }
}

} // namespace re6st::daemon
