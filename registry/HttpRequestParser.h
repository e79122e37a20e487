// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QList>
#include <QPair>

namespace re6st::registry {

struct HttpRequest final
{
    QByteArray method;
    QByteArray target; // raw request target, byte for byte (HMAC input, §4.3)
    QByteArray version; // "HTTP/1.0" or "HTTP/1.1"
    QList<QPair<QByteArray, QByteArray>> headers; // names lowercased
    QHostAddress peer;  // IPv4-mapped addresses unmapped
    // Last value of a header (case-insensitive name), or null.
    QByteArray header(const QByteArray &lowercaseName) const;
    bool hasHeader(const QByteArray &lowercaseName) const;
};

// Pure HTTP/1.x request-head parser of the registry front (registry-protocol.md
// §4.1), no sockets: bytes received so far -> one complete GET request, "need
// more bytes", or an error status to answer (then close). Limits: request
// line up to MaxRequestLine bytes (else 414 URI Too Long, judged first, even
// before the line is complete), whole head up to MaxHead bytes and
// MaxHeaderFields fields (else 431). Non-GET methods: 501; a body: 400.
class HttpRequestParser final
{
public:
    static constexpr qsizetype MaxRequestLine = 32 * 1024;
    static constexpr qsizetype MaxHead = 64 * 1024;
    static constexpr int MaxHeaderFields = 100;

    enum class State { NeedMore, Complete, Error };
    struct Result
    {
        State state = State::NeedMore;
        HttpRequest request;    // Complete: method/target/version/headers (peer unset)
        qsizetype consumed = 0; // Complete: bytes of the head including the final CRLFCRLF
        bool keepAlive = false; // Complete: HTTP/1.1 without "Connection: close"
        int status = 0;         // Error: HTTP status to answer
        QByteArray message;     // Error: explanation
    };

    // Parses the request head at the start of `buffer`.
    static Result parse(QByteArrayView buffer);
};

} // namespace re6st::registry
