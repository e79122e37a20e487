// SPDX-License-Identifier: GPL-2.0-or-later
// Peer session state machine (node-protocol.md §6.3–6.6) replaying upstream's recorded
// exchanges byte for byte: peer-protocol/inprocess-exchange.json (fixed clock, seeded
// secrets) and the two live handshakes of peer-protocol/live-capture.json.
#include "Vectors.h"
#include "core/Addressing.h"
#include "core/LocalRegistryDatagram.h"
#include "core/NetworkVersion.h"
#include "core/PeerDatagram.h"
#include "core/PeerPayload.h"
#include "core/PeerSession.h"
#include "core/crypto/Digest.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>
#include <memory>

using namespace re6st;

namespace {

// MT19937 seeded like Python's random.Random(int) (init_by_array), so that the
// vectors' seeded session secrets can be regenerated. Reference algorithm of
// Matsumoto & Nishimura.
class PythonRandom final
{
public:
    explicit PythonRandom(quint32 seed)
    {
        init(19650218u);
        int i = 1;
        for (int k = kN; k; --k) {
            m_mt[i] = (m_mt[i] ^ ((m_mt[i - 1] ^ (m_mt[i - 1] >> 30)) * 1664525u)) + seed;
            if (++i >= kN) { m_mt[0] = m_mt[kN - 1]; i = 1; }
        }
        for (int k = kN - 1; k; --k) {
            m_mt[i] = (m_mt[i] ^ ((m_mt[i - 1] ^ (m_mt[i - 1] >> 30)) * 1566083941u)) - quint32(i);
            if (++i >= kN) { m_mt[0] = m_mt[kN - 1]; i = 1; }
        }
        m_mt[0] = 0x80000000u;
    }
    quint32 next32()
    {
        if (m_index >= kN) twist();
        quint32 y = m_mt[m_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        return y ^ (y >> 18);
    }
    quint64 next64() // getrandbits(64): first word is the low half
    {
        const quint64 low = next32();
        return low | (quint64(next32()) << 32);
    }

private:
    static constexpr int kN = 624;
    void init(quint32 s)
    {
        m_mt[0] = s;
        for (int i = 1; i < kN; ++i) m_mt[i] = 1812433253u * (m_mt[i - 1] ^ (m_mt[i - 1] >> 30)) + quint32(i);
    }
    void twist()
    {
        for (int i = 0; i < kN; ++i) {
            const quint32 y = (m_mt[i] & 0x80000000u) | (m_mt[(i + 1) % kN] & 0x7fffffffu);
            m_mt[i] = m_mt[(i + 397) % kN] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        m_index = 0;
    }
    quint32 m_mt[kN] = {};
    int m_index = kN;
};

// The vectors' secret generator: fixed clock t0 (+1 s per secret), PRNG seed 326.
struct SeededSecrets
{
    PythonRandom rng{326};
    quint64 micros;
    QByteArray next()
    {
        const quint64 r64 = rng.next64();
        const quint32 r32 = rng.next32();
        const QByteArray s = PeerSession::makeSecret(micros, r64, r32);
        micros += 1000000;
        return s;
    }
};

QByteArray hex(const QJsonValue &v)
{
    return QByteArray::fromHex(v.toString().toLatin1());
}

crypto::Certificate loadCert(const QString &file)
{
    auto c = crypto::Certificate::fromPem(test::readVector("crypto/" + file));
    if (!c) qFatal("bad vector certificate %s", qPrintable(file));
    return *c;
}

crypto::RsaKey loadKey(const QString &file)
{
    auto k = crypto::RsaKey::fromPem(test::readVector("crypto/" + file));
    if (!k) qFatal("bad vector key %s", qPrintable(file));
    return *k;
}

// One node of the scenario: its context and the §6.6 payload processing the daemon
// will do (kept here: the session itself is payload-agnostic except for code 0).
struct Node
{
    PeerContext ctx;
    qint64 nowMs = 0;
    QByteArray prefix;
    QString addresses;
    QString info;
    QStringList clientPeers, servedPeers;
    bool registryNode = false;
    QList<QByteArray> toRegistry;
    QList<QPair<QByteArray, QString>> cachedAddresses;

    void init(const QString &name, const crypto::Certificate &ca)
    {
        ctx.certificate = loadCert(name + ".crt");
        ctx.key = loadKey(name + ".key");
        ctx.ca = ca;
        ctx.nowMs = [this] { return nowMs; };
        prefix = *addressing::bitsFromCn(ctx.certificate.commonName());
    }

    // Answer payload to send back (code byte + answer, or empty = ACK); nullopt when a
    // received ACK needs no reply.
    std::optional<QByteArray> process(PeerSession &peer, const QByteArray &payload)
    {
        const auto p = PeerPayload::parse(payload);
        if (!p) return std::nullopt;
        if (p->isRelayedAnswer()) {
            if (registryNode)
                toRegistry.append(*LocalRegistryDatagram(peer.prefix(), p->code(), p->body()).build());
            return QByteArray();
        }
        const auto answer = local(*p, &peer);
        return answer ? p->answer(*answer).encode() : QByteArray();
    }

    std::optional<QByteArray> local(const PeerPayload &p, PeerSession *peer)
    {
        switch (p.code()) {
        case PeerPayload::Version: {
            std::optional<QByteArray> answer;
            const QByteArray theirs = p.body();
            if (theirs != ctx.networkVersion && networkversion::verify(theirs, ctx.ca.publicKey())) {
                if (theirs < ctx.networkVersion)
                    answer = ctx.networkVersion;
                else
                    ctx.networkVersion = theirs; // adopt, fetch the config (§7.4)
            }
            if (peer) peer->setPeerVersion(ctx.networkVersion);
            return answer;
        }
        case PeerPayload::Address:
            if (p.body().isEmpty())
                return addresses.isEmpty() ? std::nullopt : std::optional<QByteArray>(addresses.toUtf8());
            cachedAddresses.append({peer ? peer->prefix() : QByteArray(), QString::fromUtf8(p.body())});
            return std::nullopt;
        // Codes 4/5 with a body are answers to our requests: ACK only.
        case PeerPayload::NodeInfo:
            return p.body().isEmpty() ? std::optional<QByteArray>(info.toUtf8()) : std::nullopt;
        case PeerPayload::Topology:
            if (!p.body().isEmpty()) return std::nullopt;
            return PeerPayload::topology(clientPeers, servedPeers);
        default: return std::nullopt;
        }
    }

    // §6.8: a datagram from the local registry; returns what goes back to it.
    QByteArray fromRegistry(const QByteArray &datagram, PeerSession &peer, QByteArray *toPeer)
    {
        const auto req = LocalRegistryDatagram::parse(datagram);
        if (!req) return {};
        if (req->prefix() == prefix) {
            const auto answer = local(PeerPayload(req->code(), req->payload()), nullptr);
            return answer ? *LocalRegistryDatagram(prefix, req->code(), *answer).build() : QByteArray();
        }
        *toPeer = peer.send(PeerPayload(req->code(), req->payload(), true).encode());
        return {};
    }
};

// Receive `in` on `session` and return the single datagram the node sends back
// (the session's own replies, then the processed payload's answer).
QList<QByteArray> deliver(Node &node, PeerSession &session, const QByteArray &in,
                          PeerSession::Outcome expected = PeerSession::Outcome::Accepted)
{
    const auto r = session.receive(in);
    if (r.outcome != expected) qWarning() << "outcome" << r.message();
    QList<QByteArray> out = r.replies;
    if (r.outcome == expected && r.payload) {
        if (const auto answer = node.process(session, *r.payload)) out.append(session.send(*answer));
    }
    return out;
}

} // namespace

class TestPeerSession final : public QObject
{
    Q_OBJECT
private:
    QJsonObject m_doc;
    QJsonArray m_datagrams;
    crypto::Certificate m_ca;
    qint64 m_t0Ms = 0;
    quint64 m_t0Us = 0;

