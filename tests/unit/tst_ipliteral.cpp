// SPDX-License-Identifier: GPL-2.0-or-later
// IpLiteral: addresses on command lines are taken only written in full (audit F2:
// `re6stnet --ip 1.2.3` advertised 1.2.0.3).
#include "core/IpLiteral.h"

#include <QtTest>

using re6st::IpLiteral;

class TestIpLiteral : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parse_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("address"); // canonical, empty = refused
        QTest::newRow("ipv4") << QStringLiteral("192.0.2.7") << QStringLiteral("192.0.2.7");
        QTest::newRow("ipv4 zero") << QStringLiteral("0.0.0.0") << QStringLiteral("0.0.0.0");
        QTest::newRow("ipv4 255") << QStringLiteral("255.255.255.255") << QStringLiteral("255.255.255.255");
        QTest::newRow("ipv6") << QStringLiteral("2001:DB8::1") << QStringLiteral("2001:db8::1");
        QTest::newRow("ipv6 any") << QStringLiteral("::") << QStringLiteral("::");
        QTest::newRow("ipv6 mapped") << QStringLiteral("::ffff:10.0.0.1") << QStringLiteral("::ffff:10.0.0.1");
        QTest::newRow("three parts") << QStringLiteral("1.2.3") << QString();
        QTest::newRow("one part") << QStringLiteral("10") << QString();
        QTest::newRow("hex") << QStringLiteral("0x7f.1") << QString();
        QTest::newRow("octet too big") << QStringLiteral("300.1.1.1") << QString();
        QTest::newRow("leading zero") << QStringLiteral("10.0.0.01") << QString();
        QTest::newRow("trailing dot") << QStringLiteral("1.2.3.4.") << QString();
        QTest::newRow("spaces") << QStringLiteral(" 1.2.3.4") << QString();
        QTest::newRow("zone") << QStringLiteral("fe80::1%eth0") << QString();
        QTest::newRow("host name") << QStringLiteral("localhost") << QString();
        QTest::newRow("empty") << QString() << QString();
        QTest::newRow("not latin-1") << QStringLiteral("１.2.3.4") << QString();
    }
    void parse()
    {
        QFETCH(QString, text);
        QFETCH(QString, address);
        const QHostAddress parsed = IpLiteral::parse(text);
        QCOMPARE(parsed.isNull() ? QString() : parsed.toString(), address);
    }

    void looksNumeric()
    {
        for (const char *numeric : {"1.2.3", "10", "300.1.1.1", "0x7f.1", "0X7F", "0x7f.0x1", "fe80::1", "1.2.3.4",
                                    "1.2.3.4."})
            QVERIFY2(IpLiteral::looksNumeric(QLatin1String(numeric)), numeric);
        for (const char *name : {"re6st.example.com", "localhost", "host-1", "", "1a.example", "0xdeadbeef.com", "1e100.net"})
            QVERIFY2(!IpLiteral::looksNumeric(QLatin1String(name)), name);
    }
};

QTEST_APPLESS_MAIN(TestIpLiteral)
#include "tst_ipliteral.moc"
