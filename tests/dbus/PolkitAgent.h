// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "TestUser.h"

#include <QEventLoop>
#include <QProcess>
#include <QSocketNotifier>
#include <QTimer>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <termios.h>
#include <unistd.h>

namespace re6st::test {

// Runs a command as a TestUser on a terminal, optionally with polkit's own text agent,
// pkttyagent (Debian package polkitd), registered for that command's process as a
// desktop session's agent would serve it; a password prompt on the terminal is
// answered with `password`. Authentication then goes through the real polkitd and PAM.
//
// Arrangement:
// - pkttyagent talks to a terminal: the command runs in a pseudo-terminal of the test's
//   own, as its controlling terminal. The agent prints its prompt, then turns echo off
//   and flushes pending input, so the password is written only once the terminal's
//   echo is off (Linux shares the slave's termios with the master: the test reads it).
// - AgentFor::Command: the agent registers for the PID of a shell that then execs the
//   command, so that the command's process (same PID, same start time) is the
//   registered subject; polkitd maps the command's bus name to that process. The
//   command's stdin is /dev/null (as for a program started from a desktop menu), so
//   that re6stctl does not start an agent of its own.
//   AgentFor::Nobody: no agent is started; stdin is the terminal (re6stctl starts its
//   own agent there).
// - polkit-agent-helper-1 is setuid root and clears its environment, so it reaches
//   polkitd only on the default system bus socket: the command runs in a private mount
//   namespace (made by root with `unshare --mount`) where a tmpfs covers /run and
//   /run/dbus/system_bus_socket is the test's PrivateBus socket. Nothing outside that
//   namespace changes.
struct AgentRun
{
    ProcessResult result;  // exit code of the command; out = the terminal's transcript
    bool prompted = false; // a password was asked for (and `password` typed)
};

inline QString shellQuote(const QString &word)
{
    QString quoted = word;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

// Why the agent cannot run here (empty: it can).
inline QString polkitAgentSkipReason()
{
    for (const char *tool : {"pkttyagent", "unshare", "setpriv", "mkfifo"})
        if (findTool(QLatin1String(tool)).isEmpty())
            return QStringLiteral("%1 not found (Debian packages polkitd, util-linux, coreutils)")
                .arg(QLatin1String(tool));
    if (!QFileInfo(QStringLiteral("/usr/lib/polkit-1/polkit-agent-helper-1")).isExecutable())
        return QStringLiteral("/usr/lib/polkit-1/polkit-agent-helper-1 missing (Debian package polkitd)");
    return {};
}

enum class AgentFor { Command, Nobody };

// `busSocket`: the PrivateBus's socket file; `environment` as for runProcess().
inline AgentRun runOnTerminal(const TestUser &user, AgentFor agent, const QString &busSocket, const QString &program,
                              const QStringList &arguments, const QMap<QString, QString> &environment,
                              const QString &password, int timeoutMs = 60000)
{
    AgentRun run;
    QStringList command{program};
    command << arguments;
    for (QString &word : command)
        word = shellQuote(word);
    // Runs as the user, on the terminal. The fifo is closed by the agent once it is
    // registered (--notify-fd).
    const QString startAgent = QStringLiteral("f=$(mktemp -u /tmp/re6st-agent.XXXXXX) && mkfifo \"$f\" || exit 125\n"
                                              "pkttyagent --process $$ --notify-fd 3 3>\"$f\" &\n"
                                              "cat \"$f\" >/dev/null; rm -f \"$f\"\n");
    const QString inner = agent == AgentFor::Command
                              ? startAgent + QStringLiteral("exec ") + command.join(QLatin1Char(' ')) + QStringLiteral(" </dev/null")
                              : QStringLiteral("exec ") + command.join(QLatin1Char(' '));
    // Runs as root, in the new mount namespace.
    const QString outer = QStringLiteral(
                              "mount -t tmpfs -o mode=0755 re6st-test /run && mkdir /run/dbus "
                              "&& : > /run/dbus/system_bus_socket "
                              "&& mount --bind %1 /run/dbus/system_bus_socket || exit 125\n"
                              "exec setpriv --reuid=%2 --regid=%3 --init-groups --inh-caps=-all -- sh -c %4")
                              .arg(shellQuote(busSocket))
                              .arg(user.uid())
                              .arg(user.gid())
                              .arg(shellQuote(inner));

    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    const char *slaveName = master >= 0 && ::grantpt(master) == 0 && ::unlockpt(master) == 0 ? ::ptsname(master) : nullptr;
    const int slave = slaveName ? ::open(slaveName, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (slave < 0 || ::fchown(slave, user.uid(), user.gid()) != 0) {
        run.result.err = QStringLiteral("cannot make a pseudo-terminal: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
        if (slave >= 0)
            ::close(slave);
        if (master >= 0)
            ::close(master);
        return run;
    }

    QProcess process;
    process.setProcessEnvironment(minimalEnvironment(environment));
    process.setWorkingDirectory(QStringLiteral("/"));
    process.setChildProcessModifier([slave] {
        // A session of its own whose controlling terminal is the slave, on 0, 1 and 2.
        ::setsid();
        ::ioctl(slave, TIOCSCTTY, 0);
        ::dup2(slave, STDIN_FILENO);
        ::dup2(slave, STDOUT_FILENO);
        ::dup2(slave, STDERR_FILENO);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    });
    QByteArray transcript;
    auto drain = [&] {
        char buffer[4096];
        for (ssize_t n; (n = ::read(master, buffer, sizeof buffer)) > 0;)
            transcript.append(buffer, n);
    };
    auto echoOff = [&] {
        termios t{};
        return ::tcgetattr(master, &t) == 0 && !(t.c_lflag & ECHO);
    };
    QEventLoop loop;
    QSocketNotifier output(master, QSocketNotifier::Read);
    QTimer typing; // polls the echo flag once prompted: a condition, not a delay
    typing.setInterval(10);
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&output, &QSocketNotifier::activated, &loop, [&] {
        drain();
        if (!run.prompted && !typing.isActive() && transcript.contains("Password:"))
            typing.start();
    });
    QObject::connect(&typing, &QTimer::timeout, &loop, [&] {
        if (!echoOff())
            return;
        typing.stop();
        run.prompted = true;
        const QByteArray line = password.toUtf8() + '\n';
        if (::write(master, line.constData(), size_t(line.size())) != line.size())
            run.result.err += QStringLiteral("[could not type the password] ");
    });
    QObject::connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
    QObject::connect(&process, &QProcess::errorOccurred, &loop, [&](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            loop.quit();
    });
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    process.start(findTool(QStringLiteral("unshare")),
                  {QStringLiteral("--mount"), QStringLiteral("--propagation"), QStringLiteral("private"),
                   QStringLiteral("sh"), QStringLiteral("-c"), outer});
    ::close(slave); // the child has its copies
    timer.start(timeoutMs);
    if (process.state() != QProcess::NotRunning)
        loop.exec();
    if (process.state() != QProcess::NotRunning) {
        process.kill(); // the command (exec chain), the session's leader: the session gets SIGHUP
        process.waitForFinished(5000);
        run.result.err += QStringLiteral("[killed after %1 ms] ").arg(timeoutMs);
    } else {
        run.result.finished = process.exitStatus() == QProcess::NormalExit && process.error() != QProcess::FailedToStart;
        run.result.exitCode = run.result.finished ? process.exitCode() : -1;
    }
    drain();
    ::close(master);
    run.result.out = QString::fromUtf8(transcript);
    if (process.error() == QProcess::FailedToStart)
        run.result.err += QStringLiteral("cannot start unshare: ") + process.errorString();
    return run;
}

} // namespace re6st::test
