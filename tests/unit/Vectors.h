// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Access to the upstream-produced wire vectors (../shared/vectors, env RE6ST_VECTORS).
#include <QByteArray>
#include <QFile>
#include <QJsonArray>
#include <QStringList>
#include <QJsonDocument>
#include <QString>

namespace re6st::test {

inline QString vectorPath(const QString &relative)
{
    return qEnvironmentVariable("RE6ST_VECTORS") + QLatin1Char('/') + relative;
}

inline QByteArray readVector(const QString &relative)
{
    QFile f(vectorPath(relative));
    if (!f.open(QIODevice::ReadOnly)) qFatal("missing vector %s (set RE6ST_VECTORS)", qPrintable(f.fileName()));
    return f.readAll();
}

inline QJsonDocument vectorJson(const QString &relative)
{
    return QJsonDocument::fromJson(readVector(relative));
}

// The strings of a JSON array (argv lists in the vectors).
inline QStringList strings(const QJsonArray &array)
{
    QStringList out;
    for (const QJsonValue &v : array) out << v.toString();
    return out;
}

} // namespace re6st::test
