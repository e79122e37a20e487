// SPDX-License-Identifier: GPL-2.0-or-later
#include "WindowScreenshot.h"

#include "MainWindow.h"
#include "NeighbourhoodView.h"
#include "NodeModel.h"
#include "NodeState.h"
#include "TrayApplication.h"
#include "TrayIcon.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>

namespace re6st::gui {

WindowScreenshot::WindowScreenshot(TrayApplication *app, const QString &dir, int minNodes, QObject *parent)
    : QObject(parent), m_app(app), m_dir(dir), m_minNodes(minNodes)
{
    QDir().mkpath(dir);
    MainWindow *window = app->window();
    connect(app->node(), &NodeModel::changed, this, &WindowScreenshot::check);
    connect(window->neighbourhood(), &NeighbourhoodView::graphChanged, this, &WindowScreenshot::check);
    for (MainWindow::Tab tab : {MainWindow::PeersTab, MainWindow::TunnelsTab, MainWindow::RoutesTab}) {
        QAbstractItemModel *model = window->table(tab)->model();
        connect(model, &QAbstractItemModel::modelReset, this, &WindowScreenshot::check);
        connect(model, &QAbstractItemModel::rowsInserted, this, &WindowScreenshot::check);
    }
    QTimer::singleShot(0, this, &WindowScreenshot::check);
}

WindowScreenshot::~WindowScreenshot() = default;

bool WindowScreenshot::populated() const
{
    MainWindow *window = m_app->window();
    const auto rows = [window](MainWindow::Tab tab) { return window->table(tab)->model()->rowCount(); };
    const NeighbourhoodGraph &graph = window->neighbourhood()->graph();
    return m_app->node()->servicePresent() && !m_app->node()->address().isEmpty() && rows(MainWindow::PeersTab) > 0
        && rows(MainWindow::TunnelsTab) > 0 && rows(MainWindow::RoutesTab) > 0
        && graph.nodes().size() - 1 >= m_minNodes;
}

void WindowScreenshot::check()
{
    if (m_done || !populated())
        return;
    m_done = true;
    // After the views have taken the last change in.
    QTimer::singleShot(0, this, &WindowScreenshot::save);
}

void WindowScreenshot::save()
{
    MainWindow *window = m_app->window();
    QTabWidget *tabs = window->tabs();
    static const char *const names[] = {"overview", "peers", "tunnels", "routes", "neighbourhood"};
    QStringList facts;
    for (int i = 0; i < tabs->count() && i < int(std::size(names)); ++i) {
        tabs->setCurrentIndex(i);
        const QString file = m_dir + QStringLiteral("/window-%1.png").arg(QLatin1String(names[i]));
        facts << QStringLiteral("png.%1=%2").arg(QLatin1String(names[i]), window->grab().save(file) ? file : QString());
    }
    tabs->setCurrentIndex(MainWindow::NeighbourhoodTab);
    QAbstractItemModel *overview = window->table(MainWindow::OverviewTab)->model();
    const NeighbourhoodGraph &graph = window->neighbourhood()->graph();
    facts << QStringLiteral("address=%1").arg(overview->index(NodeModel::AddressRow, NodeModel::ValueColumn).data().toString())
          << QStringLiteral("headline=%1").arg(window->headline())
          << QStringLiteral("state=%1").arg(NodeState::id(m_app->node()->tray()))
          << QStringLiteral("peers=%1").arg(window->table(MainWindow::PeersTab)->model()->rowCount())
          << QStringLiteral("tunnels=%1").arg(window->table(MainWindow::TunnelsTab)->model()->rowCount())
          << QStringLiteral("routes=%1").arg(window->table(MainWindow::RoutesTab)->model()->rowCount())
          << QStringLiteral("direct=%1").arg(graph.count(NeighbourhoodGraph::Kind::Direct))
          << QStringLiteral("via=%1").arg(graph.count(NeighbourhoodGraph::Kind::Via))
          << QStringLiteral("tray_available=%1").arg(QSystemTrayIcon::isSystemTrayAvailable() ? 1 : 0)
          << QStringLiteral("window_size=%1x%2").arg(window->width()).arg(window->height());
    QStringList nodes;
    for (const auto &n : graph.nodes())
        nodes << n.label;
    facts << QStringLiteral("nodes=%1").arg(nodes.join(u' '));
    QSaveFile out(m_dir + QStringLiteral("/window.txt"));
    if (out.open(QIODevice::WriteOnly)) {
        out.write((facts.join(u'\n') + u'\n').toUtf8());
        out.commit();
    }
}

} // namespace re6st::gui
