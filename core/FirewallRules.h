// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st::doctor {

// A packet re6st needs the host to accept (node-protocol.md §9.7): Babel (UDP 6696
// from fe80::/10 on every Babel interface) or an OpenVPN server port (--pp).
struct FirewallPacket
{
    int family = 6;            // 4 or 6
    QString protocol;          // "udp" or "tcp"
    int port = 0;              // destination port
    QHostAddress source;       // null: any source
    QString sourceNet;         // the source as a fix should allow it ("fe80::/10"); empty: any
    QString interface;         // incoming interface; empty: any
};

// What the rules do with one packet, in one base chain (or overall).
struct FirewallVerdict
{
    enum class Kind { Accepted, Dropped, Unknown };
    Kind kind = Kind::Accepted;
    QString where;   // "nftables table inet filter, chain input" / "ip6tables table filter, chain INPUT"
    QString rule;    // the deciding rule as text, "policy drop", or the rule we cannot evaluate
    QString remove;  // command deleting that rule (empty for a policy)
    QString allow;   // command inserting an accept rule at the top of the base chain
};

// The input path of a host firewall, read from `nft -j list ruleset` or from
// `iptables-save` / `ip6tables-save` text — parsed, not guessed: every base chain of
// hook prerouting/input (type filter) is walked rule by rule (jump, goto, return,
// verdict maps, named sets), each match evaluated against the packet as yes / no /
// cannot tell (matches on things a packet description does not carry: fib, marks,
// rates...). A new connection's first packet is assumed (ct state new).
class FirewallRules final
{
public:
    enum class Source { Nftables, Iptables };

    // Nullopt + *error when the text is not what the tool prints.
    static std::optional<FirewallRules> fromNftJson(const QByteArray &json, QString *error);
    // family 4: iptables-save, 6: ip6tables-save.
    static std::optional<FirewallRules> fromIptablesSave(const QString &text, int family, QString *error);
    // iptables-save's first line names its backend: "(nf_tables)" rules are already in
    // `nft list ruleset`; "(legacy)" ones are not.
    static bool iptablesSaveIsNftBackend(const QString &text);

    // One verdict per base chain on the path (Accepted when there is none).
    QList<FirewallVerdict> evaluateChains(const FirewallPacket &packet) const;
    // The packet's fate: the first Dropped chain, else the first Unknown, else Accepted.
    FirewallVerdict evaluate(const FirewallPacket &packet) const;
    int baseChainCount(int family) const;
    // iptables-nft tables appear in both views; their iptables-save text is the one with
    // every option (nft shows `xt conntrack` without its states): drop them from nft's.
    void removeTables(const QString &family, const QStringList &tables);
    QStringList tables() const;
    Source source() const { return m_source; }

    // ---- the parsed model (public for tests) ----
    enum class Field { Family, L4Proto, DPort, SAddr, DAddr, IifName, CtState, Other };
    struct Value
    {
        enum class Kind { Number, Range, Text, Prefix };
        Kind kind = Kind::Number;
        qint64 low = 0, high = 0;   // Number (low), Range
        QString text;               // Text (interface names may end in '+' / '*': wildcard)
        QHostAddress address;       // Prefix
        int length = 0;
    };
    struct Match
    {
        Field field = Field::Other;
        QString op = QStringLiteral("=="); // ==, !=, <, >, <=, >=
        QList<Value> values;
        QString impliedProtocol; // "udp"/"tcp": a udp/tcp header field (no match for other protocols)
        int impliedFamily = 0;   // 4/6: an ip/ip6 header field
        QString text;            // as written, for messages
    };
    enum class Action { None, Accept, Drop, Jump, Goto, Return, VerdictMap };
    struct Rule
    {
        QList<Match> matches;
        Action action = Action::None;
        QString target;                          // Jump/Goto
        Match mapKey;                            // VerdictMap: key + (value, verdict) pairs
        QList<QPair<Value, QPair<Action, QString>>> map;
        QString text;    // human form
        QString remove;  // command deleting it
    };
    struct Chain
    {
        QString family;  // nft: ip, ip6, inet; iptables: "ip"/"ip6"
        QString table;
        QString name;
        QString hook;    // base chains: prerouting / input; empty for regular chains
        int priority = 0;
        bool policyDrop = false;
        QList<Rule> rules;
    };
    const QList<Chain> &chains() const { return m_chains; }

private:
    const Chain *findChain(const Chain &from, const QString &name) const;
    QString allowCommand(const Chain &base, const FirewallPacket &packet) const;
    QString where(const Chain &chain) const;

    Source m_source = Source::Nftables;
    QList<Chain> m_chains;
};

} // namespace re6st::doctor
