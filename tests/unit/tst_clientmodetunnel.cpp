// SPDX-License-Identifier: GPL-2.0-or-later
// `--client HOST,PORT,PROTO[;…]` remotes (node-protocol.md §3.6).
#include "daemon/ClientModeTunnel.h"

#include <QtTest>

using re6st::daemon::ClientModeTunnel;

class tst_ClientModeTunnel final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void remotes()
    {
        QString error;
        const auto r = ClientModeTunnel::parseRemotes(QStringLiteral("10.0.0.1,1194,tcp;2001:db8::1,1195,udp6;h,x,tcp;10.0.0.2,1196,udp4"),
                                                      {QStringLiteral("udp")}, &error);
        QVERIFY2(r, qPrintable(error));
        QCOMPARE(r->size(), 2); // bad port skipped, udp4 = udp disabled
        QCOMPARE(r->at(0).host, QStringLiteral("10.0.0.1"));
        QCOMPARE(r->at(0).port, 1194);
        QCOMPARE(r->at(0).proto, QStringLiteral("tcp"));
        QCOMPARE(r->at(1).proto, QStringLiteral("udp6"));
    }

    void nothingLeftIsAnError()
    {
        QString error;
        QVERIFY(!ClientModeTunnel::parseRemotes(QStringLiteral("10.0.0.1,1194,udp"), {QStringLiteral("udp")}, &error));
        QVERIFY2(error.contains(QLatin1String("--disable-proto")), qPrintable(error));
        QVERIFY(!ClientModeTunnel::parseRemotes(QStringLiteral("garbage"), {}, &error));
        QVERIFY(!ClientModeTunnel::parseRemotes(QString(), {}, &error));
    }
};

QTEST_GUILESS_MAIN(tst_ClientModeTunnel)
#include "tst_clientmodetunnel.moc"
