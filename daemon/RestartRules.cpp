// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/RestartRules.h"

#include <QSet>
#include <cmath>

namespace re6st::daemon {
namespace {

// Python-equality key: bools are ints, integral floats are ints, bytes != str.
QByteArray canonical(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::UnknownType:
    case QMetaType::Nullptr:
        return QByteArrayLiteral("N");
    case QMetaType::Bool:
        return v.toBool() ? QByteArrayLiteral("i1") : QByteArrayLiteral("i0");
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::Long:
    case QMetaType::LongLong:
    case QMetaType::Short:
    case QMetaType::Char:
        return "i" + QByteArray::number(v.toLongLong());
    case QMetaType::ULong:
    case QMetaType::ULongLong:
        return "i" + QByteArray::number(v.toULongLong());
    case QMetaType::Double:
    case QMetaType::Float: {
        const double d = v.toDouble();
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.0e15)
            return "i" + QByteArray::number(qint64(d));
        return "f" + QByteArray::number(d, 'g', 17);
    }
    case QMetaType::QByteArray:
        return "b" + v.toByteArray();
    case QMetaType::QString:
        return "s" + v.toString().toUtf8();
    case QMetaType::QVariantList:
    case QMetaType::QStringList: {
        QByteArray out = "l";
        for (const QVariant &item : v.toList()) {
            const QByteArray c = canonical(item);
            out += QByteArray::number(c.size()) + ':' + c;
        }
        return out;
    }
    case QMetaType::QVariantMap: {
        QByteArray out = "m";
        const QVariantMap map = v.toMap();
        for (auto it = map.begin(); it != map.end(); ++it) {
            const QByteArray k = it.key().toUtf8(), c = canonical(it.value());
            out += QByteArray::number(k.size()) + ':' + k + QByteArray::number(c.size()) + ':' + c;
        }
        return out;
    }
    default:
        return "?" + v.toString().toUtf8();
    }
}

// §7.5: keys whose change restarts every node, and those for nodes with client tunnels.
const QStringList kAlwaysRestart{
    QStringLiteral("babel_default"), QStringLiteral("babel_hmac_accept"), QStringLiteral("babel_hmac_sign"),
    QStringLiteral("encrypt"), QStringLiteral("hello"), QStringLiteral("ipv4"), QStringLiteral("ipv4_sublen")};
const QStringList kTunnelRestart{QStringLiteral("client_count"), QStringLiteral("max_clients"),
                                 QStringLiteral("same_country"), QStringLiteral("tunnel_refresh")};

} // namespace

bool RestartRules::sameValue(const QVariant &a, const QVariant &b)
{
    return canonical(a) == canonical(b);
}

QStringList RestartRules::changedKeys(const QVariantMap &oldConfig, const QVariantMap &newConfig)
{
    QStringList changed;
    for (auto it = oldConfig.begin(); it != oldConfig.end(); ++it)
        if (!newConfig.contains(it.key())) changed += it.key();
    for (auto it = newConfig.begin(); it != newConfig.end(); ++it) {
        if (it.key() == QLatin1String("delay_restart")) continue; // popped, never stored (§7.3)
        const auto old = oldConfig.find(it.key());
        if (old == oldConfig.end() || !sameValue(*old, it.value())) changed += it.key();
    }
    changed.sort();
    return changed;
}

RestartRules::Decision RestartRules::decide(const QVariantMap &oldConfig, const QVariantMap &newConfig,
                                            const Context &context)
{
    return decide(changedKeys(oldConfig, newConfig), newConfig, context);
}

RestartRules::Decision RestartRules::decide(const QStringList &changed, const QVariantMap &newConfig,
                                            const Context &context)
{
    Decision d;
    for (const QString &key : changed) {
        if (kAlwaysRestart.contains(key) || (context.hasClientTunnels && kTunnelRestart.contains(key)))
            d.reasons += QStringLiteral("%1 changed").arg(key);
    }
    const qint64 minProtocol = newConfig.value(QStringLiteral("min_protocol"), 1).toLongLong();
    if (context.protocol < minProtocol)
        d.reasons += QStringLiteral("min_protocol %1 is above our protocol %2").arg(minProtocol).arg(context.protocol);
    QSet<qint64> crl;
    for (const QVariant &serial : newConfig.value(QStringLiteral("crl")).toList()) crl.insert(serial.toLongLong());
    for (qint64 serial : context.servedSerials)
        if (crl.contains(serial)) d.reasons += QStringLiteral("served client %1 revoked").arg(serial);
    for (qint64 serial : context.serverSerials)
        if (crl.contains(serial)) d.revokedServers += serial;
    d.restart = !d.reasons.isEmpty();
    if (d.restart)
        d.delayMs = 1000 + int(std::max(0.0, newConfig.value(QStringLiteral("delay_restart"), 0).toDouble()) * 1000);
    return d;
}

} // namespace re6st::daemon
