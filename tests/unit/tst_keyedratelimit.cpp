// SPDX-License-Identifier: GPL-2.0-or-later
// KeyedRateLimit: a token bucket per key, bounded in keys.
#include "core/KeyedRateLimit.h"

#include <QTest>

using namespace re6st;

class tst_KeyedRateLimit final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void burstThenRate()
    {
        KeyedRateLimit l(5, 2, 100);
        for (int i = 0; i < 5; ++i) QVERIFY(l.admit("a", 1000));
        QVERIFY(!l.admit("a", 1000));
        QVERIFY(l.admit("b", 1000)); // keys apart
        QVERIFY(!l.admit("a", 1499));
        QVERIFY(l.admit("a", 1500)); // 2 per second: one token every 500 ms
        QVERIFY(!l.admit("a", 1500));
        int admitted = 0;
        for (qint64 t = 1500; t <= 11500; t += 10) admitted += l.admit("a", t);
        QCOMPARE(admitted, 20); // 10 s at 2/s
        QVERIFY(!l.admit("a", 11500));
        for (int i = 0; i < 5; ++i) QVERIFY(l.admit("a", 60000)); // refilled to the burst, not beyond
        QVERIFY(!l.admit("a", 60000));
    }

    // A rate below one a second (token mails: one a minute), asked often: no
    // refill is lost to rounding.
    void slowRate()
    {
        KeyedRateLimit l(3, 1, 60000, 10);
        for (int i = 0; i < 3; ++i) QVERIFY(l.admit("a", 0));
        QVERIFY(!l.admit("a", 0));
        QCOMPARE(l.waitMs("a", 0), 60000);
        QCOMPARE(l.waitMs("b", 0), 0); // unknown key
        for (qint64 t = 50; t < 60000; t += 50) QVERIFY(!l.admit("a", t));
        QCOMPARE(l.waitMs("a", 59999), 1);
        QVERIFY(l.admit("a", 60000));
        QVERIFY(!l.admit("a", 60000));
        QVERIFY(l.admit("a", 120000));
        for (int i = 0; i < 3; ++i) QVERIFY(l.admit("a", 10 * 60000)); // refilled to the burst, not beyond
        QVERIFY(!l.admit("a", 10 * 60000));
    }

    void clockGoingBack()
    {
        KeyedRateLimit l(1, 1, 10);
        QVERIFY(l.admit("a", 100000));
        QVERIFY(!l.admit("a", 50000)); // no refill from a clock set back...
        QVERIFY(l.admit("a", 51000));  // ...and the refill goes on from there
    }

    void boundedKeys()
    {
        KeyedRateLimit l(2, 1, 4);
        for (int k = 0; k < 4; ++k) {
            QVERIFY(l.admit(QByteArray::number(k), 0));
            QVERIFY(l.admit(QByteArray::number(k), 0));
        }
        QCOMPARE(l.keys(), 4);
        QVERIFY(l.admit("new", 0)); // one of the others is forgotten
        QCOMPARE(l.keys(), 4);
        // Refilled buckets are forgotten first.
        QVERIFY(l.admit("later", 10000));
        QCOMPARE(l.keys(), 1); // every earlier one had refilled
    }
};

QTEST_APPLESS_MAIN(tst_KeyedRateLimit)
#include "tst_keyedratelimit.moc"
