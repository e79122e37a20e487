// SPDX-License-Identifier: GPL-2.0-or-later
// LogThrottle: one line per key per interval for lines anyone can cause
// (dropped datagrams, refused registry requests).
#include "core/LogThrottle.h"

#include <QTest>

using namespace re6st;

class tst_LogThrottle final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void onePerIntervalWithCount()
    {
        LogThrottle t(10000);
        quint64 left = 99;
        QVERIFY(t.allow(QStringLiteral("a"), 0, &left));
        QCOMPARE(left, 0u);
        for (int i = 1; i <= 50; ++i) QVERIFY(!t.allow(QStringLiteral("a"), i * 100, &left));
        QVERIFY(t.allow(QStringLiteral("b"), 5000, &left)); // keys apart
        QCOMPARE(left, 0u);
        QVERIFY(!t.allow(QStringLiteral("a"), 9999, &left));
        QVERIFY(t.allow(QStringLiteral("a"), 10000, &left));
        QCOMPARE(left, 51u);
        QVERIFY(t.allow(QStringLiteral("a"), 20000, &left));
        QCOMPARE(left, 0u);
        QCOMPARE(LogThrottle::leftOut(51, QStringLiteral("such lines")), QStringLiteral(" [51 more such lines, not logged]"));
        QCOMPARE(LogThrottle::leftOut(0, QStringLiteral("such lines")), QString());
    }

    void clockGoingBack()
    {
        LogThrottle t(10000);
        quint64 left = 0;
        QVERIFY(t.allow(QStringLiteral("a"), 100000, &left));
        QVERIFY(!t.allow(QStringLiteral("a"), 105000, &left));
        QVERIFY(t.allow(QStringLiteral("a"), 99999, &left)); // before the last line: open again
        QCOMPARE(left, 1u);
        QVERIFY(t.allow(QStringLiteral("n"), -5, &left)); // a first line is always logged
    }
};

QTEST_APPLESS_MAIN(tst_LogThrottle)
#include "tst_logthrottle.moc"
