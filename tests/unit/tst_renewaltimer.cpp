// SPDX-License-Identifier: GPL-2.0-or-later
// RenewalTimer (node-protocol.md §8): due() once the renewal time has come,
// not whenever the longest wait ends.
#include "daemon/RenewalTimer.h"

#include <QSignalSpy>
#include <QtTest>

using re6st::daemon::RenewalTimer;

class TestRenewalTimer final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void waits()
    {
        const qint64 day = RenewalTimer::kMaxWaitMs;
        QCOMPARE(RenewalTimer::waitMs(1000 + 60, 1000), 60000);
        QCOMPARE(RenewalTimer::waitMs(1000 + 60 * 86400, 1000), day);      // two months: a day, then again
        QCOMPARE(RenewalTimer::waitMs(1000, 1000), RenewalTimer::kMinWaitMs); // due: a second
        QCOMPARE(RenewalTimer::waitMs(1000, 5000), RenewalTimer::kMinWaitMs); // overdue: a second
        QCOMPARE(RenewalTimer::waitMs(std::numeric_limits<qint64>::max(), 0), day); // no overflow
        QCOMPARE(RenewalTimer::waitMs(1000 + 10, 1000, 50, 5), 50);
    }

    // The bug this class fixes: a renewal two months away restarted the
    // daemon after one day. Here a "day" is 20 ms and the clock is ours.
    void dueOnlyWhenTheTimeHasCome()
    {
        qint64 now = 1000;
        RenewalTimer timer(nullptr, [&] { return now; }, 20, 1);
        QSignalSpy due(&timer, &RenewalTimer::due);
        timer.start(now + 60 * 86400);
        QVERIFY(timer.isActive());
        // Several longest waits go by: it wakes and waits again, never due.
        QTest::qWait(100);
        QCOMPARE(due.size(), 0);
        QVERIFY(timer.isActive());
        now += 60 * 86400; // the renewal time has come
        QTRY_COMPARE_WITH_TIMEOUT(due.size(), 1, 10000);
        QVERIFY(!timer.isActive()); // once
    }

    void stopAndNoTime()
    {
        qint64 now = 1000;
        RenewalTimer timer(nullptr, [&] { return now; }, 20, 1);
        QSignalSpy due(&timer, &RenewalTimer::due);
        timer.start(0); // no renewal time known
        QVERIFY(!timer.isActive());
        timer.start(now - 5); // overdue
        timer.stop();
        QVERIFY(!timer.isActive());
        QTest::qWait(60);
        QCOMPARE(due.size(), 0);
        timer.start(now - 5);
        QTRY_COMPARE_WITH_TIMEOUT(due.size(), 1, 10000);
    }
};

QTEST_GUILESS_MAIN(TestRenewalTimer)
#include "tst_renewaltimer.moc"
