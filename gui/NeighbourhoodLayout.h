// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QHash>
#include <QList>
#include <QPointF>
#include <QString>

namespace re6st::gui {

class NeighbourhoodGraph;

// Where NeighbourhoodView draws each node of a NeighbourhoodGraph: us in the centre,
// direct neighbours on an inner ring, the nodes reached through one of them on an outer
// ring around it. Stable: a direct neighbour keeps its angle for as long as it stays in
// the graph (a new one goes into the widest free gap), so the picture does not jump
// when the daemon announces a change. Pure.
class NeighbourhoodLayout final
{
public:
    static constexpr double kInnerRing = 0.45; // radius of the direct ring (1 = the view's)
    static constexpr double kOuterRing = 0.86;

    // Positions of graph.nodes(), in units of the view's radius, (0, 0) = us.
    QList<QPointF> place(const NeighbourhoodGraph &graph);
    // The angle (radians, 0 = right, clockwise on screen) kept for a direct node; NaN if none.
    double angleOf(const QString &id) const;

private:
    QHash<QString, double> m_angles;
};

} // namespace re6st::gui
