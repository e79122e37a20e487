// SPDX-License-Identifier: GPL-2.0-or-later
// Local registry channel on [::1]:326 (node-protocol.md §6.8, registry-protocol.md §10.1)
// against the datagrams upstream exchanged in the vectors.
#include "Vectors.h"
#include "core/LocalRegistryDatagram.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace re6st;

class TestLocalRegistryDatagram final : public QObject
{
    Q_OBJECT
private:
    // Every local-channel datagram of a vector file: parse gives the decoded fields and
    // build gives back the same bytes.
    static int checkFile(const QString &file)
    {
        int checked = 0;
        const auto datagrams = test::vectorJson(file).object()["datagrams"].toArray();
        for (const QJsonValue &v : datagrams) {
            const QJsonObject dg = v.toObject();
            const QJsonObject dec = dg["decoded"].toObject();
            if (dec["kind"].toString() != QLatin1String("local registry channel")) continue;
            const QByteArray bytes = QByteArray::fromHex(dg["hex"].toString().toLatin1());
            QString error;
            const auto parsed = LocalRegistryDatagram::parse(bytes, &error);
            if (!parsed) qWarning() << "rejected" << dg["hex"].toString() << error;
            if (!parsed) return -1;
            if (parsed->prefix() != dec["prefix"].toString().toLatin1()) return -1;
            if (parsed->code() != dec["code"].toInt()) return -1;
            if (parsed->payload() != dec["body"].toString().toUtf8()) return -1;
            if (parsed->build() != bytes) return -1;
            const auto answer = LocalRegistryDatagram::parseAnswer(bytes, parsed->code());
            if (!answer || answer->payload() != parsed->payload()) return -1;
            ++checked;
        }
        return checked;
    }

private Q_SLOTS:
    void inprocessVectors()
    {
        // #19, #22, #24, #25.
        QCOMPARE(checkFile("peer-protocol/inprocess-exchange.json"), 4);
    }

    void liveVectors()
    {
        QCOMPARE(checkFile("peer-protocol/live-capture.json"), 51);
    }

    void buildRequests()
    {
        const auto request = LocalRegistryDatagram("0000000000000001", 4).build();
        QVERIFY(request);
        QCOMPARE(request->toHex(), QByteArray("303030303030303030303030303030310004"));
        const auto answer = LocalRegistryDatagram("0000000000000000", 1, "10.44.0.1,1194,tcp").build();
        QVERIFY(answer);
        QCOMPARE(answer->toHex(),
                 QByteArray("30303030303030303030303030303030000131302e34342e302e312c313139342c746370"));
        QVERIFY(!LocalRegistryDatagram("", 4).build());
        QVERIFY(!LocalRegistryDatagram("0120", 4).build());
        QVERIFY(!LocalRegistryDatagram(QByteArray(129, '1'), 4).build());
        QVERIFY(LocalRegistryDatagram(QByteArray(128, '1'), 4).build());
    }

    // Upstream's registry test_recv cases (registry-protocol.md §16.1).
    void upstreamRecvCases()
    {
        QString error;
        QVERIFY(!LocalRegistryDatagram::parseAnswer("0001001001001", 4, &error));
        QVERIFY(error.contains("NUL"));
        QVERIFY(!LocalRegistryDatagram::parseAnswer(QByteArray("00010010z1001\0\x04msg", 17), 4, &error));
        QVERIFY(error.contains("bit string"));
        QVERIFY(!LocalRegistryDatagram::parseAnswer(QByteArray("0001001001001\0\x05msg", 17), 4, &error));
        QVERIFY(error.contains("code 5 instead of 4"));
        const auto ok = LocalRegistryDatagram::parseAnswer(QByteArray("0001001001001\0\x04" "a_msg", 20), 4);
        QVERIFY(ok);
        QCOMPARE(ok->prefix(), QByteArray("0001001001001"));
        QCOMPARE(ok->payload(), QByteArray("a_msg"));
    }

    void rejectsMalformed()
    {
        QString error;
        QVERIFY(!LocalRegistryDatagram::parse(QByteArray(), &error));
        QVERIFY(!LocalRegistryDatagram::parse(QByteArray("\0\x04", 2), &error));
        QVERIFY(error.contains("non-empty"));
        QVERIFY(!LocalRegistryDatagram::parse(QByteArray("0101\0", 5), &error));
        QVERIFY(error.contains("code byte"));
        QVERIFY(!LocalRegistryDatagram::parse(QByteArray(200, '0') + QByteArray("\0\x01", 2), &error));
        // The payload may itself contain NUL bytes: only the first one separates.
        const auto withNul = LocalRegistryDatagram::parse(QByteArray("01\0\x81\0x", 6));
        QVERIFY(withNul);
        QCOMPARE(withNul->code(), quint8(0x81));
        QCOMPARE(withNul->payload(), QByteArray("\0x", 2));
        QCOMPARE(*withNul->build(), QByteArray("01\0\x81\0x", 6));
    }
};

QTEST_GUILESS_MAIN(TestLocalRegistryDatagram)
#include "tst_localregistrydatagram.moc"