    QByteArray recorded(int n) const { return hex(m_datagrams[n - 1].toObject()["hex"]); }

    void setupInprocess(Node &a, Node &b, std::shared_ptr<SeededSecrets> secretsA)
    {
        const QJsonObject nodes = m_doc["nodes"].toObject();
        const QJsonObject blobs = m_doc["version_blobs_hex"].toObject();
        a.init("node-0-16", m_ca);
        b.init("node-1-16", m_ca);
        for (Node *n : {&a, &b}) {
            const QJsonObject j = nodes[n == &a ? "A" : "B"].toObject();
            n->nowMs = m_t0Ms;
            n->addresses = j["advertised"].toString();
            n->info = QStringLiteral("0-660.gcb13b00, Linux-6.18.44-fc-v657-x86_64-with-glibc2.36");
            n->registryNode = j["is_registry_node"].toBool();
            n->ctx.networkVersion = hex(blobs[QString::number(j["version_counter"].toInt())]);
            for (const auto &v : j["client_tunnels"].toArray()) n->clientPeers << v.toString();
            for (const auto &v : j["served"].toArray()) n->servedPeers << v.toString();
            QCOMPARE(n->prefix, j["prefix"].toString().toLatin1());
        }
        a.ctx.initialKey = secretsA->next();
        a.ctx.newSecret = [secretsA] { return secretsA->next(); };
        auto secretsB = std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us});
        b.ctx.initialKey = secretsB->next();
        b.ctx.newSecret = [secretsB] { return secretsB->next(); };
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_doc = test::vectorJson("peer-protocol/inprocess-exchange.json").object();
        m_datagrams = m_doc["datagrams"].toArray();
        QCOMPARE(m_datagrams.size(), 27);
        m_ca = loadCert("ca.crt");
        m_t0Us = quint64(m_doc["t0_us"].toInteger());
        m_t0Ms = qint64(m_t0Us / 1000);
    }

    void seededSecretsMatchVectors()
    {
        SeededSecrets s{PythonRandom(326), m_t0Us};
        QCOMPARE(s.next(), hex(m_doc["initial_peer_key_hex"]));
        QCOMPARE(s.next(), hex(m_doc["session_key_hex"]));
        const QByteArray live = PeerSession::generateSecret();
        QCOMPARE(live.size(), 20);
        QVERIFY(live > hex(m_doc["session_key_hex"])); // time-ordered: now is later than t0
    }

    // The whole in-process exchange. `recordedSeq2`: B receives the recorded datagram 3
    // (encrypted by upstream) instead of ours.
    void inprocessExchange_data()
    {
        QTest::addColumn<bool>("recordedSeq2");
        QTest::newRow("our handshake") << false;
        QTest::newRow("upstream seq 2") << true;
    }

