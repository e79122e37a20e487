// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "PrivateBus.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusServiceWatcher>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <cerrno>
#include <csignal>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace re6st::test {

// The real polkitd (Debian package polkitd, 122) serving a PrivateBus, with only the
// actions and rules a test gives it: polkitd runs in its own mount and PID namespaces
// (`unshare --pid --fork --kill-child --mount`) where temporary directories are
// bind-mounted over /usr/share/polkit-1/actions, /etc/polkit-1/rules.d and
// /usr/share/polkit-1/rules.d. Nothing is written in the system directories; the mounts
// vanish with the namespace. polkitd drops to user polkitd by itself, so the bus socket
// and the temporary directories are made reachable by other users.
// Cleanup when the test crashes: the unshare process gets SIGKILL when the test dies
// (PR_SET_PDEATHSIG), its child (the namespace's init) then too (--kill-child), and the
// kernel kills polkitd with its PID namespace.
class PolkitFixture final
{
public:
    static constexpr const char *kServiceName = "org.freedesktop.PolicyKit1";
    static constexpr const char *kActionsDir = "/usr/share/polkit-1/actions";
    static constexpr const char *kEtcRulesDir = "/etc/polkit-1/rules.d";
    static constexpr const char *kShareRulesDir = "/usr/share/polkit-1/rules.d";

    struct Config
    {
        // .policy files copied into the actions directory; empty: polkit/org.re6st.policy
        // of $RE6ST_SOURCE_DIR.
        QStringList policyFiles;
        // file name (e.g. "50-test.rules") -> JavaScript, in /etc/polkit-1/rules.d. The
        // distribution's rules (/usr/share/polkit-1/rules.d, e.g. "sudo is admin") are hidden.
        QMap<QString, QByteArray> rules;
    };

    PolkitFixture() = default;
    ~PolkitFixture()
    {
        stop();
        if (m_conn)
            QDBusConnection::disconnectFromBus(m_connName);
    }
    PolkitFixture(const PolkitFixture &) = delete;
    PolkitFixture &operator=(const PolkitFixture &) = delete;

    static QString polkitdPath() { return QStringLiteral("/usr/lib/polkit-1/polkitd"); }

    // Why the real polkitd cannot run here (empty: it can). Tests QSKIP with it.
    static QString skipReason()
    {
        if (!QFileInfo(polkitdPath()).isExecutable())
            return QStringLiteral("%1 not found: install Debian package polkitd").arg(polkitdPath());
        if (::geteuid() != 0)
            return QStringLiteral("needs root (mount namespace over polkit's directories; polkitd "
                                  "switches to user polkitd)");
        if (!::getpwnam("polkitd"))
            return QStringLiteral("user polkitd does not exist (reinstall Debian package polkitd)");
        for (const char *dir : {kActionsDir, kEtcRulesDir, kShareRulesDir})
            if (!QFileInfo(QLatin1String(dir)).isDir())
                return QStringLiteral("%1 does not exist: this polkit has another layout").arg(QLatin1String(dir));
        if (PrivateBus::daemonPath().isEmpty())
            return QStringLiteral("dbus-daemon not found: install Debian package dbus-daemon");
        const QString unshare = QStandardPaths::findExecutable(QStringLiteral("unshare"));
        if (unshare.isEmpty())
            return QStringLiteral("unshare not found: install Debian package util-linux");
        QProcess probe;
        probe.start(unshare, {QStringLiteral("--pid"), QStringLiteral("--fork"), QStringLiteral("--mount"),
                              QStringLiteral("--propagation"), QStringLiteral("private"),
                              QStringLiteral("true")});
        if (!probe.waitForFinished(30000) || probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0)
            return QStringLiteral("cannot create mount and PID namespaces here (no CAP_SYS_ADMIN? %1)")
                .arg(QString::fromLocal8Bit(probe.readAllStandardError()).trimmed());
        return {};
    }

