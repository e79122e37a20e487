// SPDX-License-Identifier: GPL-2.0-or-later
// registry-protocol.md §2 against addressing/ vectors produced by upstream.
#include "Vectors.h"
#include "core/Addressing.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace re6st;

class TestAddressing final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void networksFromSerial()
    {
        const auto rows = test::vectorJson("addressing/networks.json").object()["networks"].toArray();
        QVERIFY(rows.size() >= 9);
        for (const QJsonValue &v : rows) {
            const QJsonObject row = v.toObject();
            const QByteArray serial = row["ca_serial_hex"].toString().toLatin1();
            const auto bits = addressing::networkFromSerialHex(serial);
            QVERIFY2(bits, serial.constData());
            QCOMPARE(*bits, row["network_bits"].toString().toLatin1());
            QCOMPARE(addressing::cidrFromBits(*bits), row["network_cidr"].toString());
            QCOMPARE("0x" + addressing::serialHexFromNetwork(*bits), serial.toLower());
        }
        QVERIFY(!addressing::networkFromSerialHex("0"));
        QVERIFY(!addressing::networkFromSerialHex("xyz"));
        QVERIFY(!addressing::networkFromSerialHex(QByteArray(34, 'f'))); // > 128 network bits
    }

    void nodeAddresses()
    {
        const QJsonObject doc = test::vectorJson("addressing/addresses.json").object();
        const QByteArray network = doc["network_bits"].toString().toLatin1();
        const auto rows = doc["rows"].toArray();
        QCOMPARE(rows.size(), 33);
        for (const QJsonValue &v : rows) {
            const QJsonObject row = v.toObject();
            const QString cn = row["cn"].toString();
            const QByteArray prefix = row["prefix_bits"].toString().toLatin1();
            QCOMPARE(addressing::cnFromBits(prefix), cn);
            const auto bits = addressing::bitsFromCn(cn);
            QVERIFY2(bits, qPrintable(cn));
            QCOMPARE(*bits, prefix);
            QCOMPARE(addressing::ipv6FromBits(network + prefix, true).value(), row["node_ip"].toString());
            QCOMPARE(addressing::cidrFromBits(network + prefix), row["subnet"].toString());
            QCOMPARE(addressing::ipv6FromBits(network + prefix).value(), row["peer_udp_address"].toString());
            QCOMPARE(addressing::bitsFromIpv6(row["peer_udp_address"].toString()).value(),
                     (network + prefix).leftJustified(128, '0'));
        }
    }

    void malformedCnsAreRejected()
    {
        // Upstream accepts these with surprising results (addresses.json "quirks"); we refuse.
        QVERIFY(!addressing::bitsFromCn("65536/16"));
        QVERIFY(!addressing::bitsFromCn("5/2"));
        QCOMPARE(addressing::bitsFromCn("0/0").value(), QByteArray());
        QVERIFY(!addressing::bitsFromCn("0/129"));
        QVERIFY(!addressing::bitsFromCn("-1/16"));
        QVERIFY(!addressing::bitsFromCn("+1/16"));
        QVERIFY(!addressing::bitsFromCn(" 1/16"));
        QVERIFY(!addressing::bitsFromCn("1/16/2"));
        QVERIFY(!addressing::bitsFromCn("1"));
        QVERIFY(!addressing::bitsFromCn("/16"));
        QVERIFY(!addressing::bitsFromCn("999999999999999999999999999999999999999/128"));
        // 0/81 after a /48 network exceeds 128 bits: no address.
        QVERIFY(!addressing::ipv6FromBits(QByteArray(48 + 81, '0'), true));
        QCOMPARE(addressing::bitsFromCn("340282366920938463463374607431768211455/128").value(), QByteArray(128, '1'));
    }

    void ipv4Payload()
    {
        const QJsonObject doc = test::vectorJson("addressing/ipv4-payload.json").object();
        for (const QJsonValue &v : doc["live"].toArray()) {
            const QJsonObject row = v.toObject();
            const auto p = addressing::ipv4Payload("10.45.0.0/16", 8, row["subject_serialNumber"].toInt());
            QVERIFY(p);
            QCOMPARE(p->address, row["ipv4"].toString());
            QCOMPARE(p->prefixLength, 24);
        }
        int checked = 0;
        for (const QJsonValue &v : doc["derived"].toArray()) {
            const QJsonObject row = v.toObject();
            const auto p = addressing::ipv4Payload(row["ipv4"].toString(), row["ipv4_sublen"].toInt(),
                                                   quint64(row["subject_serialNumber"].toDouble()));
            if (!row.contains("node_ipv4")) {
                QVERIFY(!p);
                continue;
            }
            QVERIFY2(p, qPrintable(row["ipv4"].toString()));
            QCOMPARE(p->address, row["node_ipv4"].toString());
            QCOMPARE(p->prefixLength, row["n"].toInt());
            ++checked;
        }
        QVERIFY(checked >= 4);
        QVERIFY(!addressing::ipv4Payload("10.45.0.0/16", 8, 256)); // serial does not fit
        QVERIFY(!addressing::ipv4Payload("10.45.0.0/16", 17, 0));  // sublen > 16
        QVERIFY(!addressing::ipv4Payload("garbage", 8, 0));
    }
};

QTEST_GUILESS_MAIN(TestAddressing)
#include "tst_addressing.moc"
