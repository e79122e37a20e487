// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QObject>
#include <QSocketNotifier>
#include <QTimer>
#include <functional>

class QTcpServer;
class QTcpSocket;

namespace re6st::platform {

// Accepts the connections of a listening QTcpServer in its place, so that a
// process out of file descriptors keeps answering instead of spinning.
//
// Why not QTcpServer's own accept loop (Qt 6.4): its socket engine records
// only the first error it ever sees (QNativeSocketEnginePrivate::setError),
// and the first one is the EAGAIN that ends the first accept loop. From then
// on every accept(2) failure reads as a temporary error, EMFILE included:
// QTcpServer neither pauses nor emits acceptError(), poll(2) keeps reporting
// the waiting connection, and the event loop burns a core while the clients
// wait unanswered in the backlog.
//
// Here, out of descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM), the oldest
// waiting connection is shed: a spare descriptor kept for that purpose is
// closed, the connection accepted in its place, given `refusal` (e.g. an HTTP
// 503 with Connection: close) and closed, and the spare reopened. When even
// that fails, accepting pauses for RetryMs. One warning per episode, one
// line when connections are accepted again. The network errors that accept(2)
// passes on from a connection (accept(2), "Error handling") are skipped; any
// other error pauses accepting for ErrorRetryMs.
class TcpAcceptor final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TcpAcceptor)

public:
    // Gets each accepted socket, a child of the server (as QTcpServer's
    // pending connections are).
    using Handler = std::function<void(QTcpSocket *)>;
    // The bytes sent to a connection that is refused (called per refusal).
    using Refusal = std::function<QByteArray()>;

    static constexpr int MaxPerWakeup = 32; // below QTcpServer's listen backlog (50)
    static constexpr int RetryMs = 100;
    static constexpr int ErrorRetryMs = 1000;

    // `server` must be listening and outlive this object; call close() (or
    // destroy this) before closing the server.
    TcpAcceptor(QTcpServer &server, Refusal refusal, Handler handler, QObject *parent = nullptr);
    ~TcpAcceptor() override;

    void close(); // stops accepting and closes the server
    quint64 refused() const { return m_refused; } // connections given `refusal`

private:
    enum class Shed { One, NoneWaiting, Impossible };
    void onReadable();
    Shed shed();
    void pause(int ms);

    QTcpServer &m_server;
    Refusal m_refusal;
    Handler m_handler;
    QSocketNotifier m_notifier;
    QTimer m_retry;
    int m_spare = -1;
    quint64 m_refused = 0;
    quint64 m_refusedInEpisode = 0;
    bool m_exhausted = false; // an episode of "out of descriptors" is going on
};

} // namespace re6st::platform
