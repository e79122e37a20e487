// SPDX-License-Identifier: GPL-2.0-or-later
// Our outside address from the servers' pushed external_ip (node-protocol.md §3.5,
// §5.11, §9.1): one vote per server prefix, most votes win, ties keep the current one.
#include "core/ExternalAddressVote.h"
#include <QtTest>

using namespace re6st;

namespace {

const QByteArray kA = "10000001", kB = "10000010", kC = "10000011", kLiar = "10000100";

ExternalAddressVote vote()
{
    return ExternalAddressVote({QHostAddress::parseSubnet(QStringLiteral("2001:db8:42::/48")),
                                QHostAddress::parseSubnet(QStringLiteral("10.42.0.0/16"))});
}

QString v4(const ExternalAddressVote &v) { return v.current(false).toString(); }

} // namespace

class TestExternalAddressVote final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void oneServerIsTaken()
    {
        ExternalAddressVote v = vote();
        QVERIFY(v.current(false).isNull());
        QVERIFY(v.report(kA, QStringLiteral("198.51.100.7")));
        QCOMPARE(v4(v), QStringLiteral("198.51.100.7"));
        QVERIFY(v.current(true).isNull()); // families are separate
        // Its next report replaces the first (our address changed), as upstream.
        QVERIFY(v.report(kA, QStringLiteral("198.51.100.8")));
        QCOMPARE(v4(v), QStringLiteral("198.51.100.8"));
        QCOMPARE(v.reporters(false), 1);
        // Its tunnel ends: nobody reports, the address is kept. A new server alone decides.
        v.withdraw(kA);
        QCOMPARE(v4(v), QStringLiteral("198.51.100.8"));
        QVERIFY(v.report(kB, QStringLiteral("198.51.100.9")));
        QCOMPARE(v4(v), QStringLiteral("198.51.100.9"));
    }

    void twoAgreeing()
    {
        ExternalAddressVote v = vote();
        QVERIFY(v.report(kA, QStringLiteral("2001:db8:1::5")));
        QVERIFY(v.report(kB, QStringLiteral("2001:db8:1:0::5"))); // same address, other spelling
        QCOMPARE(v.current(true), QHostAddress(QStringLiteral("2001:db8:1::5")));
        QCOMPARE(v.support(QHostAddress(QStringLiteral("2001:db8:1::5"))), 2);
        QVERIFY(v.current(false).isNull());
    }

    void liarAgainstTwoHonest()
    {
        ExternalAddressVote v = vote();
        QVERIFY(v.report(kA, QStringLiteral("203.0.113.1")));
        QVERIFY(v.report(kB, QStringLiteral("203.0.113.1")));
        QVERIFY(v.report(kLiar, QStringLiteral("192.0.2.66")));
        QCOMPARE(v4(v), QStringLiteral("203.0.113.1"));
        // Repeating itself gives the liar no second vote.
        for (int i = 0; i < 5; ++i) QVERIFY(v.report(kLiar, QStringLiteral("192.0.2.66")));
        QCOMPARE(v4(v), QStringLiteral("203.0.113.1"));
        QCOMPARE(v.support(QHostAddress(QStringLiteral("192.0.2.66"))), 1);
        // Liar first: the two honest servers take the address back.
        ExternalAddressVote w = vote();
        QVERIFY(w.report(kLiar, QStringLiteral("192.0.2.66")));
        QVERIFY(w.report(kA, QStringLiteral("203.0.113.1")));
        QCOMPARE(v4(w), QStringLiteral("192.0.2.66")); // 1 against 1: kept
        QVERIFY(w.report(kB, QStringLiteral("203.0.113.1")));
        QCOMPARE(v4(w), QStringLiteral("203.0.113.1"));
    }

    void tieKeepsCurrent()
    {
        ExternalAddressVote v = vote();
        QVERIFY(v.report(kA, QStringLiteral("203.0.113.1")));
        QVERIFY(v.report(kB, QStringLiteral("203.0.113.2")));
        QCOMPARE(v4(v), QStringLiteral("203.0.113.1"));
        // A and B both move away, to different addresses: 1-1-0, still a tie.
        QVERIFY(v.report(kC, QStringLiteral("203.0.113.3")));
        QVERIFY(v.report(kA, QStringLiteral("203.0.113.4")));
        QCOMPARE(v4(v), QStringLiteral("203.0.113.1"));
        // Two servers agree on a new address: it wins.
        QVERIFY(v.report(kC, QStringLiteral("203.0.113.2")));
        QCOMPARE(v4(v), QStringLiteral("203.0.113.2"));
    }

    void refusedKinds_data()
    {
        QTest::addColumn<QString>("ip");
        for (const char *ip : {"0.0.0.0", "0.1.2.3", "::", "127.0.0.1", "::1", "224.0.0.1", "ff02::1",
                               "255.255.255.255", "169.254.1.1", "fe80::1", "fe80::1%eth0", "::ffff:198.51.100.7",
                               "2001:db8:42:7::1", "10.42.3.4", "not an address", ""})
            QTest::newRow(ip) << QString::fromLatin1(ip);
    }
    void refusedKinds()
    {
        QFETCH(QString, ip);
        ExternalAddressVote v = vote();
        QVERIFY(v.report(kA, QStringLiteral("198.51.100.7")));
        QVERIFY(v.report(kA, QStringLiteral("2001:db8:1::5")));
        QVERIFY(!v.report(kB, ip));
        QVERIFY(!v.report(kA, ip)); // a refused report leaves A's earlier one in place
        QCOMPARE(v4(v), QStringLiteral("198.51.100.7"));
        QCOMPARE(v.current(true), QHostAddress(QStringLiteral("2001:db8:1::5")));
        QCOMPARE(v.reporters(false) + v.reporters(true), 2);
    }

    void privateAndUlaAccepted()
    {
        ExternalAddressVote v = vote();
        for (const char *ip : {"192.168.1.20", "10.0.0.3", "172.16.5.5", "100.64.0.1", "fd00:1::2"})
            QVERIFY2(v.report(kA, QString::fromLatin1(ip)), ip);
        QCOMPARE(v4(v), QStringLiteral("100.64.0.1"));
        QCOMPARE(v.current(true), QHostAddress(QStringLiteral("fd00:1::2")));
    }

    // A report counts while its server's tunnel is up.
    void ageing()
    {
        ExternalAddressVote v = vote();
        QVERIFY(v.report(kA, QStringLiteral("203.0.113.1")));
        QVERIFY(v.report(kB, QStringLiteral("203.0.113.1")));
        QVERIFY(v.report(kLiar, QStringLiteral("192.0.2.66")));
        v.withdraw(kA);
        QCOMPARE(v4(v), QStringLiteral("203.0.113.1")); // 1 against 1: kept
        v.withdraw(kLiar);
        v.withdraw(kLiar); // twice: harmless
        QCOMPARE(v.reporters(false), 1);
        QVERIFY(v.report(kLiar, QStringLiteral("192.0.2.66"))); // a new tunnel, the same lie
        QCOMPARE(v4(v), QStringLiteral("203.0.113.1"));
        v.withdraw(kB); // the liar is the only server left: like upstream, it is believed
        QCOMPARE(v4(v), QStringLiteral("192.0.2.66"));
        // Withdrawal drops both families of that server.
        QVERIFY(v.report(kC, QStringLiteral("2001:db8:1::5")));
        QVERIFY(v.report(kC, QStringLiteral("198.51.100.7")));
        QCOMPARE(v.reporters(true), 1);
        v.withdraw(kC);
        QCOMPARE(v.reporters(true), 0);
        QCOMPARE(v.reporters(false), 1);
        QCOMPARE(v4(v), QStringLiteral("192.0.2.66"));
    }
};

QTEST_GUILESS_MAIN(TestExternalAddressVote)
#include "tst_externaladdressvote.moc"
