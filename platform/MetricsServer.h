// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QTcpServer>
#include <functional>
#include <memory>

namespace re6st::platform {

class TcpAcceptor;

// The opt-in Prometheus endpoint of re6stnet and re6st-registry (--metrics
// ADDR:PORT): a tiny HTTP/1.1 server on a loopback address only. It answers
//   GET|HEAD /metrics[?...]  200, Content-Type: text/plain; version=0.0.4; charset=utf-8,
//                            body from the render callback (called per scrape)
//   GET|HEAD other paths     404
//   any other method         405 (Allow: GET, HEAD)
//   malformed request        400; head larger than MaxHead: 431
// One request per connection (Connection: close). Idle connections are cut
// after IdleTimeoutMs; at most MaxConnections at once (more are refused).
// Out of file descriptors, a waiting client gets 503 at once (TcpAcceptor).
// Nothing here is reachable from the network: listen() refuses any address
// that is not loopback (127.0.0.0/8, ::1). Parse --metrics with
// core/LoopbackEndpoint.
class MetricsServer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetricsServer)

public:
    using Render = std::function<QByteArray()>;

    static constexpr qsizetype MaxHead = 8 * 1024;
    static constexpr int IdleTimeoutMs = 10 * 1000;
    static constexpr int MaxConnections = 16;

    explicit MetricsServer(Render render, QObject *parent = nullptr);
    ~MetricsServer() override;

    // False + *error (what to do next) on a non-loopback address or a bind failure.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    bool isListening() const { return m_server.isListening(); }
    quint16 serverPort() const { return m_server.serverPort(); }
    QHostAddress serverAddress() const { return m_server.serverAddress(); }
    void close();
    quint64 scrapes() const { return m_scrapes; } // 200 answers given
    int connectionCount() const { return m_connections; }
    void setIdleTimeoutMs(int ms) { m_idleTimeoutMs = ms; } // tests

private:
    void onNewConnection(QTcpSocket *socket);

    Render m_render;
    QTcpServer m_server;
    std::unique_ptr<TcpAcceptor> m_acceptor; // while listening
    int m_connections = 0;
    int m_idleTimeoutMs = IdleTimeoutMs;
    quint64 m_scrapes = 0;
};

} // namespace re6st::platform
