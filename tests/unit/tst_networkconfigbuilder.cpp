// SPDX-License-Identifier: GPL-2.0-or-later
// Network configuration texts (registry-protocol.md §9.1, §9.3) and the Babel
// HMAC rotation state machine (§9.5, upstream test_updateHMAC).
#include "Vectors.h"
#include "core/NetworkConfig.h"
#include "core/Zlib.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include "registry/NetworkConfigBuilder.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using re6st::registry::BabelHmacKeys;
using re6st::registry::NetworkConfigBuilder;
using re6st::registry::NetworkConfigOptions;

namespace {

// Options of the upstream registry that produced vectors/registry-db.
NetworkConfigOptions vectorOptions()
{
    NetworkConfigOptions o;
    o.clientCount = 2;
    o.hello = 4;
    o.ipv4 = QStringLiteral("10.45.0.0/16");
    o.ipv4Sublen = 8;
    o.maxClients = 4;
    return o;
}

QByteArray vectorVersionBlob()
{
    const QJsonObject config =
        re6st::test::vectorJson(QStringLiteral("registry-db/summary.json")).object().value("config").toObject();
    return QByteArray::fromHex(config.value("version").toObject().value("value").toString().toLatin1());
}

re6st::crypto::RsaKey node4PublicKey()
{
    const auto cert = re6st::crypto::Certificate::fromPem(re6st::test::readVector(QStringLiteral("crypto/node-4-16.crt")));
    return cert ? cert->publicKey() : re6st::crypto::RsaKey();
}

re6st::crypto::RsaKey node4PrivateKey()
{
    const auto key = re6st::crypto::RsaKey::fromPem(re6st::test::readVector(QStringLiteral("crypto/node-4-16.key")));
    return key ? *key : re6st::crypto::RsaKey();
}

// Value of "key": "<base64>" in a flat JSON text.
QByteArray stringField(const QByteArray &json, const QString &key)
{
    return QJsonDocument::fromJson(json).object().value(key).toString().toLatin1();
}

} // namespace

