// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/SystemNetwork.h"

#include <QLoggingCategory>
#include <QProcess>

Q_LOGGING_CATEGORY(lcSystem, "re6st.system")

namespace re6st::daemon {

SystemNetwork::~SystemNetwork()
{
    undoAll();
}

bool SystemNetwork::run(const QStringList &args, QString *error) const
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(m_command.first(), m_command.mid(1) + args);
    const QString line = (m_command + args).join(QLatin1Char(' '));
    if (!p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished(1000);
        if (error) *error = QStringLiteral("'%1' did not finish; is iproute2 installed?").arg(line);
        return false;
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        if (error)
            *error = QStringLiteral("'%1' failed: %2").arg(line, QString::fromLocal8Bit(p.readAll()).trimmed());
        return false;
    }
    qCDebug(lcSystem).noquote() << line;
    return true;
}

bool SystemNetwork::change(const QStringList &apply, const QStringList &undo, QString *error)
{
    if (!run(apply, error)) return false;
    if (!undo.isEmpty()) m_undo << undo;
    return true;
}

void SystemNetwork::undoAll()
{
    while (!m_undo.isEmpty()) {
        const QStringList args = m_undo.takeLast();
        QString error;
        if (!run(args, &error)) qCDebug(lcSystem).noquote() << "cleanup:" << error;
    }
}

bool SystemNetwork::hasIpv6Subtrees() const
{
    // §2.4 step 7: a source-specific unreachable route for ::/128 from ::/128.
    const QStringList route{QStringLiteral("unreachable"), QStringLiteral("::/128"), QStringLiteral("from"),
                            QStringLiteral("::/128")};
    if (!run(QStringList{QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("add")} + route)) return false;
    run(QStringList{QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("del")} + route);
    return true;
}

} // namespace re6st::daemon
