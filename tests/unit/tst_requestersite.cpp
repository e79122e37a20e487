// SPDX-License-Identifier: GPL-2.0-or-later
// requesterOrigin and requesterSite: the site per-site bounds count a
// requester in (a /48, an IPv4 /24, or one node of the registry's own network).
#include "core/Addressing.h"
#include "registry/RequesterSite.h"

#include <QHostAddress>
#include <QtTest>

using namespace re6st;
using re6st::registry::requesterSite;

namespace {

QByteArray originOf(const QString &address)
{
    return re6st::registry::requesterOrigin(QHostAddress(address));
}

QByteArray bits(const QString &cidr)
{
    const auto slash = cidr.indexOf(u'/');
    return addressing::bitsFromIpv6(cidr.left(slash)).value().left(cidr.mid(slash + 1).toInt());
}

} // namespace

class tst_RequesterSite final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sites_data()
    {
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("network");
        QTest::addColumn<QByteArray>("site");
        QTest::newRow("IPv4: its /24") << "198.51.100.77" << "2001:db8:42::/48" << QByteArray::fromHex("c63364");
        QTest::newRow("IPv6 outside: its /48") << "2001:db8:ff:12::9" << "2001:db8:42::/48"
                                               << QByteArray::fromHex("20010db800ff");
        QTest::newRow("a node: its /64") << "2001:db8:42:12::9" << "2001:db8:42::/48"
                                         << QByteArray::fromHex("20010db800420012");
        QTest::newRow("one bit off the network") << "2001:db8:43:12::9" << "2001:db8:42::/48"
                                                 << QByteArray::fromHex("20010db80043");
        QTest::newRow("odd network length") << "2001:db8:42:12::9" << "2001:db8:40::/42"
                                            << QByteArray::fromHex("20010db800420012");
        QTest::newRow("network longer than /64") << "2001:db8:42:12::9" << "2001:db8:42:12:8000::/72"
                                                 << QByteArray::fromHex("20010db800420012");
        QTest::newRow("no network") << "2001:db8:42:12::9" << "" << QByteArray::fromHex("20010db80042");
    }
    void sites()
    {
        QFETCH(QString, address);
        QFETCH(QString, network);
        QFETCH(QByteArray, site);
        QCOMPARE(requesterSite(originOf(address), network.isEmpty() ? QByteArray() : bits(network)), site);
    }
};

QTEST_APPLESS_MAIN(tst_RequesterSite)
#include "tst_requestersite.moc"
