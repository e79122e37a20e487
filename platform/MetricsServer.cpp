// SPDX-License-Identifier: GPL-2.0-or-later
#include "platform/MetricsServer.h"
#include "platform/TcpAcceptor.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTimer>

Q_LOGGING_CATEGORY(lcMetrics, "re6st.metrics")

namespace re6st::platform {

namespace {

QByteArray response(int status, QByteArrayView reason, QByteArrayView contentType, const QByteArray &body,
                    bool withBody, QByteArrayView extraHeaders = {})
{
    QByteArray out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 ";
    out += QByteArray::number(status);
    out += ' ';
    out += reason;
    out += "\r\nContent-Type: ";
    out += contentType;
    out += "\r\nContent-Length: ";
    out += QByteArray::number(body.size());
    out += "\r\nCache-Control: no-store\r\nConnection: close\r\n";
    out += extraHeaders;
    out += "\r\n";
    if (withBody) out += body;
    return out;
}

QByteArray plain(int status, QByteArrayView reason, const QByteArray &message, bool withBody,
                 QByteArrayView extraHeaders = {})
{
    return response(status, reason, "text/plain; charset=utf-8", message + '\n', withBody, extraHeaders);
}

} // namespace

MetricsServer::MetricsServer(Render render, QObject *parent) : QObject(parent), m_render(std::move(render)) {}

MetricsServer::~MetricsServer()
{
    // Open connections are children of m_server: detach them from our counter
    // before the members go away.
    close();
    for (QTcpSocket *socket : m_server.findChildren<QTcpSocket *>()) disconnect(socket, nullptr, this, nullptr);
}

bool MetricsServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (!address.isLoopback()) {
        if (error)
            *error = QStringLiteral("refusing to serve metrics on %1: not a loopback address; use 127.0.0.1 or "
                                    "[::1] and scrape through a local agent or an SSH tunnel")
                         .arg(address.toString());
        return false;
    }
    if (!m_server.listen(address, port)) {
        if (error)
            *error = QStringLiteral("cannot serve metrics on %1 port %2: %3 (choose another --metrics port)")
                         .arg(address.toString())
                         .arg(port)
                         .arg(m_server.errorString());
        return false;
    }
    m_acceptor = std::make_unique<TcpAcceptor>(
        m_server, [] { return plain(503, "Service Unavailable", "out of file descriptors, retry later", true); },
        [this](QTcpSocket *socket) { onNewConnection(socket); });
    return true;
}

void MetricsServer::close()
{
    if (m_acceptor) m_acceptor->close();
    m_acceptor.reset();
    m_server.close();
}

void MetricsServer::onNewConnection(QTcpSocket *socket)
{
    if (m_connections >= MaxConnections) {
        qCDebug(lcMetrics) << "too many metrics connections, refusing one";
        socket->abort();
        socket->deleteLater();
        return;
    }
    ++m_connections;
    auto *idle = new QTimer(socket);
    idle->setSingleShot(true);
    idle->start(m_idleTimeoutMs);
    connect(idle, &QTimer::timeout, socket, [socket] { socket->abort(); });
    connect(socket, &QObject::destroyed, this, [this] { --m_connections; });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    auto answered = std::make_shared<bool>(false);
    connect(socket, &QTcpSocket::readyRead, socket, [this, socket, answered] {
        if (*answered) {
            socket->readAll(); // one request per connection: ignore the rest
            return;
        }
        // Peek: the head stays in the socket buffer until complete.
        const qint64 available = socket->bytesAvailable();
        const QByteArray head = socket->peek(qMin<qint64>(available, MaxHead + 4));
        const qsizetype end = head.indexOf("\r\n\r\n");
        auto finish = [&](const QByteArray &bytes) {
            *answered = true;
            socket->readAll();
            socket->write(bytes);
            socket->disconnectFromHost();
        };
        if (end < 0) {
            if (available > MaxHead) finish(plain(431, "Request Header Fields Too Large", "request head too large", true));
            return;
        }
        const qsizetype lineEnd = head.indexOf("\r\n");
        const QList<QByteArray> parts = head.left(lineEnd).split(' ');
        if (parts.size() != 3 || !parts[2].startsWith("HTTP/1.") || parts[1].isEmpty())
            return finish(plain(400, "Bad Request", "bad request line", true));
        const QByteArray &method = parts[0];
        const bool head_ = method == "HEAD";
        if (method != "GET" && !head_)
            return finish(plain(405, "Method Not Allowed", "only GET and HEAD", true, "Allow: GET, HEAD\r\n"));
        QByteArray path = parts[1];
        if (path.startsWith("http://")) { // absolute-form: keep the path
            const qsizetype slash = path.indexOf('/', 7);
            path = slash < 0 ? QByteArray("/") : path.mid(slash);
        }
        const qsizetype query = path.indexOf('?');
        if (query >= 0) path.truncate(query);
        if (path != "/metrics")
            return finish(plain(404, "Not Found", "not found: the metrics are at /metrics", !head_));
        ++m_scrapes;
        finish(response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", m_render ? m_render() : QByteArray(),
                        !head_));
    });
}

} // namespace re6st::platform
