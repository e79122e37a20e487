// SPDX-License-Identifier: GPL-2.0-or-later
#include "NodeModel.h"

#include "DaemonErrorText.h"
#include "ValueText.h"
#include "node1proxy.h"

#include <QDBusMetaType>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <QDateTime>
#include <QPointer>
#include <QTimer>
#include <utility>

namespace re6st::gui {

namespace {
const QString kPropertiesInterface = QStringLiteral("org.freedesktop.DBus.Properties");
}

NodeModel::NodeModel(const QDBusConnection &bus, QObject *parent)
    : QAbstractTableModel(parent), m_bus(bus)
{
    qDBusRegisterMetaType<QList<QVariantMap>>();
    const QString service = QString::fromLatin1(kService);
    m_proxy = new Node1Proxy(service, QString::fromLatin1(kPath), m_bus, this);
    m_proxy->setTimeout(kQueryTimeoutMs);
    m_retry = new QTimer(this);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &NodeModel::refresh);
    if (!m_bus.isConnected()) {
        m_busError = tr("No D-Bus system bus (%1): re6st-tray cannot reach the daemon.")
                         .arg(m_bus.lastError().message());
        m_known = true;
        return;
    }
    m_watcher = new QDBusServiceWatcher(service, m_bus,
                                        QDBusServiceWatcher::WatchForRegistration
                                            | QDBusServiceWatcher::WatchForUnregistration, this);
    connect(m_watcher, &QDBusServiceWatcher::serviceRegistered, this, &NodeModel::onServiceRegistered);
    connect(m_watcher, &QDBusServiceWatcher::serviceUnregistered, this, &NodeModel::onServiceUnregistered);
    m_bus.connect(service, QString::fromLatin1(kPath), kPropertiesInterface, QStringLiteral("PropertiesChanged"),
                  this, SLOT(onPropertiesChanged(QString,QVariantMap,QStringList)));
    refresh();
}

NodeModel::~NodeModel()
{
    if (m_bus.isConnected())
        m_bus.disconnect(QString::fromLatin1(kService), QString::fromLatin1(kPath), kPropertiesInterface,
                         QStringLiteral("PropertiesChanged"), this,
                         SLOT(onPropertiesChanged(QString,QVariantMap,QStringList)));
}

void NodeModel::refresh()
{
    if (!m_bus.isConnected())
        return;
    QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                                                       kPropertiesInterface, QStringLiteral("GetAll"));
    call << QString::fromLatin1(kInterface);
    const quint64 generation = ++m_generation;
    m_retry->stop();
    m_reading = true;
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call, kQueryTimeoutMs), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, generation](QDBusPendingCallWatcher *w) {
        w->deleteLater();
        if (generation != m_generation)
            return;
        m_reading = false;
        const QDBusPendingReply<QVariantMap> reply = *w;
        if (reply.isError())
            return onGetAllFailed(reply.error().name(), reply.error().message());
        m_known = true;
        resetRetry();
        m_busError.clear();
        beginResetModel();
        m_values = reply.value();
        endResetModel();
        if (m_present)
            Q_EMIT changed();
        else
            setPresent(true); // emits changed()
    });
}

void NodeModel::onGetAllFailed(const QString &errorName, const QString &errorMessage)
{
    const bool first = !m_known;
    m_known = true;
    // No owner, and none could be activated (dbus-daemon's Spawn.* errors, systemd's when
    // it activates): the daemon is not running; the watcher tells when it starts.
    if (errorName == QLatin1String("org.freedesktop.DBus.Error.ServiceUnknown")
        || errorName == QLatin1String("org.freedesktop.DBus.Error.NameHasNoOwner")
        || errorName.startsWith(QLatin1String("org.freedesktop.DBus.Error.Spawn."))
        || errorName.startsWith(QLatin1String("org.freedesktop.systemd1."))) {
        const bool hadError = !std::exchange(m_busError, {}).isEmpty();
        resetRetry();
        setPresent(false);
        if (first || hadError)
            Q_EMIT changed();
        return;
    }
    // The daemon is there but did not answer (busy, timed out, refused): keep what we
    // knew, say why, and ask again later.
    m_busError = tr("Cannot read the re6st daemon's status (%1); retrying in %2 s.")
                     .arg(errorMessage.isEmpty() ? errorName : errorMessage)
                     .arg((m_retryDelayMs + 999) / 1000);
    m_retry->start(m_retryDelayMs);
    m_retryDelayMs = qMin(m_retryDelayMs * 2, m_maxRetryMs);
    Q_EMIT changed();
}

void NodeModel::resetRetry()
{
    m_retry->stop();
    m_retryDelayMs = m_firstRetryMs;
}

void NodeModel::setRetryDelays(int firstMs, int maxMs)
{
    m_firstRetryMs = firstMs;
    m_maxRetryMs = qMax(firstMs, maxMs);
    m_retryDelayMs = firstMs;
}

