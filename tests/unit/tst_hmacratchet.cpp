// SPDX-License-Identifier: GPL-2.0-or-later
// registry-protocol.md §5.3 / §5.5 against upstream's recorded exchanges.
#include "Vectors.h"
#include "core/HmacRatchet.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace re6st;

class TestHmacRatchet final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void specVector()
    {
        HmacRatchet r(QByteArray::fromHex("000102030405060708090a0b0c0d0e0f10111213"));
        QCOMPARE(r.signRequest("/getNetworkConfig?cn=0000000000000001"), QByteArray("BIcMwJ5NqRRv1KqdgNk1omkyIRU="));
        QVERIFY(r.verifyResponse("", "bqShDSWQrJk2uDC8dhyVue6nB2Y="));
        QVERIFY(!r.verifyResponse("x", "bqShDSWQrJk2uDC8dhyVue6nB2Y="));
        QVERIFY(!r.verifyResponse("", "garbage"));
        QCOMPARE(r.key().toHex(), QByteArray("8f610962f8582709735b1a7964b86202a5e4a9df"));
    }

    void recordedExchanges_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("live node 4/16") << "registry-http/exchange.json";
        QTest::newRow("fixed secret 1/16") << "registry-http/fixed-secret-exchange-node-1-16.json";
        QTest::newRow("fixed secret 4/16") << "registry-http/fixed-secret-exchange-node-4-16.json";
    }

    void recordedExchanges()
    {
        QFETCH(QString, file);
        const QJsonObject doc = test::vectorJson(file).object();
        const auto calls = doc["calls"].toArray();
        QVERIFY(calls.size() >= 3);
        const QJsonObject first = calls[0].toObject();
        HmacRatchet r(QByteArray::fromHex(first["request_hmac_key_hex"].toString().toLatin1()));
        for (const QJsonValue &v : calls) {
            const QJsonObject call = v.toObject();
            QCOMPARE(r.key().toHex(), call["request_hmac_key_hex"].toString().toLatin1());
            QCOMPARE(r.signRequest(call["request_target"].toString().toLatin1()),
                     call["request_Re6stHMAC"].toString().toLatin1());
            const QByteArray body = QByteArray::fromHex(call["response_body_hex"].toString().toLatin1());
            QVERIFY(r.verifyResponse(body, call["response_Re6stHMAC"].toString().toLatin1()));
        }
    }
};

QTEST_GUILESS_MAIN(TestHmacRatchet)
#include "tst_hmacratchet.moc"
