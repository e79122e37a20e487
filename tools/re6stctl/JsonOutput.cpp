// SPDX-License-Identifier: GPL-2.0-or-later
#include "JsonOutput.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <limits>

namespace re6st::ctl {

namespace {

QJsonObject mapToObject(const QVariantMap &map)
{
    QJsonObject o;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        o.insert(it.key(), JsonOutput::toJson(it.value()));
    return o;
}

QJsonArray recordsToArray(const QList<QVariantMap> &records)
{
    QJsonArray a;
    for (const QVariantMap &r : records)
        a.append(mapToObject(r));
    return a;
}

} // namespace

QJsonValue JsonOutput::toJson(const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::UnknownType:
        return QJsonValue(QJsonValue::Null);
    case QMetaType::Bool:
        return value.toBool();
    case QMetaType::Int:
    case QMetaType::Short:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::UShort:
    case QMetaType::UChar:
        return QJsonValue(value.toLongLong());
    case QMetaType::ULongLong: {
        const qulonglong v = value.toULongLong();
        if (v <= qulonglong(std::numeric_limits<qint64>::max()))
            return QJsonValue(qint64(v));
        return QJsonValue(double(v));
    }
    case QMetaType::Double:
    case QMetaType::Float:
        return value.toDouble();
    case QMetaType::QString:
        return value.toString();
    case QMetaType::QStringList: {
        QJsonArray a;
        for (const QString &s : value.toStringList())
            a.append(s);
        return a;
    }
    case QMetaType::QVariantMap:
        return mapToObject(value.toMap());
    case QMetaType::QVariantList: {
        QJsonArray a;
        for (const QVariant &v : value.toList())
            a.append(toJson(v));
        return a;
    }
    default:
        break;
    }
    if (value.canConvert<QList<QVariantMap>>())
        return recordsToArray(value.value<QList<QVariantMap>>());
    return QJsonValue::fromVariant(value);
}

QByteArray JsonOutput::records(const QList<QVariantMap> &list)
{
    return QJsonDocument(recordsToArray(list)).toJson(QJsonDocument::Indented);
}

QByteArray JsonOutput::object(const QVariantMap &map)
{
    return QJsonDocument(mapToObject(map)).toJson(QJsonDocument::Indented);
}

QByteArray JsonOutput::status(const QVariantMap &properties, const QList<QVariantMap> &peers)
{
    QJsonObject o;
    o.insert(QStringLiteral("properties"), mapToObject(properties));
    o.insert(QStringLiteral("peers"), recordsToArray(peers));
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

} // namespace re6st::ctl
