// SPDX-License-Identifier: GPL-2.0-or-later
// Peer datagram layout (node-protocol.md §6.2) and payload codes (§6.6) against every
// datagram upstream exchanged in peer-protocol/*.json.
#include "Vectors.h"
#include "core/PeerDatagram.h"
#include "core/PeerPayload.h"
#include "core/crypto/Digest.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace re6st;

namespace {

QByteArray hex(const QJsonValue &v)
{
    return QByteArray::fromHex(v.toString().toLatin1());
}

PeerDatagram decodeOk(const QByteArray &bytes, bool protocolField = true)
{
    auto d = PeerDatagram::decode(bytes, protocolField);
    if (!std::holds_alternative<PeerDatagram>(d)) qFatal("datagram unexpectedly rejected");
    return std::get<PeerDatagram>(d);
}

std::optional<PeerDatagram::Error> errorOf(const QByteArray &bytes)
{
    auto d = PeerDatagram::decode(bytes);
    if (const auto *e = std::get_if<PeerDatagram::Error>(&d)) return *e;
    return std::nullopt;
}

} // namespace

class TestPeerDatagram final : public QObject
{
    Q_OBJECT
private:
    struct Counts
    {
        int hello0 = 0, hello1 = 0, session = 0, data = 0, keyed = 0, validHmac = 0;
    };

    // Decodes every peer datagram of `file` and checks it against the recorded fields;
    // re-encodes it from those fields.
    static void checkFile(const QString &file, Counts &c)
    {
        const auto datagrams = test::vectorJson(file).object()["datagrams"].toArray();
        for (const QJsonValue &v : datagrams) {
            const QJsonObject dg = v.toObject();
            const QJsonObject dec = dg["decoded"].toObject();
            if (dec["kind"].toString() == QLatin1String("local registry channel")) continue;
            const QByteArray bytes = hex(dg["hex"]);
            QCOMPARE(bytes.size(), dg["len"].toInt());
            const PeerDatagram d = decodeOk(bytes);
            QCOMPARE(qint64(d.seq()), dec["seq"].toInteger());
            const QString kind = dec["kind"].toString();
            if (d.seq() == 0) {
                QVERIFY(kind.startsWith("hello0"));
                QCOMPARE(d.kind(), PeerDatagram::Kind::HelloNoCert);
                QCOMPARE(d.certificateDer().size(), dec["cert_der_len"].toInt());
                QCOMPARE(crypto::sha1(d.certificateDer()), hex(dec["cert_der_sha1"]));
                QCOMPARE(PeerDatagram::encodeHello(10, {}, d.certificateDer()), bytes);
                ++c.hello0;
            } else if (d.seq() == 1) {
                QVERIFY(kind.startsWith("hello0"));
                QCOMPARE(d.kind(), PeerDatagram::Kind::HelloWithCert);
                QCOMPARE(qint64(d.protocol().value_or(0)), dec["protocol"].toInteger());
                QCOMPARE(d.receiverFingerprint(), hex(dec["receiver_cert_sha1"]));
                QCOMPARE(d.certificateDer().size(), dec["cert_der_len"].toInt());
                if (dec.contains("cert_der_sha1"))
                    QCOMPARE(crypto::sha1(d.certificateDer()), hex(dec["cert_der_sha1"]));
                QCOMPARE(PeerDatagram::encodeHello(*d.protocol(), d.receiverFingerprint(),
                                                   d.certificateDer()),
                         bytes);
                ++c.hello1;
            } else if (d.seq() == 2) {
                QVERIFY(kind.startsWith("hello (new session"));
                QCOMPARE(d.kind(), PeerDatagram::Kind::NewSession);
                QCOMPARE(qint64(d.protocol().value_or(0)), dec["protocol"].toInteger());
                QCOMPARE(d.encryptedKey().size(), 256);
                QCOMPARE(d.signature().size(), 256);
                if (dec.contains("encrypted_secret_hex")) {
                    QCOMPARE(d.encryptedKey(), hex(dec["encrypted_secret_hex"]));
                    QCOMPARE(d.signature(), hex(dec["signature_hex"]));
                }
                QCOMPARE(PeerDatagram::encodeNewSession(d.protocol(), d.encryptedKey(), d.signature()),
                         bytes);
                ++c.session;
            } else {
                QCOMPARE(kind, QStringLiteral("data"));
                QCOMPARE(d.kind(), PeerDatagram::Kind::Data);
                QCOMPARE(d.payload(), hex(dec["payload_hex"]));
                QCOMPARE(d.hmac(), hex(dec["hmac_hex"]));
                checkPayload(d.payload(), dec);
                ++c.data;
                if (dec["hmac_key_hex"].isString()) {
                    const QByteArray key = hex(dec["hmac_key_hex"]);
                    QCOMPARE(key.size(), 20);
                    ++c.keyed;
                    const bool valid = dec["hmac_valid"].toBool();
                    QCOMPARE(d.hmacMatches(key), valid);
                    QCOMPARE(PeerDatagram::encodeData(d.seq(), d.payload(), key) == bytes, valid);
                    QCOMPARE(PeerDatagram::dataHmac(d.seq(), d.payload(), key) == d.hmac(), valid);
                    if (valid) ++c.validHmac;
                    if (dec.contains("hmac_input_hex"))
                        QCOMPARE(bytes.left(4) + d.payload(), hex(dec["hmac_input_hex"]));
                    // Any flipped bit breaks the HMAC.
                    QByteArray flipped = bytes;
                    flipped[flipped.size() / 2] = char(flipped[flipped.size() / 2] ^ 0x10);
                    QVERIFY(!decodeOk(flipped).hmacMatches(key));
                }
            }
        }
    }

