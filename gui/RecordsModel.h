// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QAbstractTableModel>
#include <QList>
#include <QVariantMap>

namespace re6st::gui {

class NodeModel;

// A list method of org.re6st.Node1 (Peers(), Tunnels(), Routes(): one a{sv} record per
// row) as a table. Reloaded when the daemon announces a change, (re)appears on the bus,
// and emptied when it leaves. SortRole gives raw values for QSortFilterProxyModel.
class RecordsModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecordsModel)
public:
    static constexpr int SortRole = Qt::UserRole;
    enum class Format { Text, Number, Time, Bytes, YesNo };
    struct Column
    {
        QString key;    // record key of the contract
        QString header; // translated
        Format format = Format::Text;
    };

    ~RecordsModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    const QList<QVariantMap> &records() const { return m_records; }
    // Why the list is empty when it is not known (translated), else empty.
    QString errorText() const { return m_errorText; }

public Q_SLOTS:
    void reload();

Q_SIGNALS:
    void loaded(); // a reload finished (records or errorText changed)

protected:
    // `method`: "Peers", "Tunnels" or "Routes"; subclasses connect the matching
    // *Changed signal of node->proxy() to reload().
    RecordsModel(NodeModel *node, const QString &method, QList<Column> columns, QObject *parent);
    // A cell's display text; subclasses may override for keys needing words.
    virtual QVariant display(const QVariantMap &record, const Column &column) const;
    // The value SortRole gives; by default the record's raw value.
    virtual QVariant sortValue(const QVariantMap &record, const Column &column) const;
    // Tells the views that computed cells changed (display() depends on more than records).
    void recomputed();
    // Reads another list of the daemon into `into` (a member) for computed cells; empty on
    // error. Answers arriving after the daemon left are dropped.
    void fetchContext(const QString &method, QList<QVariantMap> *into);
    // Called when the daemon leaves: drop what fetchContext() filled.
    virtual void clearContext() {}
    NodeModel *node() const { return m_node; }

private:
    void clear();

    NodeModel *m_node;
    QString m_method;
    QList<Column> m_columns;
    QList<QVariantMap> m_records;
    QString m_errorText;
    quint64 m_generation = 0;
    quint64 m_contextGeneration = 0;
    bool m_inFlight = false;
    bool m_again = false; // a change arrived while a call was in flight
};

} // namespace re6st::gui
