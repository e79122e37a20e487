// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "NodeStatus.h"

#include <QDBusConnection>
#include <QObject>
#include <functional>
#include <memory>

namespace re6st::daemon {

// The daemon's read-only D-Bus API, org.re6st.Node1 at /org/re6st/Node
// (contract: dbus/org.re6st.Node1.xml). Reads a NodeStatus snapshot from the
// provider; refresh() diffs it against the last one and announces the changes.
class DBusService final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DBusService)
public:
    using Provider = std::function<NodeStatus()>;

    static constexpr const char *kServiceName = "org.re6st.Node";
    static constexpr const char *kObjectPath = "/org/re6st/Node";
    static constexpr const char *kInterface = "org.re6st.Node1";
    // D-Bus error names of the contract (see the XML's header comment).
    static constexpr const char *kErrorUnavailable = "org.re6st.Error.Unavailable";
    static constexpr const char *kErrorBabelUnavailable = "org.re6st.Error.BabelUnavailable";

    // An empty provider makes every method answer org.re6st.Error.Unavailable.
    DBusService(const QDBusConnection &bus, Provider provider, QObject *parent = nullptr);
    ~DBusService() override;

    // Exports the object on the bus and, when ownName, requests org.re6st.Node.
    // Reads the first snapshot. False with *errorMessage set on failure.
    bool start(QString *errorMessage, bool ownName = true);

    // Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS or the default socket) and
    // starts a service there. nullptr with *errorMessage when there is no system bus or
    // the name is refused: the daemon logs "D-Bus API off" and keeps routing.
    static std::unique_ptr<DBusService> registerOnSystemBus(Provider provider, QString *errorMessage);

    const NodeStatus &status() const { return m_status; }
    bool hasProvider() const { return bool(m_provider); }
    QDBusConnection connection() const { return m_bus; }

public Q_SLOTS:
    // Re-reads the snapshot; emits PropertiesChanged (changed properties only, new
    // values) and PeersChanged / TunnelsChanged / RoutesChanged for changed lists.
    void refresh();

private:
    QDBusConnection m_bus;
    Provider m_provider;
    NodeStatus m_status;
    QObject *m_adaptor = nullptr; // owned as a child
    bool m_exported = false;
    bool m_ownsName = false;
};

} // namespace re6st::daemon
