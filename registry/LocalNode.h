// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>
#include <QUdpSocket>
#include <functional>
#include <memory>
#include <optional>

namespace re6st::registry {

// Topology crawl result of §6.16, as a pure accumulator (unit-tested with the
// upstream test_topology example). Prefixes are handled in CN form.
class TopologyGraph final
{
public:
    // A reply "<N> <cn1> <cn2> …" from `responder` (CN form). Returns the CNs
    // it listed (to crawl next); empty and ignored if malformed, N > count,
    // or the node lists itself.
    QStringList addReply(const QString &responder, const QByteArray &reply);
    // {"<cn>": [<cn>, …], "": [responders]}, lists sorted.
    QJsonObject toJson() const;
    const QMap<QString, QSet<QString>> &graph() const { return m_graph; }

private:
    QMap<QString, QSet<QString>> m_graph;
};

// The registry's link to the re6stnet node running on the same host
// (registry-protocol.md §10): UDP datagrams to [::1]:326 and the babeld route
// dump from <run>/babeld.sock. The dump speaks stock babeld's text local
// interface (greeting, "dump", "ok"), as the re6st-qt node runs it; the
// Nexedi-patched binary protocol of §10.2 is not spoken. An unreachable babeld
// gives an empty dump (only the registry node is then a candidate).
class LocalNode final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LocalNode)

public:
    static constexpr int QueryTimeoutMs = 3000;

    LocalNode(const QByteArray &networkBits, const QString &runDirectory, QObject *parent = nullptr);
    ~LocalNode() override;

    // For tests: where the "local node" listens (default [::1]:326).
    void setNodeEndpoint(const QHostAddress &address, quint16 port);
    void setQueryTimeout(int ms) { m_timeoutMs = ms; }

    // §10.1 receive rule: split at the first NUL; the prefix must be a bit
    // string and the code byte must equal `code`. Nullopt otherwise.
    static std::optional<std::pair<QByteArray, QByteArray>> parseReply(const QByteArray &datagram,
                                                                       quint8 code);

    // Code 0 to the registry node: "new network version, go fetch".
    void notifyNewVersion(const QByteArray &registryPrefix);
    // Code 1: addresses of `prefix` ("ip,port,proto[,country];…"), nullopt on timeout.
    void queryAddress(const QByteArray &prefix, std::function<void(std::optional<QByteArray>)> done);
    // Code 4 to each prefix; null for no answer (§6.15).
    void queryVersions(const QList<QByteArray> &prefixes,
                       std::function<void(QMap<QByteArray, std::optional<QByteArray>>)> done);
    // Code 5 breadth-first crawl from `start` (§6.16).
    void queryTopology(const QByteArray &start, std::function<void(QJsonObject)> done);

    static constexpr int DumpTimeoutMs = 5000;
    // Prefixes (bits after the network) of the installed routes inside the
    // network, from one babeld dump (§10.2); empty when babeld is unreachable.
    // Concurrent callers share one dump.
    void routedPrefixes(std::function<void(QList<QByteArray>)> done);

private:
    struct Operation;
    void send(const QByteArray &prefix, quint8 code);
    void onReadyRead();
    void finish(Operation *op);

    QByteArray m_network;
    QString m_runDirectory;
    QUdpSocket m_socket;
    QHostAddress m_nodeAddress = QHostAddress::LocalHostIPv6;
    quint16 m_nodePort = 326;
    int m_timeoutMs = QueryTimeoutMs;
    QList<Operation *> m_operations;
    QList<std::function<void(QList<QByteArray>)>> m_dumpWaiters;
};

} // namespace re6st::registry
