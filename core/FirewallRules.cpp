// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/FirewallRules.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QRegularExpression>

#include <algorithm>
#include <functional>

namespace re6st::doctor {

namespace {

using Field = FirewallRules::Field;
using Value = FirewallRules::Value;
using Match = FirewallRules::Match;
using Rule = FirewallRules::Rule;
using Chain = FirewallRules::Chain;
using Action = FirewallRules::Action;

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

Value addressValue(const QString &text);

// ---- nftables JSON ------------------------------------------------------------------

QString valueText(const Value &v)
{
    switch (v.kind) {
    case Value::Kind::Number: return QString::number(v.low);
    case Value::Kind::Range: return QStringLiteral("%1-%2").arg(v.low).arg(v.high);
    case Value::Kind::Text: return v.text;
    case Value::Kind::Prefix: return QStringLiteral("%1/%2").arg(v.address.toString()).arg(v.length);
    }
    return {};
}

QString valuesText(const QList<Value> &values)
{
    QStringList parts;
    for (const Value &v : values) parts << valueText(v);
    return parts.size() == 1 ? parts.first() : QStringLiteral("{ ") + parts.join(QStringLiteral(", ")) + QStringLiteral(" }");
}

struct NftTable
{
    QMap<QString, QList<Value>> sets; // name -> elements
    bool setsUnknown = false;
};

// Values of a JSON right-hand side; false when it has something we cannot read.
bool nftValues(const QJsonValue &j, const NftTable &table, QList<Value> *out)
{
    if (j.isDouble()) {
        Value v;
        v.low = v.high = qint64(j.toDouble());
        *out << v;
        return true;
    }
    if (j.isString()) {
        const QString s = j.toString();
        if (s.startsWith(u'@')) {
            const auto it = table.sets.constFind(s.mid(1));
            if (it == table.sets.cend()) return false;
            *out << *it;
            return true;
        }
        Value v; // addresses become prefixes once the field is known (nftRule)
        v.kind = Value::Kind::Text;
        v.text = s;
        *out << v;
        return true;
    }
    if (j.isArray()) {
        for (const QJsonValue &e : j.toArray())
            if (!nftValues(e, table, out)) return false;
        return true;
    }
    if (!j.isObject()) return false;
    const QJsonObject o = j.toObject();
    if (o.contains(QLatin1String("set"))) return nftValues(o.value(QLatin1String("set")), table, out);
    if (o.contains(QLatin1String("elem"))) return nftValues(o.value(QLatin1String("elem")).toObject().value(QLatin1String("val")), table, out);
    if (o.contains(QLatin1String("range"))) {
        const QJsonArray r = o.value(QLatin1String("range")).toArray();
        if (r.size() != 2 || !r.at(0).isDouble() || !r.at(1).isDouble()) return false;
        Value v;
        v.kind = Value::Kind::Range;
        v.low = qint64(r.at(0).toDouble());
        v.high = qint64(r.at(1).toDouble());
        *out << v;
        return true;
    }
    if (o.contains(QLatin1String("prefix"))) {
        const QJsonObject pr = o.value(QLatin1String("prefix")).toObject();
        Value v;
        v.kind = Value::Kind::Prefix;
        if (!v.address.setAddress(pr.value(QLatin1String("addr")).toString())) return false;
        v.length = pr.value(QLatin1String("len")).toInt();
        *out << v;
        return true;
    }
    return false;
}

// The left-hand side of a match: which packet field it reads.
void nftLeft(const QJsonValue &left, Match *m)
{
    const QJsonObject o = left.toObject();
    if (o.contains(QLatin1String("payload"))) {
        const QJsonObject pl = o.value(QLatin1String("payload")).toObject();
        const QString proto = pl.value(QLatin1String("protocol")).toString();
        const QString field = pl.value(QLatin1String("field")).toString();
        m->text = proto + u' ' + field;
        if (proto.isEmpty()) return; // raw payload
        if (proto == QLatin1String("ip") || proto == QLatin1String("ip6")) {
            m->impliedFamily = proto == QLatin1String("ip") ? 4 : 6;
            if (field == QLatin1String("saddr")) m->field = Field::SAddr;
            else if (field == QLatin1String("daddr")) m->field = Field::DAddr;
            else if (field == QLatin1String("nexthdr") || field == QLatin1String("protocol")) m->field = Field::L4Proto;
            return;
        }
        if (proto != QLatin1String("th")) m->impliedProtocol = proto;
        if (field == QLatin1String("dport")) m->field = Field::DPort;
        return;
    }
    if (o.contains(QLatin1String("meta"))) {
        const QString key = o.value(QLatin1String("meta")).toObject().value(QLatin1String("key")).toString();
        m->text = key == QLatin1String("iifname") || key == QLatin1String("oifname") ? key : QStringLiteral("meta ") + key;
        if (key == QLatin1String("l4proto")) m->field = Field::L4Proto;
        else if (key == QLatin1String("nfproto") || key == QLatin1String("protocol")) m->field = Field::Family;
        else if (key == QLatin1String("iifname") || key == QLatin1String("iif")) m->field = Field::IifName;
        return;
    }
    if (o.contains(QLatin1String("ct"))) {
        const QString key = o.value(QLatin1String("ct")).toObject().value(QLatin1String("key")).toString();
        m->text = QStringLiteral("ct ") + key;
        if (key == QLatin1String("state")) m->field = Field::CtState;
        return;
    }
    m->text = o.isEmpty() ? QStringLiteral("?") : o.constBegin().key();
}

std::optional<Action> nftVerdict(const QJsonObject &o, QString *target)
{
    if (o.contains(QLatin1String("accept"))) return Action::Accept;
    if (o.contains(QLatin1String("drop")) || o.contains(QLatin1String("reject"))) return Action::Drop;
    if (o.contains(QLatin1String("return"))) return Action::Return;
    for (const char *k : {"jump", "goto"}) {
        if (o.contains(QLatin1String(k))) {
            *target = o.value(QLatin1String(k)).toObject().value(QLatin1String("target")).toString();
            return QLatin1String(k) == QLatin1String("jump") ? Action::Jump : Action::Goto;
        }
    }
    return std::nullopt;
}

QString actionText(Action a, const QString &target)
{
    switch (a) {
    case Action::None: return {};
    case Action::Accept: return QStringLiteral("accept");
    case Action::Drop: return QStringLiteral("drop");
    case Action::Jump: return QStringLiteral("jump ") + target;
    case Action::Goto: return QStringLiteral("goto ") + target;
    case Action::Return: return QStringLiteral("return");
    case Action::VerdictMap: return QStringLiteral("vmap");
    }
    return {};
}

Rule nftRule(const QJsonArray &expr, const NftTable &table)
{
    Rule r;
    QStringList text;
    for (const QJsonValue &e : expr) {
        const QJsonObject st = e.toObject();
        if (st.isEmpty()) continue;
        const QString kind = st.constBegin().key();
        QString target;
        if (kind == QLatin1String("match")) {
            const QJsonObject mo = st.value(kind).toObject();
            Match m;
            m.op = mo.value(QLatin1String("op")).toString(QStringLiteral("=="));
            if (m.op == QLatin1String("in")) m.op = QStringLiteral("==");
            nftLeft(mo.value(QLatin1String("left")), &m);
            if (!nftValues(mo.value(QLatin1String("right")), table, &m.values)) m.field = Field::Other;
            if (m.field == Field::SAddr || m.field == Field::DAddr) { // a bare address: a /32 or /128 prefix
                for (Value &v : m.values)
                    if (v.kind == Value::Kind::Text) v = addressValue(v.text);
                for (const Value &v : m.values)
                    if (v.kind != Value::Kind::Prefix) m.field = Field::Other;
            }
            text << m.text + (m.op == QLatin1String("==") ? QString() : u' ' + m.op) + u' ' + valuesText(m.values);
            r.matches << m;
        } else if (const auto verdict = nftVerdict(st, &target)) {
            if (r.action == Action::None) {
                r.action = *verdict;
                r.target = target;
            }
            text << (kind == QLatin1String("reject") ? QStringLiteral("reject") : actionText(*verdict, target));
            break; // a verdict ends the rule
        } else if (kind == QLatin1String("vmap")) {
            const QJsonObject vm = st.value(kind).toObject();
            Match key;
            nftLeft(vm.value(QLatin1String("key")), &key);
            const QJsonValue data = vm.value(QLatin1String("data"));
            const QJsonArray entries = data.toObject().value(QLatin1String("set")).toArray();
            bool readable = data.isObject() && !entries.isEmpty();
            for (const QJsonValue &entry : entries) {
                const QJsonArray pair = entry.toArray();
                QList<Value> values;
                QString t;
                const auto verdict = pair.size() == 2 ? nftVerdict(pair.at(1).toObject(), &t) : std::nullopt;
                if (!verdict || !nftValues(pair.at(0), table, &values)) {
                    readable = false;
                    break;
                }
                for (const Value &v : values) r.map.append({v, {*verdict, t}});
            }
            if (!readable) { // a named map: it may drop us
                r.map.clear();
                Match unknown;
                unknown.text = QStringLiteral("vmap");
                r.matches << unknown;
                r.action = Action::Drop;
            } else {
                r.mapKey = key;
                r.action = Action::VerdictMap;
            }
            text << key.text + QStringLiteral(" vmap { ... }");
            break;
        } else if (kind == QLatin1String("xt")) {
            // iptables-nft extensions: the name only (their options are not in the JSON).
            const QJsonObject xt = st.value(kind).toObject();
            const QString name = xt.value(QLatin1String("name")).toString();
            text << QStringLiteral("xt %1").arg(name);
            if (xt.value(QLatin1String("type")).toString() == QLatin1String("target")) {
                if (name == QLatin1String("REJECT") || name == QLatin1String("DROP")) {
                    r.action = Action::Drop;
                    break;
                }
                if (name == QLatin1String("ACCEPT")) {
                    r.action = Action::Accept;
                    break;
                }
            } else if (name != QLatin1String("comment")) {
                Match m;
                m.text = QStringLiteral("xt ") + name;
                r.matches << m;
            }
        } else if (kind == QLatin1String("limit") || kind == QLatin1String("quota")
                   || kind == QLatin1String("synproxy")) {
            Match m; // conditions on rates, or iptables extensions: cannot tell
            m.text = kind;
            r.matches << m;
            text << kind;
        } else if (kind != QLatin1String("counter") && kind != QLatin1String("log")) {
            text << kind;
        }
    }
    r.text = text.join(u' ');
    return r;
}

// ---- iptables-save ----------------------------------------------------------------

QStringList splitSaveLine(const QString &line)
{
    QStringList out;
    QString cur;
    bool inQuote = false, any = false;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line.at(i);
        if (c == u'\\' && i + 1 < line.size()) {
            cur += line.at(++i);
            any = true;
        } else if (c == u'"') {
            inQuote = !inQuote;
            any = true;
        } else if (c.isSpace() && !inQuote) {
            if (any) out << cur;
            cur.clear();
            any = false;
        } else {
            cur += c;
            any = true;
        }
    }
    if (any) out << cur;
    return out;
}

QString quoteArg(const QString &a)
{
    if (!a.isEmpty() && !a.contains(QRegularExpression(QStringLiteral("[^A-Za-z0-9_./:,+=@%-]")))) return a;
    QString q = a;
    q.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + q + u'\'';
}

Value portValue(const QString &text)
{
    Value v;
    const QStringList r = text.split(u':');
    v.low = r.value(0).toLongLong();
    v.high = r.size() > 1 ? r.value(1).toLongLong() : v.low;
    if (r.size() > 1) {
        v.kind = Value::Kind::Range;
        if (r.value(0).isEmpty()) v.low = 0;
        if (r.value(1).isEmpty()) v.high = 65535;
    }
    return v;
}

Value addressValue(const QString &text)
{
    Value v;
    v.kind = Value::Kind::Prefix;
    const QPair<QHostAddress, int> sub = QHostAddress::parseSubnet(text);
    if (sub.first.isNull()) {
        v.kind = Value::Kind::Text;
        v.text = text;
        return v;
    }
    v.address = sub.first;
    v.length = text.contains(u'/') ? sub.second : (sub.first.protocol() == QAbstractSocket::IPv6Protocol ? 128 : 32);
    return v;
}

} // namespace