    void inprocessExchange()
    {
        QFETCH(bool, recordedSeq2);
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        PeerSession ab(a.ctx, b.prefix); // A's record of B (A wants to talk to B)
        PeerSession ba(b.ctx);           // B learns A from its first hello
        const QByteArray sessionKey = hex(m_doc["session_key_hex"]);

        // 1: hello0 without B's cert.
        QCOMPARE(ab.send(std::nullopt), recorded(1));
        QCOMPARE(ab.send(std::nullopt), QByteArray()); // rate-limited for 60 s
        // 2: B answers hello0 seq 1 with SHA-1 of A's cert.
        QCOMPARE(deliver(b, ba, recorded(1)), QList<QByteArray>{recorded(2)});
        QCOMPARE(ba.prefix(), a.prefix);
        QVERIFY(!ba.isConnected());
        // 3: A opens the session; RSA padding is random: check the parts.
        const auto out3 = deliver(a, ab, recorded(2));
        QCOMPARE(out3.size(), 1);
        const QByteArray seq2 = out3.first();
        QCOMPARE(seq2.size(), 517);
        QCOMPARE(seq2.left(5), recorded(3).left(5));
        const PeerDatagram d3 = std::get<PeerDatagram>(PeerDatagram::decode(seq2));
        QCOMPARE(*b.ctx.key.decrypt(d3.encryptedKey()), sessionKey);
        QVERIFY(a.ctx.certificate.publicKey().verifySha512(d3.encryptedKey(), d3.signature()));
        QCOMPARE(ab.key(), sessionKey);
        QCOMPARE(ab.protocol(), quint64(10));
        QVERIFY(!ab.isConnected()); // §6.3 asymmetry: sender of seq 2 waits for data
        // 4: B accepts and sends its version (code 0, counter 2).
        const auto r4 = ba.receive(recordedSeq2 ? recorded(3) : seq2);
        QCOMPARE(r4.outcome, PeerSession::Outcome::Accepted);
        QVERIFY(r4.sessionOpened);
        QCOMPARE(r4.replies, QList<QByteArray>{recorded(4)});
        QCOMPARE(ba.key(), sessionKey);
        QVERIFY(ba.isConnected());
        // 5: A is newer: answers with its version. 6: B adopts it, empty ACK.
        QCOMPARE(deliver(a, ab, recorded(4)), QList<QByteArray>{recorded(5)});
        QVERIFY(ab.isConnected());
        QCOMPARE(deliver(b, ba, recorded(5)), QList<QByteArray>{recorded(6)});
        QCOMPARE(b.ctx.networkVersion, a.ctx.networkVersion);
        QCOMPARE(*networkversion::counter(ba.peerVersion()), quint64(3));
        QCOMPARE(deliver(a, ab, recorded(6)), QList<QByteArray>{});
        // 7-9: address request from A.
        QCOMPARE(ab.send(QByteArray("\x01")), recorded(7));
        QCOMPARE(deliver(b, ba, recorded(7)), QList<QByteArray>{recorded(8)});
        QCOMPARE(deliver(a, ab, recorded(8)), QList<QByteArray>{recorded(9)});
        QCOMPARE(deliver(b, ba, recorded(9)), QList<QByteArray>{});
        // 10-12: node information; 13-15: topology.
        QCOMPARE(ab.send(QByteArray("\x04")), recorded(10));
        QCOMPARE(deliver(b, ba, recorded(10)), QList<QByteArray>{recorded(11)});
        QCOMPARE(deliver(a, ab, recorded(11)), QList<QByteArray>{recorded(12)});
        QCOMPARE(deliver(b, ba, recorded(12)), QList<QByteArray>{});
        QCOMPARE(ab.send(QByteArray("\x05")), recorded(13));
        QCOMPARE(deliver(b, ba, recorded(13)), QList<QByteArray>{recorded(14)});
        QCOMPARE(deliver(a, ab, recorded(14)), QList<QByteArray>{recorded(15)});
        QCOMPARE(deliver(b, ba, recorded(15)), QList<QByteArray>{});
        // 16-18: address request from B.
        QCOMPARE(ba.send(QByteArray("\x01")), recorded(16));
        QCOMPARE(deliver(a, ab, recorded(16)), QList<QByteArray>{recorded(17)});
        QCOMPARE(deliver(b, ba, recorded(17)), QList<QByteArray>{recorded(18)});
        QCOMPARE(deliver(a, ab, recorded(18)), QList<QByteArray>{});
        // 19-23: registry asks A for B's info: relayed as 0x84, forwarded back.
        QByteArray toB;
        QCOMPARE(a.fromRegistry(recorded(19), ab, &toB), QByteArray());
        QCOMPARE(toB, recorded(20));
        QCOMPARE(deliver(b, ba, recorded(20)), QList<QByteArray>{recorded(21)});
        QCOMPARE(deliver(a, ab, recorded(21)), QList<QByteArray>{recorded(23)});
        QCOMPARE(a.toRegistry, QList<QByteArray>{recorded(22)});
        QCOMPARE(deliver(b, ba, recorded(23)), QList<QByteArray>{});
        // 24-25: own prefix, answered locally.
        toB.clear();
        QCOMPARE(a.fromRegistry(recorded(24), ab, &toB), recorded(25));
        QVERIFY(toB.isEmpty());
        // 26: replay of 7; 27: seq rewritten. Both ignored, for different reasons.
        const auto r26 = ba.receive(recorded(26));
        QCOMPARE(r26.outcome, PeerSession::Outcome::Replay);
        QVERIFY(r26.replies.isEmpty() && !r26.payload);
        const auto r27 = ba.receive(recorded(27));
        QCOMPARE(r27.outcome, PeerSession::Outcome::BadHmac);
        QVERIFY(r27.replies.isEmpty() && !r27.payload);
        QVERIFY(r26.message() != r27.message());
        // The very last accepted datagram of each direction (seq == last) is a replay too.
        QCOMPARE(ba.receive(recorded(23)).outcome, PeerSession::Outcome::Replay);
        QCOMPARE(ab.receive(recorded(21)).outcome, PeerSession::Outcome::Replay);

        const QJsonObject fin = m_doc["final_state"].toObject();
        QCOMPARE(qint64(ab.receivedSeq()), fin["A_view_of_B"].toObject()["i"].toInteger());
        QCOMPARE(qint64(ab.sentSeq()), fin["A_view_of_B"].toObject()["j"].toInteger());
        QCOMPARE(qint64(ba.receivedSeq()), fin["B_view_of_A"].toObject()["i"].toInteger());
        QCOMPARE(qint64(ba.sentSeq()), fin["B_view_of_A"].toObject()["j"].toInteger());
        QCOMPARE(ab.protocol(), quint64(10));
        QCOMPARE(ba.protocol(), quint64(10));
        QCOMPARE(*networkversion::counter(b.ctx.networkVersion),
                 quint64(fin["B_version_counter_after"].toInt()));
        QCOMPARE(a.cachedAddresses.size(), 1);
        QCOMPARE(a.cachedAddresses[0].first, QByteArray("0000000000000001"));
        QCOMPARE(a.cachedAddresses[0].second, QStringLiteral("10.44.0.2,1194,tcp"));
        // The session key never replays: the recorded seq 2 is now stale, or dropped
        // before any RSA as a copy of the one B took (audit F4).
        b.nowMs += PrivateKeyBudget::kPrefixIntervalMs; // past B's decrypt interval
        QCOMPARE(ba.receive(recorded(3)).outcome,
                 recordedSeq2 ? PeerSession::Outcome::DuplicateNewSession : PeerSession::Outcome::StaleKey);
    }