    static void checkPayload(const QByteArray &payload, const QJsonObject &dec)
    {
        const auto p = PeerPayload::parse(payload);
        if (payload.isEmpty()) {
            QVERIFY(!p);
            return;
        }
        QVERIFY(p);
        QCOMPARE(int(p->code()), dec["code"].toInt());
        QCOMPARE(p->relayed(), dec["relayed_flag"].toBool());
        QCOMPARE(p->encode(), payload);
        if (dec.contains("body_hex")) QCOMPARE(p->body(), hex(dec["body_hex"]));
        if (dec.contains("body_text")) QCOMPARE(QString::fromUtf8(p->body()), dec["body_text"].toString());
        if (p->code() == PeerPayload::Topology && !p->body().isEmpty()) {
            const auto topo = PeerPayload::parseTopology(p->body());
            QVERIFY(topo);
            QCOMPARE(PeerPayload::topology(topo->peers.mid(0, topo->clientCount),
                                           topo->peers.mid(topo->clientCount)),
                     p->body());
        }
        if (p->code() == PeerPayload::Address && !p->body().isEmpty()) {
            const QString text = QString::fromUtf8(p->body());
            QCOMPARE(PeerAddress::dumpList(PeerAddress::parseList(text)), text);
        }
    }

private Q_SLOTS:
    void inprocessExchange()
    {
        Counts c;
        checkFile("peer-protocol/inprocess-exchange.json", c);
        QCOMPARE(c.hello0, 1);
        QCOMPARE(c.hello1, 1);
        QCOMPARE(c.session, 1);
        QCOMPARE(c.data, 20);
        QCOMPARE(c.keyed, 20);
        QCOMPARE(c.validHmac, 19); // #27 (seq rewritten to 0x7f) must not verify
    }

    void liveCapture()
    {
        Counts c;
        checkFile("peer-protocol/live-capture.json", c);
        QCOMPARE(c.hello1, 2);
        QCOMPARE(c.session, 2);
        QCOMPARE(c.data, 71);
        QCOMPARE(c.keyed, 13);
        QCOMPARE(c.validHmac, 13);
    }

    void specExamples()
    {
        // §6.2 / vectors README: #7 = 00000004 01 HMAC.
        const QByteArray key = QByteArray::fromHex("0006612b6d081c40cdf8f3cd0a9f6e5a7772a78c");
        QCOMPARE(PeerDatagram::encodeData(4, "\x01", key).toHex(),
                 QByteArray("0000000401c4182eaae788f45aa47f3435763822b76e07cd45"));
        // Empty payload = ACK, 24 bytes.
        const QByteArray ack = PeerDatagram::encodeData(4, {}, key);
        QCOMPARE(ack.toHex(), QByteArray("000000045db7b87c6c8a76476436abd3d9826c0d02559650"));
        QVERIFY(decodeOk(ack).payload().isEmpty());
        QVERIFY(decodeOk(ack).hmacMatches(key));
        QVERIFY(!decodeOk(ack).hmacMatches(QByteArray(20, '\0')));
        // seq 2 without protocol (receiver announced protocol 0).
        const QByteArray e(256, 'E'), s(256, 'S');
        QCOMPARE(PeerDatagram::encodeNewSession(std::nullopt, e, s).size(), 516);
        const PeerDatagram noProto = decodeOk(PeerDatagram::encodeNewSession(std::nullopt, e, s));
        QVERIFY(!noProto.protocol());
        QCOMPARE(noProto.encryptedKey(), e);
        QCOMPARE(noProto.signature(), s);
        const PeerDatagram withProto = decodeOk(PeerDatagram::encodeNewSession(10, e, s));
        QCOMPARE(withProto.protocol(), std::optional<quint64>(10));
        QCOMPARE(withProto.encryptedKey(), e);
        // A large protocol number packs on several bytes.
        const PeerDatagram big = decodeOk(PeerDatagram::encodeNewSession(100000, e, s));
        QCOMPARE(big.protocol(), std::optional<quint64>(100000));
        QCOMPARE(big.signature(), s);
    }

