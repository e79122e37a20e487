// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/DoctorFinding.h"
#include "daemon/NodeOptions.h"
#include "daemon/NodeStatus.h"

#include <QDBusConnection>
#include <QDBusContext>
#include <QList>
#include <QDBusMessage>
#include <QObject>
#include <QThread>
#include <QVariantMap>
#include <functional>
#include <optional>

namespace re6st::daemon {

// org.re6st.Doctor1 at /org/re6st/Doctor (dbus/org.re6st.Doctor1.xml): the checks of
// `re6stctl doctor`, run by the privileged daemon with its own options (Babel
// interfaces = tunnel taps + -i, --pp server ports, --cert, the registry and its
// reachability from NodeStatus). Run() replies later: the facts are gathered in a
// worker thread (platform/DoctorProbe runs nft, ip6tables-save, ... with timeouts),
// the event loop keeps serving. Reading is open to everyone (no polkit).
class DoctorService final : public QObject, protected QDBusContext
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DoctorService)
public:
    using StatusProvider = std::function<NodeStatus()>;
    // NetworkManager conflicts (org.re6st.HostNetwork1.Conflicts); nullopt: no integration.
    using ConflictsProvider = std::function<std::optional<QList<QVariantMap>>()>;

    static constexpr const char *kObjectPath = "/org/re6st/Doctor";
    static constexpr const char *kInterface = "org.re6st.Doctor1";

    DoctorService(const NodeOptions &options, StatusProvider status, QObject *parent = nullptr);
    ~DoctorService() override;

    void setConflictsProvider(ConflictsProvider provider) { m_conflicts = std::move(provider); }
    // Optional: whether NetworkManager is on the bus (HostNetwork1.NetworkManager); when
    // it says false the check is "ok: NetworkManager is not running".
    void setNetworkManagerProvider(std::function<bool()> provider) { m_networkManager = std::move(provider); }
    // Exports the object (the bus name is DBusService's). False + *error on failure.
    bool registerOn(QDBusConnection bus, QString *error);

    // Runs every check now, synchronously (tests; Run() uses the same inputs).
    QList<doctor::DoctorFinding> runChecks() const;

public Q_SLOTS:
    // org.re6st.Doctor1 (called by the generated adaptor); delayed reply on the bus.
    QList<QVariantMap> Run();

private:
    struct Inputs;
    Inputs inputs() const;

    NodeOptions m_options;
    StatusProvider m_status;
    ConflictsProvider m_conflicts;
    std::function<bool()> m_networkManager;
    QDBusConnection m_bus{QString()};
    QThread *m_worker = nullptr;  // the running Run(), waited for at destruction
    QList<QDBusMessage> m_callers; // answered when it ends
    bool m_exported = false;
};

} // namespace re6st::daemon
