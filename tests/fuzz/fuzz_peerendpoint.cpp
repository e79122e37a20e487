// SPDX-License-Identifier: GPL-2.0-or-later
// daemon/PeerEndpoint as a whole (node-protocol.md §6, §6.8): handleDatagram and all
// after it, on one endpoint per input. Own node 0/16 of the vectors (RE6ST_VECTORS),
// peers 1..4/16, the revoked 5/16 and the anonymous 1536/24; fixed clock, fixed
// secrets. The input is a sequence of records
//     op(1) arg(1) len(2, big endian) body(len)
// op & 7 picks the source (see Sources), op >> 3 the action (see act()); arg >> 5
// advances the clock (kSteps) before the record, arg & 31 is the action's parameter.
// The first input byte configures the endpoint (see LLVMFuzzerTestOneInput).
// Data actions wrap the body as a data datagram with the key and sequence number of
// the session the endpoint will pick for the source, so payload handlers are reached.
//
// Aborts on: a sanitizer report; a datagram neither accepted nor counted as dropped
// (Stats); more records, certificate-less records or pending relays than the limits
// PeerEndpoint declares; inconsistent bookkeeping of certificate-less records; a
// datagram written that does not decode; a signal about an unknown peer.
#include "core/Addressing.h"
#include "core/LocalRegistryDatagram.h"
#include "core/NetworkVersion.h"
#include "core/PeerDatagram.h"
#include "core/PeerPayload.h"
#include "core/PeerSession.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/Digest.h"
#include "core/crypto/RsaKey.h"
#include "daemon/PeerEndpoint.h"

#include <QCoreApplication>
#include <QFile>
#include <QLoggingCategory>
#include <QNetworkDatagram>
#include <QUdpSocket>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

using namespace re6st;
using re6st::daemon::PeerEndpoint;

// The harness reaches a few private members of PeerEndpoint (the datagram entry
// point, the timer slots, the record maps and the socket): it is their friend.
namespace re6st::daemon {
struct PeerEndpointFuzzAccess
{
    template<typename... A>
    static void handleDatagram(PeerEndpoint &e, A &&...a) { e.handleDatagram(std::forward<A>(a)...); }
    static void expire(PeerEndpoint &e) { e.expire(); }
    static void pruneUncertified(PeerEndpoint &e, bool makeRoom) { e.pruneUncertified(makeRoom); }
    template<typename... A>
    static auto guess(PeerEndpoint &e, A &&...a) { return e.guess(std::forward<A>(a)...); }
    static auto &socket(PeerEndpoint &e) { return e.m_socket; }
    static const auto &sessions(const PeerEndpoint &e) { return e.m_sessions; }
    static const auto &uncertifiedSince(const PeerEndpoint &e) { return e.m_uncertifiedSince; }
    static const auto &pendingRelays(const PeerEndpoint &e) { return e.m_pendingRelays; }
};
} // namespace re6st::daemon
using Access = re6st::daemon::PeerEndpointFuzzAccess;

