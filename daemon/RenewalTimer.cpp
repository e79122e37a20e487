// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/RenewalTimer.h"

#include <QDateTime>
#include <algorithm>

namespace re6st::daemon {

RenewalTimer::RenewalTimer(QObject *parent, Clock clock, qint64 maxWaitMs, qint64 minWaitMs)
    : QObject(parent),
      m_clock(clock ? std::move(clock) : [] { return QDateTime::currentSecsSinceEpoch(); }),
      m_maxWaitMs(std::clamp<qint64>(maxWaitMs, 1, kMaxWaitMs)),
      m_minWaitMs(std::clamp<qint64>(minWaitMs, 0, m_maxWaitMs))
{
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &RenewalTimer::wake);
}

qint64 RenewalTimer::waitMs(qint64 renewAt, qint64 now, qint64 maxWaitMs, qint64 minWaitMs)
{
    // Seconds clamped first: a renewal years away must not overflow.
    const qint64 seconds = std::clamp<qint64>(renewAt - now, 0, maxWaitMs / 1000 + 1);
    return std::clamp<qint64>(seconds * 1000, std::min(minWaitMs, maxWaitMs), maxWaitMs);
}

void RenewalTimer::start(qint64 renewAt)
{
    m_renewAt = renewAt;
    if (renewAt <= 0) return m_timer.stop();
    m_timer.start(int(waitMs(renewAt, m_clock(), m_maxWaitMs, m_minWaitMs)));
}

void RenewalTimer::stop()
{
    m_renewAt = 0;
    m_timer.stop();
}

void RenewalTimer::wake()
{
    if (m_clock() < m_renewAt) return start(m_renewAt); // not yet: wait again
    Q_EMIT due();
}

} // namespace re6st::daemon
