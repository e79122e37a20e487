// SPDX-License-Identifier: GPL-2.0-or-later
#include "NeighbourhoodView.h"
#include "ValueText.h"

#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <QtMath>

namespace re6st::gui {

namespace {
using Kind = NeighbourhoodGraph::Kind;

// Mid-tone fills that stand out on a white and on a near-black base; the labels use the
// palette's text colour, never these.
QColor fill(Kind kind, const QPalette &palette)
{
    switch (kind) {
    case Kind::Self: return palette.color(QPalette::Highlight);
    case Kind::Direct: return QColor(0x2e, 0xa0, 0x5a); // green
    case Kind::Via: return QColor(0xa0, 0x6c, 0xd5);    // purple
    }
    return palette.color(QPalette::Mid);
}

QColor withAlpha(QColor c, int alpha)
{
    c.setAlpha(alpha);
    return c;
}

constexpr int kMargin = 44; // room for the labels around the outer ring
} // namespace

NeighbourhoodView::NeighbourhoodView(QWidget *parent) : QWidget(parent)
{
    setMouseTracking(true);
    setAutoFillBackground(false);
    setGraph(NeighbourhoodGraph::build({}, {}, {}, {}, {}));
}

NeighbourhoodView::~NeighbourhoodView() = default;

QSize NeighbourhoodView::sizeHint() const
{
    return {640, 480};
}

QSize NeighbourhoodView::minimumSizeHint() const
{
    return {260, 220};
}

void NeighbourhoodView::setGraph(const NeighbourhoodGraph &graph)
{
    m_graph = graph;
    m_points = m_layout.place(m_graph);
    update();
    Q_EMIT graphChanged();
}

QPointF NeighbourhoodView::centre() const
{
    return QRectF(rect()).center() + QPointF(0, 8); // the legend takes a little room on top
}

double NeighbourhoodView::scale() const
{
    return std::max(20.0, std::min(width(), height() - 16) / 2.0 - kMargin);
}

QPointF NeighbourhoodView::nodeCentre(int index) const
{
    if (index < 0 || index >= m_points.size())
        return {};
    return centre() + m_points.at(index) * scale();
}

double NeighbourhoodView::nodeRadius(int index) const
{
    const bool crowded = m_graph.nodes().size() > 30;
    switch (m_graph.nodes().at(index).kind) {
    case Kind::Self: return 16;
    case Kind::Direct: return crowded ? 9 : 11;
    case Kind::Via: return crowded ? 5 : 7;
    }
    return 6;
}

int NeighbourhoodView::nodeAt(const QPoint &pos) const
{
    int best = -1;
    double bestDistance = 0;
    for (int i = 0; i < m_points.size(); ++i) {
        const QPointF d = nodeCentre(i) - QPointF(pos);
        const double distance = std::hypot(d.x(), d.y());
        if (distance <= nodeRadius(i) + 3 && (best < 0 || distance < bestDistance)) {
            best = i;
            bestDistance = distance;
        }
    }
    return best;
}

bool NeighbourhoodView::event(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const int index = nodeAt(help->pos());
        if (index >= 0)
            QToolTip::showText(help->globalPos(), ValueText::toolTip(m_graph.describe(index)), this);
        else
            QToolTip::hideText();
        return true;
    }
    return QWidget::event(event);
}