namespace {

// 2001:db8:42::/48, the vectors' network.
const QByteArray kNetwork = "001000000000000100001101101110000000000001000010";
constexpr qint64 kStartMs = 1795689000000; // 2026-11-26 10:30 UTC, inside every vector's validity
constexpr int kHostBits = 128 - 48;
// Clock steps (ms) before a record: arg >> 5. Up to certificate expiry (2027-11-26)
// in two 200-day steps, and one step back (wall clocks do jump).
constexpr std::array<qint64, 8> kSteps = {0, 1, 250, 2001, 61000, 11 * 60000, 200LL * 86400000, -10 * 60000};
constexpr int kCertCount = 6; // certificates a peer can show (certified records possible)

void check(bool condition, const char *what)
{
    if (condition) return;
    std::fprintf(stderr, "fuzz_peerendpoint: invariant violated: %s\n", what);
    __builtin_trap();
}

QByteArray readVector(const QString &relative)
{
    QFile f(qEnvironmentVariable("RE6ST_VECTORS") + QLatin1Char('/') + relative);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray hostBits(const QByteArray &prefix) // <subnet>::1
{
    return prefix.leftJustified(kHostBits - 1, '0') + '1';
}

struct Peer
{
    QByteArray prefix;
    QByteArray der;
    qint64 serial = -1;
    // hello0, hello1 for us, hello1 for someone else, hello1 protocol-0 layout,
    // hello0 with the certificate's signature broken
    QList<QByteArray> hellos;
    // seq 2 for us: new key (protocol 10), newer key (no protocol), stale key, 16-byte key
    QList<QByteArray> seq2;
};

// Sources (op & 7): in-network ones are delivered from [::1]:<sink port> and the
// sender resolver maps that port to a virtual address, given to the real
// PeerEndpoint::senderBits; the others go through the production rule unchanged.
enum Source { Peer1Host, Peer2Subnet, Peer3Host, OwnHost, AnonHost, Local, Foreign, NestedInPeer1, kSources };

struct World
{
    PeerContext base;
    QByteArray ownPrefix;
    QList<Peer> peers; // 1/16, 2/16, 3/16, 4/16, revoked 5/16, anonymous 1536/24, ours (0/16)
    QList<QByteArray> versions; // "\0" then signed counters 1..3
    QList<QByteArray> prefixes; // targets of local requests and send()
    std::array<QByteArray, kSources> virtualBits; // bits after the network (empty: not virtual)
    std::array<std::unique_ptr<QUdpSocket>, kSources> sinks;
    std::unique_ptr<QUdpSocket> socket; // the endpoint's, when the config binds it
    QList<QHostAddress> foreign;

    quint16 port(int source) const { return sinks[size_t(source)]->localPort(); }
};

World *world = nullptr;
// RE6ST_FUZZ_TRACE=1: one line per record and datagram on stderr (for reproducers).
const bool trace = qEnvironmentVariableIntValue("RE6ST_FUZZ_TRACE") != 0;

std::optional<crypto::Certificate> cert(const QString &stem)
{
    return crypto::Certificate::fromPem(readVector(QStringLiteral("crypto/%1.crt").arg(stem)));
}

std::optional<crypto::RsaKey> key(const QString &stem)
{
    return crypto::RsaKey::fromPem(readVector(QStringLiteral("crypto/%1.key").arg(stem)));
}

[[noreturn]] void fail(const char *what)
{
    std::fprintf(stderr, "fuzz_peerendpoint: %s (is RE6ST_VECTORS the vectors directory?)\n", what);
    std::abort();
}

std::unique_ptr<World> makeWorld()
{
    auto w = std::make_unique<World>();
    const auto own = cert(QStringLiteral("node-0-16"));
    const auto ownKey = key(QStringLiteral("node-0-16"));
    const auto ca = cert(QStringLiteral("ca"));
    const auto caKey = key(QStringLiteral("ca"));
    if (!own || !ownKey || !ca || !caKey) fail("cannot read the node 0/16 or CA vectors");
    w->base.certificate = *own;
    w->base.key = *ownKey;
    w->base.ca = *ca;
    w->base.initialKey = QByteArray::fromHex("0006612b6d081c40cdf8f3cd0a9f6e5a7772a78c");
    w->ownPrefix = *addressing::bitsFromCn(own->commonName());
    const QByteArray ownFingerprint = crypto::sha1(own->toDer());

    // Session keys a peer sends (compared as bytes with ours, derived from the clock).
    const QList<QByteArray> peerKeys = {
        QByteArray::fromHex("0007000000000000000000000000000000000001"),
        QByteArray::fromHex("0008000000000000000000000000000000000002"),
        QByteArray::fromHex("0005000000000000000000000000000000000003"),
        QByteArray::fromHex("00090000000000000000000000000004"),
    };
    const QStringList stems = {"node-1-16", "node-2-16",    "node-3-16",   "node-4-16",
                               "revoked-5-16", "anon-1536-24", "node-0-16"};
    for (int i = 0; i < stems.size(); ++i) {
        const auto c = cert(stems[i]);
        if (!c) fail("cannot read a peer certificate");
        Peer p;
        p.prefix = *addressing::bitsFromCn(c->commonName());
        p.der = c->toDer();
        p.serial = c->serialDecimal().toLongLong();
        p.hellos = {
            PeerDatagram::encodeHello(10, {}, p.der),
            PeerDatagram::encodeHello(10, ownFingerprint, p.der),
            PeerDatagram::encodeHello(10, crypto::sha1(p.der), p.der),
            QByteArray::fromHex("00000001") + ownFingerprint + p.der,
            PeerDatagram::encodeHello(10, {}, p.der.left(p.der.size() - 1) + char(p.der.back() ^ 1)),
        };
        if (i < 3) { // RSA signatures: a few, once
            const auto k = key(stems[i]);
            if (!k) fail("cannot read a peer key");
            for (int v = 0; v < peerKeys.size(); ++v) {
                const auto e = own->publicKey().encrypt(peerKeys[v]);
                const auto s = e ? k->signSha512(*e) : std::nullopt;
                if (!s) fail("cannot make a seq 2");
                p.seq2.append(PeerDatagram::encodeNewSession(v == 1 ? std::nullopt : std::optional<quint64>(10), *e, *s));
            }
        }
        w->peers.append(p);
    }
    w->versions.append(QByteArray(1, '\0'));
    for (quint64 counter = 1; counter <= 3; ++counter) {
        const auto v = networkversion::make(counter, *caKey);
        if (!v) fail("cannot sign a network version");
        w->versions.append(*v);
    }
    const QByteArray p1 = w->peers[0].prefix;
    w->prefixes = {
        w->ownPrefix, p1, w->peers[1].prefix, w->peers[2].prefix, w->peers[3].prefix, w->peers[4].prefix,
        w->peers[5].prefix, p1 + '1', p1 + "0110", p1.left(8), "1", "0", QByteArray(80, '1'),
        QByteArray(81, '0'), QByteArray(129, '1'), "01x1", QByteArray(), "1111111111111111",
    };
    w->virtualBits[Peer1Host] = hostBits(p1);
    w->virtualBits[Peer2Subnet] = w->peers[1].prefix.leftJustified(kHostBits - 8, '0') + "10101010";
    w->virtualBits[Peer3Host] = hostBits(w->peers[2].prefix);
    w->virtualBits[OwnHost] = hostBits(w->ownPrefix);
    w->virtualBits[AnonHost] = hostBits(w->peers[5].prefix);
    w->virtualBits[NestedInPeer1] = hostBits(p1 + '1');
    for (int s = 0; s < kSources; ++s) {
        w->sinks[size_t(s)] = std::make_unique<QUdpSocket>();
        if (!w->sinks[size_t(s)]->bind(QHostAddress::LocalHostIPv6, 0)) fail("cannot bind a socket on [::1]");
        const QByteArray &bits = w->virtualBits[size_t(s)];
        if (bits.isEmpty()) continue;
        const QHostAddress a(*addressing::ipv6FromBits(kNetwork + bits));
        if (PeerEndpoint::senderBits(kNetwork, a) != bits) fail("virtual source does not map back");
    }
    w->socket = std::make_unique<QUdpSocket>();
    if (!w->socket->bind(QHostAddress::LocalHostIPv6, 0)) fail("cannot bind a socket on [::1]");
    // Sources PeerEndpoint::senderBits rejects: nothing is ever written to them.
    w->foreign = {QHostAddress(QStringLiteral("2001:db8:ffff::1")), QHostAddress(QStringLiteral("192.0.2.1")),
                  QHostAddress(QStringLiteral("::ffff:192.0.2.1")), QHostAddress(QStringLiteral("fe80::1%1"))};
    for (const QHostAddress &a : w->foreign)
        if (PeerEndpoint::senderBits(kNetwork, a)) fail("foreign source inside the network");
    return w;
}

void discard(QtMsgType, const QMessageLogContext &, const QString &) {}

// Everything the endpoint wrote must decode: peer datagrams to the peers, local
// registry datagrams to the local channel.
void drainSinks()
{
    for (int s = 0; s < kSources; ++s) {
        QUdpSocket &sink = *world->sinks[size_t(s)];
        while (sink.hasPendingDatagrams()) {
            const QByteArray d = sink.receiveDatagram(PeerEndpoint::kMaxDatagram).data();
            if (s == Local) {
                check(LocalRegistryDatagram::parse(d).has_value(), "undecodable datagram to the local channel");
            } else {
                check(std::holds_alternative<PeerDatagram>(PeerDatagram::decode(d))
                          || std::holds_alternative<PeerDatagram>(PeerDatagram::decode(d, false)),
                      "undecodable datagram to a peer");
            }
        }
    }
}

quint64 droppedTotal(const PeerEndpoint &ep)
{
    quint64 n = 0;
    for (const quint64 v : ep.stats().dropped) n += v;
    return n;
}

struct Run
{
    qint64 now = kStartMs;
    PeerContext ctx;
    std::unique_ptr<PeerEndpoint> ep;
    bool registryNode = false;
    bool flooded = false;
    quint32 floodCounter = 0;

    void deliver(const QByteArray &datagram, const QHostAddress &from, quint16 port)
    {
        const PeerEndpoint::Stats before = ep->stats();
        const quint64 droppedBefore = droppedTotal(*ep);
        Access::handleDatagram(*ep, datagram, from, port);
        const PeerEndpoint::Stats &after = ep->stats();
        check(after.received == before.received + 1, "datagram not counted as received");
        const quint64 accepted = after.accepted - before.accepted;
        const quint64 dropped = droppedTotal(*ep) - droppedBefore;
        if (trace) {
            QStringList reasons;
            for (auto it = after.dropped.begin(); it != after.dropped.end(); ++it)
                if (it.value() != before.dropped.value(it.key())) reasons << it.key();
            std::fprintf(stderr, "  %s [%s]:%u %lld bytes: %s%s\n", accepted ? "accepted" : "dropped",
                         qPrintable(from.toString()), port, qlonglong(datagram.size()),
                         qPrintable(reasons.join(QStringLiteral(", "))),
                         ep->isConnected(world->peers[0].prefix) ? " (1/16 connected)" : "");
        }
        check(accepted <= 1, "one datagram accepted twice");
        // Accepted ones may still count a rejected payload (bad address reply, remote log rate).
        check(accepted ? dropped <= 2 : dropped == 1, "datagram neither accepted nor counted as dropped once");
    }

    void deliverFrom(int source, int param, const QByteArray &datagram)
    {
        if (source == Foreign)
            deliver(datagram, world->foreign[param % world->foreign.size()], PeerEndpoint::kPort);
        else
            deliver(datagram, QHostAddress(QHostAddress::LocalHostIPv6), world->port(source));
    }

    // The data datagram the endpoint authenticates from `source`: key and seq of the
    // record it will pick (guess), else of 1/16's, else the initial key.
    QByteArray wrap(int source, int param, const QByteArray &payload)
    {
        const QByteArray &bits = world->virtualBits[size_t(source)];
        const PeerSession *s = bits.isEmpty() ? ep->session(world->peers[0].prefix)
                                              : Access::guess(*ep, bits);
        const QByteArray key = s ? s->key() : ctx.initialKey;
        const quint32 received = s ? s->receivedSeq() : 2;
        const quint32 seq = param == 31 ? received                       // replay
                          : param == 30 ? 0xffffffffu                     // the last one
                                        : received + quint32(param) + 1;
        return PeerDatagram::encodeData(seq, payload, key);
    }

    QByteArray prefix(int param) const { return world->prefixes[param % world->prefixes.size()]; }

    QByteArray localRequest(const QByteArray &prefix, const QByteArray &body) const
    {
        const quint8 code = body.isEmpty() ? 1 : quint8(body[0]);
        if (const auto d = LocalRegistryDatagram(prefix, code, body.mid(1)).build()) return *d;
        return prefix + '\0' + char(code) + body.mid(1); // not a bit string: parse refuses it
    }

    void act(int action, int source, int param, const QByteArray &body)
    {
        switch (action) {
        case 0: // raw datagram
            return deliverFrom(source, param, body);
        case 1: // authenticated data, payload = body (code byte + body)
            return deliverFrom(source, param, wrap(source, param, body));
        case 2: { // a hello with a CA-signed certificate
            const Peer &p = world->peers[param % world->peers.size()];
            return deliverFrom(source, param, p.hellos[(param / world->peers.size()) % p.hellos.size()]);
        }
        case 3: { // a seq 2 from 1/16, 2/16 or 3/16 (new, newer, stale, bad key)
            const Peer &p = world->peers[param % 3];
            return deliverFrom(source, param, p.seq2[(param / 3) % p.seq2.size()]);
        }
        case 4: // local registry request: code = body[0], for one of the known prefixes
            return deliverFrom(source, param, localRequest(prefix(param), body));
        case 5: { // code 0 with a network version blob (relayed flag: param & 4)
            const QByteArray code(1, (param & 4) ? char(0x80) : '\0');
            return deliverFrom(source, 0, wrap(source, 0, code + world->versions[param % world->versions.size()] + body));
        }
        case 6: // the endpoint's timers
            if (param & 1) Access::expire(*ep);
            if (param & 2) Access::pruneUncertified(*ep, param & 4);
            return;
        case 7: // what the daemon calls
            switch (param % 4) {
            case 0: ep->send(prefix(param / 4), body.isEmpty() ? std::nullopt : std::optional<QByteArray>(body)); return;
            case 1: ep->broadcastVersion(ep->knownPeers() << prefix(param / 4)); return;
            case 2: {
                QList<qint64> crl;
                for (const int i : {0, 1, 4}) // 1/16, 2/16, 5/16
                    if (param & (4 << (i == 4 ? 2 : i))) crl.append(world->peers[i].serial);
                ep->setCrl(crl);
                return;
            }
            case 3: ep->setNetworkVersion(world->versions[(param / 4) % world->versions.size()]); return;
            }
            return;
        case 8: { // local requests for up to 128 new prefixes (once per input)
            // Not up to kMaxUncertified: each new record costs a pass over all of them
            // (pruneUncertified), 1100 take seconds here; tst_peerendpoint tests the cap.
            if (flooded) return;
            flooded = true;
            const int n = (param + 1) * 4;
            for (int i = 0; i < n; ++i) {
                QByteArray bits = QByteArray::number(floodCounter++, 2).rightJustified(19, '0');
                deliverFrom(Local, 0, localRequest('1' + bits, QByteArray(1, '\1')));
            }
            return;
        }
        }
    }

    void checkState()
    {
        const auto &sessions = Access::sessions(*ep);
        const auto &uncertified = Access::uncertifiedSince(*ep);
        const auto &relays = Access::pendingRelays(*ep);
        check(uncertified.size() <= size_t(PeerEndpoint::kMaxUncertified), "over kMaxUncertified");
        check(ep->stats().uncertifiedRecords == uncertified.size(), "stats.uncertifiedRecords out of date");
        check(sessions.size() <= size_t(PeerEndpoint::kMaxUncertified + kCertCount), "too many records");
        size_t certificateLess = 0;
        for (const auto &[p, s] : sessions) {
            check(s && s->prefix() == p && !p.isEmpty() && p.size() <= 128, "record under another prefix");
            check(p != world->ownPrefix, "record for our own prefix");
            if (s->hasCertificate()) {
                check(addressing::bitsFromCn(s->certificate().commonName()) == p, "certificate of another prefix");
            } else {
                ++certificateLess;
                check(uncertified.count(p) == 1, "certificate-less record not subject to the cap");
            }
        }
        check(certificateLess == uncertified.size(), "certificate-less bookkeeping");
        check(relays.size() <= size_t(PeerEndpoint::kMaxUncertified + kCertCount), "too many relay queues");
        for (const auto &entry : relays) check(entry.second.size() <= 16, "over kMaxPendingRelays");
    }
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    static int argc = 1;
    static char name[] = "fuzz_peerendpoint";
    static char *argv[] = {name, nullptr};
    static QCoreApplication app(argc, argv);
    static std::unique_ptr<World> w = makeWorld();
    world = w.get();
    // Drop logging on: its rate limiter runs; the lines go nowhere.
    QLoggingCategory::setFilterRules(QStringLiteral("re6st.peer.debug=true"));
    qInstallMessageHandler(discard);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const QByteArray input = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const quint8 config = quint8(input[0]);

    Run run;
    run.ctx = world->base;
    run.ctx.nowMs = [&run] { return run.now; };
    run.ctx.newSecret = [&run] { return PeerSession::makeSecret(quint64(run.now) * 1000, 0x5eed5eed5eed5eedULL, 42); };
    run.ctx.privateKeyBudget = std::make_shared<PrivateKeyBudget>();
    run.ctx.networkVersion = world->versions[(config & 0x40) ? 2 : 0];
    if (config & 0x20) run.ctx.minProtocol = 1;
    if (config & 0x80) run.ctx.crl = {world->peers[4].serial};
    run.ep = std::make_unique<PeerEndpoint>(&run.ctx, kNetwork, world->ownPrefix);
    PeerEndpoint &ep = *run.ep;
    run.registryNode = config & 1;
    ep.setRegistryPrefix(run.registryNode ? world->ownPrefix : world->peers[0].prefix);
    if (config & 2) ep.setTopologySource([] { return QByteArray("1 1/16 2/16"); });
    if (config & 4) ep.setNodeInfo(QStringLiteral("0.1.0"), QStringLiteral("fuzz"));
    if (config & 8)
        ep.setOwnAddresses({{QStringLiteral("192.0.2.7"), 1194, QStringLiteral("udp"), QStringLiteral("FR")},
                            {QStringLiteral("2001:db8::7"), 1194, QStringLiteral("tcp6"), {}}});
    ep.setPeerEndpointResolver([](const QByteArray &prefix) -> std::optional<PeerEndpoint::Endpoint> {
        if (!PeerEndpoint::peerEndpoint(kNetwork, prefix)) return std::nullopt; // the production rule
        int sink = OwnHost;
        if (prefix == world->peers[0].prefix) sink = Peer1Host;
        if (prefix == world->peers[1].prefix) sink = Peer2Subnet;
        if (prefix == world->peers[2].prefix) sink = Peer3Host;
        return PeerEndpoint::Endpoint{QHostAddress(QHostAddress::LocalHostIPv6), world->port(sink)};
    });
    ep.setSenderResolver([](const QHostAddress &from, quint16 port) -> std::optional<QByteArray> {
        if (from == QHostAddress(QHostAddress::LocalHostIPv6)) {
            for (int s = 0; s < kSources; ++s) {
                if (world->port(s) != port || world->virtualBits[size_t(s)].isEmpty()) continue;
                const QHostAddress a(*addressing::ipv6FromBits(kNetwork + world->virtualBits[size_t(s)]));
                return PeerEndpoint::senderBits(kNetwork, a);
            }
        }
        return PeerEndpoint::senderBits(kNetwork, from);
    });
    if (config & 0x10) Access::socket(ep) = world->socket.get(); // writes reach the sinks

    // Signals only about known peers, and what they carry is sane.
    const auto known = [&ep](const QByteArray &prefix) { return ep.session(prefix) != nullptr; };
    QObject::connect(&ep, &PeerEndpoint::sessionOpened, [&](const QByteArray &p) {
        // Certificate-less records open too, on data with the initial key: only the
        // harness knows that key (it is random and never sent in production).
        check(known(p), "session opened with an unknown peer");
    });
    QObject::connect(&ep, &PeerEndpoint::tunnelKillRequest, [&](const QByteArray &p) { check(known(p), "kill from nowhere"); });
    QObject::connect(&ep, &PeerEndpoint::tunnelKillReady, [&](const QByteArray &p) { check(known(p), "kill from nowhere"); });
    QObject::connect(&ep, &PeerEndpoint::addressReply, [&](const QByteArray &p, const QString &text) {
        check(known(p) && !text.isEmpty() && text.size() <= PeerAddress::kMaxListBytes * 2, "address reply");
        check(PeerAddress::dumpList(PeerAddress::parseUntrusted(text)) == text, "address reply not canonical");
    });
    QObject::connect(&ep, &PeerEndpoint::remoteLog, [&](const QByteArray &p, const QString &) {
        check(run.registryNode && known(p), "remote log outside the registry node");
    });
    QObject::connect(&ep, &PeerEndpoint::newerVersion, [&](const QByteArray &v) {
        check(v == run.ctx.networkVersion && networkversion::verify(v, run.ctx.ca.publicKey()), "unsigned version adopted");
    });
    QObject::connect(&ep, &PeerEndpoint::peerExpired, [&](const QByteArray &p) { check(!known(p), "expired peer kept"); });

    qsizetype at = 1;
    while (at + 4 <= input.size()) {
        const quint8 op = quint8(input[at]), arg = quint8(input[at + 1]);
        const qsizetype len = (qsizetype(quint8(input[at + 2])) << 8) | quint8(input[at + 3]);
        at += 4;
        const QByteArray body = input.mid(at, len);
        at += body.size();
        run.now += kSteps[arg >> 5];
        if (trace)
            std::fprintf(stderr, "record: action %d source %d param %d clock %+lld s, %lld bytes\n", (op >> 3) % 9,
                         op & 7, arg & 31, qlonglong((run.now - kStartMs) / 1000), qlonglong(body.size()));
        run.act((op >> 3) % 9, op & 7, arg & 31, body);
        run.checkState();
        if (trace)
            std::fprintf(stderr, "  records %zu (certificate-less %llu), relay queues %zu\n",
                         Access::sessions(ep).size(), qulonglong(ep.stats().uncertifiedRecords),
                         Access::pendingRelays(ep).size());
    }
    drainSinks();
    Access::socket(ep) = nullptr; // not the endpoint's to close
    return 0;
}
