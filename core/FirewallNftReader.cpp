// SPDX-License-Identifier: GPL-2.0-or-later
// FirewallRules::fromNftJson: the rules of `nft -j list ruleset`.
#include "core/FirewallParsing.h"
#include "core/FirewallRules.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>

namespace re6st::doctor {

namespace {

using namespace firewall;

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

} // namespace re6st::doctor
