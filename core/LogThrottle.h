// SPDX-License-Identifier: GPL-2.0-or-later
// At most one log line per key per interval, for lines that anyone can cause
// (a dropped datagram, a refused request): the next line that is logged says
// how many were left out. Pure: the caller gives the time. Keys must come from
// a small fixed set (reasons, method names), never from the input itself.
#pragma once

#include <QHash>
#include <QString>

namespace re6st {

class LogThrottle final
{
public:
    explicit LogThrottle(qint64 intervalMs) : m_intervalMs(intervalMs) {}

    // Whether a line for `key` may be logged at `nowMs`. If so, `*left` is the
    // number of lines refused for that key since its last one (0 if none).
    // A clock that goes back before the key's last line opens the gate again.
    bool allow(const QString &key, qint64 nowMs, quint64 *left)
    {
        State &s = m_states[key];
        if (s.logged && nowMs < s.nextMs && nowMs >= s.nextMs - m_intervalMs) {
            ++s.refused;
            return false;
        }
        s.logged = true;
        s.nextMs = nowMs + m_intervalMs;
        *left = s.refused;
        s.refused = 0;
        return true;
    }

    // " [N more ..., not logged]" for a line that follows `left` refused ones.
    static QString leftOut(quint64 left, const QString &what)
    {
        return left ? QStringLiteral(" [%1 more %2, not logged]").arg(left).arg(what) : QString();
    }

private:
    struct State
    {
        bool logged = false;
        qint64 nextMs = 0;
        quint64 refused = 0;
    };
    qint64 m_intervalMs;
    QHash<QString, State> m_states;
};

} // namespace re6st
