// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/BabelDump.h"
#include "core/Addressing.h"

namespace re6st {

namespace {

constexpr qsizetype MaxLine = 4096; // babeld's lines are < 512 bytes

QList<QByteArray> tokens(QByteArrayView line)
{
    QList<QByteArray> out;
    qsizetype i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        const qsizetype start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
        if (i > start) out << line.sliced(start, i - start).toByteArray();
    }
    return out;
}

bool toInt(const QByteArray &v, int &out, int base = 10)
{
    bool ok = false;
    const long long n = v.toLongLong(&ok, base);
    if (!ok || n < -0x7fffffffLL || n > 0x7fffffffLL) return false;
    out = int(n);
    return true;
}

bool toU16Hex(const QByteArray &v, quint16 &out)
{
    bool ok = false;
    out = v.toUShort(&ok, 16);
    return ok;
}

bool toBool(const QByteArray &v, bool &out, const char *yes, const char *no)
{
    if (v == yes) out = true;
    else if (v == no) out = false;
    else return false;
    return true;
}

QString text(const QByteArray &v) { return QString::fromUtf8(v); }

} // namespace

BabelDump::Line BabelDump::parseLine(QByteArrayView raw)
{
    while (!raw.isEmpty() && (raw.back() == '\r' || raw.back() == '\n')) raw.chop(1);
    const QList<QByteArray> t = tokens(raw);
    Line line;
    if (t.isEmpty()) return line;
    const QByteArray &first = t[0];
    if (first == "ok" || first == "no" || first == "bad") {
        line.kind = Line::Kind::Reply;
        line.reply = first == "ok" ? Reply::Ok : first == "no" ? Reply::No : Reply::Bad;
        return line;
    }
    if (first == "BABEL" || first == "version" || first == "host" || first == "my-id") {
        line.kind = t.size() >= 2 ? Line::Kind::Greeting : Line::Kind::Malformed;
        line.greetingKey = text(first);
        if (t.size() >= 2) line.greetingValue = text(t[1]);
        return line;
    }
    if (first == "add") line.action = Action::Add;
    else if (first == "change") line.action = Action::Change;
    else if (first == "flush") line.action = Action::Flush;
    else {
        line.kind = Line::Kind::Unknown;
        return line;
    }
    if (t.size() < 3) {
        line.kind = Line::Kind::Malformed;
        return line;
    }
    const QByteArray &type = t[1];
    const QString id = text(t[2]);
    bool ok = true;
    QSet<QByteArray> seen;
    // Key/value pairs; unknown keys are skipped, a dangling key (cut line) is ignored.
    const auto forEachPair = [&](auto &&handle) {
        for (qsizetype i = 3; ok && i + 1 < t.size(); i += 2) {
            seen.insert(t[i]);
            ok = handle(t[i], t[i + 1]);
        }
    };
    if (type == "interface") {
        line.kind = Line::Kind::Interface;
        babel::Interface &r = line.interface;
        r.name = id;
        forEachPair([&r](const QByteArray &k, const QByteArray &v) {
            if (k == "up") return toBool(v, r.up, "true", "false");
            if (k == "ipv6") r.ipv6 = text(v);
            else if (k == "ipv4") r.ipv4 = text(v);
            return true;
        });
    } else if (type == "neighbour") {
        line.kind = Line::Kind::Neighbour;
        babel::Neighbour &r = line.neighbour;
        r.id = id;
        forEachPair([&r](const QByteArray &k, const QByteArray &v) {
            if (k == "address") r.address = text(v);
            else if (k == "if") r.interface = text(v);
            else if (k == "reach") return toU16Hex(v, r.reach);
            else if (k == "ureach") return toU16Hex(v, r.ureach);
            else if (k == "rxcost") return toInt(v, r.rxcost);
            else if (k == "txcost") return toInt(v, r.txcost);
            else if (k == "cost") return toInt(v, r.cost);
            else if (k == "rttcost") {
                int c = 0;
                if (!toInt(v, c)) return false;
                r.rttCost = c;
            } else if (k == "rtt") {
                bool good = false;
                const double ms = v.toDouble(&good);
                if (!good || !(ms >= 0)) return false;
                r.rtt = ms;
            }
            return true;
        });
        if (line.action != Action::Flush && (!seen.contains("address") || !seen.contains("if"))) ok = false;
    } else if (type == "route") {
        line.kind = Line::Kind::Route;
        babel::Route &r = line.route;
        r.id = id;
        forEachPair([&r](const QByteArray &k, const QByteArray &v) {
            if (k == "prefix") r.prefix = text(v);
            else if (k == "from") r.from = text(v);
            else if (k == "installed") return toBool(v, r.installed, "yes", "no");
            else if (k == "id") r.routerId = text(v);
            else if (k == "metric") return toInt(v, r.metric);
            else if (k == "refmetric") return toInt(v, r.refMetric);
            else if (k == "via") r.via = text(v);
            else if (k == "if") r.interface = text(v);
            return true;
        });
        if (line.action != Action::Flush && !seen.contains("prefix")) ok = false;
    } else if (type == "xroute") {
        line.kind = Line::Kind::XRoute;
        babel::XRoute &r = line.xroute;
        r.id = id;
        forEachPair([&r](const QByteArray &k, const QByteArray &v) {
            if (k == "prefix") r.prefix = text(v);
            else if (k == "from") r.from = text(v);
            else if (k == "metric") return toInt(v, r.metric);
            return true;
        });
        if (line.action != Action::Flush && !seen.contains("prefix")) ok = false;
    } else {
        line.kind = Line::Kind::Unknown; // a record type newer than 1.12.1
        return line;
    }
    if (!ok) {
        line = Line();
        line.kind = Line::Kind::Malformed;
    }
    return line;
}

