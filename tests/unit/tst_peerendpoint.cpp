// SPDX-License-Identifier: GPL-2.0-or-later
// PeerEndpoint, the UDP 326 I/O shell (node-protocol.md §6, §6.8, §7.6), on real
// loopback sockets. Every node binds [::1]:<ephemeral>, so the test resolvers tell
// peers apart by port; sources that map to no peer are the local registry channel.
#include "Vectors.h"
#include "core/Addressing.h"
#include "core/NetworkVersion.h"
#include "core/PeerDatagram.h"
#include "core/PeerPayload.h"
#include "core/PeerSession.h"
#include "core/RegistryClient.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/Digest.h"
#include "core/crypto/RsaKey.h"
#include "daemon/BabelControl.h"
#include "daemon/PeerCache.h"
#include "daemon/PeerEndpoint.h"
#include "daemon/RemoteLogFilter.h"
#include "daemon/TunnelDriver.h"
#include "registry/LocalNode.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUdpSocket>
#include <QtTest>
#include <memory>

using namespace re6st;
using re6st::daemon::PeerEndpoint;

namespace {

const QByteArray kNetwork = "001000000000000100001101101110000000000001000010"; // 2001:db8:42::/48
constexpr qint64 kNode0NotAfter = 1827224754; // crypto/certs.json: the earliest node notAfter
constexpr qint64 kMidWindow = kNode0NotAfter - 180 * 86400; // inside every vector's validity
constexpr int kWait = 15000;

crypto::Certificate loadCert(const QString &stem)
{
    auto c = crypto::Certificate::fromPem(test::readVector("crypto/" + stem + ".crt"));
    if (!c) qFatal("bad vector certificate %s", qPrintable(stem));
    return *c;
}

crypto::RsaKey loadKey(const QString &stem)
{
    auto k = crypto::RsaKey::fromPem(test::readVector("crypto/" + stem + ".key"));
    if (!k) qFatal("bad vector key %s", qPrintable(stem));
    return *k;
}

QByteArray bits(const QString &cn)
{
    return *addressing::bitsFromCn(cn);
}

// Address bits after the network of <subnet>::1, as a real peer's source would be.
QByteArray hostBits(const QByteArray &prefix)
{
    return prefix.leftJustified(128 - kNetwork.size() - 1, '0') + '1';
}

// Who is who on the loopback: shared by the nodes of one test.
struct Net
{
    QMap<quint16, QByteArray> senders; // source port -> address bits after the network
    QMap<QByteArray, quint16> ports;   // prefix -> its endpoint's port
    qint64 clockOffsetMs = 0;

    void setClock(qint64 unixMs) { clockOffsetMs = unixMs - QDateTime::currentMSecsSinceEpoch(); }
};

struct Node
{
    Q_DISABLE_COPY_MOVE(Node)
    PeerContext ctx;
    QByteArray prefix;
    std::unique_ptr<PeerEndpoint> ep;

    Node(Net &net, const QString &stem, const crypto::Certificate &ca, const QByteArray &version)
    {
        ctx.certificate = loadCert(stem);
        ctx.key = loadKey(stem);
        ctx.ca = ca;
        ctx.networkVersion = version;
        ctx.nowMs = [&net] { return QDateTime::currentMSecsSinceEpoch() + net.clockOffsetMs; };
        ctx.initialKey = PeerSession::generateSecret();
        prefix = bits(ctx.certificate.commonName());
        ep = std::make_unique<PeerEndpoint>(&ctx, kNetwork, prefix);
        ep->setPeerEndpointResolver([&net](const QByteArray &p) -> std::optional<PeerEndpoint::Endpoint> {
            if (!net.ports.contains(p)) return std::nullopt;
            return PeerEndpoint::Endpoint{QHostAddress(QHostAddress::LocalHostIPv6), net.ports.value(p)};
        });
        ep->setSenderResolver([&net](const QHostAddress &, quint16 port) -> std::optional<QByteArray> {
            if (!net.senders.contains(port)) return std::nullopt;
            return net.senders.value(port);
        });
        if (!ep->bind(QHostAddress::LocalHostIPv6, 0)) qFatal("cannot bind [::1]:0");
        net.ports.insert(prefix, ep->localPort());
        net.senders.insert(ep->localPort(), hostBits(prefix));
    }
    quint16 port() const { return ep->localPort(); }
};

// A raw socket on ::1; with `as`, the endpoints take it for that address.
std::unique_ptr<QUdpSocket> rawSocket(Net &net, const std::optional<QByteArray> &as)
{
    auto s = std::make_unique<QUdpSocket>();
    if (!s->bind(QHostAddress::LocalHostIPv6, 0)) qFatal("cannot bind a raw socket");
    if (as) net.senders.insert(s->localPort(), *as);
    return s;
}

bool connectNodes(Node &a, Node &b)
{
    a.ep->send(b.prefix, std::nullopt);
    return QTest::qWaitFor([&] { return a.ep->isConnected(b.prefix) && b.ep->isConnected(a.prefix); }, kWait);
}

// One authenticated round trip a -> b -> a (code 2 and its ACK): everything a and b
// sent each other before has been processed when it returns true.
bool roundTrip(Node &a, Node &b)
{
    const quint64 before = a.ep->stats().accepted;
    QSignalSpy kill(b.ep.get(), &PeerEndpoint::tunnelKillRequest);
    if (!a.ep->send(b.prefix, QByteArray("\x02", 1))) return false;
    return QTest::qWaitFor([&] { return kill.count() == 1 && a.ep->stats().accepted > before; }, kWait);
}

// Connected again and talking both ways (after a re-key).
bool talking(Node &a, Node &b)
{
    return QTest::qWaitFor([&] { return a.ep->isConnected(b.prefix) && b.ep->isConnected(a.prefix); }, kWait)
        && roundTrip(a, b) && roundTrip(b, a);
}

// Connects a and b, moves past the handshake's private-key interval (audit F1) and
// counts a's signatures from then on (one new session key each).
bool connectCountingSigns(Net &net, Node &a, Node &b, int &signs)
{
    if (!connectNodes(a, b)) return false;
    net.clockOffsetMs += 3000;
    a.ctx.newSecret = [&signs] { return ++signs, PeerSession::generateSecret(); };
    return true;
}

// An address inside `prefix`'s subnet that is not its node's (hostBits).
QByteArray inSubnet(const QByteArray &prefix)
{
    return prefix.leftJustified(128 - kNetwork.size() - 8, '0') + "10101010";
}

// Audit F1: the seq-1 hello `from` sends `to`, built from public data only.
QByteArray forgedHello(const Node &to, const Node &from)
{
    return PeerDatagram::encodeHello(10, crypto::sha1(to.ctx.certificate.toDer()), from.ctx.certificate.toDer());
}

QByteArray helloWith(const crypto::Certificate &cert)
{
    return PeerDatagram::encodeHello(10, {}, cert.toDer());
}

} // namespace

