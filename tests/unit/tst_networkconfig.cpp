// SPDX-License-Identifier: GPL-2.0-or-later
// registry-protocol.md §3.2, §6.6 and §9.2: decoding the live getNetworkConfig answer.
#include "Vectors.h"
#include "core/NetworkConfig.h"
#include "core/NetworkVersion.h"
#include "core/Zlib.h"
#include "core/crypto/Certificate.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>
#include <zlib.h>

using namespace re6st;

class TestNetworkConfig final : public QObject
{
    Q_OBJECT
    crypto::RsaKey m_caKey;
    crypto::RsaKey m_node4;

private Q_SLOTS:
    void initTestCase()
    {
        m_caKey = crypto::RsaKey::fromPem(test::readVector("crypto/ca.key")).value();
        m_node4 = crypto::RsaKey::fromPem(test::readVector("crypto/node-4-16.key")).value();
    }

    void zlibLikePython()
    {
        const QByteArray json = test::readVector("registry-http/getNetworkConfig.json");
        const QByteArray z = zlib::compress(json);
        QCOMPARE(z.left(2).toHex(), QByteArray("789c"));
        QCOMPARE(zlib::decompress(z).value(), json);
        QVERIFY(!zlib::decompress("garbage"));
        QVERIFY(!zlib::decompress(z.left(z.size() - 3)));
        QVERIFY(!zlib::decompress(zlib::compress(QByteArray(100000, 'a')), 1000)); // bomb bound
    }

    // compress() reuses one deflate state per thread: each call must still
    // give exactly what a fresh compress2 at the default level gives (what
    // Python's zlib.compress gives), whatever came before it.
    void zlibReusedStateLikeFresh()
    {
        QByteArray noise;
        quint32 x = 12345;
        for (int i = 0; i < 200000; ++i) noise += char((x = x * 1103515245 + 12345) >> 24);
        const QByteArray json = test::readVector("registry-http/getNetworkConfig.json");
        for (const QByteArray &data : {json, QByteArray(), noise, QByteArray(70000, 'a'), json}) {
            uLongf size = compressBound(uLong(data.size()));
            QByteArray fresh(qsizetype(size), '\0');
            QCOMPARE(compress2(reinterpret_cast<Bytef *>(fresh.data()), &size,
                               reinterpret_cast<const Bytef *>(data.constData()), uLong(data.size()),
                               Z_DEFAULT_COMPRESSION),
                     Z_OK);
            fresh.resize(qsizetype(size));
            QCOMPARE(zlib::compress(data), fresh);
            QCOMPARE(zlib::decompress(zlib::compress(data)).value(), data);
        }
    }

    void decodeLiveAnswer()
    {
        const QJsonObject exchange = test::vectorJson("registry-http/exchange.json").object();
        const QByteArray body = QByteArray::fromHex(
            exchange["calls"].toArray()[0].toObject()["response_body_hex"].toString().toLatin1());
        QCOMPARE(zlib::decompress(body).value(), test::readVector("registry-http/getNetworkConfig.json"));
        QString error;
        const auto config = NetworkConfig::decode(body, m_node4, m_caKey, &error);
        QVERIFY2(config, qPrintable(error));
        QCOMPARE(config->versionCounter, std::optional<quint64>(2));
        QCOMPARE(config->values["babel_hmac_sign"].toByteArray().toHex(), QByteArray("5e875af7ecc53a0570fcf2b176fadcd2"));
        QVERIFY(!config->values.contains("babel_hmac_accept"));
        QVERIFY(!config->values.contains(""));
        QCOMPARE(config->crl(), QList<qint64>{6});
        QCOMPARE(config->registryPrefix(), QByteArray("0000000000000000"));
        QCOMPARE(config->values["client_count"].toInt(), 2);
        QCOMPARE(config->values["max_clients"].toInt(), 4);
        QCOMPARE(config->values["hello"].toInt(), 4);
        QCOMPARE(config->values["encrypt"].toBool(), false);
        QCOMPARE(config->values["ipv4"].toString(), QString("10.45.0.0/16"));
        QCOMPARE(config->values["protocol"].toInt(), 10);

        // Another node's key cannot decrypt the babel key: a clear error, no config.
        const auto other = crypto::RsaKey::fromPem(test::readVector("crypto/node-1-16.key")).value();
        QVERIFY(!NetworkConfig::decode(body, other, m_caKey, &error));
        QVERIFY(error.contains("babel_hmac_sign"));
        QVERIFY(!NetworkConfig::decode("junk", m_node4, m_caKey, &error));
        QVERIFY(!NetworkConfig::decode(zlib::compress("[1]"), m_node4, m_caKey, &error));
    }

    void emptyAcceptKeyAndNewlineBase64()
    {
        // §9.1: "" accept key stays ""; §9.2: base64 with embedded newlines (Python 2 registries).
        const QByteArray version = networkversion::make(7, m_caKey).value();
        QByteArray wrapped = version.toBase64();
        wrapped.insert(40, "\n");
        const QByteArray json = "{\"\": [\"version\"], \"version\": \"" + wrapped.replace("\n", "\\n")
            + "\", \"babel_hmac_accept\": \"\", \"unknown_key\": {\"a\": 1}}";
        const auto config = NetworkConfig::decode(zlib::compress(json), m_node4, m_caKey);
        QVERIFY(config);
        QCOMPARE(config->version(), version);
        QCOMPARE(config->versionCounter, std::optional<quint64>(7));
        QCOMPARE(config->values["babel_hmac_accept"].toByteArray(), QByteArray(""));
        QVERIFY(config->values.contains("unknown_key")); // forward compatible
    }

    void versionBlobs()
    {
        const QJsonObject doc = test::vectorJson("crypto/version-blobs.json").object();
        const auto ca = crypto::Certificate::fromPem(test::readVector("crypto/ca.crt")).value();
        for (const QJsonValue &v : doc["blobs"].toArray()) {
            const QJsonObject row = v.toObject();
            const QByteArray blob = QByteArray::fromHex(row["blob_hex"].toString().toLatin1());
            const quint64 counter = quint64(row["counter"].toInt());
            QCOMPARE(networkversion::counter(blob), std::optional<quint64>(counter));
            if (!row["signed"].toBool()) {
                QVERIFY(!networkversion::verify(blob, ca.publicKey()));
                continue;
            }
            QCOMPARE(networkversion::verify(blob, ca.publicKey()), std::optional<quint64>(counter));
            QCOMPARE(networkversion::make(counter, m_caKey).value(), blob); // deterministic PKCS#1 v1.5
        }
        const QByteArray bad = QByteArray::fromHex(doc["invalid_example"].toObject()["blob_hex"].toString().toLatin1());
        QVERIFY(!networkversion::verify(bad, ca.publicKey()));
    }
};

QTEST_GUILESS_MAIN(TestNetworkConfig)
#include "tst_networkconfig.moc"
