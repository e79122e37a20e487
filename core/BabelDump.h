// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st {

// Records of stock babeld 1.12.1's text local interface (node-protocol.md §4.5).
namespace babel {
struct Interface
{
    QString name;
    bool up = false;
    QString ipv6; // link-local address, empty if none
    QString ipv4;
};
struct Neighbour
{
    QString id;      // babeld's opaque identifier
    QString address; // link-local IPv6 of the neighbour
    QString interface;
    quint16 reach = 0, ureach = 0;
    int rxcost = 0, txcost = 0;
    std::optional<double> rtt; // milliseconds, present when timestamps are valid
    std::optional<int> rttCost;
    int cost = 0;
};
struct Route
{
    QString id;
    QString prefix; // "addr/len", IPv6 or IPv4
    QString from;   // source prefix ("::/0" when not source-specific)
    bool installed = false;
    QString routerId;
    int metric = 0, refMetric = 0;
    QString via; // next hop = neighbour address
    QString interface;
};
struct XRoute
{
    QString id;
    QString prefix;
    QString from;
    int metric = 0;
};
} // namespace babel

// Incremental parser and table of babeld's `dump` / `monitor` output: greeting,
// `add|change|flush interface|neighbour|route|xroute …` lines, replies ok/no/bad.
// Unknown keys are skipped; malformed lines are counted and otherwise ignored.
class BabelDump final
{
public:
    enum class Reply { Ok, No, Bad };
    enum class Action { Add, Change, Flush };
    struct Line
    {
        enum class Kind { Empty, Greeting, Reply, Interface, Neighbour, Route, XRoute, Unknown, Malformed };
        Kind kind = Kind::Empty;
        Action action = Action::Add;
        Reply reply = Reply::Ok;
        QString greetingKey, greetingValue; // "BABEL"/"version"/"host"/"my-id"
        babel::Interface interface;
        babel::Neighbour neighbour;
        babel::Route route;
        babel::XRoute xroute;
    };
    static Line parseLine(QByteArrayView line); // without the trailing newline

    // Appends raw socket bytes; complete lines update the tables. Returns the
    // replies (end of greeting / of a command's answer) completed by these bytes.
    QList<Reply> feed(QByteArrayView bytes);
    void clearTables(); // call before sending `dump`, so stale records disappear

    QString version() const { return m_version; }
    QString host() const { return m_host; }
    QString myId() const { return m_myId; }
    bool greeted() const { return m_greeted; } // "BABEL 1.0" seen
    int malformedLines() const { return m_malformed; }
    QList<babel::Interface> interfaces() const { return m_interfaces.values(); }
    QList<babel::Neighbour> neighbours() const { return m_neighbours.values(); }
    QList<babel::Route> routes() const { return m_routes.values(); }
    QList<babel::XRoute> xroutes() const { return m_xroutes.values(); }

    // node-protocol.md §4.4 on the text dump (only `installed yes` routes, as the
    // fork's dump gave). Keys are peer prefix bits below `network`.
    struct Topology
    {
        QSet<QByteArray> peers;                        // every routed re6st prefix
        QHash<QByteArray, babel::Neighbour> direct;    // identified adjacent peers
        QHash<QByteArray, QSet<QByteArray>> routedVia; // direct peer -> prefixes via it
        QSet<QByteArray> unidentifiedRoutes;           // prefixes via unidentified neighbours
        int unidentifiedRouteCount = 0;                // installed routes via them, any prefix
        QStringList warnings;
        QSet<QByteArray> distantPeers() const;
    };
    static Topology topology(const QList<babel::Neighbour> &neighbours,
                             const QList<babel::Route> &routes, const QByteArray &network);
    // Peer prefix bits of an IPv6 route inside `network`; nullopt for IPv4 /
    // IPv4-mapped prefixes, prefixes outside the network, or an empty key.
    static std::optional<QByteArray> peerPrefix(const QString &routePrefix, const QByteArray &network);
    // registry-protocol.md §10.2: candidate peers = installed routes' keys.
    static QSet<QByteArray> routedPeerPrefixes(const QList<babel::Route> &routes, const QByteArray &network);

private:
    void apply(const Line &line);

    QByteArray m_pending;
    bool m_discarding = false; // inside an over-long line
    bool m_greeted = false;
    int m_malformed = 0;
    QString m_version, m_host, m_myId;
    QMap<QString, babel::Interface> m_interfaces; // by name
    QMap<QString, babel::Neighbour> m_neighbours; // by id
    QMap<QString, babel::Route> m_routes;
    QMap<QString, babel::XRoute> m_xroutes;
};

} // namespace re6st