class TestNetworkConfigBuilder final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lastConfigMatchesUpstreamDb()
    {
        const QJsonObject s = NetworkConfigBuilder::staticConfig(vectorOptions(), "0000000000000000", {6});
        const QString expected = re6st::test::vectorJson(QStringLiteral("registry-db/summary.json"))
                                     .object()
                                     .value("config")
                                     .toObject()
                                     .value("last_config")
                                     .toObject()
                                     .value("value")
                                     .toString();
        QCOMPARE(QString::fromLatin1(NetworkConfigBuilder::lastConfigText(s)), expected);
        QVERIFY(!s.contains(QStringLiteral("same_country")));
        QVERIFY(!s.contains(QStringLiteral("version")));
    }

    void lastConfigSpecExample()
    {
        NetworkConfigOptions o;
        o.ipv4 = QStringLiteral("10.42.0.0/16");
        o.ipv4Sublen = 8;
        o.sameCountry = QStringList{QStringLiteral("FR")};
        const QJsonObject s = NetworkConfigBuilder::staticConfig(o, "0000000000000000", {3, 7});
        // registry-protocol.md §9.3 example, byte for byte.
        QCOMPARE(NetworkConfigBuilder::lastConfigText(s),
                 QByteArray("{\"babel_default\": \"max-rtt-penalty 5000 rtt-max 500 rtt-decay 125\", "
                            "\"client_count\": 10, \"crl\": [3, 7], \"encrypt\": false, \"hello\": 15, "
                            "\"ipv4\": \"10.42.0.0/16\", \"ipv4_sublen\": 8, \"max_clients\": 20, "
                            "\"min_protocol\": 1, \"protocol\": 10, \"registry_prefix\": \"0000000000000000\", "
                            "\"same_country\": [\"FR\"], \"tunnel_refresh\": 300}"));
        // Without --ipv4 both keys are absent; encrypt true is a JSON bool.
        NetworkConfigOptions bare;
        bare.encrypt = true;
        const QByteArray text = NetworkConfigBuilder::lastConfigText(NetworkConfigBuilder::staticConfig(bare, "", {}));
        QVERIFY(!text.contains("ipv4"));
        QVERIFY(text.contains("\"crl\": [], \"encrypt\": true"));
        QVERIFY(text.contains("\"registry_prefix\": \"\""));
    }

    void clientJsonMatchesUpstream()
    {
        const QJsonObject s = NetworkConfigBuilder::staticConfig(vectorOptions(), "0000000000000000", {6});
        BabelHmacKeys keys;
        keys.h0 = QByteArray::fromHex("5e875af7ecc53a0570fcf2b176fadcd2");
        QString error;
        const auto json = NetworkConfigBuilder::clientConfigJson(s, vectorVersionBlob(), std::nullopt, keys,
                                                                 node4PublicKey(), &error);
        QVERIFY2(json, qPrintable(error));
        const QByteArray upstream = re6st::test::readVector(QStringLiteral("registry-http/getNetworkConfig.json"));
        // Everything up to the (randomly padded) encrypted key is identical.
        const QByteArray marker = "\"babel_hmac_sign\": \"";
        const qsizetype cut = upstream.indexOf(marker);
        QVERIFY(cut > 0);
        QCOMPARE(json->left(cut + marker.size()), upstream.left(cut + marker.size()));
        QVERIFY(json->endsWith("\"}"));
        QVERIFY(!json->contains("babel_hmac_accept"));
        QCOMPARE(json->size(), upstream.size()); // same key size -> same base64 length
        const auto plain = node4PrivateKey().decrypt(QByteArray::fromBase64(stringField(*json, "babel_hmac_sign")));
        QVERIFY(plain);
        QCOMPARE(plain->toHex(), QByteArray("5e875af7ecc53a0570fcf2b176fadcd2"));
    }

    void clientJsonDecodesOnNodeSide()
    {
        const QJsonObject s = NetworkConfigBuilder::staticConfig(vectorOptions(), "0000000000000000", {6});
        BabelHmacKeys keys{std::nullopt, QByteArray::fromHex("00112233445566778899aabbccddeeff"), QByteArray("", 0)};
        QString error;
        const auto json = NetworkConfigBuilder::clientConfigJson(s, vectorVersionBlob(), 1718000000.25, keys,
                                                                 node4PublicKey(), &error);
        QVERIFY2(json, qPrintable(error));
        // §9.1 BUG note: the empty accept key is sent as "".
        QVERIFY(json->endsWith(", \"babel_hmac_accept\": \"\"}"));
        QVERIFY(json->contains("\"version\": \"Agg7d1TU"));
        QVERIFY(json->contains(", \"valid_until\": 1718000000.25, \"babel_hmac_sign\": \""));

        const auto ca = re6st::crypto::Certificate::fromPem(re6st::test::readVector(QStringLiteral("crypto/ca.crt")));
        QVERIFY(ca);
        const auto decoded =
            re6st::NetworkConfig::decode(re6st::zlib::compress(*json), node4PrivateKey(), ca->publicKey(), &error);
        QVERIFY2(decoded, qPrintable(error));
        QCOMPARE(decoded->values.value(QStringLiteral("babel_hmac_sign")).toByteArray().toHex(),
                 QByteArray("00112233445566778899aabbccddeeff"));
        QVERIFY(decoded->values.value(QStringLiteral("babel_hmac_accept")).toByteArray().isEmpty());
        QCOMPARE(decoded->version(), vectorVersionBlob());
        QCOMPARE(decoded->values.value(QStringLiteral("client_count")).toInt(), 2);
    }

    void validUntilIsPythonFloat()
    {
        const QJsonObject s = NetworkConfigBuilder::staticConfig({}, "", {});
        QString error;
        auto json = NetworkConfigBuilder::clientConfigJson(s, QByteArray(1, '\0'), 1718000000.0, {},
                                                           node4PublicKey(), &error);
        QVERIFY(json);
        QVERIFY2(json->endsWith("\"version\": \"AA==\", \"valid_until\": 1718000000.0}"), json->constData());
        json = NetworkConfigBuilder::clientConfigJson(s, QByteArray(1, '\0'), 1764151234.5678, {}, node4PublicKey(),
                                                      &error);
        QVERIFY(json);
        QVERIFY2(json->endsWith("\"valid_until\": 1764151234.5678}"), json->constData());
    }

    void encryptionFailureIsReported()
    {
        BabelHmacKeys keys;
        keys.h0 = QByteArray(16, 'k');
        QString error;
        const auto json = NetworkConfigBuilder::clientConfigJson(NetworkConfigBuilder::staticConfig({}, "", {}), "v",
                                                                 std::nullopt, keys, re6st::crypto::RsaKey(), &error);
        QVERIFY(!json);
        QVERIFY(error.contains(QStringLiteral("babel_hmac_sign")));
    }

    void signAndAccept()
    {
        const QByteArray k = "K", n = "N";
        QCOMPARE((BabelHmacKeys{k, std::nullopt, std::nullopt}.sign()), std::optional<QByteArray>(k));
        QVERIFY(!(BabelHmacKeys{k, std::nullopt, std::nullopt}.accept()));
        QCOMPARE((BabelHmacKeys{std::nullopt, n, k}.sign()), std::optional<QByteArray>(n));
        QCOMPARE((BabelHmacKeys{std::nullopt, n, k}.accept()), std::optional<QByteArray>(k));
        QCOMPARE((BabelHmacKeys{k, n, std::nullopt}.accept()), std::optional<QByteArray>(n));
        QVERIFY(!BabelHmacKeys{}.sign());
    }

    // Upstream test_updateHMAC: 5 steps starting from no key at all.
    void rotationFiveSteps()
    {
        const double now = 1764150000.5;
        const QByteArray k1 = QByteArray::fromHex("11111111111111111111111111111111");
        const QByteArray k2 = QByteArray::fromHex("22222222222222222222222222222222");
        const QByteArray unused = QByteArray::fromHex("99999999999999999999999999999999");

        // 1: (-,-,-) -> (-, K1, "")
        auto r = NetworkConfigBuilder::rotateHmac({}, now, k1);
        QCOMPARE(r.keys, (BabelHmacKeys{std::nullopt, k1, QByteArray("", 0)}));
        QVERIFY(r.keys.h2 && r.keys.h2->isEmpty());
        QVERIFY(!r.validUntil);
        QCOMPARE(r.keys.accept(), std::optional<QByteArray>(QByteArray()));

        // 2: (-, K1, "") -> (K1, -, -)
        r = NetworkConfigBuilder::rotateHmac(r.keys, now, unused);
        QCOMPARE(r.keys, (BabelHmacKeys{k1, std::nullopt, std::nullopt}));
        QVERIFY(!r.validUntil);

        // 3: (K1, -, -) -> (K1, K2, -) with valid_until > now
        r = NetworkConfigBuilder::rotateHmac(r.keys, now, k2);
        QCOMPARE(r.keys, (BabelHmacKeys{k1, k2, std::nullopt}));
        QVERIFY(r.validUntil);
        QVERIFY(*r.validUntil > now);
        QCOMPARE(*r.validUntil, now + 3600);

        // 4: (K1, K2, -) -> (-, K2, K1)
        r = NetworkConfigBuilder::rotateHmac(r.keys, now, unused);
        QCOMPARE(r.keys, (BabelHmacKeys{std::nullopt, k2, k1}));
        QVERIFY(!r.validUntil);
        QCOMPARE(r.keys.sign(), std::optional<QByteArray>(k2));
        QCOMPARE(r.keys.accept(), std::optional<QByteArray>(k1));

        // 5: (-, K2, K1) -> (K2, -, -)
        r = NetworkConfigBuilder::rotateHmac(r.keys, now, unused);
        QCOMPARE(r.keys, (BabelHmacKeys{k2, std::nullopt, std::nullopt}));
        QVERIFY(!r.validUntil);
    }
};

QTEST_GUILESS_MAIN(TestNetworkConfigBuilder)
#include "tst_networkconfigbuilder.moc"
