// SPDX-License-Identifier: GPL-2.0-or-later
// FirewallRules::fromIptablesSave: the rules of `iptables-save` / `ip6tables-save`.
#include "core/FirewallParsing.h"
#include "core/FirewallRules.h"

#include <QHash>
#include <QMap>

namespace re6st::doctor {

namespace {

using namespace firewall;

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

} // namespace

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

} // namespace re6st::doctor
