// SPDX-License-Identifier: GPL-2.0-or-later
// daemon/OpenVpnProcess: stopping processes that ignore SIGTERM (node-protocol.md §3.7:
// SIGKILL after a bound). Tunnels and servers stopped together share one deadline, so
// a shutdown with N stuck processes takes the bound once, not N times.
#include "daemon/OpenVpnProcess.h"

#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <vector>

using re6st::OpenVpnProcess;

class TestOpenVpnProcess final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    // An "openvpn" that ignores SIGTERM (an ignored signal survives exec) and says
    // when it does.
    QStringList stubborn(int i) const
    {
        const QString ready = m_dir.filePath(QStringLiteral("ready%1").arg(i));
        return {QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                QStringLiteral("trap '' TERM; touch '%1'; exec sleep 60").arg(ready), QStringLiteral("sh")};
    }

private Q_SLOTS:
    void sharedDeadlineStopsEveryStuckProcess()
    {
        constexpr int n = 3;
        constexpr int boundMs = 1500;
        std::vector<std::unique_ptr<OpenVpnProcess>> processes;
        for (int i = 0; i < n; ++i) {
            auto p = std::make_unique<OpenVpnProcess>(OpenVpnProcess::Role::Client);
            p->setCommand(stubborn(i));
            QString error;
            QVERIFY2(p->start({}, m_dir.filePath(QStringLiteral("m%1").arg(i)), &error), qPrintable(error));
            processes.push_back(std::move(p));
        }
        for (int i = 0; i < n; ++i)
            QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(m_dir.filePath(QStringLiteral("ready%1").arg(i))), 30000);
        for (const auto &p : processes) p->stop(600000); // SIGTERM, ignored; no kill timer here
        QElapsedTimer t;
        t.start();
        const QDeadlineTimer deadline(boundMs);
        for (const auto &p : processes) QVERIFY(p->waitStopped(deadline));
        for (const auto &p : processes) QVERIFY(!p->isRunning());
        // One bound for all: ~1.5 s, where a bound per process took n × 1.5 s.
        QVERIFY2(t.elapsed() >= boundMs - 50 && t.elapsed() < 2 * boundMs,
                 qPrintable(QStringLiteral("%1 ms").arg(t.elapsed())));
    }
};

QTEST_GUILESS_MAIN(TestOpenVpnProcess)
#include "tst_openvpnprocess.moc"
