// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "PrivateBus.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QThread>
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

namespace re6st::test {

// The real NetworkManager (Debian package network-manager) for one test, on a
// PrivateBus, managing test interfaces only. The arrangement (issue 6 §4):
//
//  - NetworkManager runs in its own network namespace and mount namespace
//    (`unshare --net --mount --fork --kill-child`): the only devices it can see are the
//    namespace's lo and the veth pairs this fixture creates there (re6sttestN, managed;
//    their peers re6stpeerN, unmanaged, kept up for carrier). The machine's interfaces,
//    addresses and routes are out of its reach: another namespace.
//  - Inside the mount namespace, fresh tmpfs cover /run (its run directory, pid file,
//    a resolv.conf it would write, and /run/udev: no udev there), /var/lib/NetworkManager
//    (state) and /etc/NetworkManager (the machine's configuration and connections stay
//    unseen and untouched). Its configuration is ours (--config, --config-dir empty,
//    --state-file), keyfile connections go to a temporary directory:
//      dns=none, rc-manager=unmanaged (resolv.conf untouched), hostname-mode=none,
//      auth-polkit=false (only this test talks to it), no-auto-default=*,
//      unmanaged-devices=except:interface-name:re6sttest* .
//  - Why devices are managed without udev: NetworkManager asks udev whether a device is
//    initialized only when it uses udev, and it uses udev only when /sys is writable
//    (NetworkManager's container support). Here a read-only sysfs of the new network
//    namespace is mounted over /sys (which also shows that namespace's devices, not the
//    machine's), so the veths become "disconnected"/managed at once. Nothing in udev's
//    or the machine's state is faked.
//  - It talks D-Bus on the private bus ($DBUS_SYSTEM_BUS_ADDRESS), where the daemon and
//    nmcli (run from the test's namespace: nmcli only speaks D-Bus) find it.
// Cleanup: SIGTERM to NetworkManager (by PID, found as unshare's child), then SIGKILL to
// unshare (--kill-child kills NetworkManager); when the test itself dies, unshare gets
// SIGKILL (PR_SET_PDEATHSIG). With the last process the network namespace goes, and the
// veths with it; the mounts go with the mount namespace.
class NetworkManagerFixture final
{
public:
    NetworkManagerFixture() = default;
    ~NetworkManagerFixture() { stop(); }
    NetworkManagerFixture(const NetworkManagerFixture &) = delete;
    NetworkManagerFixture &operator=(const NetworkManagerFixture &) = delete;

    static QString binary() { return QStringLiteral("/usr/sbin/NetworkManager"); }

    // Why it cannot run here (empty: it can).
    static QString skipReason()
    {
        if (::geteuid() != 0)
            return QStringLiteral("needs root (network and mount namespaces for NetworkManager)");
        if (!QFileInfo(binary()).isExecutable())
            return QStringLiteral("%1 not found: install Debian package network-manager").arg(binary());
        for (const char *tool : {"nmcli", "unshare", "ip", "nsenter"})
            if (QStandardPaths::findExecutable(QLatin1String(tool)).isEmpty())
                return QStringLiteral("%1 not found (Debian packages network-manager, util-linux, iproute2)")
                    .arg(QLatin1String(tool));
        if (PrivateBus::daemonPath().isEmpty())
            return QStringLiteral("dbus-daemon not found: install Debian package dbus-daemon");
        QProcess probe;
        probe.start(QStandardPaths::findExecutable(QStringLiteral("unshare")),
                    {QStringLiteral("--net"), QStringLiteral("--mount"), QStringLiteral("--propagation"),
                     QStringLiteral("private"), QStringLiteral("true")});
        if (!probe.waitForFinished(30000) || probe.exitStatus() != QProcess::NormalExit || probe.exitCode() != 0)
            return QStringLiteral("cannot create network and mount namespaces here (%1)")
                .arg(QString::fromLocal8Bit(probe.readAllStandardError()).trimmed());
        return {};
    }

