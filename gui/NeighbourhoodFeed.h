// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "NeighbourhoodGraph.h"

#include <QObject>

namespace re6st::gui {

class NodeModel;
class RecordsModel;

// Keeps a NeighbourhoodGraph current from the daemon: the records the Peers, Tunnels
// and Routes tabs already load (rebuilt when any of them reloads), our prefix, address
// and subnet (NodeModel), and babel's neighbours for the rtt (Neighbours(), re-read on
// RoutesChanged and refresh()). Changes arriving together give one rebuild; answers
// bringing nothing new give none.
class NeighbourhoodFeed final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NeighbourhoodFeed)
public:
    NeighbourhoodFeed(NodeModel *node, RecordsModel *peers, RecordsModel *tunnels, RecordsModel *routes,
                      QObject *parent = nullptr);
    ~NeighbourhoodFeed() override;

    const NeighbourhoodGraph &graph() const { return m_graph; }

public Q_SLOTS:
    // Re-reads Neighbours(): rtt_ms changes raise no RoutesChanged.
    void refresh() { fetchNeighbours(); }

Q_SIGNALS:
    void changed();

private:
    void schedule();
    void rebuild();
    void fetchNeighbours();

    NodeModel *m_node;
    RecordsModel *m_peers;
    RecordsModel *m_tunnels;
    RecordsModel *m_routes;
    QList<QVariantMap> m_neighbours;
    NeighbourhoodGraph m_graph;
    quint64 m_generation = 0;
    bool m_scheduled = false;
};

} // namespace re6st::gui