    // Both live handshakes of the capture, replayed on our sessions.
    void liveHandshakes_data()
    {
        QTest::addColumn<QString>("initiator");
        QTest::addColumn<QString>("initiatorFile");
        QTest::addColumn<QString>("keyName");
        QTest::newRow("n1 -> n3") << "n1" << "node-1-16" << "n1+n3";
        QTest::newRow("reg -> n3") << "reg" << "node-0-16" << "n3+reg";
    }

    void liveHandshakes()
    {
        QFETCH(QString, initiator);
        QFETCH(QString, initiatorFile);
        QFETCH(QString, keyName);
        const QJsonObject doc = test::vectorJson("peer-protocol/live-capture.json").object();
        const QByteArray sessionKey = hex(doc["session_keys"].toObject()[keyName]);
        // The datagrams between the initiator and n3 from its seq 1 on, in capture order.
        QList<QJsonObject> flow;
        for (const auto &v : doc["datagrams"].toArray()) {
            const QJsonObject dg = v.toObject();
            const bool between = (dg["from"] == initiator && dg["to"] == "n3")
                || (dg["from"] == "n3" && dg["to"] == initiator);
            if (!between) continue;
            if (dg["decoded"].toObject()["seq"].toInt() == 1) flow.clear();
            if (!flow.isEmpty() || dg["decoded"].toObject()["seq"].toInt() == 1) flow.append(dg);
        }
        QVERIFY(flow.size() >= 4);
        QVERIFY(flow[0]["from"] == initiator);
        Node me, n3;
        me.init(initiatorFile, m_ca);
        n3.init("node-3-16", m_ca);
        me.registryNode = initiator == "reg";
        me.ctx.networkVersion = n3.ctx.networkVersion =
            hex(m_doc["version_blobs_hex"].toObject()["2"]);
        me.nowMs = n3.nowMs = qint64(flow[0]["time"].toDouble() * 1000);
        me.ctx.initialKey = n3.ctx.initialKey = QByteArray(20, '\0');
        me.addresses = "10.44.0.2,1194,tcp";
        n3.addresses = "10.44.0.4,1194,tcp";
        n3.info = "0-660.gcb13b00, Linux-6.18.44-fc-v657-x86_64-with-glibc2.36";
        n3.clientPeers = QStringList{"2/16", "0/16"};
        n3.servedPeers = QStringList{"1/16"};

        // The initiator learnt n3's certificate from an earlier hello0 of n3.
        PeerSession mine(me.ctx);
        PeerSession n3Helper(n3.ctx, me.prefix);
        const auto learn = mine.receive(n3Helper.helloDatagram());
        QCOMPARE(learn.outcome, PeerSession::Outcome::Accepted);
        QCOMPARE(mine.prefix(), n3.prefix);
        // ...so its hello0 is exactly the recorded seq 1.
        QCOMPARE(learn.replies, QList<QByteArray>{hex(flow[0]["hex"])});

        // n3 (our implementation) accepts that seq 1 and opens a session of its own.
        PeerSession theirs(n3.ctx);
        const auto r1 = theirs.receive(hex(flow[0]["hex"]));
        QCOMPARE(r1.outcome, PeerSession::Outcome::Accepted);
        QVERIFY(r1.hello && r1.hello->fingerprintMatches);
        QCOMPARE(r1.replies.size(), 1);
        QCOMPARE(r1.replies[0].size(), 517);

        // The initiator accepts upstream n3's seq 2 and sends its version, byte for byte.
        QCOMPARE(flow[1]["decoded"].toObject()["seq"].toInt(), 2);
        const auto r2 = mine.receive(hex(flow[1]["hex"]));
        QCOMPARE(r2.outcome, PeerSession::Outcome::Accepted);
        QCOMPARE(mine.key(), sessionKey);
        QCOMPARE(r2.replies, QList<QByteArray>{hex(flow[2]["hex"])});
        // Then the rest of the flow: n3's datagrams are accepted, and every datagram of
        // the initiator is what our session produces (answers, ACKs, its own requests).
        QList<QByteArray> produced;
        int fromN3 = 0, fromMe = 0;
        for (int k = 3; k < flow.size(); ++k) {
            const QByteArray bytes = hex(flow[k]["hex"]);
            QVERIFY(std::get<PeerDatagram>(PeerDatagram::decode(bytes)).hmacMatches(sessionKey));
            if (flow[k]["from"] == "n3") {
                const auto r = mine.receive(bytes);
                QCOMPARE(r.outcome, PeerSession::Outcome::Accepted);
                QVERIFY(r.payload);
                if (const auto answer = me.process(mine, *r.payload)) produced.append(mine.send(*answer));
                ++fromN3;
            } else {
                if (!produced.isEmpty())
                    QCOMPARE(produced.takeFirst(), bytes);
                else
                    QCOMPARE(mine.send(std::get<PeerDatagram>(PeerDatagram::decode(bytes)).payload()), bytes);
                ++fromMe;
            }
        }
        QVERIFY(produced.isEmpty());
        QVERIFY(fromN3 >= 2 && fromMe >= 2);
        QCOMPARE(me.toRegistry.size(), me.registryNode ? 2 : 0); // relayed 0x84 and 0x85 answers
        // Replayed: a copy of the seq 2 we took, dropped before any RSA (audit F4).
        QCOMPARE(mine.receive(hex(flow[1]["hex"])).outcome, PeerSession::Outcome::DuplicateNewSession);
    }

