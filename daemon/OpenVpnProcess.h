// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "daemon/OpenVpnEvents.h"

#include <QDeadlineTimer>
#include <QObject>
#include <QProcess>
#include <QStringList>
#include <functional>

class QLocalServer;
class QLocalSocket;
class QTimer;

namespace re6st {

// Supervises ONE openvpn process (a server per protocol, §3.3, or a client
// tunnel, §3.4) and carries its events to the daemon through the management
// interface (see OpenVpnEvents.h for why). start() listens on a private Unix
// socket, then runs `<command…> <arguments…> <management arguments…>`;
// openvpn connects back and is held until the socket is ready, so no event is
// missed. stop() sends SIGTERM to the PID, then SIGKILL after a bound (§3.7).
// finished() is emitted once per start, after the management stream has been
// read to its end (events of a dying process are delivered before its death).
class OpenVpnProcess final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OpenVpnProcess)
public:
    enum class Role { Server, Client };
    // Server role: true admits a connecting (or renegotiating) client; false
    // denies it (e.g. serial in the CRL, §3.5). Unset: every client is admitted.
    using Authorizer = std::function<bool(const OpenVpnEvents::Event &)>;

    explicit OpenVpnProcess(Role role, QObject *parent = nullptr);
    ~OpenVpnProcess() override; // SIGKILLs a process still running

    // Program and leading arguments; default {"openvpn"}. Tests use
    // {"ip", "netns", "exec", <ns>, "openvpn"} (ip execs, so the PID is openvpn's).
    void setCommand(const QStringList &command) { m_command = command; }
    void setAuthorizer(Authorizer authorizer) { m_authorizer = std::move(authorizer); }

    // arguments: OpenVpnArguments::server/client output. socketPath: where the
    // management socket is created (≤ 107 bytes; an old file there is removed).
    bool start(const QStringList &arguments, const QString &socketPath, QString *error = nullptr);
    void stop(int killAfterMs = 5000);
    // Blocking end of a stop(): waits until `deadline` for the exit, then SIGKILLs
    // (shutdown paths). Several processes stopped together share one deadline.
    bool waitStopped(QDeadlineTimer deadline);
    bool waitStopped(int ms = 5000) { return waitStopped(QDeadlineTimer(ms)); }
    bool isRunning() const;
    // Server: disconnect one client (management `client-kill`), e.g. re6stctl tunnel kill.
    void killClient(int clientId) { send("client-kill " + QByteArray::number(clientId) + '\n'); }
    qint64 pid() const { return m_pid; }
    QString lastOutput() const { return m_output.join(QLatin1Char('\n')); } // tail of stdout/stderr

Q_SIGNALS:
    void managementEvent(const re6st::OpenVpnEvents::Event &e);     // every parsed notification
    void clientConnected(const re6st::OpenVpnEvents::Event &e);     // server: admitted (§3.5 client-connect)
    void clientRejected(const re6st::OpenVpnEvents::Event &e);      // server: denied by the authorizer
    void clientDisconnected(const re6st::OpenVpnEvents::Event &e);  // server: §3.5 client-disconnect
    void clientBytes(int clientId, quint64 bytesIn, quint64 bytesOut); // server: every 5 s
    void connected(qint64 time, const QString &externalIp);         // client: §3.5 route-up
    void finished(qint64 pid, int exitCode, bool crashed);          // crashed: killed by a signal

private:
    void onNewConnection();
    void onReadyRead();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void handle(const OpenVpnEvents::Event &e);
    void send(const QByteArray &command);

    const Role m_role;
    QStringList m_command{QStringLiteral("openvpn")};
    Authorizer m_authorizer;
    QProcess *m_process = nullptr;
    QLocalServer *m_server = nullptr;
    QLocalSocket *m_socket = nullptr;
    QTimer *m_killTimer = nullptr;
    OpenVpnEvents m_parser;
    QByteArray m_buffer;
    QString m_pushedExternalIp;
    QString m_socketPath;
    QStringList m_output;
    qint64 m_pid = 0;
};

} // namespace re6st
