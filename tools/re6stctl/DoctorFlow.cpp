// SPDX-License-Identifier: GPL-2.0-or-later
#include "DoctorFlow.h"
#include "DoctorReport.h"
#include "ValueFormat.h"
#include "core/DoctorChecks.h"
#include "core/DoctorConfig.h"
#include "core/RegularFile.h"
#include "platform/DoctorProbe.h"

#include "doctor1proxy.h"

#include <QDBusArgument>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusMetaType>
#include <QDBusReply>
#include <QFile>
#include <QDir>
#include <QFileInfo>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

namespace re6st::ctl {

namespace {
const QString kService = QStringLiteral("org.re6st.Node");

// What to do when the node's option file cannot be read (audit F12): root only helps
// with a permission error, and only when we are not root already.
QString readAdvice(const QString &path, bool exists)
{
    if (!exists) return QStringLiteral(": give the node's configuration with --config FILE");
    if (::access(QFile::encodeName(path).constData(), R_OK) != 0 && errno == EACCES && ::geteuid() != 0)
        return QStringLiteral(": run as root");
    return {};
}

QList<QVariantMap> recordsOf(const QVariant &v)
{
    if (v.canConvert<QDBusArgument>()) return qdbus_cast<QList<QVariantMap>>(v.value<QDBusArgument>());
    return v.value<QList<QVariantMap>>();
}
} // namespace

std::optional<QList<doctor::DoctorFinding>> DoctorFlow::fromDaemon(QString *why)
{
    QDBusConnection bus = QDBusConnection::systemBus();
    if (!bus.isConnected()) {
        *why = QStringLiteral("no system bus (%1)").arg(bus.lastError().message());
        return std::nullopt;
    }
    qDBusRegisterMetaType<QList<QVariantMap>>();
    // Not through D-Bus activation: a diagnosis must not start the node as a side effect.
    QDBusMessage call = QDBusMessage::createMethodCall(kService, QStringLiteral("/org/re6st/Doctor"),
                                                       QString::fromLatin1(Doctor1Proxy::staticInterfaceName()),
                                                       QStringLiteral("Run"));
    call.setAutoStartService(false);
    QDBusPendingReply<QList<QVariantMap>> reply = bus.asyncCall(call, kRunTimeoutMs);
    reply.waitForFinished();
    if (reply.isError()) {
        const QDBusError e = reply.error();
        *why = e.type() == QDBusError::ServiceUnknown || e.name() == QLatin1String("org.freedesktop.DBus.Error.NameHasNoOwner")
            ? QStringLiteral("the re6stnet daemon is not running")
            : QStringLiteral("the daemon did not answer (%1)").arg(e.message());
        return std::nullopt;
    }
    QList<doctor::DoctorFinding> findings;
    for (const QVariantMap &m : reply.value()) {
        const auto f = doctor::DoctorFinding::fromVariantMap(m);
        if (!f) {
            *why = QStringLiteral("the daemon's answer is not org.re6st.Doctor1's (a record without check/status)");
            return std::nullopt;
        }
        findings << *f;
    }
    return findings;
}

std::optional<QList<doctor::DoctorFinding>> DoctorFlow::local(ExitCode *failure)
{
    const QString path = m_cl.config.isEmpty() ? QString::fromLatin1(kDefaultConfig) : m_cl.config;
    platform::DoctorProbe::Input in;
    // lstat, not QFileInfo::exists(): a dangling symlink is a file the user has, not "not enrolled".
    struct stat st;
    const bool exists = ::lstat(QFile::encodeName(path).constData(), &st) == 0;
    if (exists || !m_cl.config.isEmpty()) {
        // Only regular files, as re6stnet reads them (a directory or a FIFO gets its reason).
        QString why;
        const std::optional<QByteArray> text = RegularFile::read(path, &why);
        if (!text) {
            m_err << "re6stctl: cannot read " << ValueFormat::plain(path) << ": " << why
                  << readAdvice(path, exists) << '\n';
            m_err.flush();
            *failure = ExitCode::Usage;
            return std::nullopt;
        }
        QString error;
        const auto config = doctor::DoctorConfig::parse(QString::fromUtf8(*text), QFileInfo(path).absolutePath(), &error);
        if (!config) {
            m_err << "re6stctl: " << ValueFormat::plain(path) << ": " << error << ": fix that line\n";
            m_err.flush();
            *failure = ExitCode::Usage;
            return std::nullopt;
        }
        in.config = *config;
    }
    if (!exists) {
        m_err << "re6stctl: " << path << " does not exist (not enrolled?): checking without the node's options\n";
        m_err.flush();
    }
    // Not enrolled yet (no file): the checks that need a certificate say so.
    in.probeRegistry = true;
    in.nodeRunning = QFileInfo::exists(QDir(in.config.run).filePath(QStringLiteral("babeld.sock")));

    // NetworkManager conflicts: only the daemon knows them (org.re6st.HostNetwork1).
    QDBusConnection bus = QDBusConnection::systemBus();
    if (bus.isConnected()) {
        qDBusRegisterMetaType<QList<QVariantMap>>();
        QDBusMessage call = QDBusMessage::createMethodCall(kService, QStringLiteral("/org/re6st/HostNetwork"),
                                                           QStringLiteral("org.freedesktop.DBus.Properties"),
                                                           QStringLiteral("GetAll"));
        call << QStringLiteral("org.re6st.HostNetwork1");
        const QDBusMessage reply = bus.call(call, QDBus::Block, 10000);
        if (reply.type() == QDBusMessage::ReplyMessage && !reply.arguments().isEmpty()) {
            const QVariantMap props = qdbus_cast<QVariantMap>(reply.arguments().first());
            in.networkManager = props.value(QStringLiteral("NetworkManager")).toBool();
            in.conflicts = recordsOf(props.value(QStringLiteral("Conflicts")));
        } else {
            in.networkManagerSkip = QStringLiteral("NetworkManager integration not available: %1")
                                        .arg(reply.errorMessage().isEmpty() ? reply.errorName() : reply.errorMessage());
        }
    } else {
        in.networkManagerSkip = QStringLiteral("NetworkManager integration not available: no system bus");
    }
    return doctor::DoctorChecks::run(platform::DoctorProbe::gather(in));
}

ExitCode DoctorFlow::run()
{
    std::optional<QList<doctor::DoctorFinding>> findings;
    QString source = QStringLiteral("daemon");
    if (!m_cl.local) {
        QString why;
        findings = fromDaemon(&why);
        if (!findings) {
            m_err << "re6stctl: " << ValueFormat::plain(why) << ": running the checks here (as with --local)\n";
            m_err.flush();
        }
    }
    if (!findings) {
        source = QStringLiteral("local");
        ExitCode failure = ExitCode::Failed;
        findings = local(&failure);
        if (!findings) return failure;
    }
    if (m_cl.json) m_out << DoctorReport::json(*findings, source);
    else m_out << DoctorReport::text(*findings, source);
    m_out.flush();
    return doctor::DoctorFinding::hasProblem(*findings) ? ExitCode::Failed : ExitCode::Success;
}

} // namespace re6st::ctl
