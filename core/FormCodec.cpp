// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/FormCodec.h"

namespace re6st::formcodec {
namespace {

bool isUnreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
        || c == '.' || c == '-' || c == '~';
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<QByteArray> unquotePlus(const QByteArray &in)
{
    QByteArray out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= in.size()) return std::nullopt;
            const int hi = hexValue(in[i + 1]), lo = hexValue(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += char(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

QByteArray quotePlus(const QByteArray &value)
{
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(value.size() * 3);
    for (char c : value) {
        if (isUnreserved(c)) {
            out += c;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[quint8(c) >> 4];
            out += hex[quint8(c) & 15];
        }
    }
    return out;
}

QByteArray encode(const Params &params)
{
    QByteArray out;
    for (const auto &[name, value] : params) {
        if (!out.isEmpty()) out += '&';
        out += quotePlus(name) + '=' + quotePlus(value);
    }
    return out;
}

std::optional<Params> decode(const QByteArray &query)
{
    Params params;
    if (query.isEmpty()) return params;
    // §4.1: strict parsing, every component must contain '='.
    for (const QByteArray &component : query.split('&')) {
        const qsizetype eq = component.indexOf('=');
        if (eq < 0) return std::nullopt;
        const auto name = unquotePlus(component.left(eq));
        const auto value = unquotePlus(component.mid(eq + 1));
        if (!name || !value) return std::nullopt;
        params.append({*name, *value});
    }
    return params;
}

} // namespace re6st::formcodec
