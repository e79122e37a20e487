// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QObject>
#include <QTimer>
#include <functional>

namespace re6st::daemon {

// node-protocol.md §8: at next_renew the daemon restarts to renew its
// certificate (or the CA). A QTimer holds at most about 24 days of
// milliseconds, and the machine may sleep, so the timer wakes at least every
// `maxWaitMs` (a day) and emits due() only once the clock has reached the
// renewal time; before, it waited a day and restarted whatever the date.
class RenewalTimer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RenewalTimer)

public:
    using Clock = std::function<qint64()>; // Unix seconds
    static constexpr qint64 kMaxWaitMs = 24LL * 3600 * 1000;
    static constexpr qint64 kMinWaitMs = 1000; // a renewal already due: one second (a restart loop stays slow)

    explicit RenewalTimer(QObject *parent = nullptr, Clock clock = {}, qint64 maxWaitMs = kMaxWaitMs,
                          qint64 minWaitMs = kMinWaitMs);

    // Emits due() once `renewAt` (Unix s, > 0) has come; replaces any earlier time.
    void start(qint64 renewAt);
    void stop();
    bool isActive() const { return m_timer.isActive(); }
    qint64 renewAt() const { return m_renewAt; }
    // How long to wait at `now` for `renewAt`: at least minWaitMs, at most maxWaitMs.
    static qint64 waitMs(qint64 renewAt, qint64 now, qint64 maxWaitMs = kMaxWaitMs, qint64 minWaitMs = kMinWaitMs);

Q_SIGNALS:
    void due();

private:
    void wake();

    Clock m_clock;
    qint64 m_maxWaitMs;
    qint64 m_minWaitMs;
    qint64 m_renewAt = 0;
    QTimer m_timer;
};

} // namespace re6st::daemon