    // Starts polkitd on `bus` (already started) and waits until it owns
    // org.freedesktop.PolicyKit1.
    bool start(PrivateBus &bus, const Config &config, QString *error, int timeoutMs = 30000)
    {
        stop();
        if (!m_dir.isValid())
            return fail(error, QStringLiteral("no temporary directory"));
        if (!bus.allowOtherUsers(error))
            return false;
        if (m_conn && m_address != bus.address()) {
            QDBusConnection::disconnectFromBus(m_connName);
            m_conn = false;
        }
        m_address = bus.address();

        // Directories readable by user polkitd (it reads them after dropping root).
        const QFileDevice::Permissions dirMode = QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                 | QFileDevice::ExeOwner | QFileDevice::ReadGroup
                                                 | QFileDevice::ExeGroup | QFileDevice::ReadOther
                                                 | QFileDevice::ExeOther;
        const QFileDevice::Permissions fileMode = QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                  | QFileDevice::ReadGroup | QFileDevice::ReadOther;
        QFile::setPermissions(m_dir.path(), dirMode);
        const QString runDir = m_dir.filePath(QStringLiteral("run%1").arg(++m_runs));
        const QString actions = runDir + QStringLiteral("/actions");
        const QString rules = runDir + QStringLiteral("/rules");
        const QString noRules = runDir + QStringLiteral("/no-rules");
        for (const QString &dir : {runDir, actions, rules, noRules}) {
            if (!QDir().mkpath(dir) || !QFile::setPermissions(dir, dirMode))
                return fail(error, QStringLiteral("cannot create %1").arg(dir));
        }
        QStringList policies = config.policyFiles;
        if (policies.isEmpty())
            policies << QDir(qEnvironmentVariable("RE6ST_SOURCE_DIR", QStringLiteral(".")))
                            .filePath(QStringLiteral("polkit/org.re6st.policy"));
        for (const QString &policy : policies) {
            const QString target = actions + QLatin1Char('/') + QFileInfo(policy).fileName();
            if (!QFile::copy(policy, target) || !QFile::setPermissions(target, fileMode))
                return fail(error, QStringLiteral("cannot copy %1 (is RE6ST_SOURCE_DIR set?)").arg(policy));
        }
        for (auto it = config.rules.begin(); it != config.rules.end(); ++it) {
            QFile file(rules + QLatin1Char('/') + it.key());
            if (!file.open(QIODevice::WriteOnly) || file.write(it.value()) != it.value().size())
                return fail(error, QStringLiteral("cannot write %1").arg(file.fileName()));
            file.close();
            file.setPermissions(fileMode);
        }

        m_logFile = runDir + QStringLiteral("/polkitd.log");
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), m_address);
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setStandardOutputFile(m_logFile);
        m_process.setStandardInputFile(QProcess::nullDevice());
        // SIGKILL: unshare --fork blocks SIGTERM while it waits for its child.
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        // $1..$4: actions, rules, empty rules, polkitd. sh stays the namespace's init
        // (root, killed with unshare) so that polkitd dies with it even after dropping root.
        const QString script = QStringLiteral(
            "set -e\n"
            "mount --bind \"$1\" %1\n"
            "mount --bind \"$2\" %2\n"
            "mount --bind \"$3\" %3\n"
            "\"$4\" &\n"
            "wait $!\n")
                                   .arg(QLatin1String(kActionsDir), QLatin1String(kEtcRulesDir),
                                        QLatin1String(kShareRulesDir));
        m_process.start(QStandardPaths::findExecutable(QStringLiteral("unshare")),
                        {QStringLiteral("--pid"), QStringLiteral("--fork"), QStringLiteral("--kill-child"),
                         QStringLiteral("--mount"), QStringLiteral("--propagation"), QStringLiteral("private"),
                         QStringLiteral("--"), QStringLiteral("/bin/sh"), QStringLiteral("-c"), script,
                         QStringLiteral("sh"), actions, rules, noRules, polkitdPath()});
        if (!m_process.waitForStarted(10000))
            return fail(error, QStringLiteral("cannot start unshare: %1").arg(m_process.errorString()));

        if (!connection().isConnected())
            return fail(error, QStringLiteral("cannot connect to the private bus %1").arg(m_address));
        if (!waitForName(true, timeoutMs)) {
            const QString why = m_process.state() == QProcess::NotRunning
                                    ? QStringLiteral("polkitd exited")
                                    : QStringLiteral("polkitd did not own %1 within %2 ms")
                                          .arg(QLatin1String(kServiceName))
                                          .arg(timeoutMs);
            stop();
            return fail(error, why + QStringLiteral("; its log:\n") + log());
        }
        const auto pid = connection().interface()->servicePid(QLatin1String(kServiceName));
        m_polkitdPid = pid.isValid() ? qint64(pid.value()) : -1;
        QFile comm(QStringLiteral("/proc/%1/comm").arg(m_polkitdPid));
        if (m_polkitdPid <= 0 || !comm.open(QIODevice::ReadOnly) || comm.readAll().trimmed() != "polkitd") {
            stop();
            return fail(error, QStringLiteral("%1 is owned by pid %2, which is not our polkitd")
                                   .arg(QLatin1String(kServiceName))
                                   .arg(m_polkitdPid));
        }
        return true;
    }

    // Stops polkitd (SIGTERM, then SIGKILL of the whole namespace) and waits until it is
    // gone from the process table and from the bus. Idempotent.
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning && m_polkitdPid <= 0)
            return;
        if (m_polkitdPid > 0)
            ::kill(pid_t(m_polkitdPid), SIGTERM); // then sh (init) exits, the namespace goes
        if (m_process.state() != QProcess::NotRunning && !m_process.waitForFinished(10000)) {
            ::kill(pid_t(m_process.processId()), SIGKILL); // --kill-child: init, then everything
            m_process.waitForFinished(10000);
        }
        if (m_polkitdPid > 0) {
            QDeadlineTimer deadline(10000);
            while (::kill(pid_t(m_polkitdPid), 0) == 0 && !deadline.hasExpired())
                QThread::msleep(10); // condition poll: the kernel is tearing the namespace down
            m_polkitdPid = -1;
        }
        if (m_conn)
            waitForName(false, 10000);
    }

    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    // polkitd's PID as the bus (and this process) sees it; -1 when stopped.
    qint64 polkitdPid() const { return m_polkitdPid; }
    // polkitd's output of the current/last run (debug output: rules loaded, errors).
    QString log() const
    {
        QFile file(m_logFile);
        return file.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(file.readAll()) : QString();
    }

