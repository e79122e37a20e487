// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Test helpers for "out of file descriptors" (platform/TcpAcceptor): a guard
// that fills this process's descriptor table (under a lowered soft limit)
// until accept(2) fails with EMFILE, and undoes it all; raw clients
// (RawSocket.h) connect and send before the server accepts.
#include "tests/unit/RawSocket.h"

#include <QByteArray>
#include <QRegularExpression>
#include <QTest>
#include <QtGlobal>

#include <cerrno>
#include <fcntl.h>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace re6st::test {

class DescriptorFill final
{
public:
    // Lowers the soft RLIMIT_NOFILE to just above the descriptors in use (so
    // filling is quick whatever the limit was), then dups /dev/null until EMFILE.
    DescriptorFill()
    {
        if (::getrlimit(RLIMIT_NOFILE, &m_saved) != 0) return;
        const int probe = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (probe < 0) return;
        rlimit lowered = m_saved;
        lowered.rlim_cur = rlim_t(probe) + 64;
        if (lowered.rlim_cur < m_saved.rlim_cur && ::setrlimit(RLIMIT_NOFILE, &lowered) == 0) m_lowered = true;
        m_fds.push_back(probe);
        for (;;) {
            const int fd = ::fcntl(probe, F_DUPFD_CLOEXEC, 0);
            if (fd < 0) {
                m_full = errno == EMFILE;
                break;
            }
            m_fds.push_back(fd);
        }
    }
    ~DescriptorFill() { release(); }
    DescriptorFill(const DescriptorFill &) = delete;
    DescriptorFill &operator=(const DescriptorFill &) = delete;

    bool isFull() const { return m_full; }
    void release()
    {
        for (int fd : m_fds) ::close(fd);
        m_fds.clear();
        if (m_lowered) ::setrlimit(RLIMIT_NOFILE, &m_saved);
        m_lowered = false;
    }

private:
    rlimit m_saved{};
    std::vector<int> m_fds;
    bool m_lowered = false;
    bool m_full = false;
};

// Fills the descriptor table, then runs the event loop until the server has
// closed each of `fds` (at most 10 s), expecting TcpAcceptor's warning. What
// each received; nullopt if the table could not be filled or a wait timed out.
inline std::optional<std::vector<QByteArray>> receiveWhileFull(const std::vector<int> &fds)
{
    DescriptorFill fill;
    if (!fill.isFull()) return std::nullopt;
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral(
        "out of file descriptors .* new connections are refused until some close; raise the limit")));
    std::vector<QByteArray> got(fds.size());
    std::vector<bool> closed(fds.size(), false);
    const bool all = QTest::qWaitFor(
        [&] {
            bool done = true;
            for (size_t i = 0; i < fds.size(); ++i) {
                bool c = false;
                got[i] += rawReceive(fds[i], &c);
                closed[i] = closed[i] || c;
                done = done && closed[i];
            }
            return done;
        },
        10000);
    if (!all) return std::nullopt;
    return got;
}

} // namespace re6st::test
