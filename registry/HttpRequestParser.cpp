// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/HttpRequestParser.h"

namespace re6st::registry {

QByteArray HttpRequest::header(const QByteArray &lowercaseName) const
{
    for (qsizetype i = headers.size() - 1; i >= 0; --i)
        if (headers[i].first == lowercaseName) return headers[i].second;
    return {};
}

bool HttpRequest::hasHeader(const QByteArray &lowercaseName) const
{
    for (const auto &h : headers)
        if (h.first == lowercaseName) return true;
    return false;
}

namespace {

HttpRequestParser::Result error(int status, const char *message)
{
    HttpRequestParser::Result r;
    r.state = HttpRequestParser::State::Error;
    r.status = status;
    r.message = message;
    return r;
}

} // namespace

HttpRequestParser::Result HttpRequestParser::parse(QByteArrayView buffer)
{
    // The request line is judged first: a huge target is 414, not 431,
    // whether or not its CRLF (or the end of the head) has arrived yet.
    const qsizetype lineEnd = buffer.indexOf(QByteArrayView("\r\n"));
    if ((lineEnd < 0 ? buffer.size() : lineEnd) > MaxRequestLine) return error(414, "Request line too long");
    const qsizetype headEnd = buffer.indexOf(QByteArrayView("\r\n\r\n"));
    if (headEnd < 0) {
        if (buffer.size() > MaxHead) return error(431, "Request header fields too large");
        return {};
    }
    if (headEnd > MaxHead) return error(431, "Request header fields too large");

    const QByteArrayView head = buffer.first(headEnd);
    const QByteArrayView line = head.first(lineEnd); // lineEnd <= headEnd
    Result r;
    HttpRequest &request = r.request;
    const qsizetype sp1 = line.indexOf(' ');
    const qsizetype sp2 = line.lastIndexOf(' ');
    if (sp1 <= 0 || sp2 <= sp1 + 1) return error(400, "Bad request line");
    request.method = line.first(sp1).toByteArray();
    request.target = line.sliced(sp1 + 1, sp2 - sp1 - 1).toByteArray();
    request.version = line.sliced(sp2 + 1).toByteArray();
    if (request.target.contains(' ')) return error(400, "Bad request line");
    if (request.version != "HTTP/1.1" && request.version != "HTTP/1.0") return error(400, "Unsupported HTTP version");
    qsizetype pos = lineEnd + 2;
    while (pos < head.size()) {
        qsizetype end = head.indexOf(QByteArrayView("\r\n"), pos);
        if (end < 0) end = head.size();
        const QByteArrayView field = head.sliced(pos, end - pos);
        pos = end + 2;
        const qsizetype colon = field.indexOf(':');
        if (colon <= 0 || field[0] == ' ' || field[0] == '\t') return error(400, "Bad header field");
        request.headers.append({field.first(colon).trimmed().toByteArray().toLower(),
                                field.sliced(colon + 1).trimmed().toByteArray()});
        if (request.headers.size() > MaxHeaderFields) return error(431, "Too many header fields");
    }
    if (request.method != "GET") return error(501, "Unsupported method (only GET is)");
    // GET requests carry no body; refuse one rather than misparse the stream.
    const QByteArray length = request.header("content-length");
    if ((!length.isEmpty() && length != "0") || request.hasHeader("transfer-encoding"))
        return error(400, "Request body not allowed");
    const QByteArray connection = request.header("connection").toLower();
    r.keepAlive = request.version == "HTTP/1.1" && !connection.contains("close");
    r.consumed = headEnd + 4;
    r.state = State::Complete;
    return r;
}

} // namespace re6st::registry
