// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QMainWindow>

class QAction;
class QLabel;
class QTabWidget;
class QTableView;

namespace re6st::gui {

class NeighbourhoodView;
class NodeModel;
class RecordsModel;
class WindowRefresh;

// The window: Overview (state, address, network, registry reachability, certificate
// validity and next renewal: NodeModel), Peers, Tunnels and Routes (sortable tables of
// the record models), Neighbourhood (NeighbourhoodView) and "Copy address". While it is
// on screen the records are refreshed every few seconds (WindowRefresh).
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    enum Tab { OverviewTab, PeersTab, TunnelsTab, RoutesTab, NeighbourhoodTab };

    MainWindow(NodeModel *node, RecordsModel *peers, RecordsModel *tunnels, RecordsModel *routes,
               QWidget *parent = nullptr);
    ~MainWindow() override;

    QTabWidget *tabs() const { return m_tabs; }
    QTableView *table(Tab tab) const;
    NeighbourhoodView *neighbourhood() const { return m_neighbourhood; }
    QAction *copyAddressAction() const { return m_copy; }
    WindowRefresh *refresher() const { return m_refresh; }
    QString headline() const;
    // Adds a panel below the overview table (TrayApplication: the NetworkManager
    // conflicts, ConflictsPanel).
    void addOverviewPanel(QWidget *panel);

private:
    QWidget *recordsPage(RecordsModel *model, QTableView **view);
    void updateOverview();

    NodeModel *m_node;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_icon = nullptr;
    QLabel *m_headline = nullptr;
    QLabel *m_advice = nullptr;
    QWidget *m_overviewPage = nullptr;
    QTableView *m_overview = nullptr;
    QTableView *m_peers = nullptr;
    QTableView *m_tunnels = nullptr;
    QTableView *m_routes = nullptr;
    NeighbourhoodView *m_neighbourhood = nullptr;
    QAction *m_copy = nullptr;
    WindowRefresh *m_refresh = nullptr;
};

} // namespace re6st::gui