void NeighbourhoodView::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    const QColor text = pal.color(QPalette::Text);
    p.fillRect(rect(), pal.color(QPalette::Base));
    const QList<NeighbourhoodGraph::Node> &nodes = m_graph.nodes();

    // Rings, faint, so the structure reads even with few nodes.
    p.setPen(QPen(withAlpha(text, 28), 1, Qt::DotLine));
    p.setBrush(Qt::NoBrush);
    for (double ring : {NeighbourhoodLayout::kInnerRing, NeighbourhoodLayout::kOuterRing})
        p.drawEllipse(centre(), ring * scale(), ring * scale());

    // Edges first, nodes over them.
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    p.setFont(small);
    const QLocale locale;
    for (int i = 1; i < nodes.size(); ++i) {
        const NeighbourhoodGraph::Node &n = nodes.at(i);
        if (n.parent < 0 || n.parent >= nodes.size())
            continue;
        const QPointF a = nodeCentre(n.parent), b = nodeCentre(i);
        if (n.kind == Kind::Direct) {
            p.setPen(QPen(withAlpha(text, 150), 2, n.tunnel ? Qt::SolidLine : Qt::DashLine));
            p.drawLine(a, b);
            if (n.rttMs >= 0) {
                p.setPen(withAlpha(text, 200));
                // Beside the middle of the line, on its clockwise side.
                const QPointF d = b - a;
                const double len = std::max(1.0, std::hypot(d.x(), d.y()));
                const QString rtt = tr("%1 ms").arg(locale.toString(n.rttMs, 'f', 1));
                const double w = QFontMetricsF(p.font()).horizontalAdvance(rtt) + 4;
                const QPointF at = (a + b) / 2 + QPointF(-d.y(), d.x()) / len * (w / 2 + 4);
                p.drawText(QRectF(at.x() - w / 2, at.y() - 9, w, 18), Qt::AlignCenter, rtt);
            }
        } else {
            p.setPen(QPen(withAlpha(text, 90), 1));
            p.drawLine(a, b);
        }
    }

    const QFontMetricsF metrics(small);
    for (int i = 0; i < nodes.size(); ++i) {
        const NeighbourhoodGraph::Node &n = nodes.at(i);
        const QPointF c = nodeCentre(i);
        const double r = nodeRadius(i);
        p.setPen(QPen(withAlpha(text, 170), 1));
        p.setBrush(fill(n.kind, pal));
        p.drawEllipse(c, r, r);
        // Label outside the node, away from the centre (below for us).
        const QString label = metrics.elidedText(n.label, Qt::ElideMiddle, 120);
        const double w = metrics.horizontalAdvance(label) + 4, h = metrics.height();
        QPointF dir = m_points.value(i);
        const double len = std::hypot(dir.x(), dir.y());
        dir = len > 1e-9 ? dir / len : QPointF(0, 1);
        const QPointF anchor = c + dir * (r + 3 + h / 2);
        QRectF box(anchor.x() - w / 2, anchor.y() - h / 2, w, h);
        box.translate(dir.x() * w / 2, 0); // sideways labels grow outwards
        p.setPen(text);
        p.drawText(box, Qt::AlignCenter, label);
    }

    // Legend (top left) and counts (bottom left).
    struct Entry { Kind kind; QString text; };
    const Entry legend[] = {{Kind::Self, tr("this node")},
                            {Kind::Direct, tr("direct neighbour")},
                            {Kind::Via, tr("reached through a neighbour")}};
    double x = 8;
    for (const Entry &e : legend) {
        p.setPen(QPen(withAlpha(text, 170), 1));
        p.setBrush(fill(e.kind, pal));
        p.drawEllipse(QPointF(x + 5, 12), 5, 5);
        p.setPen(text);
        const double w = metrics.horizontalAdvance(e.text) + 2;
        p.drawText(QRectF(x + 14, 3, w, 18), Qt::AlignLeft | Qt::AlignVCenter, e.text);
        x += 14 + w + 14;
    }
    const int direct = m_graph.count(Kind::Direct), via = m_graph.count(Kind::Via);
    p.setPen(text);
    const QRectF bottom(8, height() - 22, width() - 16, 18);
    if (direct == 0)
        p.drawText(bottom, Qt::AlignLeft | Qt::AlignVCenter,
                   tr("No neighbour yet: tunnels and routes appear here as re6stnet sets them up."));
    else
        p.drawText(bottom, Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Direct neighbours: %1, nodes reached through them: %2").arg(direct).arg(via));
}

} // namespace re6st::gui