void NodeModel::onServiceRegistered()
{
    refresh();
}

void NodeModel::onServiceUnregistered()
{
    ++m_generation; // a GetAll in flight answers for the old owner
    m_reading = false;
    resetRetry();
    const bool hadError = !std::exchange(m_busError, {}).isEmpty();
    beginResetModel();
    m_values.clear();
    endResetModel();
    setPresent(false);
    if (hadError)
        Q_EMIT changed();
}

void NodeModel::setPresent(bool present)
{
    if (present == m_present)
        return;
    m_present = present;
    Q_EMIT servicePresenceChanged(present);
    Q_EMIT changed();
}

void NodeModel::onPropertiesChanged(const QString &interface, const QVariantMap &changedValues, const QStringList &)
{
    if (interface != QLatin1String(kInterface))
        return;
    if (!m_present) {
        // The daemon speaks, so it is there (a GetAll failed or raced its start): read all.
        if (!m_reading)
            refresh();
        return;
    }
    for (auto it = changedValues.begin(); it != changedValues.end(); ++it)
        m_values.insert(it.key(), it.value());
    Q_EMIT dataChanged(index(0, 0), index(RowCount - 1, ColumnCount - 1));
    Q_EMIT changed();
}

NodeState::Tray NodeModel::tray() const
{
    NodeState::Inputs in;
    in.servicePresent = m_present;
    in.enrolled = value(QStringLiteral("Enrolled")).toBool();
    in.state = value(QStringLiteral("State")).toString();
    in.certificateNotAfter = value(QStringLiteral("CertificateNotAfter")).toLongLong();
    in.now = QDateTime::currentSecsSinceEpoch();
    return NodeState::of(in);
}

void NodeModel::start()
{
    callAction(QStringLiteral("Start"), tr("Start"));
}

void NodeModel::stop()
{
    callAction(QStringLiteral("Stop"), tr("Stop"));
}

void NodeModel::callAction(const QString &method, const QString &action)
{
    if (!m_bus.isConnected()) {
        Q_EMIT actionFinished(action, m_busError);
        return;
    }
    QDBusMessage call = QDBusMessage::createMethodCall(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                                                       QString::fromLatin1(kInterface), method);
    call.setInteractiveAuthorizationAllowed(true);
    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call, kActionTimeoutMs), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this, action](QDBusPendingCallWatcher *w) {
        w->deleteLater();
        const QDBusPendingReply<> reply = *w;
        Q_EMIT actionFinished(action, reply.isError()
                                          ? DaemonErrorText::explain(reply.error().name(), reply.error().message())
                                          : QString());
    });
}

int NodeModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : RowCount;
}

int NodeModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant NodeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= RowCount || role != Qt::DisplayRole)
        return {};
    return index.column() == NameColumn ? label(index.row()) : formatted(index.row());
}

QVariant NodeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == NameColumn ? tr("Property") : tr("Value");
}

QString NodeModel::label(int row) const
{
    switch (Row(row)) {
    case StateRow: return tr("State");
    case AddressRow: return tr("Address");
    case PrefixRow: return tr("Prefix");
    case SubnetRow: return tr("Subnet");
    case NetworkRow: return tr("Network");
    case RegistryRow: return tr("Registry");
    case RegistryReachableRow: return tr("Registry reachable");
    case CertificateRow: return tr("Certificate valid until");
    case RenewalRow: return tr("Next renewal");
    case PeersRow: return tr("Peers");
    case TunnelsRow: return tr("Tunnels");
    case VersionRow: return tr("Daemon version");
    case RowCount: break;
    }
    return {};
}

QString NodeModel::formatted(int row) const
{
    const auto text = [this](const char *name) { return ValueText::orUnknown(value(QLatin1String(name)).toString()); };
    switch (Row(row)) {
    case StateRow: {
        const QString detail = stateDetail();
        const QString title = NodeState::title(tray());
        return detail.isEmpty() ? title : tr("%1 (%2)").arg(title, detail);
    }
    case AddressRow: return text("Address");
    case PrefixRow: return text("Prefix");
    case SubnetRow: return text("Subnet");
    case NetworkRow: return text("Network");
    case RegistryRow: return text("Registry");
    case RegistryReachableRow:
        return m_present ? ValueText::yesNo(value(QStringLiteral("RegistryReachable")).toBool()) : ValueText::orUnknown({});
    case CertificateRow:
        return ValueText::time(value(QStringLiteral("CertificateNotAfter")).toLongLong(), tr("no certificate"));
    case RenewalRow:
        return ValueText::time(value(QStringLiteral("NextRenewal")).toLongLong(), tr("not scheduled"));
    case PeersRow: return m_present ? QString::number(peerCount()) : ValueText::orUnknown({});
    case TunnelsRow: return m_present ? QString::number(tunnelCount()) : ValueText::orUnknown({});
    case VersionRow: return text("Version");
    case RowCount: break;
    }
    return {};
}

} // namespace re6st::gui
