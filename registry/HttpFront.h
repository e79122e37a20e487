// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "platform/TcpAcceptor.h"
#include "registry/HttpRequestParser.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>
#include <QTcpServer>
#include <functional>
#include <memory>
#include <vector>

namespace re6st::registry {

struct HttpResponse final
{
    int status = 200;
    QByteArray body;                               // 200: raw body; errors: explanation
    QList<QPair<QByteArray, QByteArray>> headers; // extra headers (e.g. Re6stHMAC)
    static HttpResponse error(int status, const QByteArray &message)
    {
        return HttpResponse{status, message, {}};
    }
};

// Small HTTP/1.1 server on QTcpServer (registry-protocol.md §4.1/§4.2). Chosen
// over QtHttpServer 6.4 because QHttpServerRequest::url() re-encodes the query
// (%2b -> %2B, %41 -> A, %7E -> ~), which breaks the HMAC over the raw target.
// GET only (others 501); keep-alive for HTTP/1.1, close for HTTP/1.0 and after
// errors; request line up to 32 KiB (else 414 URI Too Long), head up to 64 KiB
// or 100 fields (else 431). Request heads are parsed by HttpRequestParser.
// Connections are accepted by platform::TcpAcceptor: out of file descriptors,
// a waiting client gets 503 Service Unavailable (Connection: close) at once.
class HttpFront final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HttpFront)

public:
    using Responder = std::function<void(HttpResponse)>;
    // Called once per GET request; must call the responder exactly once (may be later).
    using Handler = std::function<void(const HttpRequest &, Responder)>;
    // Optional (metrics): called once per response written, with the request
    // target (empty when the request could not be parsed), the status sent
    // and the nanoseconds from dispatch to response (-1 if never dispatched).
    using Observer = std::function<void(const QByteArray &target, int status, qint64 elapsedNs)>;

    static constexpr qsizetype MaxRequestLine = HttpRequestParser::MaxRequestLine;
    static constexpr qsizetype MaxHead = HttpRequestParser::MaxHead;
    static constexpr int IdleTimeoutMs = 60 * 1000;

    explicit HttpFront(Handler handler, QObject *parent = nullptr);
    ~HttpFront() override;

    // IPv6 addresses are bound with IPV6_V6ONLY. False + *error on failure.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    quint16 serverPort() const; // port of the first listening server
    void close();         // stops listening and drops every connection
    // Before exit: stop accepting connections but keep serving the open ones,
    // then write out what they still buffer (answers given just before exit).
    void stopListening();
    void flush();
    void setObserver(Observer observer) { m_observer = std::move(observer); }

    static QByteArray reasonPhrase(int status);
    // The bytes of a response; errors as the §4.2 error page.
    static QByteArray responseBytes(const HttpResponse &response, bool isError, bool keepAlive);

private:
    Handler m_handler;
    Observer m_observer;
    std::vector<std::unique_ptr<QTcpServer>> m_servers;
    std::vector<std::unique_ptr<platform::TcpAcceptor>> m_acceptors; // one per server, same order
};

} // namespace re6st::registry