QList<BabelDump::Reply> BabelDump::feed(QByteArrayView bytes)
{
    QList<Reply> replies;
    while (!bytes.isEmpty()) {
        const qsizetype nl = bytes.indexOf('\n');
        const QByteArrayView chunk = nl < 0 ? bytes : bytes.first(nl);
        bytes = nl < 0 ? QByteArrayView() : bytes.sliced(nl + 1);
        if (!m_discarding) {
            if (m_pending.size() + chunk.size() > MaxLine) {
                m_pending.clear();
                m_discarding = true;
                ++m_malformed;
            } else {
                m_pending.append(chunk);
            }
        }
        if (nl < 0) break; // partial line: wait for the rest
        if (m_discarding) {
            m_discarding = false;
            continue;
        }
        const Line line = parseLine(m_pending);
        m_pending.clear();
        if (line.kind == Line::Kind::Reply) replies << line.reply;
        apply(line);
    }
    return replies;
}

void BabelDump::apply(const Line &line)
{
    const bool flush = line.action == Action::Flush;
    switch (line.kind) {
    case Line::Kind::Greeting:
        if (line.greetingKey == QLatin1String("BABEL")) m_greeted = true;
        else if (line.greetingKey == QLatin1String("version")) m_version = line.greetingValue;
        else if (line.greetingKey == QLatin1String("host")) m_host = line.greetingValue;
        else m_myId = line.greetingValue;
        break;
    case Line::Kind::Interface:
        if (flush) m_interfaces.remove(line.interface.name);
        else m_interfaces.insert(line.interface.name, line.interface);
        break;
    case Line::Kind::Neighbour:
        if (flush) m_neighbours.remove(line.neighbour.id);
        else m_neighbours.insert(line.neighbour.id, line.neighbour);
        break;
    case Line::Kind::Route:
        if (flush) m_routes.remove(line.route.id);
        else m_routes.insert(line.route.id, line.route);
        break;
    case Line::Kind::XRoute:
        if (flush) m_xroutes.remove(line.xroute.id);
        else m_xroutes.insert(line.xroute.id, line.xroute);
        break;
    case Line::Kind::Malformed:
        ++m_malformed;
        break;
    case Line::Kind::Empty:
    case Line::Kind::Reply:
    case Line::Kind::Unknown:
        break;
    }
}

void BabelDump::clearTables()
{
    m_interfaces.clear();
    m_neighbours.clear();
    m_routes.clear();
    m_xroutes.clear();
}

std::optional<QByteArray> BabelDump::peerPrefix(const QString &routePrefix, const QByteArray &network)
{
    const qsizetype slash = routePrefix.indexOf(QLatin1Char('/'));
    if (slash < 0 || routePrefix.contains(QLatin1Char('.'))) return std::nullopt; // IPv4, ::ffff:a.b.c.d
    bool ok = false;
    const int plen = routePrefix.mid(slash + 1).toInt(&ok);
    if (!ok || plen < 0 || plen > 128) return std::nullopt;
    const auto bits = addressing::bitsFromIpv6(routePrefix.left(slash));
    if (!bits || !bits->startsWith(network) || plen <= network.size()) return std::nullopt;
    return bits->mid(network.size(), plen - network.size());
}

QSet<QByteArray> BabelDump::routedPeerPrefixes(const QList<babel::Route> &routes, const QByteArray &network)
{
    QSet<QByteArray> out;
    for (const babel::Route &r : routes)
        if (r.installed)
            if (const auto key = peerPrefix(r.prefix, network)) out.insert(*key);
    return out;
}

QSet<QByteArray> BabelDump::Topology::distantPeers() const
{
    QSet<QByteArray> out = peers;
    for (auto it = direct.cbegin(); it != direct.cend(); ++it) out.remove(it.key());
    return out;
}

BabelDump::Topology BabelDump::topology(const QList<babel::Neighbour> &neighbours,
                                        const QList<babel::Route> &routes, const QByteArray &network)
{
    // Neighbours are keyed by (address, interface name): the text interface has
    // no ifindex, and names are unique on a host.
    const auto neighbourKey = [](const QString &address, const QString &ifname) {
        return address + QLatin1Char('%') + ifname;
    };
    QHash<QString, babel::Neighbour> byKey;
    for (const babel::Neighbour &n : neighbours) byKey.insert(neighbourKey(n.address, n.interface), n);

    // First pass: identify neighbours by their own subnet (refmetric 0), §4.4.
    QHash<QString, QByteArray> identity; // neighbour key -> peer prefix
    Topology t;
    for (const babel::Route &r : routes) {
        if (!r.installed || r.refMetric != 0) continue;
        const auto key = peerPrefix(r.prefix, network);
        const QString nk = neighbourKey(r.via, r.interface);
        if (!key || !byKey.contains(nk)) continue;
        const auto known = identity.constFind(nk);
        if (known != identity.cend() && *known != *key) {
            t.warnings << QStringLiteral("neighbour %1 announces several re6st subnets: babeld on that node is misconfigured")
                              .arg(nk);
            continue; // the first one wins
        }
        identity.insert(nk, *key);
        t.direct.insert(*key, byKey.value(nk));
    }
    // Second pass: every installed route, by the neighbour it goes through.
    for (const babel::Route &r : routes) {
        if (!r.installed) continue;
        const auto key = peerPrefix(r.prefix, network);
        if (key) t.peers.insert(*key);
        const auto via = identity.constFind(neighbourKey(r.via, r.interface));
        if (via == identity.cend()) {
            ++t.unidentifiedRouteCount;
            if (key) t.unidentifiedRoutes.insert(*key);
        } else if (key) {
            t.routedVia[*via].insert(*key);
        }
    }
    return t;
}

} // namespace re6st
