// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/OpenVpnProcess.h"
#include "daemon/ParentDeath.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QLocalServer>
#include <QLocalSocket>
#include <QTimer>

namespace re6st {

namespace {
constexpr int OutputLines = 50;
constexpr qsizetype MaxLine = 64 * 1024; // a line longer than this is garbage: dropped
} // namespace

OpenVpnProcess::OpenVpnProcess(Role role, QObject *parent) : QObject(parent), m_role(role) {}

OpenVpnProcess::~OpenVpnProcess()
{
    if (m_process) {
        m_process->disconnect(this);
        if (m_process->state() != QProcess::NotRunning) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    if (!m_socketPath.isEmpty()) QFile::remove(m_socketPath);
}

bool OpenVpnProcess::isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }

bool OpenVpnProcess::start(const QStringList &arguments, const QString &socketPath, QString *error)
{
    auto fail = [&](const QString &m) {
        if (error) *error = m;
        return false;
    };
    if (isRunning()) return fail(QStringLiteral("openvpn is already running (PID %1); stop it first").arg(m_pid));
    if (m_command.isEmpty()) return fail(QStringLiteral("no openvpn command configured"));
    if (socketPath.toUtf8().size() > 107)
        return fail(QStringLiteral("management socket path '%1' is too long for a Unix socket; use a shorter run directory")
                        .arg(socketPath));

    // deleteLater: start() may be called from a finished() handler.
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    if (m_server) {
        m_server->disconnect(this);
        m_server->deleteLater();
    }
    m_parser = OpenVpnEvents();
    m_buffer.clear();
    m_pushedExternalIp.clear();
    m_output.clear();

    m_socketPath = socketPath;
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption); // only our user may drive openvpn
    QLocalServer::removeServer(socketPath);
    if (!m_server->listen(socketPath))
        return fail(QStringLiteral("cannot listen on management socket %1: %2; check the run directory")
                        .arg(socketPath, m_server->errorString()));
    connect(m_server, &QLocalServer::newConnection, this, &OpenVpnProcess::onNewConnection);

    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
    }
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_process, &QProcess::readyReadStandardOutput, this, [this] {
        while (m_process->canReadLine()) {
            m_output << QString::fromUtf8(m_process->readLine()).trimmed();
            if (m_output.size() > OutputLines) m_output.removeFirst();
        }
    });
    connect(m_process, &QProcess::finished, this, &OpenVpnProcess::onFinished);
    const QStringList management = m_role == Role::Server ? OpenVpnEvents::serverArguments(socketPath)
                                                          : OpenVpnEvents::clientArguments(socketPath);
    daemon::terminateWithParent(*m_process);
    m_process->start(m_command.first(), m_command.mid(1) + arguments + management);
    if (!m_process->waitForStarted(10000)) {
        const QString why = m_process->errorString();
        m_server->close();
        QFile::remove(m_socketPath);
        return fail(QStringLiteral("cannot run %1: %2; install openvpn (>= 2.6) or fix its path")
                        .arg(m_command.first(), why));
    }
    m_pid = m_process->processId();
    return true;
}

bool OpenVpnProcess::waitStopped(QDeadlineTimer deadline)
{
    if (!isRunning()) return true;
    if (!m_process->waitForFinished(int(qMax<qint64>(0, deadline.remainingTime())))) {
        m_process->kill();
        m_process->waitForFinished(2000);
    }
    return !isRunning();
}

void OpenVpnProcess::stop(int killAfterMs)
{
    if (!isRunning()) return;
    m_process->terminate(); // SIGTERM to m_pid
    if (!m_killTimer) {
        m_killTimer = new QTimer(this);
        m_killTimer->setSingleShot(true);
        connect(m_killTimer, &QTimer::timeout, this, [this] {
            if (isRunning()) m_process->kill(); // SIGKILL (§3.7: after 5 s)
        });
    }
    m_killTimer->start(killAfterMs);
}

void OpenVpnProcess::onNewConnection()
{
    while (QLocalSocket *s = m_server->nextPendingConnection()) {
        if (m_socket) { // only the process we started talks to us
            s->abort();
            s->deleteLater();
            continue;
        }
        m_socket = s;
        connect(m_socket, &QLocalSocket::readyRead, this, &OpenVpnProcess::onReadyRead);
        send(OpenVpnEvents::startCommands(m_role == Role::Client));
        onReadyRead();
    }
}

void OpenVpnProcess::send(const QByteArray &command)
{
    if (m_socket && m_socket->state() == QLocalSocket::ConnectedState) {
        m_socket->write(command);
        m_socket->flush();
    }
}

void OpenVpnProcess::onReadyRead()
{
    if (!m_socket) return;
    m_buffer += m_socket->readAll();
    qsizetype start = 0;
    for (qsizetype nl; (nl = m_buffer.indexOf('\n', start)) >= 0; start = nl + 1) {
        if (const auto e = m_parser.feed(QByteArrayView(m_buffer.constData() + start, nl - start))) handle(*e);
    }
    m_buffer.remove(0, start);
    if (m_buffer.size() > MaxLine) m_buffer.clear();
}

void OpenVpnProcess::handle(const OpenVpnEvents::Event &e)
{
    using K = OpenVpnEvents::Kind;
    Q_EMIT managementEvent(e);
    switch (e.kind) {
    case K::ClientConnect:
    case K::ClientReauth: {
        const bool admit = !m_authorizer || m_authorizer(e);
        if (!admit) {
            send(OpenVpnEvents::clientDeny(e.clientId, e.keyId, QStringLiteral("certificate revoked")));
            Q_EMIT clientRejected(e);
        } else if (e.kind == K::ClientConnect) {
            send(OpenVpnEvents::clientAuth(e.clientId, e.keyId, e.externalIp));
            Q_EMIT clientConnected(e);
        } else {
            send(OpenVpnEvents::clientAuthNoPush(e.clientId, e.keyId));
        }
        break;
    }
    case K::ClientDisconnect:
        Q_EMIT clientDisconnected(e);
        break;
    case K::ByteCount:
        Q_EMIT clientBytes(e.clientId, e.bytesIn, e.bytesOut);
        break;
    case K::Hold:
        // --management-hold holds again after every soft restart (SIGUSR1, e.g. a
        // refused TCP connection in --client mode, §3.6): release it each time.
        send(QByteArrayLiteral("hold release\n"));
        break;
    case K::PushReply:
        m_pushedExternalIp = e.externalIp;
        break;
    case K::Connected:
        Q_EMIT connected(e.time, m_pushedExternalIp);
        break;
    default:
        break;
    }
}

void OpenVpnProcess::onFinished(int exitCode, QProcess::ExitStatus status)
{
    if (m_killTimer) m_killTimer->stop();
    // Deliver what the dead process still wrote on the management socket.
    if (m_socket) {
        const QDeadlineTimer deadline(2000);
        onReadyRead();
        while (m_socket->state() == QLocalSocket::ConnectedState && !deadline.hasExpired()
               && m_socket->waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime()))))
            onReadyRead();
        onReadyRead();
        m_socket->abort();
    }
    if (m_server) m_server->close();
    if (!m_socketPath.isEmpty()) QFile::remove(m_socketPath);
    m_socketPath.clear();
    Q_EMIT finished(m_pid, exitCode, status == QProcess::CrashExit);
}

} // namespace re6st