    void protocolZeroLayout()
    {
        // seq 1 without protocol field: read as such only when asked (§6.2 retry).
        const QByteArray fp = QByteArray::fromHex("854bb77a584f4a83048bbf7a56412a66d532ff59");
        const QByteArray der("certificate bytes");
        const QByteArray legacy = QByteArray::fromHex("00000001") + fp + der;
        const PeerDatagram asModern = decodeOk(legacy);
        QCOMPARE(asModern.protocol().has_value(), true); // 0x85 read as a 5-byte integer
        QVERIFY(asModern.receiverFingerprint() != fp);
        const PeerDatagram asLegacy = decodeOk(legacy, false);
        QVERIFY(!asLegacy.protocol());
        QCOMPARE(asLegacy.receiverFingerprint(), fp);
        QCOMPARE(asLegacy.certificateDer(), der);
    }

    void rejections_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("error");
        using E = PeerDatagram::Error;
        QTest::newRow("empty") << QByteArray() << int(E::TooShort);
        QTest::newRow("seq only") << QByteArray::fromHex("00000003") << int(E::TooShort);
        QTest::newRow("oversized") << (QByteArray::fromHex("00000003") + QByteArray(65533, 'x'))
                                   << int(E::Oversized);
        QTest::newRow("seq1 short fingerprint") << QByteArray::fromHex("000000010a0102") << int(E::MissingFingerprint);
        QTest::newRow("seq1 no cert") << (QByteArray::fromHex("000000010a") + QByteArray(20, '\x11'))
                                      << int(E::MissingCertificate);
        QTest::newRow("seq2 protocol only") << QByteArray::fromHex("000000020a") << int(E::MissingSessionKey);
        QTest::newRow("seq2 uneven") << QByteArray::fromHex("00000002ff0102") << int(E::UnevenSessionHalves);
        QTest::newRow("data 19 bytes") << (QByteArray::fromHex("00000003") + QByteArray(19, 'h'))
                                       << int(E::MissingHmac);
        QTest::newRow("data seq max") << (QByteArray::fromHex("ffffffff") + QByteArray(5, 'h'))
                                      << int(E::MissingHmac);
    }

    void rejections()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, error);
        const auto e = errorOf(bytes);
        QVERIFY(e);
        QCOMPARE(int(*e), error);
        QVERIFY(!PeerDatagram::errorText(*e).isEmpty());
    }

    void boundaries()
    {
        // Exactly 65536 bytes is still read; a 24-byte data datagram is an ACK.
        QVERIFY(!errorOf(QByteArray::fromHex("00000003") + QByteArray(65532, 'x')));
        QVERIFY(!errorOf(QByteArray::fromHex("00000003") + QByteArray(20, 'h')));
        QVERIFY(!errorOf(QByteArray::fromHex("0000000000")));
        // A too-short protocol integer means "protocol 0, nothing consumed" (§6.2).
        const PeerDatagram shortProto = decodeOk(QByteArray::fromHex("00000002ff0102030405"));
        QVERIFY(!shortProto.protocol());
        QCOMPARE(shortProto.encryptedKey(), QByteArray::fromHex("ff0102"));
        QCOMPARE(shortProto.signature(), QByteArray::fromHex("030405"));
    }

    void truncatedAndGarbage()
    {
        // Every truncation of every recorded datagram decodes or fails cleanly.
        const auto datagrams =
            test::vectorJson("peer-protocol/inprocess-exchange.json").object()["datagrams"].toArray();
        int rejected = 0;
        for (const QJsonValue &v : datagrams) {
            const QByteArray bytes = hex(v.toObject()["hex"]);
            for (qsizetype n = 0; n < bytes.size(); ++n) {
                auto d = PeerDatagram::decode(bytes.left(n));
                if (std::holds_alternative<PeerDatagram::Error>(d)) ++rejected;
                auto legacy = PeerDatagram::decode(bytes.left(n), false);
                Q_UNUSED(legacy);
            }
        }
        QVERIFY(rejected > 27 * 5);
        QRandomGenerator rng(326);
        for (int k = 0; k < 2000; ++k) {
            QByteArray junk(int(rng.bounded(64)), '\0');
            for (auto &ch : junk) ch = char(rng.bounded(256));
            if (k % 4 == 0 && junk.size() >= 4) junk[0] = junk[1] = junk[2] = 0, junk[3] = char(k % 3);
            auto d = PeerDatagram::decode(junk);
            if (std::holds_alternative<PeerDatagram>(d)) QVERIFY(junk.size() > 4);
            if (junk.size() <= 4) QVERIFY(std::holds_alternative<PeerDatagram::Error>(d));
        }
    }

    void payloadCodes()
    {
        QVERIFY(!PeerPayload::parse({}));
        const auto relayed = PeerPayload::parse("\x84");
        QVERIFY(relayed);
        QCOMPARE(relayed->code(), quint8(4));
        QVERIFY(relayed->relayed());
        QVERIFY(!relayed->isRelayedAnswer()); // empty body: a request processed as code 4
        QCOMPARE(relayed->answer("info").encode(), QByteArray("\x84info"));
        QVERIFY(PeerPayload::parse("\x84info")->isRelayedAnswer());
        QCOMPARE(PeerPayload(PeerPayload::TunnelKillRequest, {}).encode(), QByteArray("\x02"));
        QCOMPARE(PeerPayload(PeerPayload::TunnelKillReady, {}).encode(), QByteArray("\x03"));
        QCOMPARE(PeerPayload(PeerPayload::Version, "\x02sig").encode(), QByteArray("\x00\x02sig", 5));
        QCOMPARE(PeerPayload(0x85, {}).code(), quint8(5)); // flag never leaks into the code
        QCOMPARE(PeerPayload::nodeInfo("0-660.gcb13b00", "Linux-6.1.0-x86_64-with-glibc2.36"),
                 QByteArray("0-660.gcb13b00, Linux-6.1.0-x86_64-with-glibc2.36"));
        QCOMPARE(PeerPayload::topology({"2/16"}, {"3/16"}), QByteArray("1 2/16 3/16"));
        QCOMPARE(PeerPayload::topology({}, {"1/16", "2/16", "3/16"}), QByteArray("0 1/16 2/16 3/16"));
        QCOMPARE(PeerPayload::topology({}, {}), QByteArray("0"));
        const auto topo = PeerPayload::parseTopology("2 0/16 1/16 3/16");
        QVERIFY(topo);
        QCOMPARE(topo->clientCount, 2);
        QCOMPARE(topo->peers, QStringList({"0/16", "1/16", "3/16"}));
        QVERIFY(!PeerPayload::parseTopology("3 0/16"));
        QVERIFY(!PeerPayload::parseTopology("x 0/16"));
        QVERIFY(!PeerPayload::parseTopology(""));
    }

    void addressStrings()
    {
        const QString text = QStringLiteral("198.51.100.7,1194,tcp;2001:db8::7,1194,tcp6,FR");
        const auto list = PeerAddress::parseList(text);
        QCOMPARE(list.size(), 2);
        QCOMPARE(list[0], (PeerAddress{"198.51.100.7", 1194, "tcp", {}}));
        QCOMPARE(list[1], (PeerAddress{"2001:db8::7", 1194, "tcp6", "FR"}));
        QCOMPARE(PeerAddress::dumpList(list), text);
        // Protocol < 7 peers get 3 fields only.
        QCOMPARE(PeerAddress::dumpList(list, false), QStringLiteral("198.51.100.7,1194,tcp;2001:db8::7,1194,tcp6"));
        // Bad ports are skipped, the rest kept.
        QCOMPARE(PeerAddress::parseList("10.0.0.1,x,udp;10.0.0.2,1194,udp;10.0.0.3,99999,udp;junk").size(), 1);
        QVERIFY(PeerAddress::parseList("").isEmpty());
        QVERIFY(PeerAddress::isKnownProto("udp4"));
        QVERIFY(!PeerAddress::isKnownProto("sctp"));
    }
};

QTEST_GUILESS_MAIN(TestPeerDatagram)
#include "tst_peerdatagram.moc"