    void liveDataDatagramsVerify()
    {
        const QJsonObject doc = test::vectorJson("peer-protocol/live-capture.json").object();
        int valid = 0;
        for (const auto &v : doc["datagrams"].toArray()) {
            const QJsonObject dec = v.toObject()["decoded"].toObject();
            if (!dec["hmac_key_hex"].isString()) continue;
            const auto d = PeerDatagram::decode(hex(v.toObject()["hex"]));
            QVERIFY(std::get<PeerDatagram>(d).hmacMatches(hex(dec["hmac_key_hex"])));
            ++valid;
        }
        QCOMPARE(valid, 13);
    }

    void certificateChecks()
    {
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        using O = PeerSession::Outcome;
        int repliedToRefused = 0;
        auto outcomeOf = [&](const QByteArray &hello) {
            PeerSession s(a.ctx);
            const auto r = s.receive(hello);
            if (r.outcome != O::Accepted && !r.replies.isEmpty()) ++repliedToRefused;
            if (r.outcome != O::Accepted && s.hasCertificate()) ++repliedToRefused;
            return r.outcome;
        };
        QCOMPARE(outcomeOf(recorded(2)), O::Accepted);
        // Clock injected: before notBefore, after notAfter.
        a.nowMs = qint64(b.ctx.certificate.notBefore() - 1) * 1000;
        QCOMPARE(outcomeOf(recorded(2)), O::CertificateNotYetValid);
        a.nowMs = qint64(b.ctx.certificate.notAfter() + 1) * 1000;
        QCOMPARE(outcomeOf(recorded(2)), O::CertificateExpired);
        a.nowMs = m_t0Ms + 86400 * 1000LL * 200; // 2027-06, inside the validity
        QCOMPARE(outcomeOf(recorded(2)), O::Accepted);
        // CRL: B's serial (2) revoked.
        a.ctx.crl = {5, 2};
        QCOMPARE(outcomeOf(recorded(2)), O::CertificateRevoked);
        a.ctx.crl.clear();
        a.nowMs = m_t0Ms;
        // Protocol floor.
        a.ctx.minProtocol = 11;
        QCOMPARE(outcomeOf(recorded(2)), O::ProtocolTooOld);
        a.ctx.minProtocol = 10;
        QCOMPARE(outcomeOf(recorded(2)), O::Accepted);
        a.ctx.minProtocol = 0;
        // The CA itself is signed by the CA but its CN is no prefix.
        QCOMPARE(outcomeOf(PeerDatagram::encodeHello(10, {}, m_ca.toDer())), O::CertificateInvalid);
        QCOMPARE(outcomeOf(PeerDatagram::encodeHello(10, {}, "not a certificate")), O::CertificateInvalid);
        // Signed by our CA, but naming two nodes (a CSR with two CNs, issued by a
        // registry that removed only the first): no one's (audit, high).
        {
            const qint64 from = m_t0Ms / 1000 - 3600, to = m_t0Ms / 1000 + 86400;
            const auto twoNames = crypto::Certificate::issue(
                m_ca, loadKey("ca.key"), 77, {{"CN", "0/16"}, {"serialNumber", "2"}, {"CN", "1/16"}}, b.ctx.key, from, to);
            QVERIFY(twoNames);
            QVERIFY(twoNames->commonName().isNull());
            QCOMPARE(outcomeOf(PeerDatagram::encodeHello(10, {}, twoNames->toDer())), O::CertificateInvalid);
        }

        // A certificate for 1/16 issued by a foreign CA (same subject, same key).
        const auto foreignKey = crypto::RsaKey::generate(2048);
        QVERIFY(foreignKey);
        const crypto::Subject caSubject{{"CN", "re6st.example.com"}, {"emailAddress", "re6st@example.com"}};
        const qint64 from = m_t0Ms / 1000 - 3600, to = m_t0Ms / 1000 + 86400;
        const auto foreignCa = crypto::Certificate::selfSignedCa(*foreignKey, "120010db80042", caSubject, from, to);
        QVERIFY(foreignCa);
        const auto forged = crypto::Certificate::issue(*foreignCa, *foreignKey, 2, b.ctx.certificate.subject(),
                                                       b.ctx.key, from, to);
        QVERIFY(forged);
        QCOMPARE(forged->commonName(), QStringLiteral("1/16"));
        const QByteArray fpA = *a.ctx.certificate.fingerprint("sha1");
        QCOMPARE(outcomeOf(PeerDatagram::encodeHello(10, {}, forged->toDer())), O::CertificateUntrusted);
        QCOMPARE(outcomeOf(PeerDatagram::encodeHello(10, fpA, forged->toDer())), O::CertificateUntrusted);
        // Even with the forged certificate known, its seq 2 cannot open a session on A.
        PeerSession s(a.ctx, b.prefix);
        QCOMPARE(s.receive(PeerDatagram::encodeHello(10, fpA, forged->toDer())).outcome, O::CertificateUntrusted);
        QVERIFY(!s.hasCertificate());
        QCOMPARE(s.receive(recorded(3)).outcome, O::UnknownPeerCertificate);
        QVERIFY(!s.isConnected());
        QCOMPARE(repliedToRefused, 0);
    }

