// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/UpnpPlan.h"

#include <QHostAddress>

namespace re6st {

namespace {
const QString DescriptionPrefix = QStringLiteral("re6stnet openvpn server");

// tcp/udp and the tcp4/udp4 spellings (§1.1); empty for the IPv6 protocols.
QString ipv4Transport(const QString &proto)
{
    if (proto == QLatin1String("tcp") || proto == QLatin1String("tcp4")) return QStringLiteral("tcp");
    if (proto == QLatin1String("udp") || proto == QLatin1String("udp4")) return QStringLiteral("udp");
    return {};
}
} // namespace

QList<UpnpPlan::Rule> UpnpPlan::rules(const QList<Rule> &portProtos)
{
    QList<Rule> out;
    for (const Rule &r : portProtos) {
        if (ipv4Transport(r.proto).isEmpty() || r.port == 0) continue;
        bool seen = false;
        for (const Rule &o : std::as_const(out))
            seen = seen || (o.port == r.port && ipv4Transport(o.proto) == ipv4Transport(r.proto));
        if (!seen) out << r;
    }
    return out;
}

QString UpnpPlan::protocolName(const Rule &rule)
{
    return ipv4Transport(rule.proto).toUpper();
}

QString UpnpPlan::description(const Rule &rule)
{
    return QStringLiteral("%1 (%2/%3)").arg(DescriptionPrefix).arg(rule.port).arg(rule.proto);
}

bool UpnpPlan::isLeftOver(const Entry &entry, const QString &lanAddress, const QList<Rule> &rules)
{
    if (!entry.description.startsWith(DescriptionPrefix)) return false;
    if (lanAddress.isEmpty() || QHostAddress(entry.internalClient) != QHostAddress(lanAddress)) return false;
    for (const Rule &r : rules)
        if (r.port == entry.internalPort && protocolName(r).compare(entry.protocol, Qt::CaseInsensitive) == 0)
            return true;
    return false;
}

bool UpnpPlan::isConflict(int upnpError)
{
    return upnpError == kConflictInMappingEntry || upnpError == kConflictWithOtherMechanisms;
}

bool UpnpPlan::isUsableExternalIp(const QString &ip)
{
    QHostAddress a;
    if (!a.setAddress(ip.trimmed()) || a.protocol() != QAbstractSocket::IPv4Protocol) return false;
    if (a.isNull() || a.isLoopback() || a.isMulticast() || a.isLinkLocal() || a.isBroadcast()) return false;
    const quint32 v = a.toIPv4Address();
    struct Block { quint32 base; int bits; };
    static constexpr Block notPublic[] = {
        {0x00000000u, 8},  // "this network"
        {0x0a000000u, 8},  // RFC 1918
        {0x64400000u, 10}, // RFC 6598 shared (carrier-grade NAT)
        {0xac100000u, 12}, // RFC 1918
        {0xc0a80000u, 16}, // RFC 1918
        {0xf0000000u, 4},  // reserved
    };
    for (const Block &b : notPublic)
        if ((v >> (32 - b.bits)) == (b.base >> (32 - b.bits))) return false;
    return true;
}

QList<PeerAddress> UpnpPlan::ipv4Addresses(const QList<Rule> &portProtos, const QString &gatewayIp,
                                           const QString &learntIp, const QList<Mapping> &mappings,
                                           const QString &country)
{
    const QString ip = !mappings.isEmpty() && isUsableExternalIp(gatewayIp) ? QHostAddress(gatewayIp.trimmed()).toString()
                                                                            : learntIp;
    QList<PeerAddress> out;
    if (ip.isEmpty()) return out;
    for (const Rule &pp : portProtos) {
        const QString transport = ipv4Transport(pp.proto);
        if (transport.isEmpty()) continue;
        quint16 port = pp.port;
        for (const Mapping &m : mappings)
            if (m.rule.port == pp.port && ipv4Transport(m.rule.proto) == transport) {
                port = m.externalPort;
                break;
            }
        out << PeerAddress{ip, port, pp.proto, country};
    }
    return out;
}

} // namespace re6st