private:
    static bool fail(QString *error, const QString &message)
    {
        if (error)
            *error = message;
        return false;
    }

    QDBusConnection connection()
    {
        if (!m_conn) {
            m_connName = QStringLiteral("re6st-polkit-fixture-%1").arg(quintptr(this), 0, 16);
            m_conn = true;
            QDBusConnection::connectToBus(m_address, m_connName);
        }
        return QDBusConnection(m_connName);
    }

    // Waits, on events, until org.freedesktop.PolicyKit1 has (or no longer has) an owner.
    bool waitForName(bool owned, int timeoutMs)
    {
        QDBusConnection bus = connection();
        if (!bus.isConnected())
            return !owned;
        QEventLoop loop;
        QDBusServiceWatcher watcher(QLatin1String(kServiceName), bus,
                                    owned ? QDBusServiceWatcher::WatchForRegistration
                                          : QDBusServiceWatcher::WatchForUnregistration);
        QObject::connect(&watcher, &QDBusServiceWatcher::serviceRegistered, &loop, &QEventLoop::quit);
        QObject::connect(&watcher, &QDBusServiceWatcher::serviceUnregistered, &loop, &QEventLoop::quit);
        QObject::connect(&m_process, &QProcess::finished, &loop, &QEventLoop::quit);
        QTimer timer;
        timer.setSingleShot(true);
        QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        auto done = [&] {
            return bus.interface()->isServiceRegistered(QLatin1String(kServiceName)).value() == owned;
        };
        timer.start(timeoutMs);
        while (!done()) {
            if (owned && m_process.state() == QProcess::NotRunning)
                return false;
            if (!timer.isActive())
                return false;
            loop.exec();
        }
        return true;
    }

    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_address;
    QString m_connName;
    bool m_conn = false;
    QString m_logFile;
    qint64 m_polkitdPid = -1;
    int m_runs = 0;
};

} // namespace re6st::test