    void protocolZeroPeer()
    {
        // seq 1 without protocol field: accepted on the retry; our seq 2 then omits it.
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        const QByteArray legacy = QByteArray::fromHex("00000001") + *a.ctx.certificate.fingerprint("sha1")
            + b.ctx.certificate.toDer();
        PeerSession ab(a.ctx, b.prefix);
        const auto r = ab.receive(legacy);
        QCOMPARE(r.outcome, PeerSession::Outcome::Accepted);
        QVERIFY(r.hello->fingerprintMatches);
        QCOMPARE(r.hello->protocol, quint64(0));
        QCOMPARE(r.replies.size(), 1);
        QCOMPARE(r.replies[0].size(), 516);
        // 00000002 E(256) S(256): no protocol byte. (Upstream receivers always try to
        // unpack one, so the decoder cannot tell this layout apart reliably.)
        QCOMPARE(r.replies[0].left(4), QByteArray::fromHex("00000002"));
        const QByteArray e = r.replies[0].mid(4, 256), sig = r.replies[0].mid(260);
        QCOMPARE(*b.ctx.key.decrypt(e), hex(m_doc["session_key_hex"]));
        QVERIFY(a.ctx.certificate.publicKey().verifySha512(e, sig));
    }

    void prefixRouting()
    {
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        // A guessed the sender was 2/16, but the certificate says 1/16.
        PeerSession guessed(a.ctx, "0000000000000010");
        const auto r = guessed.receive(recorded(2));
        QCOMPARE(r.outcome, PeerSession::Outcome::CertificatePrefixMismatch);
        QVERIFY(r.replies.isEmpty() && r.hello);
        QCOMPARE(r.hello->prefix, b.prefix);
        const auto sender = addressing::bitsFromIpv6("2001:db8:42:1::1");
        const QByteArray network = m_doc["network_bits"].toString().toLatin1();
        QVERIFY(PeerSession::certificateFitsSource(r.hello->prefix, sender->mid(network.size())));
        QVERIFY(!PeerSession::certificateFitsSource(r.hello->prefix, QByteArray("0000000000000011") + QByteArray(64, '0')));
        PeerSession right(a.ctx, r.hello->prefix);
        const auto accepted = right.acceptHello(*r.hello);
        QCOMPARE(accepted.outcome, PeerSession::Outcome::Accepted);
        QCOMPARE(accepted.replies.size(), 1);
        QCOMPARE(right.serial(), qint64(2));
        QCOMPARE(right.stopDate(), b.ctx.certificate.notAfter());
        QVERIFY(!right.isCertificateExpired());
        a.nowMs = (right.stopDate() + 1) * 1000;
        QVERIFY(right.isCertificateExpired());
    }

