// SPDX-License-Identifier: GPL-2.0-or-later
// core/TapTraffic: a client tunnel's bytes are its tap's growth since route-up, as
// the tap is reused for later tunnels and its kernel counters never reset.
#include "core/TapTraffic.h"

#include <QtTest>

using re6st::TapTraffic;
using Counters = TapTraffic::Counters;

class TestTapTraffic final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void beforeStartEverythingCounts()
    {
        QCOMPARE(TapTraffic().since({5, 7}), (Counters{5, 7}));
    }

    void growthSinceRouteUp()
    {
        TapTraffic t;
        t.start({1000, 2000}); // what earlier tunnels on this tap moved
        QCOMPARE(t.since({1000, 2000}), (Counters{0, 0}));
        QCOMPARE(t.since({1500, 2010}), (Counters{500, 10}));
        t.start({1500, 2010}); // route-up again (reconnection): counted afresh
        QCOMPARE(t.since({1600, 2010}), (Counters{100, 0}));
    }

    void tapMadeAnew()
    {
        // Counters below the baseline: the tap was deleted and made again.
        TapTraffic t;
        t.start({1000, 2000});
        QCOMPARE(t.since({30, 2500}), (Counters{30, 500}));
        QCOMPARE(t.since({1200, 2600}), (Counters{1200, 600})); // and stays so
    }
};

QTEST_GUILESS_MAIN(TestTapTraffic)
#include "tst_taptraffic.moc"
