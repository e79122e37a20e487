// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PythonJson.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLocale>
#include <algorithm>
#include <cmath>

namespace re6st {
namespace {

void appendString(QByteArray &out, const QString &s)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    for (QChar ch : s) {
        const char16_t c = ch.unicode();
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20 || c > 0x7e) { // ensure_ascii: \uXXXX per UTF-16 unit
                out += "\\u";
                for (int shift = 12; shift >= 0; shift -= 4) out += hex[(c >> shift) & 15];
            } else {
                out += char(c);
            }
        }
    }
    out += '"';
}

void appendNumber(QByteArray &out, double v)
{
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9007199254740992.0) {
        out += QByteArray::number(qint64(v));
        return;
    }
    // Python float repr: shortest round-trip digits, always with '.' or exponent.
    QByteArray text = QByteArray::number(v, 'g', QLocale::FloatingPointShortest);
    if (!text.contains('.') && !text.contains('e') && !text.contains("inf") && !text.contains("nan"))
        text += ".0";
    out += text;
}

void append(QByteArray &out, const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
    case QJsonValue::Undefined: out += "null"; break;
    case QJsonValue::Bool: out += value.toBool() ? "true" : "false"; break;
    case QJsonValue::Double: appendNumber(out, value.toDouble()); break;
    case QJsonValue::String: appendString(out, value.toString()); break;
    case QJsonValue::Array: {
        out += '[';
        bool first = true;
        for (const QJsonValue &item : value.toArray()) {
            if (!first) out += ", ";
            first = false;
            append(out, item);
        }
        out += ']';
        break;
    }
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        QStringList keys = object.keys();
        std::sort(keys.begin(), keys.end()); // code-point order (UTF-16 for the BMP)
        out += '{';
        bool first = true;
        for (const QString &key : keys) {
            if (!first) out += ", ";
            first = false;
            appendString(out, key);
            out += ": ";
            append(out, object.value(key));
        }
        out += '}';
        break;
    }
    }
}

} // namespace

QByteArray pythonJsonDumps(const QJsonValue &value)
{
    QByteArray out;
    append(out, value);
    return out;
}

} // namespace re6st
