// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTimer>
#include <atomic>
#include <csignal>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace re6st::test {

// What a command run by runProcess()/TestUser::run() did.
struct ProcessResult
{
    bool finished = false; // false: it did not start, or was killed at the timeout
    int exitCode = -1;
    QString out;
    QString err;
    QString describe() const
    {
        return QStringLiteral("finished=%1 exit=%2\nstdout: %3\nstderr: %4")
            .arg(finished)
            .arg(exitCode)
            .arg(out, err);
    }
};

// Finds a system tool even when PATH has no sbin directory.
inline QString findTool(const QString &name)
{
    QString path = QStandardPaths::findExecutable(name);
    if (path.isEmpty())
        path = QStandardPaths::findExecutable(
            name, {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin"), QStringLiteral("/sbin"),
                   QStringLiteral("/bin")});
    return path;
}

// Exactly `environment` plus a minimal PATH/LANG/HOME.
inline QProcessEnvironment minimalEnvironment(const QMap<QString, QString> &environment)
{
    QProcessEnvironment env;
    env.insert(QStringLiteral("PATH"), QStringLiteral("/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"));
    env.insert(QStringLiteral("LANG"), QStringLiteral("C.UTF-8"));
    env.insert(QStringLiteral("HOME"), QStringLiteral("/"));
    for (auto it = environment.begin(); it != environment.end(); ++it)
        env.insert(it.key(), it.value());
    return env;
}

// Runs `program` with minimalEnvironment(environment) while the event loop keeps
// running: D-Bus objects of the test process can answer the command.
// Killed at `timeoutMs`, and when the test process dies.
inline ProcessResult runProcess(const QString &program, const QStringList &arguments,
                                const QMap<QString, QString> &environment, int timeoutMs = 60000)
{
    ProcessResult result;
    QProcess process;
    process.setProcessEnvironment(minimalEnvironment(environment));
    process.setWorkingDirectory(QStringLiteral("/"));
    process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
    QObject::connect(&process, &QProcess::errorOccurred, &loop, [&](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            loop.quit();
    });
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    process.start(program, arguments);
    timer.start(timeoutMs);
    if (process.state() != QProcess::NotRunning)
        loop.exec();
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(5000);
        result.err = QStringLiteral("[killed after %1 ms] ").arg(timeoutMs);
    } else {
        result.finished = process.exitStatus() == QProcess::NormalExit
                          && process.error() != QProcess::FailedToStart;
        result.exitCode = result.finished ? process.exitCode() : -1;
    }
    result.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    result.err += QString::fromLocal8Bit(process.readAllStandardError());
    if (process.error() == QProcess::FailedToStart)
        result.err += QStringLiteral("cannot start %1: %2").arg(program, process.errorString());
    return result;
}

namespace detail {
// Names are r6t<pid><u|g><n>: unique per test process, and recognisable so that a
// later run removes what a crashed run left behind.
inline QString uniqueAccountName(char kind)
{
    static std::atomic<int> counter{0};
    return QStringLiteral("r6t%1%2%3").arg(::getpid()).arg(QLatin1Char(kind)).arg(counter++);
}

inline bool runAdmin(const QString &tool, const QStringList &arguments, QString *error)
{
    const QString path = findTool(tool);
    if (path.isEmpty()) {
        if (error)
            *error = QStringLiteral("%1 not found (Debian package passwd)").arg(tool);
        return false;
    }
    QProcess process;
    process.start(path, arguments);
    if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit
        || process.exitCode() != 0) {
        if (error)
            *error = QStringLiteral("%1 %2 failed: %3%4")
                         .arg(tool, arguments.join(QLatin1Char(' ')), process.errorString(),
                              QString::fromLocal8Bit(process.readAllStandardError()));
        return false;
    }
    return true;
}

// Deletes r6t* accounts of test processes that no longer exist (a crashed run).
inline void sweepStaleAccounts()
{
    static const QRegularExpression pattern(QStringLiteral("^r6t(\\d+)([ug])\\d+$"));
    auto stale = [](const QString &file, char kind) {
        QStringList names;
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            return names;
        for (const QByteArray &line : f.readAll().split('\n')) {
            const QString name = QString::fromUtf8(line.left(line.indexOf(':')));
            const auto m = pattern.match(name);
            if (m.hasMatch() && m.captured(2) == QLatin1Char(kind) && m.captured(1).toLongLong() != ::getpid()
                && !QFileInfo::exists(QStringLiteral("/proc/") + m.captured(1)))
                names << name;
        }
        return names;
    };
    for (const QString &user : stale(QStringLiteral("/etc/passwd"), 'u'))
        runAdmin(QStringLiteral("userdel"), {user}, nullptr);
    for (const QString &group : stale(QStringLiteral("/etc/group"), 'u')) // users' primary groups
        runAdmin(QStringLiteral("groupdel"), {group}, nullptr);
    for (const QString &group : stale(QStringLiteral("/etc/group"), 'g'))
        runAdmin(QStringLiteral("groupdel"), {group}, nullptr);
}
} // namespace detail

// A throwaway system group (e.g. the group a polkit rule grants), deleted at destruction.
class TestGroup final
{
public:
    TestGroup() = default;
    ~TestGroup()
    {
        if (!m_name.isEmpty())
            detail::runAdmin(QStringLiteral("groupdel"), {m_name}, nullptr);
    }
    TestGroup(const TestGroup &) = delete;
    TestGroup &operator=(const TestGroup &) = delete;

