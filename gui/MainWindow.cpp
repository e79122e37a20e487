// SPDX-License-Identifier: GPL-2.0-or-later
#include "MainWindow.h"

#include "NeighbourhoodFeed.h"
#include "NeighbourhoodView.h"
#include "NodeModel.h"
#include "RecordsModel.h"
#include "RecordsSortProxy.h"
#include "TrayIconSet.h"
#include "WindowRefresh.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QTabWidget>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace re6st::gui {

MainWindow::MainWindow(NodeModel *node, RecordsModel *peers, RecordsModel *tunnels, RecordsModel *routes,
                       QWidget *parent)
    : QMainWindow(parent), m_node(node)
{
    setWindowTitle(tr("re6st"));
    m_copy = new QAction(tr("Copy address"), this);
    m_copy->setShortcut(QKeySequence::Copy);
    connect(m_copy, &QAction::triggered, this, [this] { QGuiApplication::clipboard()->setText(m_node->address()); });
    QMenu *fileMenu = menuBar()->addMenu(tr("&Node"));
    fileMenu->addAction(m_copy);
    fileMenu->addSeparator();
    fileMenu->addAction(tr("Close window"), QKeySequence::Close, this, &QWidget::close);
    QToolBar *toolbar = addToolBar(tr("Actions"));
    toolbar->setMovable(false);
    toolbar->addAction(m_copy);

    auto *overview = m_overviewPage = new QWidget;
    auto *overviewLayout = new QVBoxLayout(overview);
    auto *header = new QHBoxLayout;
    m_icon = new QLabel;
    m_icon->setFixedSize(48, 48);
    auto *texts = new QVBoxLayout;
    m_headline = new QLabel;
    QFont bold = m_headline->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.3);
    m_headline->setFont(bold);
    m_advice = new QLabel;
    m_advice->setWordWrap(true);
    m_advice->setTextFormat(Qt::PlainText); // the daemon's StateDetail (audit F7)
    m_advice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    texts->addWidget(m_headline);
    texts->addWidget(m_advice);
    header->addWidget(m_icon);
    header->addLayout(texts, 1);
    overviewLayout->addLayout(header);
    m_overview = new QTableView;
    m_overview->setModel(node);
    m_overview->horizontalHeader()->setVisible(false);
    m_overview->verticalHeader()->setVisible(false);
    m_overview->horizontalHeader()->setSectionResizeMode(NodeModel::NameColumn, QHeaderView::ResizeToContents);
    m_overview->horizontalHeader()->setStretchLastSection(true);
    m_overview->setWordWrap(false);
    m_overview->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_overview->setEditTriggers(QAbstractItemView::NoEditTriggers);
    overviewLayout->addWidget(m_overview, 1);

    m_tabs = new QTabWidget;
    m_tabs->addTab(overview, tr("Overview"));
    m_tabs->addTab(recordsPage(peers, &m_peers), tr("Peers"));
    m_tabs->addTab(recordsPage(tunnels, &m_tunnels), tr("Tunnels"));
    m_tabs->addTab(recordsPage(routes, &m_routes), tr("Routes"));
    m_neighbourhood = new NeighbourhoodView;
    auto *feed = new NeighbourhoodFeed(node, peers, tunnels, routes, m_neighbourhood);
    connect(feed, &NeighbourhoodFeed::changed, m_neighbourhood, [this, feed] { m_neighbourhood->setGraph(feed->graph()); });
    m_neighbourhood->setGraph(feed->graph());
    m_tabs->addTab(m_neighbourhood, tr("Neighbourhood"));
    setCentralWidget(m_tabs);
    resize(760, 480);

    m_refresh = new WindowRefresh(this);
    for (RecordsModel *model : {peers, tunnels, routes})
        connect(m_refresh, &WindowRefresh::due, model, &RecordsModel::refresh);
    connect(m_refresh, &WindowRefresh::due, feed, &NeighbourhoodFeed::refresh);

    connect(node, &NodeModel::changed, this, &MainWindow::updateOverview);
    updateOverview();
}

MainWindow::~MainWindow() = default;

void MainWindow::addOverviewPanel(QWidget *panel)
{
    m_overviewPage->layout()->addWidget(panel);
}

QWidget *MainWindow::recordsPage(RecordsModel *model, QTableView **view)
{
    auto *page = new QWidget;
    auto *layout = new QVBoxLayout(page);
    // Why the table is empty when the daemon could not say (e.g. babeld not answering).
    auto *error = new QLabel;
    error->setWordWrap(true);
    error->setTextFormat(Qt::PlainText); // the daemon's error message
    error->setVisible(false);
    layout->addWidget(error);
    auto *sorted = new RecordsSortProxy(model, page);
    *view = new QTableView;
    (*view)->setModel(sorted);
    (*view)->setSortingEnabled(true);
    (*view)->sortByColumn(0, Qt::AscendingOrder);
    (*view)->setSelectionBehavior(QAbstractItemView::SelectRows);
    (*view)->setEditTriggers(QAbstractItemView::NoEditTriggers);
    (*view)->verticalHeader()->setVisible(false);
    (*view)->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    (*view)->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(*view, 1);
    connect(model, &RecordsModel::loaded, error, [model, error] {
        error->setText(model->errorText());
        error->setVisible(!model->errorText().isEmpty());
    });
    return page;
}

QTableView *MainWindow::table(Tab tab) const
{
    switch (tab) {
    case OverviewTab: return m_overview;
    case PeersTab: return m_peers;
    case TunnelsTab: return m_tunnels;
    case RoutesTab: return m_routes;
    case NeighbourhoodTab: return nullptr;
    }
    return nullptr;
}

QString MainWindow::headline() const
{
    return m_headline->text();
}

void MainWindow::updateOverview()
{
    const NodeState::Tray tray = m_node->tray();
    m_icon->setPixmap(TrayIconSet::icon(tray, TrayIconSet::variantFor(palette())).pixmap(48, 48));
    m_headline->setText(NodeState::title(tray));
    QStringList advice;
    if (!m_node->stateDetail().isEmpty())
        advice << m_node->stateDetail();
    if (!NodeState::advice(tray).isEmpty())
        advice << NodeState::advice(tray);
    if (!m_node->busError().isEmpty())
        advice << m_node->busError();
    m_advice->setText(advice.join(u'\n'));
    m_copy->setEnabled(!m_node->address().isEmpty());
}

} // namespace re6st::gui
