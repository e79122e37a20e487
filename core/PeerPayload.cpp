// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PeerPayload.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <QSet>

namespace re6st {

namespace {

// §5.10: the 4th field is an ISO country code; anything else cannot match same_country.
bool plausibleCountry(const QString &country)
{
    if (country.size() > 8) return false;
    for (const QChar c : country)
        if (c.unicode() >= 128 || !c.isLetterOrNumber()) return false;
    return true;
}

// A DNS host name by its syntax alone (RFC 1123 labels, 253 characters at most):
// §5.10 resolves remote addresses with getaddrinfo, so a node started with a host
// name for --ip may advertise it, and OpenVPN's --remote takes it as it is.
bool isHostName(const QString &name)
{
    static const QRegularExpression form(QRegularExpression::anchoredPattern(
        QStringLiteral("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")));
    return name.size() <= 253 && form.match(name).hasMatch();
}

// The entry with its IP in canonical form (or a host name), or nullopt if it cannot
// name an OpenVPN server.
std::optional<PeerAddress> wellFormed(const PeerAddress &a)
{
    if (a.port == 0 || !PeerAddress::isKnownProto(a.proto) || !plausibleCountry(a.country)) return std::nullopt;
    QHostAddress ip;
    if (!ip.setAddress(a.ip)) {
        if (!isHostName(a.ip)) return std::nullopt;
        return a;
    }
    if (!ip.scopeId().isEmpty() || ip.isMulticast() || ip.isBroadcast() || ip == QHostAddress::AnyIPv4
        || ip == QHostAddress::AnyIPv6)
        return std::nullopt;
    return PeerAddress{ip.toString(), a.port, a.proto, a.country};
}

} // namespace

std::optional<PeerPayload> PeerPayload::parse(const QByteArray &payload)
{
    if (payload.isEmpty()) return std::nullopt; // node-protocol.md §6.3: empty = ACK
    const quint8 first = quint8(payload[0]);
    return PeerPayload(first, payload.mid(1), (first & kRelayedFlag) != 0);
}

QByteArray PeerPayload::encode() const
{
    return char(answerCodeByte()) + m_body;
}

QByteArray PeerPayload::nodeInfo(const QString &version, const QString &platform)
{
    return (version + QStringLiteral(", ") + platform).toUtf8();
}

QByteArray PeerPayload::topology(const QStringList &clientPeers, const QStringList &servedPeers)
{
    // §6.6 code 5: count of client tunnels, then client peers, then served peers.
    QStringList parts{QString::number(clientPeers.size())};
    parts += clientPeers;
    parts += servedPeers;
    return parts.join(QLatin1Char(' ')).toUtf8();
}

std::optional<PeerPayload::TopologyAnswer> PeerPayload::parseTopology(const QByteArray &body)
{
    const QStringList parts = QString::fromUtf8(body).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (parts.isEmpty()) return std::nullopt;
    bool ok = false;
    const int count = parts.first().toInt(&ok);
    if (!ok || count < 0 || count > parts.size() - 1) return std::nullopt;
    return TopologyAnswer{count, parts.mid(1)};
}

bool PeerAddress::isKnownProto(const QString &proto)
{
    static const QStringList known{QStringLiteral("udp"), QStringLiteral("tcp"),
                                   QStringLiteral("udp6"), QStringLiteral("tcp6"),
                                   QStringLiteral("udp4"), QStringLiteral("tcp4")};
    return known.contains(proto);
}

QList<PeerAddress> PeerAddress::parseList(const QString &text)
{
    QList<PeerAddress> out;
    if (text.isEmpty()) return out;
    for (const QString &entry : text.split(QLatin1Char(';'))) {
        const QStringList f = entry.split(QLatin1Char(','));
        if (f.size() < 3 || f.size() > 4) continue;
        bool ok = false;
        const uint port = f[1].toUInt(&ok);
        if (!ok || port > 65535) continue; // §6.6: non-integer port => skipped
        out.append(PeerAddress{f[0], quint16(port), f[2], f.size() == 4 ? f[3] : QString()});
    }
    return out;
}

QString PeerAddress::dumpList(const QList<PeerAddress> &addresses, bool withCountry)
{
    QStringList entries;
    for (const PeerAddress &a : addresses) {
        QString e = a.ip + QLatin1Char(',') + QString::number(a.port) + QLatin1Char(',') + a.proto;
        if (withCountry && !a.country.isEmpty()) e += QLatin1Char(',') + a.country;
        entries.append(e);
    }
    return entries.join(QLatin1Char(';'));
}

QList<PeerAddress> PeerAddress::parseUntrusted(QStringView text, bool *truncated)
{
    bool cut = false;
    if (text.size() > kMaxListBytes) { // keep whole entries only
        text = text.first(qMax<qsizetype>(0, text.first(kMaxListBytes + 1).lastIndexOf(QLatin1Char(';'))));
        cut = true;
    }
    QList<PeerAddress> out;
    QSet<QString> seen;
    for (const PeerAddress &parsed : parseList(text.toString())) {
        const auto a = wellFormed(parsed);
        if (!a) continue;
        if (out.size() == kMaxListEntries) {
            cut = true;
            break;
        }
        const QString entry = dumpList({*a});
        if (seen.contains(entry)) continue;
        seen.insert(entry);
        out.append(*a);
    }
    if (truncated) *truncated = cut;
    return out;
}

} // namespace re6st
