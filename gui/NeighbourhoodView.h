// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "NeighbourhoodGraph.h"
#include "NeighbourhoodLayout.h"

#include <QWidget>

namespace re6st::gui {

// The picture of our neighbourhood (issue 5 §3): us in the centre, our direct
// neighbours on a ring (solid line: tunnel, dashed: babel neighbour without a tunnel,
// with babel's rtt), the nodes reached through each of them around it. Colours come from
// the palette or read on both light and dark ones; a tooltip tells about each node.
class NeighbourhoodView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NeighbourhoodView)
public:
    explicit NeighbourhoodView(QWidget *parent = nullptr);
    ~NeighbourhoodView() override;

    void setGraph(const NeighbourhoodGraph &graph);
    const NeighbourhoodGraph &graph() const { return m_graph; }
    // The node drawn under `pos` (widget coordinates), -1 if none.
    int nodeAt(const QPoint &pos) const;
    // Where node `index` is drawn (widget coordinates).
    QPointF nodeCentre(int index) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void graphChanged();

protected:
    bool event(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    double nodeRadius(int index) const;
    QPointF centre() const;
    double scale() const;

    NeighbourhoodGraph m_graph;
    NeighbourhoodLayout m_layout;
    QList<QPointF> m_points; // unit positions from m_layout
};

} // namespace re6st::gui