class TestPeerEndpoint final : public QObject
{
    Q_OBJECT
private:
    crypto::Certificate m_ca;
    crypto::RsaKey m_caKey;
    crypto::Certificate m_foreignNode; // 2/16 signed by another CA with the same serial
    QByteArray version(quint64 counter) const { return *networkversion::make(counter, m_caKey); }

private Q_SLOTS:
    void initTestCase()
    {
        m_ca = loadCert("ca");
        m_caKey = loadKey("ca");
        const auto foreignKey = crypto::RsaKey::generate(2048);
        QVERIFY(foreignKey);
        const qint64 from = kMidWindow - 400 * 86400, to = kMidWindow + 400 * 86400;
        const auto foreignCa = crypto::Certificate::selfSignedCa(
            *foreignKey, "120010db80042", crypto::Subject{{"CN", QStringLiteral("evil.example.com")}}, from, to);
        QVERIFY(foreignCa);
        const auto issued = crypto::Certificate::issue(
            *foreignCa, *foreignKey, 3,
            crypto::Subject{{"serialNumber", QStringLiteral("2")}, {"CN", QStringLiteral("2/16")}}, *foreignKey,
            from, to);
        QVERIFY(issued);
        m_foreignNode = *issued;
    }

    // §6.1 / §2.2 production rules, checked against addressing/addresses.json.
    void productionAddressRules()
    {
        const QJsonObject doc = test::vectorJson("addressing/addresses.json").object();
        QCOMPARE(doc["network_bits"].toString().toLatin1(), kNetwork);
        for (const QJsonValue &v : doc["rows"].toArray()) {
            const QJsonObject row = v.toObject();
            const QByteArray prefix = row["prefix_bits"].toString().toLatin1();
            const auto to = PeerEndpoint::peerEndpoint(kNetwork, prefix);
            QVERIFY(to);
            QCOMPARE(to->first, QHostAddress(row["peer_udp_address"].toString()));
            QCOMPARE(to->second, quint16(326));
            const auto from = PeerEndpoint::senderBits(kNetwork, QHostAddress(row["node_ip"].toString()));
            QVERIFY(from);
            QCOMPARE(from->size(), 128 - kNetwork.size());
            QVERIFY(from->startsWith(prefix));
        }
        QCOMPARE(*PeerEndpoint::senderBits(kNetwork, QHostAddress("2001:db8:42:1::")),
                 QByteArray("0000000000000001").leftJustified(80, '0'));
        QVERIFY(!PeerEndpoint::senderBits(kNetwork, QHostAddress("::1")));
        QVERIFY(!PeerEndpoint::senderBits(QByteArray(), QHostAddress("::1"))); // empty network
        QVERIFY(!PeerEndpoint::senderBits(kNetwork, QHostAddress("2001:db8:43::1")));
        QVERIFY(!PeerEndpoint::senderBits(kNetwork, QHostAddress("fe80::1%1")));
        QVERIFY(!PeerEndpoint::senderBits(kNetwork, QHostAddress("10.44.0.2")));
        QVERIFY(!PeerEndpoint::senderBits(QByteArray(), QHostAddress("::ffff:10.44.0.2")));
        QVERIFY(!PeerEndpoint::peerEndpoint(kNetwork, QByteArray(81, '1'))); // > 128 bits
    }

    // §6.3: handshake, then code 0 in both directions; the older side adopts.
    void handshakeAndVersion_data()
    {
        QTest::addColumn<int>("versionA");
        QTest::addColumn<int>("versionB");
        QTest::newRow("initiator older") << 2 << 3;
        QTest::newRow("initiator newer") << 3 << 2;
        QTest::newRow("equal") << 3 << 3;
    }

    void handshakeAndVersion()
    {
        QFETCH(int, versionA);
        QFETCH(int, versionB);
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(versionA));
        Node b(net, "node-1-16", m_ca, version(versionB));
        QSignalSpy newerA(a.ep.get(), &PeerEndpoint::newerVersion);
        QSignalSpy newerB(b.ep.get(), &PeerEndpoint::newerVersion);
        QSignalSpy openedA(a.ep.get(), &PeerEndpoint::sessionOpened);
        QSignalSpy openedB(b.ep.get(), &PeerEndpoint::sessionOpened);

        QVERIFY(!a.ep->send(b.prefix, QByteArray("\x01", 1))); // unknown: hello0, data dropped
        QVERIFY(a.ep->knownPeers().contains(b.prefix));
        QVERIFY(QTest::qWaitFor([&] { return a.ep->isConnected(b.prefix) && b.ep->isConnected(a.prefix); }, kWait));
        QVERIFY(roundTrip(a, b));

