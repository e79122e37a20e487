// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/FirewallRules.h"

#include "core/FirewallParsing.h"

#include <QMap>

#include <algorithm>
#include <functional>

namespace re6st::doctor {

namespace {

using namespace firewall;

enum class Tri { No, Yes, Maybe };

int hookOrder(const QString &hook) { return hook == QLatin1String("prerouting") ? 0 : 1; }

int protocolNumber(const QString &name)
{
    static const QMap<QString, int> numbers{
        {QStringLiteral("tcp"), 6},        {QStringLiteral("udp"), 17},      {QStringLiteral("icmp"), 1},
        {QStringLiteral("ipv6-icmp"), 58}, {QStringLiteral("icmpv6"), 58},   {QStringLiteral("esp"), 50},
        {QStringLiteral("ah"), 51},        {QStringLiteral("sctp"), 132},    {QStringLiteral("udplite"), 136},
        {QStringLiteral("gre"), 47},       {QStringLiteral("igmp"), 2},      {QStringLiteral("all"), -2}};
    bool ok = false;
    const int n = name.toInt(&ok);
    if (ok) return n;
    return numbers.value(name.toLower(), -1);
}

int familyNumber(const QString &name)
{
    const QString n = name.toLower();
    if (n == QLatin1String("ipv4") || n == QLatin1String("ip") || n == QLatin1String("2")) return 4;
    if (n == QLatin1String("ipv6") || n == QLatin1String("ip6") || n == QLatin1String("10")) return 6;
    return 0;
}

bool interfaceMatches(const QString &pattern, const QString &name)
{
    if (pattern.endsWith(u'+') || pattern.endsWith(u'*')) return name.startsWith(pattern.chopped(1));
    return pattern == name;
}

// One value against the packet's field: yes, no or cannot tell.
Tri valueEquals(const Match &m, const Value &v, const FirewallPacket &p)
{
    auto number = [&](qint64 x) {
        if (v.kind == Value::Kind::Number) return v.low == x ? Tri::Yes : Tri::No;
        if (v.kind == Value::Kind::Range) return v.low <= x && x <= v.high ? Tri::Yes : Tri::No;
        return Tri::Maybe;
    };
    switch (m.field) {
    case Field::Family:
        if (v.kind == Value::Kind::Text) return familyNumber(v.text) == p.family ? Tri::Yes : Tri::No;
        if (v.kind == Value::Kind::Number) return (v.low == 2 ? 4 : v.low == 10 ? 6 : 0) == p.family ? Tri::Yes : Tri::No;
        return Tri::Maybe;
    case Field::L4Proto: {
        const int ours = protocolNumber(p.protocol);
        if (v.kind == Value::Kind::Text) {
            const int n = protocolNumber(v.text);
            if (n == -2) return Tri::Yes; // iptables "-p all"
            return n < 0 ? Tri::Maybe : n == ours ? Tri::Yes : Tri::No;
        }
        return number(ours);
    }
    case Field::DPort:
        if (v.kind == Value::Kind::Text) {
            bool ok = false;
            const int n = v.text.toInt(&ok);
            return ok ? (n == p.port ? Tri::Yes : Tri::No) : Tri::Maybe;
        }
        return number(p.port);
    case Field::SAddr:
        if (p.source.isNull()) return Tri::Maybe;
        if (v.kind == Value::Kind::Prefix) return p.source.isInSubnet(v.address, v.length) ? Tri::Yes : Tri::No;
        return Tri::Maybe;
    case Field::IifName:
        if (p.interface.isEmpty() || v.kind != Value::Kind::Text) return Tri::Maybe;
        return interfaceMatches(v.text, p.interface) ? Tri::Yes : Tri::No;
    case Field::CtState:
        if (v.kind != Value::Kind::Text) return Tri::Maybe;
        return v.text.compare(QLatin1String("new"), Qt::CaseInsensitive) == 0 ? Tri::Yes : Tri::No;
    case Field::DAddr:
    case Field::Other:
        return Tri::Maybe;
    }
    return Tri::Maybe;
}

Tri matchOne(const Match &m, const FirewallPacket &p)
{
    // A header field of another protocol or family never matches (nft adds that
    // dependency implicitly, and so do iptables' -p / address families).
    if (!m.impliedProtocol.isEmpty() && protocolNumber(m.impliedProtocol) != protocolNumber(p.protocol)) return Tri::No;
    if (m.impliedFamily && m.impliedFamily != p.family) return Tri::No;
    if (m.field == Field::Other || m.field == Field::DAddr) return Tri::Maybe;
    if (m.op == QLatin1String("==") || m.op == QLatin1String("!=")) {
        bool maybe = false, yes = false;
        for (const Value &v : m.values) {
            const Tri t = valueEquals(m, v, p);
            if (t == Tri::Yes) yes = true;
            if (t == Tri::Maybe) maybe = true;
        }
        const Tri in = yes ? Tri::Yes : maybe ? Tri::Maybe : Tri::No;
        if (m.op == QLatin1String("==")) return in;
        return in == Tri::Yes ? Tri::No : in == Tri::No ? Tri::Yes : Tri::Maybe;
    }
    // <, >, <=, >= on numbers (ports, protocols).
    if (m.values.size() != 1 || m.values.first().kind != Value::Kind::Number) return Tri::Maybe;
    qint64 x = 0;
    if (m.field == Field::DPort) x = p.port;
    else if (m.field == Field::L4Proto) x = protocolNumber(p.protocol);
    else return Tri::Maybe;
    const qint64 y = m.values.first().low;
    bool r = false;
    if (m.op == QLatin1String("<")) r = x < y;
    else if (m.op == QLatin1String(">")) r = x > y;
    else if (m.op == QLatin1String("<=")) r = x <= y;
    else if (m.op == QLatin1String(">=")) r = x >= y;
    else return Tri::Maybe;
    return r ? Tri::Yes : Tri::No;
}

Tri matchAll(const QList<Match> &matches, const FirewallPacket &p)
{
    Tri all = Tri::Yes;
    for (const Match &m : matches) {
        const Tri t = matchOne(m, p);
        if (t == Tri::No) return Tri::No;
        if (t == Tri::Maybe) all = Tri::Maybe;
    }
    return all;
}

} // namespace

const FirewallRules::Chain *FirewallRules::findChain(const Chain &from, const QString &name) const
{
    for (const Chain &c : m_chains)
        if (c.family == from.family && c.table == from.table && c.name == name) return &c;
    return nullptr;
}

QString FirewallRules::where(const Chain &chain) const
{
    if (m_source == Source::Nftables)
        return QStringLiteral("nftables table %1 %2, chain %3").arg(chain.family, chain.table, chain.name);
    return QStringLiteral("%1 table %2, chain %3")
        .arg(chain.family == QLatin1String("ip") ? QStringLiteral("iptables") : QStringLiteral("ip6tables"), chain.table,
             chain.name);
}

QString FirewallRules::allowCommand(const Chain &base, const FirewallPacket &p) const
{
    if (m_source == Source::Nftables) {
        QString match;
        if (!p.sourceNet.isEmpty()) match += (p.family == 4 ? QStringLiteral("ip saddr ") : QStringLiteral("ip6 saddr ")) + p.sourceNet + u' ';
        return QStringLiteral("nft insert rule %1 %2 %3 %4%5 dport %6 accept")
            .arg(base.family, quoteArg(base.table), quoteArg(base.name), match, p.protocol)
            .arg(p.port);
    }
    const QString tool = base.family == QLatin1String("ip") ? QStringLiteral("iptables") : QStringLiteral("ip6tables");
    const QString tableOpt = base.table == QLatin1String("filter") ? QString() : QStringLiteral("-t %1 ").arg(base.table);
    const QString src = p.sourceNet.isEmpty() ? QString() : QStringLiteral("-s %1 ").arg(p.sourceNet);
    return QStringLiteral("%1 %2-I %3 %4-p %5 -m %5 --dport %6 -j ACCEPT")
        .arg(tool, tableOpt, base.name, src, p.protocol)
        .arg(p.port);
}

namespace {

enum class End { Accept, Drop, Continue };

struct WalkState
{
    bool maybeAccepted = false;
    const Rule *maybeDrop = nullptr;
    const Chain *maybeDropChain = nullptr;
};

} // namespace

QList<FirewallVerdict> FirewallRules::evaluateChains(const FirewallPacket &p) const
{
    const QString fam = p.family == 4 ? QStringLiteral("ip") : QStringLiteral("ip6");
    QList<const Chain *> bases;
    for (const Chain &c : m_chains)
        if (!c.hook.isEmpty() && (c.family == fam || c.family == QLatin1String("inet"))) bases << &c;
    std::stable_sort(bases.begin(), bases.end(), [](const Chain *a, const Chain *b) {
        return std::pair(hookOrder(a->hook), a->priority) < std::pair(hookOrder(b->hook), b->priority);
    });

    QList<FirewallVerdict> out;
    for (const Chain *base : bases) {
        WalkState st;
        const Rule *decider = nullptr;
        const Chain *deciderChain = nullptr;
        std::function<End(const Chain &, int)> walk = [&](const Chain &c, int depth) -> End {
            if (depth > 32) return End::Continue; // a loop: nft refuses those, be safe anyway
            for (const Rule &r : c.rules) {
                Tri m = matchAll(r.matches, p);
                if (m == Tri::No) continue;
                Action act = r.action;
                QString target = r.target;
                if (act == Action::VerdictMap) {
                    act = Action::None;
                    bool maybe = false;
                    for (const auto &[value, verdict] : r.map) {
                        Match one = r.mapKey;
                        one.op = QStringLiteral("==");
                        one.values = {value};
                        const Tri t = matchOne(one, p);
                        if (t == Tri::Yes) {
                            act = verdict.first;
                            target = verdict.second;
                            maybe = false;
                            break;
                        }
                        if (t == Tri::Maybe && !maybe && verdict.first != Action::None) {
                            maybe = true;
                            act = verdict.first;
                            target = verdict.second;
                        }
                    }
                    if (maybe) m = Tri::Maybe;
                }
                if (act == Action::None) continue;
                const Chain *sub = act == Action::Jump || act == Action::Goto ? findChain(c, target) : nullptr;
                if (m == Tri::Maybe) {
                    End e = act == Action::Accept ? End::Accept : act == Action::Drop ? End::Drop : End::Continue;
                    const Rule *d = &r;
                    const Chain *dc = &c;
                    if (sub) {
                        const Rule *saveD = decider;
                        const Chain *saveC = deciderChain;
                        e = walk(*sub, depth + 1);
                        if (decider) { d = decider; dc = deciderChain; }
                        decider = saveD;
                        deciderChain = saveC;
                    }
                    if (e == End::Accept) st.maybeAccepted = true;
                    if (e == End::Drop && !st.maybeDrop) {
                        st.maybeDrop = d;
                        st.maybeDropChain = dc;
                    }
                    continue;
                }
                switch (act) {
                case Action::Accept:
                case Action::Drop:
                    decider = &r;
                    deciderChain = &c;
                    return act == Action::Accept ? End::Accept : End::Drop;
                case Action::Return:
                    return End::Continue;
                case Action::Jump:
                    if (sub) {
                        const End e = walk(*sub, depth + 1);
                        if (e != End::Continue) return e;
                    }
                    continue;
                case Action::Goto:
                    return sub ? walk(*sub, depth + 1) : End::Continue;
                default:
                    continue;
                }
            }
            return End::Continue;
        };
        End e = walk(*base, 0);
        if (e == End::Continue) e = base->policyDrop ? End::Drop : End::Accept;

        FirewallVerdict v;
        v.where = where(*base);
        v.allow = allowCommand(*base, p);
        if (e == End::Drop) {
            v.kind = st.maybeAccepted ? FirewallVerdict::Kind::Unknown : FirewallVerdict::Kind::Dropped;
            if (decider) {
                v.rule = decider->text;
                v.remove = decider->remove;
                if (deciderChain != base) v.rule += QStringLiteral(" (in chain %1)").arg(deciderChain->name);
            } else {
                v.rule = QStringLiteral("policy drop");
            }
        } else if (st.maybeDrop) {
            v.kind = FirewallVerdict::Kind::Unknown;
            v.rule = st.maybeDrop->text;
            v.remove = st.maybeDrop->remove;
            if (st.maybeDropChain != base) v.rule += QStringLiteral(" (in chain %1)").arg(st.maybeDropChain->name);
        } else {
            v.kind = FirewallVerdict::Kind::Accepted;
            if (decider) v.rule = decider->text;
        }
        out << v;
    }
    return out;
}

FirewallVerdict FirewallRules::evaluate(const FirewallPacket &packet) const
{
    const QList<FirewallVerdict> all = evaluateChains(packet);
    for (const FirewallVerdict &v : all)
        if (v.kind == FirewallVerdict::Kind::Dropped) return v;
    for (const FirewallVerdict &v : all)
        if (v.kind == FirewallVerdict::Kind::Unknown) return v;
    return FirewallVerdict{};
}

void FirewallRules::removeTables(const QString &family, const QStringList &tables)
{
    m_chains.removeIf([&](const Chain &c) { return c.family == family && tables.contains(c.table); });
}

QStringList FirewallRules::tables() const
{
    QStringList names;
    for (const Chain &c : m_chains)
        if (!names.contains(c.table)) names << c.table;
    return names;
}

int FirewallRules::baseChainCount(int family) const
{
    const QString fam = family == 4 ? QStringLiteral("ip") : QStringLiteral("ip6");
    int n = 0;
    for (const Chain &c : m_chains)
        if (!c.hook.isEmpty() && (c.family == fam || c.family == QLatin1String("inet"))) ++n;
    return n;
}

} // namespace re6st::doctor
