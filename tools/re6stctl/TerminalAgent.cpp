// SPDX-License-Identifier: GPL-2.0-or-later
#include "TerminalAgent.h"

#include <QByteArray>
#include <QFile>
#include <QStandardPaths>
#include <QString>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace re6st::ctl {

namespace {
constexpr int kRegisterTimeoutMs = 10 * 1000;

// Waits until the write end of `fd`'s pipe is closed by every holder: pkttyagent closes
// its --notify-fd once registered, or exits.
void waitForEof(int fd)
{
    char buffer[64];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, kRegisterTimeoutMs);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready <= 0)
            return; // timed out: go on, the daemon's answer will tell
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
            return;
    }
}

// Whether this process belongs to a systemd-logind session: its cgroup is a
// session-N.scope (what logind's sd_pid_get_session() reads).
bool inLoginSession()
{
    QFile cgroup(QStringLiteral("/proc/self/cgroup"));
    if (!cgroup.open(QIODevice::ReadOnly))
        return false;
    for (const QByteArray &line : cgroup.readAll().split('\n')) {
        const qsizetype at = line.lastIndexOf("/session-");
        if (at >= 0 && line.indexOf(".scope", at) > at)
            return true;
    }
    return false;
}
} // namespace

bool TerminalAgent::start()
{
    if (m_pid > 0)
        return true;
    if (::geteuid() == 0) // polkit always authorizes root: nothing to ask
        return false;
    if (!::isatty(STDIN_FILENO) || !::isatty(STDERR_FILENO))
        return false;
    const QByteArray program = QStandardPaths::findExecutable(QStringLiteral("pkttyagent")).toLocal8Bit();
    if (program.isEmpty())
        return false;
    int notify[2];
    if (::pipe2(notify, O_CLOEXEC) != 0)
        return false;
    // Everything the child needs is ready before fork(): it only calls async-signal-safe
    // functions.
    const QByteArray fd = QByteArray::number(notify[1]);
    const QByteArray self = QByteArray::number(qint64(::getpid()));
    const char *argv[] = {program.constData(), "--notify-fd", fd.constData(), "--process", self.constData(),
                          inLoginSession() ? "--fallback" : nullptr, nullptr};
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(notify[0]);
        ::close(notify[1]);
        return false;
    }
    if (pid == 0) {
        ::fcntl(notify[1], F_SETFD, 0); // the one descriptor the agent inherits
        ::execv(argv[0], const_cast<char *const *>(argv));
        ::_exit(127);
    }
    ::close(notify[1]);
    waitForEof(notify[0]);
    ::close(notify[0]);
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
        return false; // it exited: not registered (e.g. another agent serves this process)
    m_pid = pid;
    return true;
}

TerminalAgent::~TerminalAgent()
{
    if (m_pid <= 0)
        return;
    ::kill(m_pid, SIGTERM);
    while (::waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

} // namespace re6st::ctl