        const QByteArray newest = version(qMax(versionA, versionB));
        QCOMPARE(a.ctx.networkVersion, newest);
        QCOMPARE(b.ctx.networkVersion, newest);
        QCOMPARE(a.ep->session(b.prefix)->peerVersion(), newest);
        QCOMPARE(b.ep->session(a.prefix)->peerVersion(), newest);
        QCOMPARE(newerA.count(), versionA < versionB ? 1 : 0);
        QCOMPARE(newerB.count(), versionB < versionA ? 1 : 0);
        if (versionA < versionB) QCOMPARE(newerA.first().first().toByteArray(), newest);
        if (versionB < versionA) QCOMPARE(newerB.first().first().toByteArray(), newest);
        QCOMPARE(openedA.count(), 1);
        QCOMPARE(openedA.first().first().toByteArray(), b.prefix);
        QCOMPARE(openedB.count(), 1);
        QCOMPARE(openedB.first().first().toByteArray(), a.prefix);
        QCOMPARE(a.ep->knownPeers(), QList<QByteArray>{b.prefix});
        QCOMPARE(b.ep->knownPeers(), QList<QByteArray>{a.prefix});
        QVERIFY(a.ep->stats().dropped.isEmpty());
        QVERIFY(b.ep->stats().dropped.isEmpty());
        QCOMPARE(a.ep->stats().received, a.ep->stats().accepted);
    }

    // §6.3: crossing seq-0 hellos each hit the other's 60 s hello0 limit (as upstream);
    // the first hello0 after it, now seq 1, opens the session.
    // Both sides send their first hello (seq 0) at the same time: each answers the
    // other's with seq 1 at once instead of waiting for the 60 s hello limit.
    void crossingHellosConnectAtOnce()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        a.ep->send(b.prefix, std::nullopt);
        b.ep->send(a.prefix, std::nullopt);
        QVERIFY(QTest::qWaitFor([&] { return a.ep->isConnected(b.prefix) && b.ep->isConnected(a.prefix); }, kWait));
        QVERIFY(roundTrip(a, b));
        QVERIFY(roundTrip(b, a));
        QCOMPARE(a.ep->session(b.prefix)->key(), b.ep->session(a.prefix)->key());
        // Both sides opened a session; the smaller key lost (§6.3 "converge on the larger key").
        for (const auto *ep : {a.ep.get(), b.ep.get()})
            for (const QString &reason : ep->stats().dropped.keys()) QCOMPARE(reason, QStringLiteral("stale key"));
    }

    // §6.4: 60 s after an unanswered message the session is dead; the next send
    // re-handshakes.
    void livenessTimeout()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        const quint16 port = b.port();
        b.ep->close();
        QVERIFY(a.ep->send(b.prefix, QByteArray("\x02", 1))); // lost
        QVERIFY(a.ep->isConnected(b.prefix));
        net.clockOffsetMs += PeerSession::kLivenessMs + 1000;
        QVERIFY(!a.ep->isConnected(b.prefix));
        QVERIFY(b.ep->bind(QHostAddress::LocalHostIPv6, port));
        QSignalSpy opened(a.ep.get(), &PeerEndpoint::sessionOpened);
        QVERIFY(!a.ep->send(b.prefix, QByteArray("\x02", 1))); // hello0 instead
        QVERIFY(opened.wait(kWait));
        QVERIFY(QTest::qWaitFor([&] { return b.ep->isConnected(a.prefix); }, kWait));
        QVERIFY(roundTrip(a, b));
        QVERIFY(roundTrip(b, a));
    }

    // §6.6 code 1: address request and reply; country stripped for protocol < 7.
    void addressRequest_data()
    {
        QTest::addColumn<int>("requesterProtocol");
        QTest::addColumn<QString>("expected");
        QTest::newRow("protocol 10") << 10 << "198.51.100.7,1194,tcp,FR;2001:db8::7,1194,tcp6,FR";
        QTest::newRow("protocol 6") << 6 << "198.51.100.7,1194,tcp;2001:db8::7,1194,tcp6";
    }

    void addressRequest()
    {
        QFETCH(int, requesterProtocol);
        QFETCH(QString, expected);
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        b.ctx.protocol = quint64(requesterProtocol);
        a.ep->setOwnAddresses(PeerAddress::parseList(QStringLiteral("198.51.100.7,1194,tcp,FR;2001:db8::7,1194,tcp6,FR")));
        QSignalSpy replies(b.ep.get(), &PeerEndpoint::addressReply);
        QVERIFY(connectNodes(b, a));
        QCOMPARE(a.ep->session(b.prefix)->protocol(), quint64(requesterProtocol));
        QVERIFY(b.ep->send(a.prefix, QByteArray("\x01", 1)));
        QVERIFY(replies.wait(kWait));
        QCOMPARE(replies.first().at(0).toByteArray(), a.prefix);
        QCOMPARE(replies.first().at(1).toString(), expected);

        // No address: the request only gets an empty ACK.
        a.ep->setOwnAddresses({});
        const quint64 before = b.ep->stats().accepted;
        QVERIFY(b.ep->send(a.prefix, QByteArray("\x01", 1)));
        QTRY_COMPARE_WITH_TIMEOUT(b.ep->stats().accepted, before + 1, kWait);
        QVERIFY(roundTrip(b, a));
        QCOMPARE(replies.count(), 1);
    }

    // §6.6 codes 2, 3, 7 and unknown codes (ACK only).
    void killCodesAndRemoteLog()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2)); // the registry node
        Node b(net, "node-1-16", m_ca, version(2));
        a.ep->setRegistryPrefix(a.prefix);
        b.ep->setRegistryPrefix(a.prefix);
        QVERIFY(connectNodes(a, b));
        QSignalSpy killRequest(a.ep.get(), &PeerEndpoint::tunnelKillRequest);
        QSignalSpy killReady(b.ep.get(), &PeerEndpoint::tunnelKillReady);
        QSignalSpy logA(a.ep.get(), &PeerEndpoint::remoteLog);
        QSignalSpy logB(b.ep.get(), &PeerEndpoint::remoteLog);

        QVERIFY(b.ep->send(a.prefix, QByteArray("\x02", 1)));
        QVERIFY(killRequest.wait(kWait));
        QCOMPARE(killRequest.first().first().toByteArray(), b.prefix);
        QVERIFY(a.ep->send(b.prefix, QByteArray("\x03", 1)));
        QVERIFY(killReady.wait(kWait));
        QCOMPARE(killReady.first().first().toByteArray(), a.prefix);

        QVERIFY(b.ep->send(a.prefix, QByteArray("\x07hello registry")));
        QVERIFY(logA.wait(kWait));
        QCOMPARE(logA.first().at(0).toByteArray(), b.prefix);
        QCOMPARE(logA.first().at(1).toString(), QStringLiteral("hello registry"));
        QVERIFY(a.ep->send(b.prefix, QByteArray("\x07not the registry")));
        const quint64 before = a.ep->stats().accepted;
        QVERIFY(a.ep->send(b.prefix, QByteArray("\x06whatever"))); // unknown code
        QTRY_COMPARE_WITH_TIMEOUT(a.ep->stats().accepted, before + 2, kWait); // two ACKs
        QCOMPARE(logB.count(), 0);
        QCOMPARE(killRequest.count(), 1);
        QCOMPARE(killReady.count(), 1);
    }

    // §6.6 code 1 answer (audit F2): bounded and re-serialised before anyone sees it.
    void addressReplyBounded()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        QVERIFY(connectNodes(b, a));
        QSignalSpy replies(a.ep.get(), &PeerEndpoint::addressReply);

        // ~60 KB of distinct well-formed entries: only the first ones are passed on.
        QStringList entries;
        QByteArray body;
        for (int i = 0; body.size() < 60000; ++i) {
            entries += QStringLiteral("10.%1.%2.1,1194,tcp").arg(i / 250).arg(i % 250);
            body = entries.join(';').toLatin1();
        }
        QVERIFY(b.ep->send(a.prefix, '\x01' + body));
        QVERIFY(replies.wait(kWait));
        const QString text = replies.first().at(1).toString();
        QVERIFY(text.size() <= PeerAddress::kMaxListBytes);
        QCOMPARE(text, entries.mid(0, PeerAddress::kMaxListEntries).join(';'));
        QCOMPARE(a.ep->stats().dropped.value("address reply too long"), quint64(1));

        // Nothing well-formed: no reply at all.
        QVERIFY(b.ep->send(a.prefix, QByteArray("\x01" "bad_name!,1194,tcp;192.0.2.1,0,tcp\n")));
        QVERIFY(roundTrip(b, a));
        QCOMPARE(replies.count(), 1);
        QCOMPARE(a.ep->stats().dropped.value("bad address reply"), quint64(1));
        // Well-formed entries in canonical form, the others dropped.
        QVERIFY(b.ep->send(a.prefix, QByteArray("\x01" "2001:DB8::7,1194,tcp6,FR;192.0.2.1,1194,tcp\x1b[2J")));
        QVERIFY(replies.wait(kWait));
        QCOMPARE(replies.at(1).at(1).toString(), "2001:db8::7,1194,tcp6,FR");
    }

    // §6.6: nodes send an address only to answer a request (audit F2). One we did not
    // ask for never reaches the cache, so it can neither add a row nor make a peer found
    // unreachable (try = 1, §5.11) pickable again; the answer to our request is cached.
    void unsolicitedAddressReplyIgnored()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2)); // the registry node: picks distant peers at once (§5.12)
        Node b(net, "node-1-16", m_ca, version(2));
        b.ep->setOwnAddresses(PeerAddress::parseList("198.51.100.7,1194,udp")); // udp: disabled, no OpenVPN
        QTemporaryDir dir;
        QString error;
        const auto cache = daemon::PeerCache::open(dir.filePath("cache.db"), a.prefix, &error);
        QVERIFY2(cache, qPrintable(error));
        daemon::BabelControl babel(dir.filePath("babeld.sock")); // never started
        RegistryClient registry(QUrl("http://[::1]:9/"));       // never called
        daemon::TunnelDriver::Settings settings;
        settings.config.ourPrefix = a.prefix;
        settings.config.registryPrefix = a.prefix;
        settings.config.clientCount = 2;
        settings.network = kNetwork;
        settings.runDir = dir.path();
        settings.openvpnCommand = {"/bin/false"};
        daemon::TunnelDriver driver(settings, {}, cache.get(), a.ep.get(), &babel, &registry, a.ctx.key);
        QVERIFY(connectNodes(a, b));
        QSignalSpy replies(a.ep.get(), &PeerEndpoint::addressReply);

        const QByteArray pushed("\x01" "203.0.113.5,1194,tcp");
        QVERIFY(b.ep->send(a.prefix, pushed));
        QVERIFY(roundTrip(b, a));
        QCOMPARE(replies.count(), 1);
        QCOMPARE(cache->peerCount(), 0);

        // A dump routing b: the driver asks b (§5.5), caches its answer, and the manager
        // marks b try = 1 (no usable address).
        driver.start();
        daemon::BabelControl::Tables tables;
        tables.valid = true;
        babel::Route route;
        route.prefix = addressing::cidrFromBits(kNetwork + b.prefix);
        route.from = "::/0";
        route.installed = true;
        route.metric = route.refMetric = 256;
        route.via = "fe80::2";
        route.interface = "re6stnet1";
        tables.routes << route;
        Q_EMIT babel.dumped(tables);
        const QList<std::pair<QByteArray, QString>> failed{{b.prefix, "198.51.100.7,1194,udp"}};
        QTRY_COMPARE_WITH_TIMEOUT(cache->getPeerList(1), failed, kWait);

        QVERIFY(b.ep->send(a.prefix, pushed));
        QVERIFY(roundTrip(b, a));
        QCOMPARE(replies.count(), 3);
        QCOMPARE(cache->getPeerList(1), failed);
        QCOMPARE(cache->getAddress(b.prefix), std::nullopt);
    }

    // §6.6 code 7 on the registry node (audit F5): capped, escaped, rate-limited per peer.
    void remoteLogBounded()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2)); // the registry node
        Node b(net, "node-1-16", m_ca, version(2));
        a.ep->setRegistryPrefix(a.prefix);
        QVERIFY(connectNodes(b, a));
        QSignalSpy logs(a.ep.get(), &PeerEndpoint::remoteLog);
        constexpr int kSent = 100;
        const QByteArray forged("\nre6stnet INFO forged\x1b[2J\x7f\\");
        for (int i = 0; i < kSent; ++i) {
            const QByteArray text = "line " + QByteArray::number(i) + forged + QByteArray(i % 10 ? 0 : 60000, 'x');
            const quint64 before = b.ep->stats().accepted;
            QVERIFY(b.ep->send(a.prefix, '\x07' + text));
            QVERIFY(QTest::qWaitFor([&] { return b.ep->stats().accepted > before; }, kWait)); // a's ACK
        }
        const int logged = int(logs.count());
        QVERIFY2(logged >= 1 && logged <= daemon::RemoteLogFilter::kPeerBurst + 1, qPrintable(QString::number(logged)));
        QCOMPARE(a.ep->stats().dropped.value("remote log rate limited"), quint64(kSent - logged));
        const QString head = "line 0\\x0are6stnet INFO forged\\x1b[2J\\x7f\\\\";
        const int headBytes = 6 + forged.size();
        QCOMPARE(logs.first().at(1).toString(),
                 head + QString(daemon::RemoteLogFilter::kMaxBytes - headBytes, 'x')
                     + QStringLiteral(" [%1 more bytes]").arg(headBytes + 60000 - daemon::RemoteLogFilter::kMaxBytes));
        QCOMPARE(logs.at(1).at(1).toString(), "line 1" + head.mid(6));

        // Ten minutes later the peer may log again, and the line says what was left out.
        net.setClock(kMidWindow * 1000 + 600'000);
        QVERIFY(b.ep->send(a.prefix, QByteArray("\x07" "after\ta pause\xe2\x80\xa8")));
        QVERIFY(logs.wait(kWait));
        QCOMPARE(logs.last().at(1).toString(),
                 QStringLiteral("after\\x09a pause\\u2028 [%1 earlier line(s) from this peer not logged: rate limit]")
                     .arg(kSent - logged));
    }

    // §6.8 with the registry's own client (registry/LocalNode): own prefix answered
    // locally, other prefixes relayed with 0x80 and the answers forwarded back; code 5
    // only for the local channel or the registry node.
    void localChannel_data()
    {
        QTest::addColumn<bool>("bIsRegistryAware");
        QTest::newRow("registry prefix known") << true;
        QTest::newRow("registry prefix unknown on the peer") << false;
    }

    void localChannel()
    {
        QFETCH(bool, bIsRegistryAware);
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2)); // runs next to the registry
        Node b(net, "node-1-16", m_ca, version(2));
        a.ep->setRegistryPrefix(a.prefix);
        b.ep->setRegistryPrefix(bIsRegistryAware ? a.prefix : QByteArray());
        a.ep->setOwnAddresses(PeerAddress::parseList(QStringLiteral("10.44.0.1,1194,tcp,FR")));
        b.ep->setOwnAddresses(PeerAddress::parseList(QStringLiteral("10.44.0.2,1194,udp,DE")));
        a.ep->setNodeInfo(QStringLiteral("0-1.gaaaaaaa"), QStringLiteral("Linux-a"));
        b.ep->setNodeInfo(QStringLiteral("0-2.gbbbbbbb"), QStringLiteral("Linux-b"));
        a.ep->setTopologySource([] { return PeerPayload::topology({QStringLiteral("1/16")}, {}); });
        b.ep->setTopologySource([] { return PeerPayload::topology({}, {QStringLiteral("0/16")}); });
        QTemporaryDir run;
        registry::LocalNode registry(kNetwork, run.path());
        registry.setNodeEndpoint(QHostAddress::LocalHostIPv6, a.port());
        registry.setQueryTimeout(1500);
        QSignalSpy notice(a.ep.get(), &PeerEndpoint::localVersionNotice);

        auto address = [&](const QByteArray &prefix) {
            std::optional<std::optional<QByteArray>> result;
            registry.queryAddress(prefix, [&](std::optional<QByteArray> r) { result = r; });
            if (!QTest::qWaitFor([&] { return result.has_value(); }, kWait)) qWarning("no callback");
            return result.value_or(std::nullopt);
        };
        QCOMPARE(address(a.prefix), std::optional<QByteArray>("10.44.0.1,1194,tcp,FR"));
        QVERIFY(a.ep->forwardAddress());
        QCOMPARE(a.ep->forwardAddress()->first, QHostAddress(QHostAddress::LocalHostIPv6));

        registry.notifyNewVersion(a.prefix);
        QVERIFY(notice.wait(kWait));

        // No session with b yet: a hello goes out and the request waits for the
        // session it opens (within the registry's wait), then is relayed.
        QCOMPARE(address(b.prefix), std::optional<QByteArray>("10.44.0.2,1194,udp,DE"));
        QVERIFY(QTest::qWaitFor([&] { return a.ep->isConnected(b.prefix) && b.ep->isConnected(a.prefix); }, kWait));
        QCOMPARE(address(b.prefix), std::optional<QByteArray>("10.44.0.2,1194,udp,DE"));

        std::optional<QMap<QByteArray, std::optional<QByteArray>>> versions;
        registry.queryVersions({a.prefix, b.prefix}, [&](auto r) { versions = r; });
        QVERIFY(QTest::qWaitFor([&] { return versions.has_value(); }, kWait));
        QCOMPARE(versions->value(a.prefix), std::optional<QByteArray>("0-1.gaaaaaaa, Linux-a"));
        QCOMPARE(versions->value(b.prefix), std::optional<QByteArray>("0-2.gbbbbbbb, Linux-b"));

        std::optional<QJsonObject> topology;
        registry.queryTopology(a.prefix, [&](QJsonObject r) { topology = r; });
        QVERIFY(QTest::qWaitFor([&] { return topology.has_value(); }, kWait));
        const QStringList responders = test::strings((*topology)[QString()].toArray());
        if (bIsRegistryAware)
            QCOMPARE(responders, (QStringList{"0/16", "1/16"}));
        else
            QCOMPARE(responders, QStringList{"0/16"}); // b answers code 5 to the registry node only
        QCOMPARE(test::strings((*topology)["0/16"].toArray()), QStringList{"1/16"});

        QVERIFY(a.ep->stats().dropped.isEmpty());
        QVERIFY(b.ep->stats().dropped.isEmpty());
    }

    // Bad datagrams are counted and dropped; the session keeps working.
    void badDatagramsDropped()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        QSignalSpy killRequest(a.ep.get(), &PeerEndpoint::tunnelKillRequest);
        QSignalSpy newer(a.ep.get(), &PeerEndpoint::newerVersion);
        const auto asB = rawSocket(net, hostBits(b.prefix));
        const auto dst = QHostAddress(QHostAddress::LocalHostIPv6);
        QMap<QString, quint64> expected;
        auto inject = [&](QUdpSocket &from, const QByteArray &datagram, const QString &reason) {
            from.writeDatagram(datagram, dst, a.port());
            ++expected[reason];
            return QTest::qWaitFor([&] { return a.ep->stats().dropped.value(reason) == expected[reason]; }, kWait);
        };
        const QByteArray seq7("\0\0\0\x07", 4);
        QVERIFY(inject(*asB, QByteArray("\0\0\0\x09", 4), "too short"));
        QVERIFY(inject(*asB, seq7 + "0123456789", "malformed")); // shorter than the HMAC
        QVERIFY(inject(*asB, seq7 + QByteArray(40, 'x'), "bad hmac"));
        QVERIFY(inject(*asB, QByteArray("\0\0\0\x02", 4) + QByteArray(512, 'x'), "bad signature"));

        // A genuine datagram from b, replayed byte for byte.
        QVERIFY(b.ep->send(a.prefix, QByteArray("\x02", 1)));
        const PeerSession *ba = b.ep->session(a.prefix);
        const QByteArray genuine = PeerDatagram::encodeData(ba->sentSeq(), QByteArray("\x02", 1), ba->key());
        QVERIFY(killRequest.wait(kWait));
        QVERIFY(inject(*asB, genuine, "replay"));

        // Hellos: another CA, a revoked serial, a certificate for another source, ours.
        const auto as2 = rawSocket(net, hostBits(bits("2/16")));
        QVERIFY(inject(*as2, helloWith(m_foreignNode), "untrusted certificate"));
        a.ep->setCrl({6});
        const auto as5 = rawSocket(net, hostBits(bits("5/16")));
        QVERIFY(inject(*as5, helloWith(loadCert("revoked-5-16")), "revoked"));
        const auto as4 = rawSocket(net, hostBits(bits("4/16")));
        QVERIFY(inject(*as4, helloWith(loadCert("node-3-16")), "cert from wrong source"));
        const auto as0 = rawSocket(net, hostBits(a.prefix));
        QVERIFY(inject(*as0, helloWith(a.ctx.certificate), "own prefix"));
        QVERIFY(inject(*as0, seq7 + QByteArray(40, 'x'), "unknown sender")); // below every known prefix
        QVERIFY(inject(*as2, QByteArray("\0\0\0\0", 4) + "not a certificate", "invalid certificate"));

        // Sources that are no peer: the local channel, or nothing.
        const auto stranger = rawSocket(net, std::nullopt);
        QVERIFY(inject(*stranger, "garbage without separator", "bad local request"));
        a.ep->setLocalChannelAddress(QHostAddress("::2"));
        QVERIFY(inject(*stranger, QByteArray("0000000000000000\0\x01", 18), "foreign source"));
        a.ep->setLocalChannelAddress(QHostAddress::LocalHostIPv6);

        // A version not signed by the CA: ignored, ACKed.
        const QByteArray forged = *networkversion::make(9, *crypto::RsaKey::fromPem(test::readVector("crypto/node-2-16.key")));
        const quint64 before = b.ep->stats().accepted;
        QVERIFY(b.ep->send(a.prefix, '\0' + forged));
        QTRY_COMPARE_WITH_TIMEOUT(b.ep->stats().accepted, before + 1, kWait);
        QCOMPARE(a.ctx.networkVersion, version(2));

        // Nothing else was dropped and the session still works both ways.
        QCOMPARE(a.ep->stats().dropped, expected);
        QVERIFY(a.ep->isConnected(b.prefix));
        QVERIFY(roundTrip(b, a));
        QVERIFY(roundTrip(a, b));
        QCOMPARE(killRequest.count(), 2);
        QCOMPARE(newer.count(), 0);
        QCOMPARE(a.ep->knownPeers(), QList<QByteArray>{b.prefix});
        QVERIFY(b.ep->stats().dropped.isEmpty());
    }

    // Random datagrams from a peer's address and from the local channel never stop
    // the endpoint.
    void randomDatagrams()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        const auto asB = rawSocket(net, hostBits(b.prefix));
        const auto local = rawSocket(net, std::nullopt);
        QLoggingCategory::setFilterRules(QStringLiteral("re6st.peer.debug=false")); // 300 drops
        const auto restoreLogging = qScopeGuard([] { QLoggingCategory::setFilterRules(QString()); });
        QRandomGenerator rng(326);
        const quint64 before = a.ep->stats().received;
        constexpr int kCount = 300;
        for (int n = 0; n < kCount; ++n) {
            QByteArray d(1 + int(rng.bounded(1500)), '\0');
            for (char &c : d) c = char(rng.bounded(256));
            if (d.size() > 4 && n % 3 == 0) d[3] = char(rng.bounded(4)); // hello / session seqs
            if (d.size() > 4 && n % 3 == 0) d[0] = d[1] = d[2] = 0;
            (n % 2 ? asB : local)->writeDatagram(d, QHostAddress::LocalHostIPv6, a.port());
            if (n % 50 == 0) QTest::qWait(0); // let the endpoint drain its queue
        }
        // Loopback UDP may drop on a full receive buffer: wait for most of them.
        QVERIFY(QTest::qWaitFor([&] { return a.ep->stats().received >= before + kCount * 9 / 10; }, kWait));
        QVERIFY(roundTrip(b, a));
        QVERIFY(roundTrip(a, b));
    }

    // setCrl drops the records of revoked peers (§7.4 step 4).
    void revokedPeerDropped()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        Node c(net, "node-2-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        QVERIFY(connectNodes(a, c));
        a.ep->setCrl({2}); // serial of 1/16
        QCOMPARE(a.ctx.crl, QList<qint64>{2});
        QCOMPARE(a.ep->knownPeers(), QList<QByteArray>{c.prefix});
        QVERIFY(b.ep->send(a.prefix, QByteArray("\x02", 1)));
        // 1/16 sorts below every remaining record: nobody to check the HMAC with.
        QTRY_COMPARE_WITH_TIMEOUT(a.ep->stats().dropped.value("unknown sender"), quint64(1), kWait);
        const auto asB = rawSocket(net, hostBits(b.prefix));
        asB->writeDatagram(helloWith(b.ctx.certificate), QHostAddress::LocalHostIPv6, a.port());
        QTRY_COMPARE_WITH_TIMEOUT(a.ep->stats().dropped.value("revoked"), quint64(1), kWait);
        QCOMPARE(a.ep->knownPeers(), QList<QByteArray>{c.prefix});
        QVERIFY(roundTrip(c, a));
    }

    // §7.6: our version to peers whose recorded version is lower; hello first.
    void broadcastVersion()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        Node c(net, "node-2-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        QSignalSpy newerB(b.ep.get(), &PeerEndpoint::newerVersion);
        QSignalSpy newerC(c.ep.get(), &PeerEndpoint::newerVersion);
        a.ep->setNetworkVersion(version(4));
        QCOMPARE(a.ctx.networkVersion, version(4));
        a.ep->broadcastVersion({b.prefix, c.prefix});
        QVERIFY(a.ep->knownPeers().contains(c.prefix));
        QVERIFY(newerB.wait(kWait));
        QCOMPARE(newerB.first().first().toByteArray(), version(4));
        QCOMPARE(a.ep->session(b.prefix)->peerVersion(), version(4));
        QTRY_COMPARE_WITH_TIMEOUT(newerC.count(), 1, kWait); // through the handshake's code 0
        QCOMPARE(c.ctx.networkVersion, version(4));
        a.ep->broadcastVersion({b.prefix, c.prefix}); // nobody is behind: nothing sent
        QVERIFY(roundTrip(a, b));
        QVERIFY(roundTrip(a, c));
        QCOMPARE(newerB.count(), 1);
        QCOMPARE(newerC.count(), 1);
    }

    // A connected peer left out of the broadcast (babel had not identified it
    // as a direct neighbour) gets our version from the periodic catch-up.
    void catchUpVersion()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node b(net, "node-1-16", m_ca, version(2));
        Node a(net, "node-0-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        QVERIFY(roundTrip(a, b));
        QSignalSpy newerB(b.ep.get(), &PeerEndpoint::newerVersion);
        a.ep->setNetworkVersion(version(4));
        a.ep->broadcastVersion({}); // b was not among the identified neighbours
        QCOMPARE(a.ep->catchUpVersion(), 1);
        QCOMPARE(a.ep->knownPeers(), QList<QByteArray>{b.prefix}); // no handshake started
        QVERIFY(newerB.wait(kWait));
        QCOMPARE(newerB.first().first().toByteArray(), version(4));
        QCOMPARE(a.ep->catchUpVersion(), 0); // b is up to date now
        QVERIFY(roundTrip(a, b));
        QCOMPARE(newerB.count(), 1);
        QCOMPARE(b.ep->catchUpVersion(), 0); // nobody is behind b
    }

    // Audit F3: a certificate-less record nested in a peer's prefix (named on the
    // local channel, or a Babel route's prefix) never captures the peer's traffic,
    // and none is created once the peer is certified.
    void nestedPrefixDoesNotShadowPeer()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        const auto local = rawSocket(net, std::nullopt); // the local channel
        auto localRequest = [&](const QByteArray &prefix) {
            const quint64 before = a.ep->stats().accepted;
            local->writeDatagram(prefix + '\0' + '\x04', QHostAddress(QHostAddress::LocalHostIPv6), a.port());
            return QTest::qWaitFor([&] { return a.ep->stats().accepted > before; }, kWait);
        };
        // Before b is known: the record for <b>0 is created (and covers b's source bits).
        QVERIFY(localRequest(b.prefix + "0"));
        QVERIFY(a.ep->session(b.prefix + "0"));
        QVERIFY(hostBits(b.prefix).startsWith(b.prefix + "0"));
        QVERIFY(connectNodes(b, a));
        QVERIFY(roundTrip(b, a));
        QVERIFY(roundTrip(a, b));
        // Once b is certified: no record inside or around its prefix.
        QVERIFY(localRequest(b.prefix + "00"));
        QVERIFY(localRequest(b.prefix.left(b.prefix.size() - 1)));
        QVERIFY(!a.ep->send(b.prefix + "01", std::nullopt)); // e.g. a more-specific Babel route
        QVERIFY(!a.ep->session(b.prefix + "00"));
        QVERIFY(!a.ep->session(b.prefix + "01"));
        QVERIFY(!a.ep->session(b.prefix.left(b.prefix.size() - 1)));
        QCOMPARE(a.ep->stats().refusedPrefixes, quint64(3));
        QVERIFY(roundTrip(b, a));
        QVERIFY(roundTrip(a, b));
        QVERIFY(a.ep->stats().dropped.isEmpty());
        QVERIFY(b.ep->stats().dropped.isEmpty());
    }

    // §6.1/§6.3: a certificate must always cover the sender, even when the source
    // sorts right after the certified prefix (upstream's guessed-record exemption).
    void helloMustFitSource()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        const auto outside = rawSocket(net, hostBits(bits("2/16"))); // > 1/16, not inside it
        const quint64 accepted = a.ep->stats().accepted;
        outside->writeDatagram(helloWith(b.ctx.certificate), QHostAddress(QHostAddress::LocalHostIPv6), a.port());
        QTRY_COMPARE_WITH_TIMEOUT(a.ep->stats().dropped.value("cert from wrong source"), quint64(1), kWait);
        QCOMPARE(a.ep->stats().accepted, accepted);
        QVERIFY(roundTrip(b, a));
        QVERIFY(roundTrip(a, b));
    }

    // Audit F1: a seq-1 hello naming A's certificate is public data. Forged from a
    // source inside B's subnet, A's seq 2 now goes to B itself, which re-keys.
    void forgedHelloAnsweredAtPeer()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        int signs = 0;
        QVERIFY(connectCountingSigns(net, a, b, signs));
        const auto spoof = rawSocket(net, inSubnet(b.prefix));
        const quint64 bReceived = b.ep->stats().received;
        spoof->writeDatagram(forgedHello(a, b), QHostAddress(QHostAddress::LocalHostIPv6), a.port());
        QVERIFY(QTest::qWaitFor([&] { return signs == 1; }, kWait));
        QVERIFY(talking(a, b));
        QVERIFY(b.ep->stats().received > bReceived); // A's seq 2 went to B's own address
        QCOMPARE(a.ep->session(b.prefix)->key(), b.ep->session(a.prefix)->key());
        QVERIFY(!spoof->hasPendingDatagrams());
    }

    // Audit F1b: a stale-fingerprint hello while A must re-handshake with B. Its
    // hello0 answer goes to B (which opens the session), not to the forger.
    void staleHelloDoesNotBlockHandshake()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        const quint16 port = b.port();
        b.ep->close();
        net.clockOffsetMs += PeerSession::kHelloBlockMs + 1000; // past the handshake's hello0 limit
        QVERIFY(a.ep->send(b.prefix, QByteArray("\x02", 1))); // lost...
        net.clockOffsetMs += PeerSession::kLivenessMs + 1000;
        QVERIFY(!a.ep->isConnected(b.prefix)); // ...so A must re-handshake
        QVERIFY(b.ep->bind(QHostAddress::LocalHostIPv6, port));
        const auto spoof = rawSocket(net, inSubnet(b.prefix));
        const QByteArray stale = PeerDatagram::encodeHello(10, QByteArray(20, '\x55'), b.ctx.certificate.toDer());
        const quint64 bReceived = b.ep->stats().received;
        spoof->writeDatagram(stale, QHostAddress(QHostAddress::LocalHostIPv6), a.port());
        QVERIFY(QTest::qWaitFor([&] { return b.ep->stats().received > bReceived; }, kWait));
        QVERIFY(talking(a, b));
        QVERIFY(!spoof->hasPendingDatagrams());
    }

    // Audit F1: 1000 forged hellos cost one RSA signature per prefix interval.
    void forgedHelloFloodBounded()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        int signs = 0;
        QVERIFY(connectCountingSigns(net, a, b, signs));
        const auto spoof = rawSocket(net, inSubnet(b.prefix));
        const QByteArray forged = forgedHello(a, b);
        const int n = 1000;
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < n; ++i) {
            spoof->writeDatagram(forged, QHostAddress(QHostAddress::LocalHostIPv6), a.port());
            if (i % 32 == 31) QVERIFY(QTest::qWaitFor([&] { return a.ep->stats().received >= quint64(i); }, kWait));
        }
        QVERIFY(QTest::qWaitFor([&] { return a.ep->stats().dropped.value("private key rate limited") + signs >= n; },
                                kWait));
        qInfo() << n << "forged hellos:" << signs << "signature(s) in" << t.elapsed() << "ms";
        QVERIFY(signs >= 1);
        QVERIFY(signs <= 1 + t.elapsed() / PrivateKeyBudget::kPrefixIntervalMs);
        QVERIFY(talking(a, b));
        QVERIFY(!spoof->hasPendingDatagrams());
    }

    // Audit F4: a captured seq 2 replayed is decrypted once; distinct validly signed
    // ones (a member's own key) at most once per prefix interval.
    void replayedSessionKeysBounded()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        QVERIFY(connectNodes(a, b));
        net.clockOffsetMs += 3000;
        auto signedKey = [&] {
            const auto e = a.ctx.certificate.publicKey().encrypt(PeerSession::makeSecret(1, 2, 3)); // stale
            return PeerDatagram::encodeNewSession(10, *e, *b.ctx.key.signSha512(*e));
        };
        const QByteArray captured = signedKey();
        const auto asB = rawSocket(net, inSubnet(b.prefix));
        const auto dst = QHostAddress(QHostAddress::LocalHostIPv6);
        auto flood = [&](const QList<QByteArray> &datagrams) {
            const quint64 before = a.ep->stats().received;
            for (qsizetype i = 0; i < datagrams.size(); ++i) {
                asB->writeDatagram(datagrams[i], dst, a.port());
                if (i % 32 == 31 || i == datagrams.size() - 1)
                    if (!QTest::qWaitFor([&] { return a.ep->stats().received > before + i; }, kWait)) return false;
            }
            return true;
        };
        QVERIFY(flood(QList<QByteArray>(1000, captured)));
        const auto dropped = [&](const char *reason) { return a.ep->stats().dropped.value(reason); };
        QCOMPARE(dropped("stale key"), quint64(1)); // the only decrypt
        QCOMPARE(dropped("duplicate session key"), quint64(999));
        QList<QByteArray> distinct;
        for (int i = 0; i < 200; ++i) distinct.append(signedKey());
        QElapsedTimer t;
        t.start();
        QVERIFY(flood(distinct));
        QVERIFY(dropped("stale key") - 1 <= quint64(1 + t.elapsed() / PrivateKeyBudget::kPrefixIntervalMs));
        QCOMPARE(dropped("stale key") - 1 + dropped("private key rate limited"), quint64(200));
        QVERIFY(talking(a, b));
    }

    // Audit F9: at most one drop line per reason per 10 s; the counters see them all.
    void dropLoggingRateLimited()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        const auto stranger = rawSocket(net, hostBits(bits("1/16")));
        static QStringList lines;
        lines.clear();
        QLoggingCategory::setFilterRules(QStringLiteral("re6st.peer.debug=true"));
        const QtMessageHandler previous = qInstallMessageHandler(
            [](QtMsgType, const QMessageLogContext &, const QString &text) {
                if (text.contains("dropped:")) lines.append(text);
            });
        const auto restore = qScopeGuard([previous] {
            qInstallMessageHandler(previous);
            QLoggingCategory::setFilterRules(QString());
        });
        auto inject = [&](int n) {
            const quint64 before = a.ep->stats().received;
            for (int i = 0; i < n; ++i)
                stranger->writeDatagram(QByteArray("\0\0\0\x09", 4), QHostAddress(QHostAddress::LocalHostIPv6), a.port());
            return QTest::qWaitFor([&] { return a.ep->stats().received == before + n; }, kWait);
        };
        QVERIFY(inject(50));
        QCOMPARE(a.ep->stats().dropped.value("too short"), quint64(50));
        QCOMPARE(lines.size(), 1);
        net.clockOffsetMs += 10000;
        QVERIFY(inject(1));
        QCOMPARE(lines.size(), 2);
        QVERIFY2(lines[1].contains("49 more"), qPrintable(lines[1]));
        QCOMPARE(a.ep->stats().dropped.value("too short"), quint64(51));
    }

    // Audit F3: local requests for unknown prefixes leave at most the cap of
    // certificate-less records, which expire without a handshake.
    void localChannelRecordsBounded()
    {
        Net net;
        net.setClock(kMidWindow * 1000);
        Node a(net, "node-0-16", m_ca, version(2));
        const auto local = rawSocket(net, std::nullopt);
        const int n = 5000;
        for (int i = 0; i < n; ++i) {
            const QByteArray prefix = "1" + QByteArray::number(i, 2).rightJustified(40, '0');
            local->writeDatagram(prefix + '\0' + '\x01', QHostAddress(QHostAddress::LocalHostIPv6), a.port());
            if (i % 32 == 31 || i == n - 1)
                QVERIFY(QTest::qWaitFor([&] { return a.ep->stats().received >= quint64(i + 1); }, kWait));
        }
        QCOMPARE(a.ep->stats().accepted, quint64(n));
        QVERIFY(a.ep->knownPeers().size() <= PeerEndpoint::kMaxUncertified);
        QVERIFY(a.ep->knownPeers().size() >= PeerEndpoint::kMaxUncertified - 1);
        QCOMPARE(a.ep->stats().uncertifiedRecords, quint64(a.ep->knownPeers().size()));
        QVERIFY(a.ep->stats().evictedRecords >= quint64(n - PeerEndpoint::kMaxUncertified));
        // The newest survive.
        QVERIFY(a.ep->session("1" + QByteArray::number(n - 1, 2).rightJustified(40, '0')));
        QVERIFY(!a.ep->session("1" + QByteArray::number(0, 2).rightJustified(40, '0')));
        // ~10 min without a handshake: all forgotten at the next record.
        net.setClock(kMidWindow * 1000 + PeerEndpoint::kUncertifiedTtlMs + 60000);
        local->writeDatagram(QByteArray("01") + '\0' + '\x01', QHostAddress(QHostAddress::LocalHostIPv6), a.port());
        QVERIFY(QTest::qWaitFor([&] { return a.ep->stats().received >= quint64(n + 1); }, kWait));
        QCOMPARE(a.ep->knownPeers(), QList<QByteArray>{"01"});
        QCOMPARE(a.ep->stats().uncertifiedRecords, quint64(1));
    }

    // §6.5: records are dropped when the peer's certificate notAfter passes.
    void expiry()
    {
        Net net;
        net.setClock((kNode0NotAfter - 4) * 1000); // 0/16 expires first, 1/16 3 s later
        Node a(net, "node-0-16", m_ca, version(2));
        Node b(net, "node-1-16", m_ca, version(2));
        QSignalSpy expiredA(a.ep.get(), &PeerEndpoint::peerExpired);
        QSignalSpy expiredB(b.ep.get(), &PeerEndpoint::peerExpired);
        QVERIFY(connectNodes(a, b));
        QTRY_VERIFY_WITH_TIMEOUT(b.ep->knownPeers().isEmpty(), 20000);
        QCOMPARE(expiredB.count(), 1);
        QCOMPARE(expiredB.first().first().toByteArray(), a.prefix);
        QVERIFY(a.ep->knownPeers().contains(b.prefix));
        QTRY_VERIFY_WITH_TIMEOUT(a.ep->knownPeers().isEmpty(), 20000);
        QCOMPARE(expiredA.count(), 1);
        QCOMPARE(expiredA.first().first().toByteArray(), b.prefix);
        // Expired certificates no longer open sessions.
        a.ep->send(b.prefix, std::nullopt);
        QTRY_COMPARE_WITH_TIMEOUT(b.ep->stats().dropped.value("expired certificate"), quint64(1), kWait);
        QVERIFY(!a.ep->isConnected(b.prefix));
    }
};

QTEST_GUILESS_MAIN(TestPeerEndpoint)
#include "tst_peerendpoint.moc"