std::optional<FirewallRules> FirewallRules::fromNftJson(const QByteArray &json, QString *error)
{
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &pe);
    if (doc.isNull() || !doc.isObject() || !doc.object().value(QLatin1String("nftables")).isArray()) {
        if (error)
            *error = QStringLiteral("`nft -j list ruleset` printed no {\"nftables\": [...]} document (%1)")
                         .arg(doc.isNull() ? pe.errorString() : QStringLiteral("unexpected layout"));
        return std::nullopt;
    }
    const QJsonArray items = doc.object().value(QLatin1String("nftables")).toArray();
    QMap<QString, NftTable> tables; // "family table"
    auto tableKey = [](const QJsonObject &o) {
        return o.value(QLatin1String("family")).toString() + u' ' + o.value(QLatin1String("table")).toString();
    };
    // Sets first: rules refer to them by name.
    for (const QJsonValue &item : items) {
        const QJsonObject set = item.toObject().value(QLatin1String("set")).toObject();
        if (set.isEmpty()) continue;
        NftTable &t = tables[tableKey(set)];
        QList<Value> values;
        if (!set.contains(QLatin1String("elem")) || nftValues(set.value(QLatin1String("elem")), t, &values))
            t.sets.insert(set.value(QLatin1String("name")).toString(), values);
    }
    FirewallRules rules;
    rules.m_source = Source::Nftables;
    QMap<QString, qsizetype> chainIndex; // "family table chain"
    for (const QJsonValue &item : items) {
        const QJsonObject o = item.toObject();
        if (o.contains(QLatin1String("chain"))) {
            const QJsonObject c = o.value(QLatin1String("chain")).toObject();
            Chain chain;
            chain.family = c.value(QLatin1String("family")).toString();
            chain.table = c.value(QLatin1String("table")).toString();
            chain.name = c.value(QLatin1String("name")).toString();
            const QString hook = c.value(QLatin1String("hook")).toString();
            const bool onPath = (chain.family == QLatin1String("ip") || chain.family == QLatin1String("ip6")
                                 || chain.family == QLatin1String("inet"))
                && c.value(QLatin1String("type")).toString() == QLatin1String("filter")
                && (hook == QLatin1String("input") || hook == QLatin1String("prerouting"));
            if (onPath) chain.hook = hook;
            chain.priority = c.value(QLatin1String("prio")).toInt();
            chain.policyDrop = c.value(QLatin1String("policy")).toString() == QLatin1String("drop");
            chainIndex.insert(tableKey(c) + u' ' + chain.name, rules.m_chains.size());
            rules.m_chains << chain;
        } else if (o.contains(QLatin1String("rule"))) {
            const QJsonObject r = o.value(QLatin1String("rule")).toObject();
            const QString key = tableKey(r) + u' ' + r.value(QLatin1String("chain")).toString();
            const auto it = chainIndex.constFind(key);
            if (it == chainIndex.cend()) continue;
            Chain &chain = rules.m_chains[*it];
            Rule rule = nftRule(r.value(QLatin1String("expr")).toArray(), tables.value(tableKey(r)));
            const QString handle = QString::number(r.value(QLatin1String("handle")).toInteger());
            rule.remove = QStringLiteral("nft delete rule %1 %2 %3 handle %4")
                              .arg(chain.family, quoteArg(chain.table), quoteArg(chain.name), handle);
            rule.text += QStringLiteral(" (handle %1)").arg(handle);
            chain.rules << rule;
        }
    }
    return rules;
}

