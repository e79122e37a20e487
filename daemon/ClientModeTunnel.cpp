// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/ClientModeTunnel.h"

#include "core/PeerPayload.h"
#include "daemon/OpenVpnProcess.h"

#include <QDir>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcClientMode, "re6st.client")

namespace re6st::daemon {

std::optional<QList<OpenVpnArguments::Remote>> ClientModeTunnel::parseRemotes(const QString &value,
                                                                              const QStringList &disabled,
                                                                              QString *error)
{
    QList<OpenVpnArguments::Remote> out;
    for (const PeerAddress &a : PeerAddress::parseList(value)) {
        QString proto = a.proto;
        if (proto == QLatin1String("udp4")) proto = QStringLiteral("udp");
        if (proto == QLatin1String("tcp4")) proto = QStringLiteral("tcp");
        if (disabled.contains(proto)) continue;
        out << OpenVpnArguments::Remote{a.ip, a.port, proto};
    }
    if (out.isEmpty()) {
        if (error)
            *error = QStringLiteral("--client %1: no remote left (each is HOST,PORT,PROTO, and its protocol must "
                                    "not be disabled: see --disable-proto)").arg(value);
        return std::nullopt;
    }
    return out;
}

ClientModeTunnel::ClientModeTunnel(OpenVpnArguments::Common common, QList<OpenVpnArguments::Remote> remotes,
                                   QString runDir, QObject *parent)
    : QObject(parent), m_common(std::move(common)), m_remotes(std::move(remotes)), m_runDir(std::move(runDir))
{
    m_common.device = QString::fromLatin1(kInterface);
    m_restart.setSingleShot(true);
    connect(&m_restart, &QTimer::timeout, this, [this] {
        QString error;
        if (!spawn(&error)) qCWarning(lcClientMode).noquote() << error;
    });
}

ClientModeTunnel::~ClientModeTunnel()
{
    stop();
}

bool ClientModeTunnel::start(QString *error)
{
    m_stopping = false;
    return spawn(error);
}

bool ClientModeTunnel::spawn(QString *error)
{
    const auto argv = OpenVpnArguments::clientMode(m_common, m_remotes, error);
    if (!argv) return false;
    if (!m_process) {
        m_process = new OpenVpnProcess(OpenVpnProcess::Role::Client, this);
        m_process->setCommand(m_command);
        // The external IP a server may push is of no use here: a --client node runs no
        // server and advertises no address (node-protocol.md §3.6: no route-up script).
        connect(m_process, &OpenVpnProcess::connected, this, [this](qint64, const QString &) {
            m_delayMs = 1000;
            qCInfo(lcClientMode) << "client tunnel re6stnet is up";
            setConnected(true);
        });
        connect(m_process, &OpenVpnProcess::managementEvent, this, [this](const OpenVpnEvents::Event &e) {
            if (e.kind == OpenVpnEvents::Kind::State || e.kind == OpenVpnEvents::Kind::Connected
                || e.kind == OpenVpnEvents::Kind::Hold)
                qCDebug(lcClientMode).noquote() << "OpenVPN state" << e.state << e.text;
            // Any state but CONNECTED,SUCCESS (that one is Kind::Connected): OpenVPN
            // is reconnecting (--ping-restart, SIGUSR1), exiting, or its route-up failed.
            if (e.kind == OpenVpnEvents::Kind::State) setConnected(false);
        });
        connect(m_process, &OpenVpnProcess::finished, this, [this](qint64, int code, bool crashed) {
            setConnected(false);
            if (m_stopping) return;
            qCWarning(lcClientMode).noquote() << "the --client OpenVPN" << (crashed ? "was killed" : "exited") << code
                                              << "- restarting in" << m_delayMs << "ms; last output:"
                                              << m_process->lastOutput().right(300).replace(QLatin1Char('\n'), QLatin1String(" | "));
            m_restart.start(m_delayMs);
            m_delayMs = qMin(60000, m_delayMs * 2);
        });
    }
    return m_process->start(*argv, QDir(m_runDir).filePath(QStringLiteral("re6stnet.mgmt")), error);
}

void ClientModeTunnel::stop()
{
    m_stopping = true;
    m_restart.stop();
    if (m_process && m_process->isRunning()) {
        m_process->stop(5000);
        m_process->waitStopped(5000);
    }
    setConnected(false); // also if the process outlived the wait
}

void ClientModeTunnel::setConnected(bool connected)
{
    if (m_connected == connected) return;
    m_connected = connected;
    Q_EMIT connectedChanged(connected);
}

} // namespace re6st::daemon
