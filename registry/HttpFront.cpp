// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/HttpFront.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QLocale>
#include <QLoggingCategory>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <cerrno>
#include <sys/socket.h>

Q_LOGGING_CATEGORY(lcHttp, "re6st.registry.http")

namespace re6st::registry {

namespace {

QByteArray httpDate()
{
    // Cached per second: formatting a date for each of thousands of requests is waste.
    static thread_local qint64 cachedSecond = -1;
    static thread_local QByteArray cached;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    if (now != cachedSecond) {
        cachedSecond = now;
        cached = QLocale::c()
                     .toString(QDateTime::fromSecsSinceEpoch(now, Qt::UTC),
                               QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"))
                     .toLatin1();
    }
    return cached;
}

// One client connection: parses requests one at a time (no pipelining: the
// next request is only parsed after the previous response was queued).
//
// Bounded buffers: a client that sends requests without reading the answers
// (or sends while its previous request is being served) is held back by TCP
// flow control instead of growing ours. No further request is read while more
// than MaxUnsent bytes of answers wait to leave (resumed by bytesWritten), and
// at most MaxUnparsed request bytes are held, in QTcpSocket's buffer and in
// m_buffer each. (Before: one connection pipelining getCa without reading
// made the registry buffer about 35 bytes of answer per byte received, 1 GB
// RSS in 8 s.)
class HttpConnection final : public QObject
{
public:
    static constexpr qint64 MaxUnsent = 64 * 1024;
    static constexpr qsizetype MaxUnparsed = HttpFront::MaxHead + 4; // a whole head and its CRLFCRLF

    HttpConnection(QTcpSocket *socket, const HttpFront::Handler &handler, const HttpFront::Observer &observer)
        : QObject(socket), m_socket(socket), m_handler(handler), m_observer(observer)
    {
        m_idle.setSingleShot(true);
        m_idle.setInterval(HttpFront::IdleTimeoutMs);
        QObject::connect(&m_idle, &QTimer::timeout, this, [this] { m_socket->abort(); });
        socket->setReadBufferSize(MaxUnparsed);
        QObject::connect(socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        QObject::connect(socket, &QTcpSocket::bytesWritten, this, [this] {
            if (m_socket->bytesToWrite() <= MaxUnsent) processBuffer();
        });
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        m_peer = socket->peerAddress();
        bool ok = false;
        const quint32 v4 = m_peer.toIPv4Address(&ok);
        if (ok && m_peer.protocol() == QAbstractSocket::IPv6Protocol) m_peer = QHostAddress(v4);
        m_idle.start();
    }

private:
    void onReadyRead()
    {
        // Closing: the last answer waits to leave; what the client still sends
        // is read and dropped, so that the close does not reset the connection.
        if (m_closing) return void(m_socket->skip(m_socket->bytesAvailable()));
        processBuffer();
    }

    void processBuffer()
    {
        while (!m_busy && !m_closing && m_socket->bytesToWrite() <= MaxUnsent) {
            if (m_buffer.size() < MaxUnparsed) m_buffer += m_socket->read(MaxUnparsed - m_buffer.size());
            HttpRequestParser::Result parsed = HttpRequestParser::parse(m_buffer);
            if (parsed.state == HttpRequestParser::State::NeedMore) return;
            if (parsed.state == HttpRequestParser::State::Error) return fail(parsed.status, parsed.message);
            m_buffer.remove(0, parsed.consumed);
            m_keepAlive = parsed.keepAlive;
            parsed.request.peer = m_peer;
            dispatch(parsed.request);
        }
    }

    void dispatch(const HttpRequest &request)
    {
        m_busy = true;
        m_idle.stop();
        if (m_observer) {
            m_target = request.target;
            m_started.start();
        }
        const quint64 sequence = ++m_sequence;
        QPointer<HttpConnection> self(this);
        m_handler(request, [self, sequence](HttpResponse response) {
            if (!self || self->m_sequence != sequence || !self->m_busy) return;
            self->respond(response);
        });
    }

    void respond(const HttpResponse &response)
    {
        m_busy = false;
        if (m_observer) m_observer(m_target, response.status, m_started.nsecsElapsed());
        const bool isError = response.status >= 400;
        if (isError) m_keepAlive = false;
        write(response, isError);
        if (!m_keepAlive) {
            m_closing = true;
            m_socket->disconnectFromHost();
            return;
        }
        m_idle.start();
        if (!m_buffer.isEmpty() || m_socket->bytesAvailable() > 0) {
            QPointer<HttpConnection> self(this);
            QTimer::singleShot(0, this, [self] {
                if (self) self->processBuffer();
            });
        }
    }

    void write(const HttpResponse &response, bool isError)
    {
        send(HttpFront::responseBytes(response, isError, m_keepAlive));
    }

    // On a connection that stays open, straight to the kernel when Qt holds
    // nothing unsent: QTcpSocket::write would only buffer, arm the write
    // notifier and wait for the next pass of the event loop, two wake-ups of
    // the loop and a poll per answer. What the kernel does not take now (a
    // full send buffer), and any error, goes through QTcpSocket, which sends
    // it when the socket is writable and reports errors as usual. An answer
    // before a close always goes through QTcpSocket, which reads what the
    // client still sends (into its own buffer) while the answer waits: closed
    // at once with unread data, the socket would send a reset, and the client
    // could lose the answer (tst_httpfront: a 100 KB request line gets 414).
    void send(const QByteArray &out)
    {
        qsizetype sent = 0;
        const qintptr fd = m_socket->socketDescriptor();
        if (m_keepAlive && fd >= 0 && m_socket->bytesToWrite() == 0) {
            ssize_t n;
            do {
                n = ::send(int(fd), out.constData(), size_t(out.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
            } while (n < 0 && errno == EINTR);
            if (n > 0) sent = n;
        }
        if (sent < out.size()) m_socket->write(out.constData() + sent, out.size() - sent);
    }

    void fail(int status, const QByteArray &message)
    {
        qCDebug(lcHttp) << "HTTP" << status << message << "from" << m_peer.toString();
        m_keepAlive = false;
        m_busy = true; // ignore anything that follows
        if (m_observer) m_observer(QByteArray(), status, -1);
        respondError(status, message);
    }

    void respondError(int status, const QByteArray &message)
    {
        m_busy = false;
        m_keepAlive = false;
        write(HttpResponse::error(status, message), true);
        m_closing = true;
        m_buffer.clear();
        m_socket->disconnectFromHost();
    }

    QTcpSocket *m_socket;
    const HttpFront::Handler &m_handler;
    const HttpFront::Observer &m_observer;
    QByteArray m_target;     // with an observer: target of the request being answered
    QElapsedTimer m_started; // with an observer: dispatch time
    QHostAddress m_peer;
    QByteArray m_buffer;
    QTimer m_idle;
    quint64 m_sequence = 0;
    bool m_busy = false;
    bool m_closing = false;
    bool m_keepAlive = false;
};

} // namespace

HttpFront::HttpFront(Handler handler, QObject *parent) : QObject(parent), m_handler(std::move(handler)) {}

HttpFront::~HttpFront()
{
    close();
}

bool HttpFront::listen(const QHostAddress &address, quint16 port, QString *error)
{
    auto server = std::make_unique<QTcpServer>();
    if (!server->listen(address, port)) {
        if (error)
            *error = QStringLiteral("cannot listen on [%1]:%2: %3 (check -4/-6/--port and that no "
                                    "other server uses the port)")
                         .arg(address.toString())
                         .arg(port)
                         .arg(server->errorString());
        return false;
    }
    // Out of file descriptors, waiting clients get a 503 at once (TcpAcceptor).
    auto refusal = [] {
        return responseBytes(HttpResponse::error(503, "too many connections at once, retry in a moment"), true, false);
    };
    auto accept = [this](QTcpSocket *socket) {
        // Parent: the connection dies with its socket; sockets die on disconnect.
        new HttpConnection(socket, m_handler, m_observer);
    };
    m_acceptors.push_back(std::make_unique<platform::TcpAcceptor>(*server, refusal, accept));
    m_servers.push_back(std::move(server));
    return true;
}

quint16 HttpFront::serverPort() const
{
    return m_servers.empty() ? 0 : m_servers.front()->serverPort();
}

void HttpFront::close()
{
    for (auto &acceptor : m_acceptors) acceptor->close();
    m_acceptors.clear();
    m_servers.clear();
}

void HttpFront::stopListening()
{
    for (auto &acceptor : m_acceptors) acceptor->close(); // accepted sockets stay the servers' children
}

void HttpFront::flush()
{
    for (auto &server : m_servers)
        for (QTcpSocket *socket : server->findChildren<QTcpSocket *>()) socket->flush();
}

QByteArray HttpFront::responseBytes(const HttpResponse &response, bool isError, bool keepAlive)
{
    QByteArray body = response.body;
    QByteArray out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status)
        + "\r\nServer: re6st-registry\r\nDate: " + httpDate() + "\r\n";
    if (isError) {
        // §4.2: standard error page, Connection: close, never Re6stHMAC.
        const QByteArray reason = reasonPhrase(response.status);
        QByteArray message = QString::fromUtf8(body).toHtmlEscaped().toUtf8();
        body = "<!DOCTYPE html>\n<html><head><title>Error " + QByteArray::number(response.status)
            + "</title></head><body><h1>" + QByteArray::number(response.status) + ' ' + reason + "</h1><p>" + message
            + "</p></body></html>\n";
        out += "Content-Type: text/html;charset=utf-8\r\n";
    } else {
        for (const auto &[name, value] : response.headers) out += name + ": " + value + "\r\n";
    }
    if (response.status != 204 && response.status != 304)
        out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    else
        body.clear();
    if (!keepAlive) out += "Connection: close\r\n";
    out += "\r\n";
    out += body;
    return out;
}

QByteArray HttpFront::reasonPhrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

} // namespace re6st::registry
