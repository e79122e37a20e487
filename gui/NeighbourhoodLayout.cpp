// SPDX-License-Identifier: GPL-2.0-or-later
#include "NeighbourhoodLayout.h"

#include "NeighbourhoodGraph.h"

#include <QtMath>
#include <algorithm>
#include <limits>

namespace re6st::gui {

namespace {
constexpr double kTau = 2 * M_PI;
constexpr double kStart = -M_PI / 2; // the first neighbour goes on top
constexpr double kSiblingStep = 0.32; // radians between nodes reached through one neighbour

double normalized(double a)
{
    a = std::fmod(a, kTau);
    return a < 0 ? a + kTau : a;
}
} // namespace

double NeighbourhoodLayout::angleOf(const QString &id) const
{
    return m_angles.value(id, std::numeric_limits<double>::quiet_NaN());
}

QList<QPointF> NeighbourhoodLayout::place(const NeighbourhoodGraph &graph)
{
    using Kind = NeighbourhoodGraph::Kind;
    const QList<NeighbourhoodGraph::Node> &nodes = graph.nodes();
    QStringList direct;
    for (const auto &n : nodes)
        if (n.kind == Kind::Direct)
            direct << n.id;
    for (auto it = m_angles.begin(); it != m_angles.end();)
        it = direct.contains(it.key()) ? std::next(it) : m_angles.erase(it);
    QStringList fresh;
    for (const QString &id : direct)
        if (!m_angles.contains(id))
            fresh << id;
    std::sort(fresh.begin(), fresh.end()); // the same records give the same picture
    if (m_angles.isEmpty()) {
        // The first ones: evenly around the circle.
        for (qsizetype k = 0; k < fresh.size(); ++k)
            m_angles.insert(fresh.at(k), normalized(kStart + kTau * double(k) / double(fresh.size())));
    } else if (!fresh.isEmpty()) {
        // New ones go into the free gaps, each to the gap left widest, evenly within it.
        QList<double> taken = m_angles.values();
        std::sort(taken.begin(), taken.end());
        QList<int> added(taken.size(), 0);
        const auto gap = [&taken](qsizetype i) {
            return (i + 1 < taken.size() ? taken.at(i + 1) : taken.first() + kTau) - taken.at(i);
        };
        for (qsizetype k = 0; k < fresh.size(); ++k) {
            qsizetype best = 0;
            for (qsizetype i = 1; i < taken.size(); ++i)
                if (gap(i) / (added.at(i) + 1) > gap(best) / (added.at(best) + 1) + 1e-9)
                    best = i;
            ++added[best];
        }
        qsizetype next = 0;
        for (qsizetype i = 0; i < taken.size(); ++i)
            for (int j = 0; j < added.at(i); ++j)
                m_angles.insert(fresh.at(next++), normalized(taken.at(i) + gap(i) * (j + 1) / (added.at(i) + 1)));
    }

    QList<QPointF> out(nodes.size(), QPointF(0, 0));
    QList<double> taken = m_angles.values();
    std::sort(taken.begin(), taken.end());
    for (int i = 1; i < nodes.size(); ++i) {
        if (nodes.at(i).kind != Kind::Direct)
            continue;
        const double a = m_angles.value(nodes.at(i).id);
        out[i] = QPointF(kInnerRing * std::cos(a), kInnerRing * std::sin(a));

        // The nodes reached through it: a fan around its angle, within its share of the circle.
        QList<int> children = graph.children(i);
        if (children.isEmpty())
            continue;
        std::sort(children.begin(), children.end(),
                  [&nodes](int x, int y) { return nodes.at(x).id < nodes.at(y).id; });
        double gap = kTau;
        for (double t : taken) {
            const double d = std::abs(normalized(t - a + M_PI) - M_PI);
            if (d > 1e-9)
                gap = std::min(gap, d);
        }
        const double halfWidth = std::min(gap * 0.45, M_PI * 0.9);
        const qsizetype n = children.size();
        const double span = std::min(2 * halfWidth, kSiblingStep * double(n - 1));
        const bool staggered = n > 1 && span / double(n - 1) < kSiblingStep * 0.8; // crowded: two rows
        for (qsizetype k = 0; k < n; ++k) {
            const double angle = n == 1 ? a : a - span / 2 + span * double(k) / double(n - 1);
            const double r = staggered && (k % 2) ? kOuterRing - 0.13 : kOuterRing;
            out[children.at(k)] = QPointF(r * std::cos(angle), r * std::sin(angle));
        }
    }
    return out;
}

} // namespace re6st::gui