bool FirewallRules::iptablesSaveIsNftBackend(const QString &text)
{
    const qsizetype nl = text.indexOf(u'\n');
    const QString first = text.left(nl < 0 ? text.size() : nl);
    return first.contains(QLatin1String("(nf_tables)"));
}

std::optional<FirewallRules> FirewallRules::fromIptablesSave(const QString &text, int family, QString *error)
{
    FirewallRules rules;
    rules.m_source = Source::Iptables;
    const QString tool = family == 4 ? QStringLiteral("iptables") : QStringLiteral("ip6tables");
    const QString fam = family == 4 ? QStringLiteral("ip") : QStringLiteral("ip6");
    QString table;
    QMap<QString, qsizetype> index; // "table chain"
    QList<QPair<QString, QStringList>> pending; // table, tokens of -A lines (after chains are known)
    int lineNo = 0;
    for (const QString &raw : text.split(u'\n')) {
        ++lineNo;
        const QString line = raw.trimmed();
        if (line.isEmpty() || line.startsWith(u'#') || line == QLatin1String("COMMIT")) continue;
        if (line.startsWith(u'*')) {
            table = line.mid(1);
            continue;
        }
        if (table.isEmpty()) {
            if (error) *error = QStringLiteral("%1-save line %2: a rule before any *table line").arg(tool).arg(lineNo);
            return std::nullopt;
        }
        if (line.startsWith(u':')) {
            const QStringList parts = line.mid(1).split(u' ', Qt::SkipEmptyParts);
            Chain c;
            c.family = fam;
            c.table = table;
            c.name = parts.value(0);
            c.policyDrop = parts.value(1) == QLatin1String("DROP");
            const bool input = c.name == QLatin1String("INPUT")
                && (table == QLatin1String("filter") || table == QLatin1String("mangle") || table == QLatin1String("security"));
            const bool prerouting = c.name == QLatin1String("PREROUTING")
                && (table == QLatin1String("raw") || table == QLatin1String("mangle"));
            if (input || prerouting) c.hook = input ? QStringLiteral("input") : QStringLiteral("prerouting");
            c.priority = table == QLatin1String("raw") ? -300 : table == QLatin1String("mangle") ? -150
                       : table == QLatin1String("security") ? 50 : 0;
            index.insert(table + u' ' + c.name, rules.m_chains.size());
            rules.m_chains << c;
            continue;
        }
        QStringList tokens = splitSaveLine(line);
        if (tokens.value(0) == QLatin1String("-A") && tokens.size() >= 2) {
            pending.append({table, tokens});
            continue;
        }
        if (tokens.value(0).startsWith(u'[')) continue; // counters line
        if (error) *error = QStringLiteral("%1-save line %2: cannot read `%3`").arg(tool).arg(lineNo).arg(line.left(80));
        return std::nullopt;
    }
    for (const auto &entry : pending) {
        const QString &tbl = entry.first;
        const QStringList &tokens = entry.second; // not a structured binding: clang 14 cannot capture those
        const auto it = index.constFind(tbl + u' ' + tokens.at(1));
        if (it == index.cend()) continue;
        Rule r;
        bool negate = false;
        for (qsizetype i = 2; i < tokens.size(); ++i) {
            const QString &t = tokens.at(i);
            auto next = [&]() { return i + 1 < tokens.size() ? tokens.at(++i) : QString(); };
            Match m;
            m.op = QStringLiteral("==");
            if (t == QLatin1String("!")) {
                negate = true;
                continue;
            }
            if (t == QLatin1String("-j") || t == QLatin1String("--jump") || t == QLatin1String("-g") || t == QLatin1String("--goto")) {
                const QString target = next();
                if (target == QLatin1String("ACCEPT")) r.action = Action::Accept;
                else if (target == QLatin1String("DROP") || target == QLatin1String("REJECT")) r.action = Action::Drop;
                else if (target == QLatin1String("RETURN")) r.action = Action::Return;
                else if (index.contains(tbl + u' ' + target)) {
                    r.action = t.contains(u'g') ? Action::Goto : Action::Jump;
                    r.target = target;
                }
                break; // target options follow
            }
            if (t == QLatin1String("-c")) { i += 2; continue; }
            if (t == QLatin1String("-m") || t == QLatin1String("--match")) { next(); continue; }
            if (t == QLatin1String("--comment")) { next(); continue; }
            if (t == QLatin1String("-p") || t == QLatin1String("--protocol")) {
                m.field = Field::L4Proto;
                Value v;
                v.kind = Value::Kind::Text;
                v.text = next();
                m.values << v;
            } else if (t == QLatin1String("-s") || t == QLatin1String("--source") || t == QLatin1String("-d")
                       || t == QLatin1String("--destination")) {
                m.field = t.startsWith(QLatin1String("-s")) || t == QLatin1String("--source") ? Field::SAddr : Field::DAddr;
                for (const QString &a : next().split(u',')) m.values << addressValue(a);
            } else if (t == QLatin1String("-i") || t == QLatin1String("--in-interface")) {
                m.field = Field::IifName;
                Value v;
                v.kind = Value::Kind::Text;
                v.text = next();
                m.values << v;
            } else if (t == QLatin1String("--dport") || t == QLatin1String("--destination-port") || t == QLatin1String("--dports")
                       || t == QLatin1String("--destination-ports")) {
                m.field = Field::DPort;
                for (const QString &p : next().split(u',')) m.values << portValue(p);
            } else if (t == QLatin1String("--ctstate") || t == QLatin1String("--state")) {
                m.field = Field::CtState;
                for (const QString &s : next().split(u',')) {
                    Value v;
                    v.kind = Value::Kind::Text;
                    v.text = s.toLower();
                    m.values << v;
                }
            } else if (t.startsWith(u'-')) {
                m.field = Field::Other; // an extension we cannot evaluate: its arguments follow
                while (i + 1 < tokens.size() && !tokens.at(i + 1).startsWith(u'-') && tokens.at(i + 1) != QLatin1String("!")) ++i;
            } else {
                continue;
            }
            m.text = t;
            if (negate) m.op = QStringLiteral("!=");
            negate = false;
            r.matches << m;
        }
        QStringList quoted;
        for (qsizetype i = 2; i < tokens.size(); ++i) quoted << quoteArg(tokens.at(i));
        r.text = quoted.join(u' ');
        const QString tableOpt = tbl == QLatin1String("filter") ? QString() : QStringLiteral("-t %1 ").arg(tbl);
        r.remove = QStringLiteral("%1 %2-D %3 %4").arg(tool, tableOpt, quoteArg(tokens.at(1)), r.text);
        rules.m_chains[*it].rules << r;
    }
    return rules;
}

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