    void simultaneousHandshakesConverge()
    {
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        // B's secrets are a few seconds later than A's.
        auto later = std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(7), m_t0Us + 5000000});
        b.ctx.newSecret = [later] { return later->next(); };
        PeerSession ab(a.ctx, b.prefix), ba(b.ctx, a.prefix);
        // Both learn the other's certificate, then both receive a seq 1 at once.
        const auto rA = ab.receive(recorded(2)); // A -> seq 2 (key kA)
        QCOMPARE(rA.replies.size(), 1);
        const QByteArray seq2A = rA.replies[0];
        QVERIFY(ba.receive(recorded(1)).outcome == PeerSession::Outcome::Accepted);
        const QByteArray seq2B = ba.receive(ab.helloDatagram()).replies.value(0);
        QCOMPARE(seq2B.size(), 517);
        const QByteArray kA = ab.key(), kB = ba.key();
        QVERIFY(kB > kA);
        const auto atA = ab.receive(seq2B);
        QCOMPARE(atA.outcome, PeerSession::Outcome::Accepted);
        QCOMPARE(atA.replies.size(), 1); // version announcement
        QCOMPARE(ba.receive(seq2A).outcome, PeerSession::Outcome::StaleKey);
        QCOMPARE(ab.key(), kB);
        QCOMPARE(ba.key(), kB);
        QCOMPARE(ba.receive(atA.replies[0]).outcome, PeerSession::Outcome::Accepted);
        QVERIFY(ba.isConnected() && ab.isConnected());
    }

    // Audit F1/F4: the per-prefix interval and the global bucket (pure).
    void privateKeyBudget()
    {
        using Op = PrivateKeyBudget::Operation;
        PrivateKeyBudget b;
        const qint64 t = 1'000'000;
        QVERIFY(b.admit(Op::Sign, "01", t));
        QVERIFY(!b.admit(Op::Sign, "01", t + 1999));
        QVERIFY(b.admit(Op::Decrypt, "01", t + 1999)); // each kind has its own interval
        QVERIFY(b.admit(Op::Sign, "01", t + 2000));
        QVERIFY(b.admit(Op::Sign, "01", t - 5000)); // clock set back: not blocked for long
        QCOMPARE(b.spent(Op::Sign), quint64(3));
        QCOMPARE(b.spent(Op::Decrypt), quint64(1));
        // The bucket: kBurst at once (4 spent above), then kPerSecond a second.
        PrivateKeyBudget g;
        int admitted = 0;
        for (int i = 0; i < 1000; ++i) admitted += g.admit(Op::Decrypt, QByteArray::number(i, 2), t);
        QCOMPARE(admitted, PrivateKeyBudget::kBurst);
        for (int i = 1000; i < 2000; ++i) admitted += g.admit(Op::Sign, QByteArray::number(i, 2), t + 1000);
        QCOMPARE(admitted, PrivateKeyBudget::kBurst + PrivateKeyBudget::kPerSecond);
        for (int i = 2000; i < 7000; ++i) admitted += g.admit(Op::Sign, QByteArray::number(i, 2), t + 1000000);
        QCOMPARE(admitted, 2 * PrivateKeyBudget::kBurst + PrivateKeyBudget::kPerSecond); // capped at kBurst
    }

    // Audit F1: the hello B sends A is public, so a forger can send the same bytes
    // first. The copy costs nothing within the interval, and B still connects: A's
    // seq 2 (answering the forgery) reaches B (replies go to B's own address).
    void forgedHelloBeforeGenuine()
    {
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        PeerSession ab(a.ctx, b.prefix), ba(b.ctx, a.prefix);
        QCOMPARE(ba.receive(recorded(1)).outcome, PeerSession::Outcome::Accepted); // B learns A's cert
        const QByteArray hello = recorded(2);                                      // B -> A seq 1
        const auto forged = ab.receive(hello);
        QCOMPARE(forged.replies.size(), 1);
        const QByteArray key = ab.key();
        for (int i = 0; i < 1000; ++i) { // the genuine one and more copies: no RSA
            a.nowMs += 1;
            QCOMPARE(ab.receive(hello).outcome, PeerSession::Outcome::OverBudget);
        }
        QCOMPARE(a.ctx.privateKeyBudget->spent(PrivateKeyBudget::Operation::Sign), quint64(1));
        QCOMPARE(ab.key(), key);
        const auto atB = ba.receive(forged.replies[0]);
        QCOMPARE(atB.outcome, PeerSession::Outcome::Accepted);
        QCOMPARE(ab.receive(atB.replies.value(0)).outcome, PeerSession::Outcome::Accepted); // code 0
        QVERIFY(ab.isConnected() && ba.isConnected());
        a.nowMs += PrivateKeyBudget::kPrefixIntervalMs;
        QCOMPARE(ab.receive(hello).replies.size(), 1); // a later hello is answered again
    }

    // Audit F4: a seq 2 seen before is dropped without RSA; distinct ones are
    // decrypted at most once per prefix interval.
    void duplicateSessionKeyNotDecrypted()
    {
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        PeerSession ab(a.ctx, b.prefix), ba(b.ctx, a.prefix);
        QCOMPARE(ba.receive(recorded(1)).outcome, PeerSession::Outcome::Accepted);
        const QByteArray seq2 = ab.receive(recorded(2)).replies.value(0);
        const auto decrypts = [&b] { return b.ctx.privateKeyBudget->spent(PrivateKeyBudget::Operation::Decrypt); };
        QCOMPARE(ba.receive(seq2).outcome, PeerSession::Outcome::Accepted);
        QCOMPARE(decrypts(), quint64(1));
        for (int i = 0; i < 1000; ++i) {
            b.nowMs += 10; // past the interval too: still no decrypt
            QCOMPARE(ba.receive(seq2).outcome, PeerSession::Outcome::DuplicateNewSession);
        }
        QCOMPARE(decrypts(), quint64(1));
        // A new valid one within the interval: not decrypted; after it: decrypted.
        const auto e = b.ctx.certificate.publicKey().encrypt(PeerSession::makeSecret(1, 2, 3));
        const QByteArray other = PeerDatagram::encodeNewSession(10, *e, *a.ctx.key.signSha512(*e));
        QCOMPARE(ba.receive(other).outcome, PeerSession::Outcome::StaleKey); // 10 s later
        b.nowMs += 1;
        const auto e2 = b.ctx.certificate.publicKey().encrypt(PeerSession::makeSecret(1, 2, 4));
        const QByteArray third = PeerDatagram::encodeNewSession(10, *e2, *a.ctx.key.signSha512(*e2));
        QCOMPARE(ba.receive(third).outcome, PeerSession::Outcome::OverBudget);
        QCOMPARE(decrypts(), quint64(2));
        // Forged (unsigned) ones neither spend the budget nor push a seen one out.
        for (int i = 0; i < 20; ++i) {
            QByteArray junk = third;
            junk[junk.size() - 1 - i] = char(junk[junk.size() - 1 - i] ^ 1);
            QCOMPARE(ba.receive(junk).outcome, PeerSession::Outcome::SignatureInvalid);
        }
        QCOMPARE(ba.receive(seq2).outcome, PeerSession::Outcome::DuplicateNewSession);
        QVERIFY(ba.isConnected());
    }

    void liveness()
    {
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        PeerSession ab(a.ctx, b.prefix), ba(b.ctx);
        ab.send(std::nullopt);
        ba.receive(recorded(1));
        const QByteArray seq2 = ab.receive(recorded(2)).replies.value(0);
        // Sender of seq 2 is not connected: data is dropped (hello0 still rate-limited).
        QCOMPARE(ab.send(QByteArray("\x01")), QByteArray());
        QCOMPARE(ab.sentSeq(), quint32(2));
        const auto opened = ba.receive(seq2);
        QVERIFY(opened.sessionOpened);
        QCOMPARE(ba.lastReceivedMs(), b.nowMs); // the seq 2 datagram
        QCOMPARE(ab.lastReceivedMs(), 0);
        QCOMPARE(ab.receive(opened.replies[0]).outcome, PeerSession::Outcome::Accepted);
        QVERIFY(ab.isConnected());
        const qint64 answered = a.nowMs;
        QCOMPARE(ab.lastReceivedMs(), answered);
        // An empty ACK does not start the timer.
        const QByteArray ack = ab.send(QByteArray());
        QCOMPARE(ack.size(), 24);
        a.nowMs += 120000;
        QVERIFY(ab.isConnected());
        // A request does: 60 s without any valid answer => dead.
        QCOMPARE(ab.send(QByteArray("\x01")).size(), 25);
        QCOMPARE(ab.lastReceivedMs(), answered); // sending is not hearing from the peer
        a.nowMs += 59999;
        QVERIFY(ab.isConnected());
        a.nowMs += 1;
        QVERIFY(!ab.isConnected());
        // Next send re-handshakes: hello0 seq 1 (we have B's cert); data dropped.
        const QByteArray hello = ab.send(QByteArray("\x04"));
        QCOMPARE(hello.left(4), QByteArray::fromHex("00000001"));
        QCOMPARE(hello, ab.helloDatagram());
        QCOMPARE(ab.send(QByteArray("\x04")), QByteArray()); // rate-limited
        // A hello that could not leave (no route yet) does not count.
        a.nowMs += 1000;
        ab.sendFailed();
        QCOMPARE(ab.send(QByteArray("\x04")), hello);
        QCOMPARE(ab.send(QByteArray("\x04")), QByteArray());
        a.nowMs += 60000;
        QVERIFY(!ab.send(QByteArray("\x04")).isEmpty());
        // A valid data message revives the session.
        b.nowMs = a.nowMs;
        ba.receive(ack);
        QCOMPARE(ab.receive(ba.send(QByteArray())).outcome, PeerSession::Outcome::Accepted);
        QVERIFY(ab.isConnected());
        // send(nullopt) on a connected session sends nothing.
        QCOMPARE(ab.send(std::nullopt), QByteArray());
    }

    void garbageDoesNotCrash()
    {
        Node a, b;
        setupInprocess(a, b, std::make_shared<SeededSecrets>(SeededSecrets{PythonRandom(326), m_t0Us}));
        PeerSession ab(a.ctx, b.prefix), ba(b.ctx);
        ab.send(std::nullopt);
        ba.receive(recorded(1));
        ba.receive(ab.receive(recorded(2)).replies.value(0));
        const quint32 i = ba.receivedSeq();
        const QByteArray key = ba.key();
        int malformed = 0;
        for (int n = 1; n <= 27; ++n) {
            const QByteArray bytes = recorded(n);
            for (qsizetype len = 0; len < bytes.size(); len += (len < 40 ? 1 : 37)) {
                const auto r = ba.receive(bytes.left(len));
                QVERIFY(r.outcome != PeerSession::Outcome::Accepted || len > 4);
                if (r.outcome == PeerSession::Outcome::Malformed) ++malformed;
            }
        }
        QVERIFY(malformed > 27 * 5);
        QCOMPARE(ba.receive(QByteArray(70000, '\x03')).datagramError, PeerDatagram::Error::Oversized);
        QRandomGenerator rng(3);
        for (int k = 0; k < 500; ++k) {
            QByteArray junk(int(rng.bounded(600)), '\0');
            for (auto &ch : junk) ch = char(rng.bounded(256));
            if (junk.size() > 4 && k % 3 == 0) junk[0] = junk[1] = junk[2] = 0, junk[3] = char(k % 4);
            QVERIFY(ba.receive(junk).outcome != PeerSession::Outcome::Accepted || junk.size() > 4);
        }
        // Nothing forged got through: sequence and key untouched.
        QCOMPARE(ba.receivedSeq(), i);
        QCOMPARE(ba.key(), key);
    }
};

QTEST_GUILESS_MAIN(TestPeerSession)
#include "tst_peersession.moc"
