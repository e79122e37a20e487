// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QAbstractTableModel>
#include <QList>
#include <QStringList>
#include <QVariantMap>

namespace re6st::gui {

class NodeModel;

// A list method of org.re6st.Node1 (Peers(), Tunnels(), Routes(): one a{sv} record per
// row) as a table. Reloaded when the daemon announces a change, (re)appears on the bus,
// or refresh() asks (the volatile values the daemon announces no change for), and
// emptied when it leaves. A reload that brings the same rows (same row keys, in the
// same order) updates them in place, so views keep their selection and scroll
// position; one that brings nothing new changes nothing. SortRole gives raw values
// for QSortFilterProxyModel (RecordsSortProxy).
class RecordsModel : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RecordsModel)
public:
    static constexpr int SortRole = Qt::UserRole;
    enum class Format { Text, Number, Time, Bytes, YesNo, Prefix }; // Prefix: CN form ("2/16")
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
    Format format(int column) const;

    const QList<QVariantMap> &records() const { return m_records; }
    // Why the list is empty when it is not known (translated), else empty.
    QString errorText() const { return m_errorText; }

public Q_SLOTS:
    void reload();
    // Reloads the records and what computed cells read (refreshContext()): the byte
    // counters, last_seen and rtt_ms change without a *Changed signal.
    void refresh();

Q_SIGNALS:
    void loaded(); // a reload finished that changed records or errorText

protected:
    // `method`: "Peers", "Tunnels" or "Routes"; subclasses connect the matching
    // *Changed signal of node->proxy() to reload(). `rowKeys`: the record keys that
    // together tell one row from another.
    RecordsModel(NodeModel *node, const QString &method, QList<Column> columns, QStringList rowKeys,
                 QObject *parent);
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
    // Called by refresh(): fetchContext() again what computed cells read.
    virtual void refreshContext() {}
    NodeModel *node() const { return m_node; }

private:
    void clear();
    void apply(QList<QVariantMap> records, const QString &errorText);
    bool sameRows(const QList<QVariantMap> &records) const;

    NodeModel *m_node;
    QString m_method;
    QList<Column> m_columns;
    QStringList m_rowKeys;
    QList<QVariantMap> m_records;
    QString m_errorText;
    quint64 m_generation = 0;
    quint64 m_contextGeneration = 0;
    bool m_inFlight = false;
    bool m_again = false; // a change arrived while a call was in flight
};

} // namespace re6st::gui
