// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantMap>
#include <optional>

namespace re6st::daemon {

// A snapshot of what the node daemon shows on D-Bus (dbus/org.re6st.Node1.xml).
// Pure value: the daemon fills one, DBusService diffs two. Record maps must hold the
// exact Qt types of the contract; build them with the *Record() helpers.
class NodeStatus final
{
public:
    enum class State { Stopped, Starting, Connecting, Connected, RegistryUnreachable, Stopping, Error };
    static QString toString(State state);                        // "registry-unreachable", ...
    static std::optional<State> stateFromString(const QString &text);

    enum RecordList { NoRecords = 0, PeerRecords = 1, TunnelRecords = 2, RouteRecords = 4,
                      NeighbourRecords = 8 };

    State state = State::Stopped;
    QString stateDetail;
    QString prefix;           // CN form "1/16"
    QString address;
    QString subnet;
    QString network;
    QString registry;         // URL
    bool registryReachable = false;
    qint64 certificateNotAfter = 0; // Unix s
    qint64 nextRenewal = 0;         // Unix s
    bool enrolled = false;
    QString configDirectory;
    QStringList neighbourPrefixes; // CN form
    quint32 peerCount = 0;
    quint32 tunnelCount = 0;
    quint32 protocolVersion = 0;
    QString version;
    // False while babeld's local interface does not answer: Routes()/Neighbours() fail.
    bool babelReachable = false;

    QList<QVariantMap> peers;
    QList<QVariantMap> tunnels;
    QList<QVariantMap> routes;
    QList<QVariantMap> neighbours;

    // D-Bus property name -> value with the contract's type (s, b, x, u).
    QVariantMap properties() const;

    // D-Bus names of the properties whose values differ, in declaration order.
    static QStringList changedProperties(const NodeStatus &a, const NodeStatus &b);
    // RecordList bits of the lists that differ (babelReachable counts for routes
    // and neighbours: an error reply becomes a list or the reverse). Volatile values
    // (tunnel rx/tx_bytes, peer last_seen, neighbour rtt_ms) do not count.
    static int changedRecords(const NodeStatus &a, const NodeStatus &b);

    static QVariantMap peerRecord(const QString &prefix, const QString &address,
                                  const QString &country, quint32 protocol,
                                  qint64 lastSeen, bool connected);
    static QVariantMap tunnelRecord(const QString &interface, const QString &peer,
                                    const QString &protocol, bool client, qint64 since,
                                    quint64 rxBytes, quint64 txBytes);
    static QVariantMap routeRecord(const QString &destination, const QString &source,
                                   const QString &nextHop, const QString &interface,
                                   quint32 metric, bool installed);
    // Without rtt_ms when `rttMs` is empty: babeld has not measured it yet.
    static QVariantMap neighbourRecord(const QString &address, const QString &interface,
                                       std::optional<double> rttMs, quint32 cost, quint16 reach);
};

} // namespace re6st::daemon
