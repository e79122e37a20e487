// SPDX-License-Identifier: GPL-2.0-or-later
// PoolPhase: the worker-thread phases of certificate issuance (RegistryIssuance.cpp).
#include "registry/PoolPhase.h"

#include <QThread>
#include <QtTest>
#include <atomic>
#include <semaphore>
#include <thread>
#include <vector>

using re6st::registry::PoolPhase;

class TestPoolPhase final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Every index once, on worker threads; done() once, afterwards, on the
    // context's thread.
    void everyIndexOnce()
    {
        constexpr qsizetype kCount = 2000;
        std::vector<std::atomic<int>> runs(kCount);
        std::atomic<int> onMainThread{0};
        QObject context;
        PoolPhase phase;
        int done = 0;
        int ranWhenDone = 0;
        phase.start(
            kCount,
            [&](qsizetype i) {
                runs[size_t(i)]++;
                if (QThread::currentThread() == qApp->thread()) onMainThread++;
            },
            &context,
            [&] {
                ++done;
                QCOMPARE(QThread::currentThread(), qApp->thread());
                for (const auto &r : runs) ranWhenDone += r.load();
            });
        QTRY_COMPARE_WITH_TIMEOUT(done, 1, 60000);
        QCOMPARE(ranWhenDone, int(kCount));
        for (const auto &r : runs) QCOMPARE(r.load(), 1);
        QCOMPARE(onMainThread.load(), 0);
        // Nothing more is posted.
        QCoreApplication::processEvents();
        QCOMPARE(done, 1);

        // The next phase on the same object.
        phase.start(3, [&](qsizetype i) { runs[size_t(i)]++; }, &context, [&] { ++done; });
        QTRY_COMPARE_WITH_TIMEOUT(done, 2, 60000);
        QCOMPARE(runs[0].load() + runs[1].load() + runs[2].load(), 6);
    }

    void emptyPhaseStillEnds()
    {
        QObject context;
        PoolPhase phase;
        bool done = false;
        std::atomic<int> runs{0};
        phase.start(0, [&](qsizetype) { runs++; }, &context, [&] { done = true; });
        QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
        QCOMPARE(runs.load(), 0);
    }

    // cancelAndWait() returns once the workers have, and done() never runs.
    void cancelWaitsForTheWorkers()
    {
        QObject context;
        PoolPhase phase;
        std::counting_semaphore<64> release(0);
        std::atomic<int> started{0}, finished{0};
        bool done = false;
        phase.start(
            8,
            [&](qsizetype) {
                started++;
                release.acquire();
                finished++;
            },
            &context, [&] { done = true; });
        // Released from another thread once a worker is inside its work, so
        // cancelAndWait() below really has to wait.
        std::thread releaser([&] {
            while (started.load() == 0) std::this_thread::yield();
            release.release(8);
        });
        phase.cancelAndWait();
        QCOMPARE(finished.load(), 8);
        releaser.join();
        QCoreApplication::processEvents();
        QCoreApplication::sendPostedEvents();
        QVERIFY(!done);
    }

    // The context gone before the phase ends: nothing runs on a dead object.
    void contextDestroyedFirst()
    {
        bool done = false;
        PoolPhase phase;
        {
            QObject context;
            phase.start(4, [](qsizetype) {}, &context, [&] { done = true; });
            phase.cancelAndWait();
        }
        QCoreApplication::processEvents();
        QVERIFY(!done);
    }
};

QTEST_GUILESS_MAIN(TestPoolPhase)
#include "tst_poolphase.moc"
