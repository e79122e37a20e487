// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "NodeState.h"

#include <QAbstractTableModel>
#include <QDBusConnection>
#include <QVariantMap>

class Node1Proxy;
class QDBusServiceWatcher;
class QTimer;

namespace re6st::gui {

// The daemon as seen by every UI (tray, window): the properties of org.re6st.Node1,
// read with GetAll, kept current from PropertiesChanged, cleared when org.re6st.Node
// leaves the bus and re-read when it comes back (QDBusServiceWatcher). A GetAll that
// fails while the daemon owns the name (timeout, access denied...) keeps the last state,
// shows why (busError) and is retried with a growing delay (audit M4). As a table:
// one row per field of the Overview (name, formatted value). Owns the generated proxy
// that the record models (PeersModel, ...) call too.
class NodeModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeModel)
public:
    enum Row { StateRow, AddressRow, PrefixRow, SubnetRow, NetworkRow, RegistryRow,
               RegistryReachableRow, CertificateRow, RenewalRow, PeersRow, TunnelsRow,
               VersionRow, RowCount };
    enum Column { NameColumn, ValueColumn, ColumnCount };
    static constexpr const char *kService = "org.re6st.Node";
    static constexpr const char *kPath = "/org/re6st/Node";
    static constexpr const char *kInterface = "org.re6st.Node1";
    static constexpr int kQueryTimeoutMs = 25 * 1000;
    static constexpr int kActionTimeoutMs = 6 * 60 * 1000; // polkit may ask for a password

    explicit NodeModel(const QDBusConnection &bus, QObject *parent = nullptr);
    ~NodeModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    bool servicePresent() const { return m_present; }
    // False until the first look at the bus has answered (present or not).
    bool known() const { return m_known; }
    QVariant value(const QString &property) const { return m_values.value(property); }
    QString address() const { return value(QStringLiteral("Address")).toString(); }
    QString stateDetail() const { return value(QStringLiteral("StateDetail")).toString(); }
    uint peerCount() const { return value(QStringLiteral("PeerCount")).toUInt(); }
    uint tunnelCount() const { return value(QStringLiteral("TunnelCount")).toUInt(); }
    // The tray state now (certificate expiry depends on the clock).
    NodeState::Tray tray() const;
    // Not empty when there is no bus at all (then the daemon counts as not running), or
    // while the daemon's properties cannot be read (then they are retried).
    QString busError() const { return m_busError; }
    // Retry delays after failed reads: `firstMs`, doubled each time up to `maxMs`.
    void setRetryDelays(int firstMs, int maxMs);
    // The delay before the next retry (grows with each failed read; reset by a success).
    int retryDelayMs() const { return m_retryDelayMs; }
    static constexpr int kFirstRetryMs = 5 * 1000;
    static constexpr int kMaxRetryMs = 60 * 1000;

    Node1Proxy *proxy() const { return m_proxy; }

public Q_SLOTS:
    void refresh();        // GetAll again
    void start();          // Start(); outcome: actionFinished
    void stop();           // Stop()

Q_SIGNALS:
    void changed();                              // any property or the presence
    void servicePresenceChanged(bool present);
    // `failure` empty on success, else translated (DaemonErrorText).
    void actionFinished(const QString &action, const QString &failure);

private Q_SLOTS:
    void onPropertiesChanged(const QString &interface, const QVariantMap &changed, const QStringList &invalidated);
    void onServiceRegistered();
    void onServiceUnregistered();

private:
    void setPresent(bool present);
    void onGetAllFailed(const QString &errorName, const QString &errorMessage);
    void resetRetry();
    void callAction(const QString &method, const QString &action);
    QString formatted(int row) const;
    QString label(int row) const;

    QDBusConnection m_bus;
    Node1Proxy *m_proxy = nullptr;
    QDBusServiceWatcher *m_watcher = nullptr;
    QVariantMap m_values;
    bool m_present = false;
    bool m_known = false;
    quint64 m_generation = 0; // replies to older GetAll calls are dropped
    bool m_reading = false;   // a GetAll is in flight
    QString m_busError;
    QTimer *m_retry = nullptr;
    int m_firstRetryMs = kFirstRetryMs;
    int m_maxRetryMs = kMaxRetryMs;
    int m_retryDelayMs = kFirstRetryMs;
};

} // namespace re6st::gui
