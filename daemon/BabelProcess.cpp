// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/BabelProcess.h"
#include "daemon/ParentDeath.h"

#include <QFile>

#include <csignal>
#include <sys/types.h>

namespace re6st::daemon {

BabelProcess::BabelProcess(QObject *parent) : QObject(parent)
{
    m_restartTimer.setSingleShot(true);
    m_killTimer.setSingleShot(true);
    connect(&m_restartTimer, &QTimer::timeout, this, &BabelProcess::spawn);
    connect(&m_killTimer, &QTimer::timeout, this, [this] { sendSignal(SIGKILL); });
}

BabelProcess::~BabelProcess()
{
    stopAndWait();
}

void BabelProcess::setCommand(const QString &program, const QStringList &arguments)
{
    m_program = program;
    m_arguments = arguments;
}

void BabelProcess::setRestartBackoff(int initialMs, int maxMs)
{
    m_initialDelayMs = qMax(0, initialMs);
    m_maxDelayMs = qMax(m_initialDelayMs, maxMs);
    m_delayMs = m_initialDelayMs;
}

bool BabelProcess::start()
{
    if (isRunning() || m_restartTimer.isActive()) return false;
    m_wanted = true;
    m_restarting = false;
    m_delayMs = m_initialDelayMs;
    spawn();
    return true;
}

void BabelProcess::removeStaleFiles()
{
    for (const QString &path : std::as_const(m_staleFiles))
        if (QFile::exists(path) && !QFile::remove(path))
            m_lastError = QStringLiteral("cannot remove stale %1; remove it by hand").arg(path);
}

void BabelProcess::spawn()
{
    if (!m_wanted) return;
    removeStaleFiles();
    if (m_process) m_process->deleteLater();
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::ForwardedChannels); // babeld logs to -L
    m_process->setInputChannelMode(QProcess::ForwardedInputChannel);
    QProcess *p = m_process;
    connect(p, &QProcess::finished, this, [this, p](int code, QProcess::ExitStatus status) {
        if (p == m_process) onFinished(code, status);
    });
    connect(p, &QProcess::errorOccurred, this, [this, p](QProcess::ProcessError e) {
        if (p == m_process && e == QProcess::FailedToStart) onFailedToStart();
    });
    terminateWithParent(*m_process);
    m_process->start(m_program, m_arguments);
    if (m_process->state() == QProcess::NotRunning) return; // FailedToStart handled
    if (!m_process->waitForStarted(5000)) return;           // exec done quickly; errors signalled
    m_pid = m_process->processId();
    m_uptime.start();
    Q_EMIT started(m_pid);
    if (m_restarting) {
        m_restarting = false;
        ++m_restarts;
        Q_EMIT restarted(m_restarts);
    }
}

void BabelProcess::onFailedToStart()
{
    m_pid = 0;
    m_lastError = QStringLiteral("cannot run %1: %2; check that babeld is installed").arg(m_program, m_process->errorString());
    if (m_wanted) scheduleRestart(m_lastError, -1);
}

void BabelProcess::onFinished(int exitCode, QProcess::ExitStatus status)
{
    m_pid = 0;
    if (!m_wanted) {
        m_killTimer.stop();
        Q_EMIT stopped();
        return;
    }
    const QString description = status == QProcess::CrashExit
        ? QStringLiteral("%1 killed by a signal").arg(m_program)
        : QStringLiteral("%1 exited with status %2").arg(m_program).arg(exitCode);
    m_lastError = description + QStringLiteral("; see babeld.log");
    if (m_uptime.isValid() && m_uptime.elapsed() >= m_stableMs) m_delayMs = m_initialDelayMs;
    scheduleRestart(description, exitCode);
}

void BabelProcess::scheduleRestart(const QString &description, int exitCode)
{
    m_restarting = true;
    const int delay = m_delayMs;
    m_delayMs = qMin(m_maxDelayMs, qMax(1, m_delayMs) * 2);
    m_restartTimer.start(delay);
    Q_EMIT died(exitCode, description);
}

void BabelProcess::sendSignal(int signal)
{
    if (isRunning() && m_pid > 0) ::kill(pid_t(m_pid), signal);
}

void BabelProcess::stop()
{
    m_wanted = false;
    m_restarting = false;
    m_restartTimer.stop();
    if (!isRunning()) {
        Q_EMIT stopped();
        return;
    }
    sendSignal(SIGTERM);
    m_killTimer.start(m_stopTimeoutMs);
}

bool BabelProcess::stopAndWait()
{
    m_wanted = false;
    m_restarting = false;
    m_restartTimer.stop();
    if (!isRunning()) return true;
    sendSignal(SIGTERM);
    if (m_process->waitForFinished(m_stopTimeoutMs)) return true;
    sendSignal(SIGKILL);
    return m_process->waitForFinished(1000);
}

bool BabelProcess::reopenLog()
{
    if (!isRunning() || m_pid <= 0) return false;
    return ::kill(pid_t(m_pid), SIGUSR2) == 0;
}

} // namespace re6st::daemon
