// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/OpenVpnArguments.h"
#include "daemon/OpenVpnEvents.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QStringList>
#include <functional>
#include <memory>

class QTimer;

namespace re6st {
class OpenVpnProcess;
}

namespace re6st::daemon {

// The node's OpenVPN servers (node-protocol.md §3.3): one per protocol of --pp,
// interface re6stnet-<proto>. Tracks who is connected (§5.2 `served`), asks the
// daemon whether to admit each client (CRL, §3.5), and restarts a server that
// died (after 1 s, doubling up to 60 s).
class ServerTunnels final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerTunnels)
public:
    struct Listen
    {
        QString proto; // udp, tcp, udp6, tcp6
        int port = 1194;
    };
    struct Settings
    {
        QList<Listen> servers;            // first port of each protocol (§1.1 --pp)
        OpenVpnArguments::Common common;  // device is set per server
        int maxClients = 20;
        QString dhFile;
        QString runDir;                   // management sockets live here
        QStringList openvpnCommand{QStringLiteral("openvpn")};
        QString logDir;                   // non-empty with --ovpnlog: <log>/<iface>.log
    };
    // Admission of a connecting client: prefix bits from its CN, its certificate serial.
    using Admit = std::function<bool(const QByteArray &prefix, qint64 serial, const QString &iface)>;

    ServerTunnels(Settings settings, const QByteArray &network, QObject *parent = nullptr);
    ~ServerTunnels() override;

    static QString interfaceFor(const QString &proto) { return QStringLiteral("re6stnet-") + proto; }
    QStringList interfaces() const;
    void setAdmit(Admit admit) { m_admit = std::move(admit); }
    void setDhFile(const QString &path) { m_settings.dhFile = path; }
    bool start(QString *error);
    void stop(); // SIGTERM each server, SIGKILL after 5 s (§2.6)

    // §5.2 served[prefix][iface] = serial
    const QHash<QByteArray, QHash<QString, qint64>> &served() const { return m_served; }
    QList<qint64> servedSerials() const;
    struct ClientInfo
    {
        QByteArray prefix;
        QString iface;   // server tap, e.g. re6stnet-udp
        QString proto;
        qint64 since = 0; // Unix s
        quint64 rxBytes = 0, txBytes = 0; // as last reported by OpenVPN (every 5 s)
    };
    QList<ClientInfo> clients() const;
    int restartCount() const { return m_restarts; } // servers restarted after dying
    // Disconnects `prefix` from every server (OpenVPN client-kill). False: not connected.
    bool killClient(const QByteArray &prefix);

Q_SIGNALS:
    void clientConnected(const QByteArray &prefix, const QString &iface, qint64 serial, const QString &ip);
    void clientDisconnected(const QByteArray &prefix, const QString &iface);

private:
    struct Server;
    bool startServer(Server &s, QString *error);
    void onFinished(Server &s, int exitCode, bool crashed);
    void forgetSession(const QByteArray &prefix, const QString &iface);

    Settings m_settings;
    QByteArray m_network;
    Admit m_admit;
    QList<std::shared_ptr<Server>> m_servers;
    QHash<QByteArray, QHash<QString, qint64>> m_served;
    struct Session { int clientId = -1; qint64 since = 0; QString proto; quint64 rx = 0, tx = 0; };
    QHash<QByteArray, QHash<QString, Session>> m_sessions; // prefix -> iface -> OpenVPN client
    bool m_stopping = false;
    int m_restarts = 0;
};

} // namespace re6st::daemon
