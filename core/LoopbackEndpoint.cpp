// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/LoopbackEndpoint.h"

namespace re6st {

std::optional<LoopbackEndpoint> LoopbackEndpoint::parse(const QString &text)
{
    const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
    if (colon <= 0) return std::nullopt;
    QString host = text.left(colon);
    if (host.startsWith(QLatin1Char('['))) {
        if (!host.endsWith(QLatin1Char(']'))) return std::nullopt;
        host = host.mid(1, host.size() - 2);
    } else if (host.contains(QLatin1Char(':'))) {
        return std::nullopt; // unbracketed IPv6: which colon ends the address?
    }
    const QString portText = text.mid(colon + 1);
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || portText.startsWith(QLatin1Char('+')) || port == 0 || port > 65535) return std::nullopt;
    QHostAddress address;
    if (host == QLatin1String("localhost")) address = QHostAddress(QHostAddress::LocalHost);
    else if (!address.setAddress(host)) return std::nullopt;
    if (!address.isLoopback() || !address.scopeId().isEmpty()) return std::nullopt;
    return LoopbackEndpoint{address, quint16(port)};
}

QString LoopbackEndpoint::usageError(const QString &option, const QString &value)
{
    return QStringLiteral("argument %1: '%2' is not a loopback ADDR:PORT; the metrics endpoint is only "
                          "served on loopback (e.g. %1 127.0.0.1:9326 or %1 [::1]:9326)")
        .arg(option, value);
}

QString LoopbackEndpoint::toString() const
{
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return QStringLiteral("[%1]:%2").arg(address.toString()).arg(port);
    return QStringLiteral("%1:%2").arg(address.toString()).arg(port);
}

} // namespace re6st
