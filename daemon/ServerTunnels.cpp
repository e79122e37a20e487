// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/ServerTunnels.h"

#include "core/Addressing.h"
#include "daemon/OpenVpnProcess.h"

#include <QDateTime>
#include <QDir>
#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcServers, "re6st.servers")

namespace re6st::daemon {

struct ServerTunnels::Server
{
    Listen listen;
    QString iface;
    OpenVpnProcess *process = nullptr;
    QTimer restart;
    int delayMs = 1000;
};

ServerTunnels::ServerTunnels(Settings settings, const QByteArray &network, QObject *parent)
    : QObject(parent), m_settings(std::move(settings)), m_network(network)
{
}

ServerTunnels::~ServerTunnels()
{
    stop();
}

QStringList ServerTunnels::interfaces() const
{
    QStringList out;
    for (const Listen &l : m_settings.servers) out << interfaceFor(l.proto);
    return out;
}

QList<qint64> ServerTunnels::servedSerials() const
{
    QList<qint64> out;
    for (const auto &byIface : m_served)
        for (qint64 serial : byIface) out << serial;
    return out;
}

QList<ServerTunnels::ClientInfo> ServerTunnels::clients() const
{
    QList<ClientInfo> out;
    for (auto it = m_sessions.cbegin(); it != m_sessions.cend(); ++it)
        for (auto s = it->cbegin(); s != it->cend(); ++s) out << ClientInfo{it.key(), s.key(), s->proto, s->since, s->rx, s->tx};
    return out;
}

bool ServerTunnels::killClient(const QByteArray &prefix)
{
    const auto sessions = m_sessions.value(prefix);
    bool killed = false;
    for (auto s = sessions.cbegin(); s != sessions.cend(); ++s)
        for (const auto &server : std::as_const(m_servers))
            if (server->iface == s.key() && server->process && server->process->isRunning() && s->clientId >= 0) {
                server->process->killClient(s->clientId);
                killed = true;
            }
    return killed;
}

void ServerTunnels::forgetSession(const QByteArray &prefix, const QString &iface)
{
    auto it = m_sessions.find(prefix);
    if (it == m_sessions.end()) return;
    it->remove(iface);
    if (it->isEmpty()) m_sessions.erase(it);
}

bool ServerTunnels::start(QString *error)
{
    m_stopping = false;
    for (const Listen &l : std::as_const(m_settings.servers)) {
        auto s = std::make_shared<Server>();
        s->listen = l;
        s->iface = interfaceFor(l.proto);
        s->restart.setSingleShot(true);
        Server *raw = s.get();
        connect(&s->restart, &QTimer::timeout, this, [this, raw] {
            QString why;
            if (!startServer(*raw, &why)) qCWarning(lcServers).noquote() << why;
        });
        m_servers << s;
        if (!startServer(*s, error)) return false;
    }
    return true;
}

bool ServerTunnels::startServer(Server &s, QString *error)
{
    OpenVpnArguments::Server args;
    args.common = m_settings.common;
    args.common.device = s.iface;
    if (!m_settings.logDir.isEmpty())
        args.common.logFile = QDir(m_settings.logDir).filePath(s.iface + QStringLiteral(".log"));
    args.proto = s.listen.proto;
    args.port = s.listen.port;
    args.maxClients = m_settings.maxClients;
    args.dhFile = m_settings.dhFile;
    const auto argv = OpenVpnArguments::server(args, error);
    if (!argv) return false;
    if (!s.process) {
        s.process = new OpenVpnProcess(OpenVpnProcess::Role::Server, this);
        s.process->setCommand(m_settings.openvpnCommand);
        // §3.5 client-connect: refuse revoked serials; CN must be a prefix of our network.
        s.process->setAuthorizer([this, iface = s.iface](const OpenVpnEvents::Event &e) {
            const auto prefix = addressing::bitsFromCn(e.commonName);
            bool ok = false;
            const qint64 serial = e.serial.toLongLong(&ok);
            if (!prefix || prefix->isEmpty() || !ok) return false;
            return !m_admit || m_admit(*prefix, serial, iface);
        });
        connect(s.process, &OpenVpnProcess::clientConnected, this, [this, iface = s.iface, proto = s.listen.proto](const OpenVpnEvents::Event &e) {
            const auto prefix = addressing::bitsFromCn(e.commonName);
            if (!prefix) return;
            const qint64 serial = e.serial.toLongLong();
            m_served[*prefix][iface] = serial;
            m_sessions[*prefix][iface] = Session{e.clientId, QDateTime::currentSecsSinceEpoch(), proto};
            qCInfo(lcServers).noquote() << e.commonName << "connected to" << iface << "from" << e.externalIp;
            Q_EMIT clientConnected(*prefix, iface, serial, e.externalIp);
        });
        connect(s.process, &OpenVpnProcess::clientDisconnected, this,
                [this, iface = s.iface](const OpenVpnEvents::Event &e) {
                    const auto prefix = addressing::bitsFromCn(e.commonName);
                    if (!prefix) return;
                    auto it = m_served.find(*prefix);
                    if (it != m_served.end()) {
                        it->remove(iface);
                        if (it->isEmpty()) m_served.erase(it);
                    }
                    forgetSession(*prefix, iface);
                    qCInfo(lcServers).noquote() << e.commonName << "disconnected from" << iface;
                    Q_EMIT clientDisconnected(*prefix, iface);
                });
        connect(s.process, &OpenVpnProcess::clientBytes, this,
                [this, iface = s.iface](int clientId, quint64 in, quint64 out) {
                    for (auto &byIface : m_sessions) {
                        const auto it = byIface.find(iface);
                        if (it != byIface.end() && it->clientId == clientId) {
                            it->rx = in;  // received by us from the client
                            it->tx = out;
                            return;
                        }
                    }
                });
        Server *raw = &s;
        connect(s.process, &OpenVpnProcess::finished, this,
                [this, raw](qint64, int code, bool crashed) { onFinished(*raw, code, crashed); });
    }
    const QString socket = QDir(m_settings.runDir).filePath(s.iface + QStringLiteral(".mgmt"));
    if (!s.process->start(*argv, socket, error)) return false;
    qCInfo(lcServers).noquote() << "OpenVPN server" << s.iface << "on port" << s.listen.port << "pid" << s.process->pid();
    return true;
}

void ServerTunnels::onFinished(Server &s, int exitCode, bool crashed)
{
    // Its clients are gone with it.
    for (auto it = m_served.begin(); it != m_served.end();) {
        if (it->remove(s.iface)) {
            const QByteArray prefix = it.key();
            forgetSession(prefix, s.iface);
            if (it->isEmpty()) it = m_served.erase(it);
            else ++it;
            Q_EMIT clientDisconnected(prefix, s.iface);
        } else {
            ++it;
        }
    }
    if (m_stopping) return;
    qCWarning(lcServers).noquote() << "OpenVPN server" << s.iface << (crashed ? "was killed" : "exited")
                                   << "with status" << exitCode << "- restarting in" << s.delayMs << "ms;"
                                   << "last output:" << s.process->lastOutput().right(500).replace(QLatin1Char('\n'), QLatin1String(" | "));
    s.restart.start(s.delayMs);
    ++m_restarts;
    s.delayMs = qMin(60000, s.delayMs * 2);
}

void ServerTunnels::stop()
{
    m_stopping = true;
    for (const auto &s : std::as_const(m_servers)) {
        s->restart.stop();
        if (s->process && s->process->isRunning()) s->process->stop(5000);
    }
    // Wait (bounded, one deadline for all) for them: cleanup order matters (§2.6).
    const QDeadlineTimer deadline(5000);
    for (const auto &s : std::as_const(m_servers))
        if (s->process) s->process->waitStopped(deadline);
}

} // namespace re6st::daemon
