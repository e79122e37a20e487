// SPDX-License-Identifier: GPL-2.0-or-later
#include "NeighbourhoodFeed.h"

#include "NodeModel.h"
#include "RecordsModel.h"
#include "node1proxy.h"

#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QTimer>

namespace re6st::gui {

NeighbourhoodFeed::NeighbourhoodFeed(NodeModel *node, RecordsModel *peers, RecordsModel *tunnels,
                                     RecordsModel *routes, QObject *parent)
    : QObject(parent), m_node(node), m_peers(peers), m_tunnels(tunnels), m_routes(routes)
{
    for (RecordsModel *model : {peers, tunnels, routes})
        connect(model, &RecordsModel::loaded, this, &NeighbourhoodFeed::schedule);
    connect(node, &NodeModel::changed, this, &NeighbourhoodFeed::schedule);
    connect(node->proxy(), &Node1Proxy::RoutesChanged, this, &NeighbourhoodFeed::fetchNeighbours);
    connect(node, &NodeModel::servicePresenceChanged, this, [this](bool present) {
        ++m_generation;
        m_neighbours.clear();
        if (present)
            fetchNeighbours();
        schedule();
    });
    if (node->servicePresent())
        fetchNeighbours();
    rebuild();
}

NeighbourhoodFeed::~NeighbourhoodFeed() = default;

void NeighbourhoodFeed::fetchNeighbours()
{
    if (!m_node->servicePresent())
        return;
    const quint64 generation = ++m_generation;
    auto *watcher = new QDBusPendingCallWatcher(m_node->proxy()->asyncCall(QStringLiteral("Neighbours")), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, generation](QDBusPendingCallWatcher *w) {
        w->deleteLater();
        if (generation != m_generation)
            return; // a newer call or the daemon left
        const QDBusPendingReply<QList<QVariantMap>> reply = *w;
        QList<QVariantMap> neighbours = reply.isError() ? QList<QVariantMap>() : reply.value();
        if (neighbours == m_neighbours)
            return;
        m_neighbours = std::move(neighbours);
        schedule();
    });
}

void NeighbourhoodFeed::schedule()
{
    if (m_scheduled)
        return;
    m_scheduled = true;
    QTimer::singleShot(0, this, [this] {
        m_scheduled = false;
        rebuild();
    });
}

void NeighbourhoodFeed::rebuild()
{
    NeighbourhoodGraph::Self self;
    if (m_node->servicePresent()) {
        self.prefix = m_node->value(QStringLiteral("Prefix")).toString();
        self.address = m_node->address();
        self.subnet = m_node->value(QStringLiteral("Subnet")).toString();
        self.network = m_node->value(QStringLiteral("Network")).toString();
    }
    m_graph = NeighbourhoodGraph::build(self, m_peers->records(), m_tunnels->records(), m_routes->records(),
                                        m_neighbours);
    Q_EMIT changed();
}

} // namespace re6st::gui