    // Starts NetworkManager on `busAddress` with `pairs` veth pairs re6sttestN/re6stpeerN
    // (N = 0..pairs-1) and waits until it owns its name and manages re6sttest0..
    bool start(const QString &busAddress, int pairs, QString *error, int timeoutMs = 60000)
    {
        if (!m_dir.isValid())
            return fail(error, QStringLiteral("no temporary directory"));
        m_busAddress = busAddress;
        QDir dir(m_dir.path());
        for (const char *sub : {"conf.d", "connections"})
            dir.mkpath(QLatin1String(sub));
        QFile conf(dir.filePath(QStringLiteral("NetworkManager.conf")));
        if (!conf.open(QIODevice::WriteOnly))
            return fail(error, QStringLiteral("cannot write %1").arg(conf.fileName()));
        conf.write(QStringLiteral("[main]\nplugins=keyfile\ndns=none\nrc-manager=unmanaged\nhostname-mode=none\n"
                                  "auth-polkit=false\nno-auto-default=*\n"
                                  "[keyfile]\npath=%1\nunmanaged-devices=except:interface-name:re6sttest*\n"
                                  "[logging]\nlevel=INFO\nbackend=debug\n")
                       .arg(dir.filePath(QStringLiteral("connections")))
                       .toUtf8());
        conf.close();
        QString veths;
        for (int i = 0; i < pairs; ++i)
            veths += QStringLiteral("ip link add re6sttest%1 type veth peer name re6stpeer%1\n"
                                    "ip link set re6stpeer%1 up\n").arg(i);
        const QString script = QStringLiteral(
                                   "set -e\n"
                                   "mount --make-rprivate /\n"
                                   "mount -t tmpfs -o mode=0755 re6st-nm-run /run\n"
                                   "mount -t tmpfs -o mode=0755 re6st-nm-state /var/lib/NetworkManager\n"
                                   "mount -t tmpfs -o mode=0755 re6st-nm-etc /etc/NetworkManager\n"
                                   "mount -t sysfs -o ro sysfs /sys\n"
                                   "ip link set lo up\n"
                                   "%1"
                                   "exec \"$1\" --no-daemon --config=\"$2/NetworkManager.conf\" --config-dir=\"$2/conf.d\" "
                                   "--state-file=\"$2/NetworkManager.state\" --pid-file=/run/NetworkManager.pid\n")
                                   .arg(veths);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), busAddress);
        env.remove(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"));
        env.remove(QStringLiteral("NOTIFY_SOCKET"));
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.setStandardOutputFile(logFile());
        m_process.setStandardInputFile(QProcess::nullDevice());
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_process.start(QStandardPaths::findExecutable(QStringLiteral("unshare")),
                        {QStringLiteral("--net"), QStringLiteral("--mount"), QStringLiteral("--propagation"),
                         QStringLiteral("private"), QStringLiteral("--fork"), QStringLiteral("--kill-child"),
                         QStringLiteral("--"), QStringLiteral("/bin/sh"), QStringLiteral("-c"), script,
                         QStringLiteral("sh"), binary(), m_dir.path()});
        if (!m_process.waitForStarted(10000))
            return fail(error, QStringLiteral("cannot start unshare: %1").arg(m_process.errorString()));
        // Ready: NetworkManager answers and manages re6sttest0 (state > unmanaged).
        QDeadlineTimer deadline(timeoutMs);
        while (!deadline.hasExpired()) {
            if (m_process.state() == QProcess::NotRunning)
                return fail(error, QStringLiteral("NetworkManager exited; its log:\n") + log());
            const QString out = nmcli({QStringLiteral("-g"), QStringLiteral("GENERAL.STATE"), QStringLiteral("device"),
                                       QStringLiteral("show"), QStringLiteral("re6sttest0")});
            if (!out.isEmpty() && !out.startsWith(QLatin1String("10 ")))
                break;
            QThread::msleep(100); // condition poll (NetworkManager has no "ready" signal we can wait on here)
        }
        if (deadline.hasExpired()) {
            stop();
            return fail(error, QStringLiteral("NetworkManager did not manage re6sttest0 within %1 ms; its log:\n")
                                   .arg(timeoutMs) + log());
        }
        m_nmPid = childPid();
        return true;
    }

    // nmcli on our bus; returns stdout (trimmed), empty on failure (*ok false).
    QString nmcli(const QStringList &args, bool *ok = nullptr, QString *err = nullptr) const
    {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DBUS_SYSTEM_BUS_ADDRESS"), m_busAddress);
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
        p.setProcessEnvironment(env);
        p.start(QStandardPaths::findExecutable(QStringLiteral("nmcli")), QStringList{QStringLiteral("--wait"), QStringLiteral("30")} + args);
        const bool done = p.waitForFinished(60000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
        if (ok) *ok = done;
        if (err) *err = QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
        return done ? QString::fromLocal8Bit(p.readAllStandardOutput()).trimmed() : QString();
    }

    // A command inside NetworkManager's network namespace (e.g. `ip -6 route`).
    QString inNamespace(const QStringList &command, bool *ok = nullptr) const
    {
        QProcess p;
        p.start(QStandardPaths::findExecutable(QStringLiteral("nsenter")),
                QStringList{QStringLiteral("--net=/proc/%1/ns/net").arg(m_nmPid), QStringLiteral("--")} + command);
        const bool done = m_nmPid > 0 && p.waitForFinished(30000) && p.exitStatus() == QProcess::NormalExit
                          && p.exitCode() == 0;
        if (ok) *ok = done;
        return QString::fromLocal8Bit(p.readAllStandardOutput()).trimmed();
    }

    QString connectionsDir() const { return QDir(m_dir.path()).filePath(QStringLiteral("connections")); }
    qint64 pid() const { return m_nmPid; }
    QString logFile() const { return QDir(m_dir.path()).filePath(QStringLiteral("NetworkManager.log")); }
    QString log() const
    {
        QFile f(logFile());
        return f.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(f.readAll().right(20000)) : QString();
    }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        const qint64 nm = m_nmPid > 0 ? m_nmPid : childPid();
        if (nm > 0)
            ::kill(pid_t(nm), SIGTERM);
        if (!m_process.waitForFinished(20000)) {
            ::kill(pid_t(m_process.processId()), SIGKILL); // --kill-child: NetworkManager too
            m_process.waitForFinished(10000);
        }
        if (nm > 0) {
            QDeadlineTimer deadline(10000);
            while (::kill(pid_t(nm), 0) == 0 && !deadline.hasExpired())
                QThread::msleep(10); // condition poll: the kernel is reaping it
        }
        m_nmPid = -1;
    }

private:
    static bool fail(QString *error, const QString &message)
    {
        if (error) *error = message;
        return false;
    }
    // unshare's only child (sh, exec'd into NetworkManager).
    qint64 childPid() const
    {
        const qint64 parent = m_process.processId();
        QFile children(QStringLiteral("/proc/%1/task/%1/children").arg(parent));
        if (!children.open(QIODevice::ReadOnly))
            return -1;
        return QString::fromLatin1(children.readAll()).split(QLatin1Char(' '), Qt::SkipEmptyParts).value(0).toLongLong();
    }

    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_busAddress;
    qint64 m_nmPid = -1;
};

} // namespace re6st::test
