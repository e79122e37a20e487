// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <csignal>
#include <sys/prctl.h>

namespace re6st::test {

// A private dbus-daemon for one test: its own config and socket in a temporary
// directory, never the developer's or the machine's buses. Stopped by PID.
class PrivateBus final
{
public:
    PrivateBus() = default;
    ~PrivateBus() { stop(); }
    PrivateBus(const PrivateBus &) = delete;
    PrivateBus &operator=(const PrivateBus &) = delete;

    static QString daemonPath() { return QStandardPaths::findExecutable(QStringLiteral("dbus-daemon")); }

    // `includes`: bus policy files (e.g. dbus/org.re6st.Node.conf) applied after a
    // permissive default policy, as on a system bus.
    bool start(const QStringList &includes, QString *error)
    {
        if (!m_dir.isValid())
            return fail(error, QStringLiteral("no temporary directory"));
        QString config = QStringLiteral(
            "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
            " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
            "<busconfig>\n  <type>re6st-test</type>\n  <listen>unix:path=%1/bus</listen>\n"
            "  <auth>EXTERNAL</auth>\n  <policy context=\"default\">\n"
            "    <allow user=\"*\"/>\n    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
            "    <allow eavesdrop=\"true\"/>\n    <allow own=\"*\"/>\n  </policy>\n")
                             .arg(m_dir.path());
        for (const QString &include : includes)
            config += QStringLiteral("  <include>%1</include>\n").arg(include);
        config += QStringLiteral("</busconfig>\n");
        QFile file(m_dir.filePath(QStringLiteral("bus.conf")));
        if (!file.open(QIODevice::WriteOnly) || file.write(config.toUtf8()) < 0)
            return fail(error, QStringLiteral("cannot write %1").arg(file.fileName()));
        file.close();

        m_process.setProgram(daemonPath());
        m_process.setArguments({QStringLiteral("--config-file=") + file.fileName(),
                                QStringLiteral("--nofork"), QStringLiteral("--nopidfile"),
                                QStringLiteral("--print-address=1")});
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        // If the test crashes before stop(), the bus must not outlive it.
        m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
        m_process.start();
        if (!m_process.waitForStarted(10000))
            return fail(error, QStringLiteral("dbus-daemon did not start: ") + m_process.errorString());
        QDeadlineTimer deadline(15000);
        while (!m_process.canReadLine() && !deadline.hasExpired()
               && m_process.state() == QProcess::Running)
            m_process.waitForReadyRead(int(deadline.remainingTime()));
        if (!m_process.canReadLine())
            return fail(error, QStringLiteral("dbus-daemon printed no address: ")
                                   + QString::fromLocal8Bit(m_process.readAllStandardError()));
        m_address = QString::fromUtf8(m_process.readLine()).trimmed();
        return true;
    }

    // Lets other local users (a TestUser, polkitd running as user polkitd) reach the
    // bus socket: the temporary directory becomes traversable (0711, not listable) and
    // every directory above it must already be traversable. Call before or after start().
    bool allowOtherUsers(QString *error = nullptr)
    {
        if (!m_dir.isValid())
            return fail(error, QStringLiteral("no temporary directory"));
        if (!QFile::setPermissions(m_dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                                     | QFileDevice::ExeOwner | QFileDevice::ExeGroup
                                                     | QFileDevice::ExeOther))
            return fail(error, QStringLiteral("cannot chmod %1").arg(m_dir.path()));
        for (QString dir = QFileInfo(m_dir.path()).absolutePath();; dir = QFileInfo(dir).absolutePath()) {
            if (!(QFileInfo(dir).permissions() & QFileDevice::ExeOther))
                return fail(error, QStringLiteral("%1 is not traversable by other users: the private bus "
                                                  "socket under it is unreachable for them; set TMPDIR "
                                                  "to a directory like /tmp")
                                       .arg(dir));
            if (QFileInfo(dir).isRoot())
                break;
        }
        return true;
    }

    QString address() const { return m_address; }
    QString socketPath() const { return m_dir.path() + QStringLiteral("/bus"); }
    QString dir() const { return m_dir.path(); }
    qint64 pid() const { return m_process.processId(); }

    void stop()
    {
        if (m_process.state() == QProcess::NotRunning)
            return;
        ::kill(pid_t(m_process.processId()), SIGTERM);
        if (!m_process.waitForFinished(10000)) {
            ::kill(pid_t(m_process.processId()), SIGKILL);
            m_process.waitForFinished(5000);
        }
    }

private:
    static bool fail(QString *error, const QString &message)
    {
        if (error)
            *error = message;
        return false;
    }

    QTemporaryDir m_dir;
    QProcess m_process;
    QString m_address;
};

} // namespace re6st::test
