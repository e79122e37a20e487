// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "TestUser.h"

#include <QEventLoop>
#include <QProcess>
#include <QTimer>
#include <csignal>
#include <sys/prctl.h>

namespace re6st::test {

// Runs a command as a TestUser on a terminal, optionally with polkit's own text agent,
// pkttyagent (Debian package polkitd), registered for that command's process as a
// desktop session's agent would serve it; any password prompt on the terminal is
// answered with `password`. Authentication then goes through the real polkitd and PAM.
//
// Arrangement:
// - pkttyagent talks to a terminal: everything runs under `script` (util-linux), in a
//   pseudo-terminal; the prompt is read from script's output, the password written to
//   its input once the prompt is there (the agent flushes earlier input).
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
    bool prompted = false; // the agent asked for a password (and got `password`)
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
    for (const char *tool : {"pkttyagent", "script", "unshare", "mkfifo"})
        if (findTool(QLatin1String(tool)).isEmpty())
            return QStringLiteral("%1 not found (Debian packages polkitd, bsdutils, util-linux, coreutils)")
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
    QStringList command{program};
    command << arguments;
    for (QString &word : command)
        word = shellQuote(word);
    // Runs as the user, in the pseudo-terminal. The fifo is closed by the agent once it
    // is registered (--notify-fd).
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
                              "exec setpriv --reuid=%2 --regid=%3 --init-groups --inh-caps=-all -- "
                              "script --quiet --return --command %4 /dev/null")
                              .arg(shellQuote(busSocket))
                              .arg(user.uid())
                              .arg(user.gid())
                              .arg(shellQuote(QStringLiteral("sh -c ") + shellQuote(inner)));

    AgentRun run;
    QProcess process;
    process.setProcessEnvironment(minimalEnvironment(environment));
    process.setWorkingDirectory(QStringLiteral("/"));
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    QByteArray transcript;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&process, &QProcess::readyRead, &loop, [&] {
        transcript += process.readAll();
        if (!run.prompted && transcript.contains("Password:")) {
            run.prompted = true;
            process.write(password.toUtf8() + '\n');
        }
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
    timer.start(timeoutMs);
    if (process.state() != QProcess::NotRunning)
        loop.exec();
    if (process.state() != QProcess::NotRunning) {
        process.kill(); // script itself (exec chain): its terminal closes, the session gets SIGHUP
        process.waitForFinished(5000);
        run.result.err = QStringLiteral("[killed after %1 ms] ").arg(timeoutMs);
    } else {
        run.result.finished = process.exitStatus() == QProcess::NormalExit && process.error() != QProcess::FailedToStart;
        run.result.exitCode = run.result.finished ? process.exitCode() : -1;
    }
    transcript += process.readAll();
    run.result.out = QString::fromUtf8(transcript);
    if (process.error() == QProcess::FailedToStart)
        run.result.err += QStringLiteral("cannot start unshare: ") + process.errorString();
    return run;
}

} // namespace re6st::test