    bool create(QString *error)
    {
        detail::sweepStaleAccounts();
        const QString name = detail::uniqueAccountName('g');
        if (!detail::runAdmin(QStringLiteral("groupadd"), {QStringLiteral("--system"), name}, error))
            return false;
        m_name = name;
        const group *g = ::getgrnam(name.toLocal8Bit().constData());
        if (!g) {
            if (error)
                *error = QStringLiteral("group %1 was not created").arg(name);
            return false;
        }
        m_gid = g->gr_gid;
        return true;
    }
    QString name() const { return m_name; }
    gid_t gid() const { return m_gid; }

private:
    QString m_name;
    gid_t m_gid = gid_t(-1);
};

// A throwaway unprivileged system user (its own primary group of the same name, no home,
// no login shell), deleted with its group at destruction. Needs root (useradd).
class TestUser final
{
public:
    TestUser() = default;
    ~TestUser()
    {
        if (m_name.isEmpty())
            return;
        if (m_userCreated)
            detail::runAdmin(QStringLiteral("userdel"), {m_name}, nullptr);
        detail::runAdmin(QStringLiteral("groupdel"), {m_name}, nullptr);
    }
    TestUser(const TestUser &) = delete;
    TestUser &operator=(const TestUser &) = delete;

    // Why TestUser cannot work here (empty: it can).
    static QString skipReason()
    {
        if (::geteuid() != 0)
            return QStringLiteral("needs root to create a throwaway user (useradd) and run as it");
        for (const char *tool : {"useradd", "userdel", "groupadd", "groupdel", "setpriv"})
            if (findTool(QLatin1String(tool)).isEmpty())
                return QStringLiteral("%1 not found (Debian packages passwd, util-linux)").arg(QLatin1String(tool));
        return {};
    }

    // `supplementaryGroups`: existing group names the user is also a member of.
    bool create(QString *error, const QStringList &supplementaryGroups = {})
    {
        detail::sweepStaleAccounts();
        const QString name = detail::uniqueAccountName('u');
        if (!detail::runAdmin(QStringLiteral("groupadd"), {QStringLiteral("--system"), name}, error))
            return false;
        m_name = name; // from now on the destructor cleans up
        QStringList args{QStringLiteral("--system"),      QStringLiteral("--no-create-home"),
                         QStringLiteral("--home-dir"),    QStringLiteral("/nonexistent"),
                         QStringLiteral("--shell"),       QStringLiteral("/usr/sbin/nologin"),
                         QStringLiteral("--no-user-group"), QStringLiteral("--gid"),
                         name};
        if (!supplementaryGroups.isEmpty())
            args << QStringLiteral("--groups") << supplementaryGroups.join(QLatin1Char(','));
        args << name;
        if (!detail::runAdmin(QStringLiteral("useradd"), args, error))
            return false;
        m_userCreated = true;
        const passwd *pw = ::getpwnam(name.toLocal8Bit().constData());
        if (!pw) {
            if (error)
                *error = QStringLiteral("user %1 was not created").arg(name);
            return false;
        }
        m_uid = pw->pw_uid;
        m_gid = pw->pw_gid;
        return true;
    }

    QString name() const { return m_name; }
    uid_t uid() const { return m_uid; }
    gid_t gid() const { return m_gid; }

    // Gives the user a password (chpasswd; PAM then accepts it, e.g. for polkit).
    bool setPassword(const QString &password, QString *error)
    {
        QProcess process;
        process.start(findTool(QStringLiteral("chpasswd")), {});
        process.write((m_name + QLatin1Char(':') + password + QLatin1Char('\n')).toUtf8());
        process.closeWriteChannel();
        if (process.waitForFinished(60000) && process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0)
            return true;
        if (error)
            *error = QStringLiteral("chpasswd failed for %1: %2%3")
                         .arg(m_name, process.errorString(), QString::fromLocal8Bit(process.readAllStandardError()));
        return false;
    }

    // Runs `program` as this user (real/effective uid and gid, supplementary groups of
    // /etc/group, no capabilities) with `environment` (e.g. DBUS_SYSTEM_BUS_ADDRESS), the
    // event loop running meanwhile. Working directory "/".
    ProcessResult run(const QString &program, const QStringList &arguments,
                      const QMap<QString, QString> &environment, int timeoutMs = 60000) const
    {
        if (m_uid == uid_t(-1)) {
            ProcessResult r;
            r.err = QStringLiteral("TestUser::run before a successful create()");
            return r;
        }
        QStringList args{QStringLiteral("--reuid=%1").arg(m_uid), QStringLiteral("--regid=%1").arg(m_gid),
                         QStringLiteral("--init-groups"), QStringLiteral("--inh-caps=-all"),
                         QStringLiteral("--")};
        args << program << arguments;
        return runProcess(findTool(QStringLiteral("setpriv")), args, environment, timeoutMs);
    }

private:
    QString m_name;
    bool m_userCreated = false;
    uid_t m_uid = uid_t(-1);
    gid_t m_gid = gid_t(-1);
};

} // namespace re6st::test
