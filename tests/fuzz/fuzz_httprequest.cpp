// SPDX-License-Identifier: GPL-2.0-or-later
// HTTP request-head parsing of re6st-registry (registry/HttpRequestParser,
// registry-protocol.md §4.1): arbitrary bytes, whole or split in two reads.
#include "registry/HttpRequestParser.h"

using re6st::registry::HttpRequestParser;

namespace {

void check(const HttpRequestParser::Result &r, qsizetype size)
{
    using State = HttpRequestParser::State;
    switch (r.state) {
    case State::NeedMore:
        // Only a head that may still fit is waited for.
        if (size > HttpRequestParser::MaxHead) __builtin_trap();
        break;
    case State::Error:
        if (r.status != 400 && r.status != 414 && r.status != 431 && r.status != 501) __builtin_trap();
        break;
    case State::Complete:
        if (r.consumed < 4 || r.consumed > size || r.consumed > HttpRequestParser::MaxHead + 4) __builtin_trap();
        if (r.request.method != "GET" || r.request.target.isEmpty() || r.request.target.contains(' '))
            __builtin_trap();
        if (r.request.headers.size() > HttpRequestParser::MaxHeaderFields) __builtin_trap();
        for (const auto &h : r.request.headers)
            if (h.first != h.first.toLower()) __builtin_trap();
        break;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const HttpRequestParser::Result whole = HttpRequestParser::parse(input);
    check(whole, input.size());
    // A complete head parses the same with trailing bytes (the next request).
    if (whole.state == HttpRequestParser::State::Complete) {
        const auto again = HttpRequestParser::parse(input.left(whole.consumed));
        if (again.state != HttpRequestParser::State::Complete || again.consumed != whole.consumed
            || again.request.target != whole.request.target || again.request.headers != whole.request.headers
            || again.keepAlive != whole.keepAlive)
            __builtin_trap();
    }
    // Any prefix of the input either waits, or reaches the same verdict for
    // the same reason (an error seen early stays an error).
    if (size > 1) {
        const qsizetype cut = qsizetype(data[0]) * input.size() / 256;
        const auto part = HttpRequestParser::parse(QByteArrayView(input).first(cut));
        check(part, cut);
        if (part.state == HttpRequestParser::State::Complete
            && (whole.state != HttpRequestParser::State::Complete || part.consumed != whole.consumed))
            __builtin_trap();
    }
    return 0;
}
