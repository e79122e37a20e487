// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTimer>

namespace re6st::daemon {

// Supervisor of the babeld child (node-protocol.md §4.2, §2.4/§2.6, §1.4):
// starts it with the given argv, restarts it with exponential back-off when it
// dies, stops it by PID (SIGTERM, then SIGKILL after a bound, §2.6: 5 s) and
// reopens its log on request (SIGUSR2). Stale socket/pid files are removed
// before every start. Signals the PID of the started program: with a wrapper
// that execs babeld (`ip netns exec NS babeld …`) that is babeld's PID.
class BabelProcess final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BabelProcess)
public:
    explicit BabelProcess(QObject *parent = nullptr);
    ~BabelProcess() override; // stopAndWait()

    void setCommand(const QString &program, const QStringList &arguments);
    void setStaleFiles(const QStringList &paths) { m_staleFiles = paths; }
    void setRestartBackoff(int initialMs, int maxMs); // default 1000 → 60000, doubling
    void setStableAfter(int ms) { m_stableMs = ms; }  // uptime resetting the back-off, default 60000
    void setStopTimeout(int ms) { m_stopTimeoutMs = ms; } // SIGTERM → SIGKILL, default 5000

    bool start();        // false if already running; failures to spawn are retried with back-off
    void stop();         // asynchronous: SIGTERM now, SIGKILL after the bound; `stopped` at the end
    bool stopAndWait();  // same, blocking up to the bound (+1 s); for shutdown paths
    bool reopenLog();    // SIGUSR2 (§4.2 logs)

    bool isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }
    qint64 pid() const { return m_pid; }
    int restartCount() const { return m_restarts; } // unexpected deaths followed by a restart
    int nextRestartDelay() const { return m_delayMs; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void started(qint64 pid);
    void died(int exitCode, const QString &description); // unexpected exit; a restart is scheduled
    void restarted(int restartCount);
    void stopped();

private:
    void spawn();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onFailedToStart();
    void scheduleRestart(const QString &description, int exitCode);
    void removeStaleFiles();
    void sendSignal(int signal);

    QString m_program;
    QStringList m_arguments, m_staleFiles;
    QProcess *m_process = nullptr;
    QTimer m_restartTimer, m_killTimer;
    QElapsedTimer m_uptime;
    qint64 m_pid = 0;
    int m_initialDelayMs = 1000, m_maxDelayMs = 60000, m_delayMs = 1000;
    int m_stableMs = 60000, m_stopTimeoutMs = 5000, m_restarts = 0;
    bool m_wanted = false;     // should be running
    bool m_restarting = false; // the next spawn is a restart
    QString m_lastError;
};

} // namespace re6st::daemon
